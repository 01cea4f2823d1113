import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const MAIN = path.join(import.meta.dirname, 'main.ts');

export interface StackProcess {
  /** The HTTP API's base URL, as the stack printed it. */
  apiUrl: string;
  /** The S3 API endpoint, as printed (for SDK uploads that trigger an import). */
  s3Endpoint: string;
  /** The Lambda Invoke endpoint, as printed. */
  lambdaEndpoint: string;
  child: ChildProcess;
  /** Everything the stack printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** A crash: SIGKILL to the whole process group (npm, tsx, node), resolved once the leader is gone. */
  kill(): Promise<void>;
}

/**
 * Runs `npm start` (or its entry, `infra/local/main.ts`) in a child process on free ports, with
 * `DATA_DIR` and any extra variables, and resolves once it prints its URLs. For end-to-end tests and
 * benchmarks.
 */
export function startStackProcess(
  dataDir: string,
  env: Record<string, string> = {},
  { viaNpm = false, startTimeoutMs = 60_000 } = {},
): Promise<StackProcess> {
  // `npm start` itself, or its entry without npm in between (faster, one process to signal).
  const [command, args] = viaNpm
    ? ['npm', ['start', '--silent']]
    : [process.execPath, ['--import', 'tsx', MAIN]];
  const child = spawn(command, args, {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a crash can kill everything it started at once, as `kill -9 -PGID` would.
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The local stack did not start within ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    const onData = () => {
      const api = /^\s+API\s+(http:\/\/\S+)/m.exec(output)?.[1];
      const s3 = /^\s+S3 API\s+(http:\/\/\S+)/m.exec(output)?.[1];
      const lambda = /^\s+Lambda Invoke\s+(http:\/\/\S+)/m.exec(output)?.[1];
      if (!api || !s3 || !lambda) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        apiUrl: api,
        s3Endpoint: s3,
        lambdaEndpoint: lambda,
        child,
        output: () => output,
        stop: () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
            process.kill(-child.pid, 'SIGKILL');
          }
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The local stack exited with code ${code} before it was ready:\n${output}`));
    });
  });
}
