import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface DynaliteProcess {
  endpoint: string;
  /** CPU seconds the server process has used so far (0 where /proc is missing). */
  cpuSeconds: () => number;
  stop: () => Promise<void>;
}

/**
 * dynalite in a child process, in memory, on a free port, so that the code under measurement does
 * not share an event loop (or a core) with the server. Benchmarks compare both sides of a ratio on the
 * same server; `npm start` keeps dynalite's data in LevelDB under `DATA_DIR` instead.
 */
export async function startDynaliteProcess(): Promise<DynaliteProcess> {
  const script = `
    import dynalite from 'dynalite';
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
  `;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const { port } = JSON.parse(chunk.toString()) as { port: number };
  const ticksPerSecond = 100; // USER_HZ on Linux
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cpuSeconds: () => {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      } catch {
        return 0;
      }
    },
    stop: async () => {
      child.kill();
      await once(child, 'exit');
    },
  };
}
