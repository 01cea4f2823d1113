/**
 * Bench part `http`: the local stack end to end. Starts `npm start`'s entry in a child process (free
 * ports, temp DATA_DIR), loads generated partners through POST /partners, runs a rescore, then drives
 * concurrent GET /rankings with autocannon. BENCH_HTTP_PARTNERS / BENCH_HTTP_SECONDS scale it down.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { startStackProcess } from '#infra/local/stack-process.ts';
import { generatePartners } from '../samples/generate-partners.ts';

const PARTNERS = Number(process.env.BENCH_HTTP_PARTNERS ?? 10_000);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 30);
const CONNECTIONS = 20;
const BATCH = 1_000;

export async function run(): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-http-'));
  const stack = await startStackProcess(dataDir, {
    RESCORE_CRON: '0 2 31 2 *',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  try {
    const post = async (route: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown>>;
    };

    const partners = generatePartners(PARTNERS);
    const loadStart = performance.now();
    const batches: (typeof partners)[] = [];
    for (let i = 0; i < partners.length; i += BATCH) batches.push(partners.slice(i, i + BATCH));
    // Two batches in flight: the two cores are shared by the client, the API and dynalite.
    for (let i = 0; i < batches.length; i += 2) {
      await Promise.all(batches.slice(i, i + 2).map((batch) => post('/partners', { partners: batch })));
    }
    const loadMs = performance.now() - loadStart;

    const rescoreStart = performance.now();
    const { runId } = (await post('/rescore')) as { runId: string };
    for (;;) {
      const response = await fetch(`${stack.apiUrl}/runs/${encodeURIComponent(runId)}`);
      const status = ((await response.json()) as { status: string }).status;
      if (status === 'completed') break;
      if (status === 'failed') throw new Error(`rescore run ${runId} failed:\n${stack.output()}`);
      await sleep(200);
    }
    const rescoreMs = performance.now() - rescoreStart;

    const url = `${stack.apiUrl}/rankings?limit=50`;
    await autocannon({ url, connections: 4, amount: 200 }); // warm-up
    const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
    return {
      'http.partners.loaded': PARTNERS,
      'http.post.partnersPerSec': PARTNERS / (loadMs / 1000),
      'http.rescore.ms': rescoreMs,
      'http.rankings.rps': result.requests.average,
      'http.rankings.p50Ms': result.latency.p50,
      'http.rankings.p99Ms': result.latency.p99,
      'http.rankings.errors': result.errors + result.timeouts + result.non2xx,
    };
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
