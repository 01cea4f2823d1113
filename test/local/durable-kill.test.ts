import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InvokeCommand,
  LambdaClient,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, expect, it } from 'vitest';

/**
 * A crash is a SIGKILL: the local durable engine keeps executions under DATA_DIR, so a pending
 * callback, a callback timeout and a wait survive a kill of the process. The timeout and the wait
 * fall due while the process is down and fire when it starts again; the callback is sent to the
 * new process through the Lambda API (`SendDurableExecutionCallbackSuccess`), as on AWS.
 */

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'durable-callback-process.ts');
let dataDir: string;
let child: ChildProcess | undefined;
let client: LambdaClient | undefined;

afterAll(async () => {
  client?.destroy();
  if (child?.pid) process.kill(-child.pid, 'SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Starts the fixture process; resolves with its Lambda endpoint. */
async function start(): Promise<string> {
  const started = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child = started;
  let output = '';
  started.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fixture did not start:\n${output}`)), 30_000);
    started.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^\{"lambda":"([^"]+)"\}$/m.exec(output);
      if (line?.[1]) {
        clearTimeout(timer);
        resolve(line[1]);
      }
    });
  });
}

async function kill(): Promise<void> {
  const running = child as ChildProcess;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  process.kill(-(running.pid as number), 'SIGKILL');
  await exited;
  child = undefined;
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const fileOf =
  (...parts: string[]) =>
  () =>
    readFile(path.join(dataDir, ...parts), 'utf8').catch(() => undefined);

function lambda(endpoint: string): LambdaClient {
  client?.destroy();
  client = new LambdaClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return client;
}

it('keeps a pending callback, a callback timeout and a wait across a SIGKILL, and completes them after', async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'durable-kill-'));
  let api = lambda(await start());
  const invoke = (job: object) =>
    api.send(
      new InvokeCommand({
        FunctionName: 'rescore:live',
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(job)),
      }),
    );
  await invoke({ job: 'accepted', callback: true, timeoutSeconds: 600, pauseSeconds: 1 });
  await invoke({ job: 'declined', callback: true, timeoutSeconds: 600, pauseSeconds: 1 });
  await invoke({ job: 'expired', callback: true, timeoutSeconds: 2, pauseSeconds: 1 });
  await invoke({ job: 'paused', pauseSeconds: 2 });
  const accepted = await until('the accepted callback', fileOf('callbacks', 'accepted'));
  const declined = await until('the declined callback', fileOf('callbacks', 'declined'));
  await until('the expiring callback', fileOf('callbacks', 'expired'));
  // A heartbeat on a callback without a heartbeat timeout is accepted (and changes nothing).
  await api.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: accepted }));

  await kill();
  // Down for longer than the expiring callback's timeout and the pause: both fall due meanwhile.
  await sleep(2_500);
  expect(await fileOf('outcomes', 'expired.json')()).toBeUndefined();
  api = lambda(await start());

  await api.send(
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: accepted,
      Result: Buffer.from(JSON.stringify({ accepted: true })),
    }),
  );
  await api.send(
    new SendDurableExecutionCallbackFailureCommand({
      CallbackId: declined,
      Error: { ErrorType: 'Declined', ErrorMessage: 'the partner declined' },
    }),
  );
  const outcome = async (job: string) =>
    JSON.parse(await until(`the ${job} outcome`, fileOf('outcomes', `${job}.json`)));
  expect(await outcome('paused')).toEqual({ job: 'paused', answer: null });
  expect(await outcome('expired')).toMatchObject({ answer: { error: 'CallbackTimeoutError' } });
  expect(await outcome('accepted')).toEqual({ job: 'accepted', answer: { result: '{"accepted":true}' } });
  expect(await outcome('declined')).toMatchObject({ answer: { message: 'the partner declined' } });

  // A callback completes once: again is Lambda's CallbackTimeoutException; an unknown id is a 404.
  await expect(
    api.send(
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: accepted, Result: Buffer.from('1') }),
    ),
  ).rejects.toMatchObject({ name: 'CallbackTimeoutException', $metadata: { httpStatusCode: 400 } });
  const unknown = Buffer.from(
    JSON.stringify([
      'arn:aws:lambda:us-east-1:000000000000:function:rescore:live/durable-execution/none',
      'op',
    ]),
  ).toString('base64');
  await expect(
    api.send(
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: unknown, Result: Buffer.from('1') }),
    ),
  ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  await expect(
    api.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: 'not base64!' })),
  ).rejects.toMatchObject({ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } });
});
