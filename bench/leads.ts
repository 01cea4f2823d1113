/**
 * Lead distribution figures (contract §8): `leads.maxLag` (the weighted choice over 10,000 leads with
 * random eligibility and weights, in memory), `leads.wruPerLead` (write units the stored distribution
 * spends per lead offered among 10,000 eligible partners, as dynalite reports them) and
 * `leads.offer.ms` (median `POST /leads` → offered through `npm start`, 10,000 eligible partners).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import { DynamoLeadStore } from '#core/adapters/dynamo-lead-store.ts';
import { type LeadServiceDeps, postLead } from '#core/leads/lead-service.ts';
import { DEFAULT_POLICY } from '#core/leads/policy.ts';
import type { RankedPartner } from '#core/leads/selection.ts';
import { InMemoryDistribution } from '#core/leads/simulation.ts';
import { createTableInput } from '#core/table.ts';
import { startStackProcess } from '#infra/local/stack-process.ts';
import { startDynaliteProcess } from './support/dynalite-process.ts';

const ELIGIBLE = 10_000;
const LAG_LEADS = 10_000;
const WRU_LEADS = 200;
const TIMED_LEADS = 60;
const region = 'us-east-1';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

export async function run(): Promise<Record<string, number>> {
  const maxLag = lagFigure();
  console.log(`  maxLag over ${LAG_LEADS} leads with random eligibility and weights: ${maxLag.toFixed(3)}`);
  const wruPerLead = await writeUnitsFigure();
  const offerMs = await offerLatencyFigure();
  return { 'leads.offer.ms': offerMs, 'leads.wruPerLead': wruPerLead, 'leads.maxLag': maxLag };
}

/** A seeded generator (mulberry32), so every run measures the same leads. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 500 partners with random weights (scores 0.5–100, a few tenfold), 5 regions × 2 types, and per
 * lead a random region, type and a random tenth of the eligible excluded (as declines would): the
 * largest |entitled − offered| of any partner after any lead.
 */
export function lagFigure(): number {
  const next = random(20);
  const regions = ['EU', 'NA', 'APAC', 'LATAM', 'MEA'];
  const types = ['reseller', 'referral'];
  const partners: RankedPartner[] = Array.from({ length: 500 }, (_, i) => ({
    id: `p${String(i).padStart(4, '0')}`,
    region: regions[i % regions.length] ?? null,
    type: types[Math.floor(i / regions.length) % 2] ?? null,
    tier: 'Gold',
    score: (0.5 + next() * 99.5) * (next() < 0.05 ? 10 : 1),
  }));
  const distribution = new InMemoryDistribution(partners, { ...DEFAULT_POLICY, matchType: true });
  let maxLag = 0;
  for (let n = 0; n < LAG_LEADS; n++) {
    const leadRegion = regions[Math.floor(next() * regions.length)] ?? 'EU';
    const leadType = types[Math.floor(next() * types.length)] ?? 'reseller';
    const excluded = new Set(partners.filter(() => next() < 0.1).map((p) => p.id));
    distribution.offer({ region: leadRegion, type: leadType }, excluded);
    for (const partner of partners) {
      maxLag = Math.max(
        maxLag,
        Math.abs(distribution.entitled(partner.id) - distribution.offered(partner.id)),
      );
    }
  }
  return maxLag;
}

function eligiblePartners(): RankedPartner[] {
  const next = random(7);
  return Array.from({ length: ELIGIBLE }, (_, i) => ({
    id: `P${String(i).padStart(6, '0')}`,
    region: 'EU',
    type: i % 3 === 0 ? 'Reseller' : 'Referral',
    tier: ['Bronze', 'Silver', 'Gold', 'Platinum'][i % 4] ?? null,
    score: 1 + next() * 99,
  }));
}

/** Write units the stored distribution spends per lead (lead, list entry, head, offer, counters), 10,000 eligible. */
export async function writeUnitsFigure(): Promise<number> {
  const server = await startDynaliteProcess();
  try {
    const table = 'bench-leads';
    await new DynamoDBClient({ endpoint: server.endpoint, region, credentials }).send(
      new CreateTableCommand(createTableInput(table)),
    );
    const units = { write: 0, read: 0 };
    const client = createDocumentClient({ endpoint: server.endpoint, region, credentials });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        (args.input as Record<string, unknown>).ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
          CapacityUnits?: number;
        }[];
        const total = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        if (/^(Get|BatchGet|Query|Scan)/.test(context.commandName ?? '')) units.read += total;
        else units.write += total;
        return result;
      },
      { step: 'initialize', name: 'consumedCapacity' },
    );
    const partners = eligiblePartners();
    const deps: LeadServiceDeps = {
      leads: new DynamoLeadStore(client, table),
      ranking: {
        current: async () => ({
          runId: 'bench',
          partners,
          tierOrder: ['Bronze', 'Silver', 'Gold', 'Platinum'],
        }),
        partnersOf: async () => partners,
      },
      starter: { start: async () => undefined },
      callbacks: { succeed: async () => undefined },
      now: Date.now,
    };
    // Warm: the first leads write the period's head and shards from nothing.
    for (let i = 0; i < 20; i++) await postLead(deps, { externalId: `warm-${i}`, region: 'EU' });
    const before = { ...units };
    const started = performance.now();
    for (let i = 0; i < WRU_LEADS; i++) {
      const answer = await postLead(deps, { externalId: `lead-${i}`, region: 'EU' });
      if (answer.status !== 'offered')
        throw new Error(`lead ${i} was not offered: ${JSON.stringify(answer)}`);
    }
    const ms = (performance.now() - started) / WRU_LEADS;
    const wru = (units.write - before.write) / WRU_LEADS;
    console.log(
      `  stored distribution, ${ELIGIBLE} eligible: ${wru.toFixed(2)} WRU and ${((units.read - before.read) / WRU_LEADS).toFixed(1)} RRU per lead, ${ms.toFixed(1)} ms per lead in process`,
    );
    return wru;
  } finally {
    await server.stop();
  }
}

/** Median POST /leads → offered through `npm start` with 10,000 eligible partners (after a run). */
export async function offerLatencyFigure(): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-leads-'));
  const stack = await startStackProcess(dataDir, { RESCORE_CRON: '0 2 31 2 *' });
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  try {
    const partners = eligiblePartners();
    for (let i = 0; i < partners.length; i += 1000) {
      await call('POST', '/partners', {
        partners: partners.slice(i, i + 1000).map((p, j) => ({
          id: p.id,
          region: p.region,
          type: p.type,
          metrics: { sales: ((i + j) * 7919) % 100_000, transactions: (i + j) % 5000 },
        })),
      });
    }
    const { runId } = (await call('POST', '/rescore')) as { runId: string };
    for (;;) {
      const runState = await call('GET', `/runs/${runId}`);
      if (runState.status === 'completed') break;
      if (runState.status === 'failed') throw new Error(`run failed: ${JSON.stringify(runState)}`);
      await sleep(200);
    }
    const times: number[] = [];
    for (let i = 0; i < TIMED_LEADS; i++) {
      const started = performance.now();
      const answer = await call('POST', '/leads', { externalId: `timed-${i}`, region: 'EU' });
      times.push(performance.now() - started);
      if (answer.status !== 'offered') throw new Error(`lead ${i}: ${JSON.stringify(answer)}`);
    }
    // The first lead loads the ranking into the function's cache; the median is the steady state.
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    console.log(
      `  POST /leads through npm start: median ${median.toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms`,
    );
    return median;
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
