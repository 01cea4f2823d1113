import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Event } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredOperation } from '#infra/local/durable-operations.ts';
import { DurableExecutionStore, type ExecutionHeader } from '#infra/local/durable-store.ts';
import { S3NotificationQueue } from '#infra/local/s3-trigger.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'durable-store-'));
  dirs.push(dir);
  return dir;
}

const header: ExecutionHeader = {
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:rescore:live/durable-execution/run-1',
  functionName: 'rescore',
  name: 'run-1',
  payload: '{"runId":"run-1"}',
  startedAt: '2026-12-07T10:00:00.000Z',
};
const op = (id: string, status: 'STARTED' | 'SUCCEEDED'): StoredOperation => ({
  op: { Id: id, Type: 'STEP', Status: status, StartTimestamp: header.startedAt },
});

describe('the durable execution store', () => {
  it('reads the newest state of each operation, and moves an ended execution to done/', async () => {
    const store = new DurableExecutionStore(await tempDir());
    await store.create(header, [op('a', 'STARTED')]);
    await store.append(header, [op('a', 'SUCCEEDED'), op('b', 'STARTED')]);
    const [running] = await store.running();
    expect(running?.header).toEqual(header);
    expect([...(running?.operations.values() ?? [])].map((s) => [s.op.Id, s.op.Status])).toEqual([
      ['a', 'SUCCEEDED'],
      ['b', 'STARTED'],
    ]);
    await store.finish(header);
    expect(await store.running()).toEqual([]);
    expect((await store.find('rescore', 'run-1'))?.operations.get('b')?.op.Status).toBe('STARTED');
  });

  it('drops a last line cut by a kill (never acknowledged) and appends after it cleanly', async () => {
    const dir = await tempDir();
    const store = new DurableExecutionStore(dir);
    await store.create(header, [op('a', 'STARTED')]);
    const file = path.join(dir, 'running', 'rescore.run-1.ndjson');
    await appendFile(file, '{"ops":[{"op":{"Id":"a","Sta');
    // A rename that a kill cut off leaves a temporary file: it is not an execution.
    await writeFile(path.join(dir, 'running', 'rescore.run-2.ndjson.1234.partial'), '{"arn":');
    const [read] = await new DurableExecutionStore(dir).running();
    expect(read?.operations.get('a')?.op.Status).toBe('STARTED');
    expect(await readdir(path.join(dir, 'running'))).toEqual(['rescore.run-1.ndjson']);
    const again = new DurableExecutionStore(dir);
    await again.append(header, [op('a', 'SUCCEEDED')]);
    const [after] = await again.running();
    expect(after?.operations.get('a')?.op.Status).toBe('SUCCEEDED');
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(3);
  });
});

describe('the local S3 trigger queue', () => {
  const event = { Records: [{ s3: { object: { key: 'imports%2Fa.csv' } } }] } as unknown as S3Event;

  it('keeps a notification until its target handled it, and delivers it again to a new queue', async () => {
    const dir = await tempDir();
    const errors: unknown[] = [];
    const delivered: string[] = [];
    // The first process never finishes the import (it is killed).
    const first = new S3NotificationQueue(
      dir,
      async (id) => {
        delivered.push(id);
        await new Promise(() => {});
      },
      (_, error) => errors.push(error),
    );
    // An upload before the queue starts (the function not loaded yet) is kept, then delivered.
    const id = first.enqueue(event);
    expect(await readdir(dir)).toEqual([`${id}.json`]);
    expect(delivered).toEqual([]);
    expect(await first.start()).toBe(1);

    let handled!: () => void;
    const done = new Promise<void>((resolve) => {
      handled = resolve;
    });
    const second = new S3NotificationQueue(
      dir,
      async (again, redelivered) => {
        delivered.push(again);
        expect(redelivered).toEqual(event);
        handled();
      },
      (_, error) => errors.push(error),
    );
    expect(await second.start()).toBe(1);
    await done;
    await expect.poll(() => readdir(dir)).toEqual([]);
    expect(delivered).toEqual([id, id]);
    expect(errors).toEqual([]);
  });
});
