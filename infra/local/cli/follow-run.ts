import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiSchemas } from '#client/index.ts';
import { type Cli, CliError } from './context.ts';
import { fmt, newTable, POLL_MS, STALL_MS, stallWatch } from './output.ts';

/** Polls a run until it ends, prints its summary, and throws a {@link CliError} if it failed or stalls. */
export async function followRun(cli: Cli, runId: string): Promise<ApiSchemas['Run']> {
  process.stdout.write(`run ${runId} `);
  const stalled = stallWatch();
  for (;;) {
    const run = await cli.ok('GET', cli.client.GET('/runs/{runId}', { params: { path: { runId } } }));
    if (run.status !== 'running') {
      process.stdout.write('\n');
      const table = newTable(['run', 'status', 'partners', 'model', 'tier changes', 'took']);
      const took =
        run.finishedAt === null
          ? '—'
          : `${(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000} s`;
      table.push([
        run.runId,
        run.status,
        fmt(run.partners, 0),
        run.modelVersion,
        fmt(run.tierChanges, 0),
        took,
      ]);
      console.log(table.toString());
      if (run.status === 'failed') throw new CliError(`Run ${runId} failed; the previous ranking stays.`);
      return run;
    }
    if (stalled(run.status)) {
      throw new CliError(
        `Run ${runId} is still running after ${STALL_MS / 60_000} minutes; see the npm start console.`,
      );
    }
    process.stdout.write('.');
    await sleep(POLL_MS);
  }
}
