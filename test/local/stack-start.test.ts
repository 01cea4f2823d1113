import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { callStack } from '#test/support/stack-http.ts';

// `npm start`'s entry in a child process whose schedule fires every 10 seconds (croner takes a
// seconds field), so the nightly run's local path runs within the test.
let dataDir: string;
let stack: StackProcess;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'stack-start-'));
  stack = await startStackProcess(dataDir, { RESCORE_CRON: '*/10 * * * * *', SHUTDOWN_GRACE_MS: '5000' });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const call = (method: string, route: string, body?: unknown) => callStack(stack.apiUrl, method, route, body);

describe('npm start', () => {
  it('refuses a second stack on the same DATA_DIR while the first runs, and says what to do', async () => {
    const second = startStackProcess(dataDir, { RESCORE_CRON: '0 2 31 2 *' }, { startTimeoutMs: 60_000 });
    await expect(second).rejects.toThrow(
      /is in use by another local stack \(pid \d+\)\. Stop it, or set DATA_DIR/,
    );
    // The first one still serves.
    expect((await call('GET', '/health')).status).toBe(200);
  }, 90_000);

  it('starts the nightly run on its schedule (RESCORE_CRON): a scheduled run completes and ranks what was written', async () => {
    const written = await call('POST', '/partners', {
      partners: [
        { id: 'cron-1', name: 'Cron one', metrics: { sales: 10, transactions: 3 } },
        { id: 'cron-2', name: 'Cron two', metrics: { sales: 20, transactions: 5 } },
      ],
    });
    expect(written.status).toBe(200);
    const writtenAt = Date.now();
    const deadline = Date.now() + 120_000;
    let scheduled: { runId: string; status: string; startedAt: string } | undefined;
    while (Date.now() < deadline) {
      const runs = await call('GET', '/runs?limit=20');
      scheduled = (runs.body.items as { runId: string; status: string; startedAt: string }[]).find(
        (run) =>
          run.runId.endsWith('-schedule') &&
          run.status === 'completed' &&
          Date.parse(run.startedAt) >= writtenAt - 1000,
      );
      if (scheduled) break;
      await sleep(500);
    }
    expect(scheduled, `no scheduled run completed; the stack said:\n${stack.output()}`).toBeDefined();
    expect(stack.output()).toMatch(/nightly schedule: starting rescore/);
    const ranking = await call('GET', '/rankings?limit=50');
    expect(ranking.status).toBe(200);
    expect(ranking.body.items.map((item: { id: string }) => item.id).sort()).toEqual(['cron-1', 'cron-2']);
  }, 150_000);
});
