import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { callStack, rescoreAndWait } from '#test/support/stack-http.ts';

// A crash is a SIGKILL of `npm start`'s process group: offers waiting on their deadlines survive it.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 60_000 });

const env = { RESCORE_CRON: '0 2 31 2 *', SHUTDOWN_GRACE_MS: '2000' };
let dataDir: string;
let stack: StackProcess | undefined;

afterAll(async () => {
  await stack?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function call(method: string, route: string, body?: unknown) {
  if (!stack) throw new Error('no stack');
  return callStack(stack.apiUrl, method, route, body);
}

describe('lead offers through npm start, killed while they wait on their deadlines', () => {
  it('every deadline still passes after a SIGKILL and a restart: each lead moves on exactly once', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lead-kill-'));
    stack = await startStackProcess(dataDir, env);
    const partners = ['A', 'B', 'C', 'D'].map((id, i) => ({
      id,
      region: 'EU',
      metrics: { sales: 1000 * (i + 1), transactions: 10 * (i + 1) },
    }));
    expect((await call('POST', '/partners', { partners })).status).toBe(200);
    await rescoreAndWait(stack.apiUrl);
    expect((await call('PUT', '/distribution/policy', { slaMinutes: 1, maxAttempts: 2 })).status).toBe(200);
    const posted = [];
    for (let i = 0; i < 4; i++) {
      const answer = await call('POST', '/leads', { externalId: `kill-${i}`, region: 'EU' });
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      expect(answer.body.status).toBe('offered');
      posted.push(answer.body);
    }
    // Let each execution reach its wait (the callback id is stored on the offer), then crash.
    await sleep(3000);
    await stack.kill();
    stack = await startStackProcess(dataDir, env);
    // Every first offer expires on its deadline after the restart and the lead moves on at once.
    const deadline = Date.now() + 150_000;
    for (const lead of posted) {
      for (;;) {
        const { body } = await call('GET', `/leads/${lead.leadId}`);
        if (body.offers.length === 2 && body.offers[0].outcome === 'expired') {
          expect(body.offers[1].partnerId).not.toBe(body.offers[0].partnerId);
          expect(body.status).toBe('offered');
          break;
        }
        if (Date.now() > deadline)
          throw new Error(`lead did not move on: ${JSON.stringify(body)}\n${stack.output().slice(-3000)}`);
        await sleep(1000);
      }
    }
    // Offered once per attempt: the audit counts 8 offers and 4 expiries, nothing twice.
    const { body: audit } = await call('GET', '/distribution/audit');
    const sum = (field: string) =>
      audit.items.reduce((n: number, item: Record<string, number>) => n + (item[field] ?? 0), 0);
    expect([sum('offered'), sum('expired')]).toEqual([8, 4]);
    const events = (await readFile(path.join(dataDir, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { 'detail-type': string; detail: { eventId: string } })
      .filter((event) => event['detail-type'] === 'LeadOffered');
    expect(new Set(events.map((event) => event.detail.eventId)).size).toBe(8);
  });
});
