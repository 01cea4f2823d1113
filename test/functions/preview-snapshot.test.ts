import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { partnerShard } from '#core/keys.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { parseScoringModel, type ScoringModel } from '#core/model/scoring-model.ts';
import { normalizeName } from '#core/names.ts';
import { JOURNAL_MARGIN_MS, type PreviewDeps, previewCandidate } from '#core/ranking/preview-current.ts';
import { runFileKeys } from '#core/runs/run-files.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

let servers: LocalServers;
let h: Harness;
/** The partner store on the harness's clock (the run's `startedAt` comes from it too). */
let store: DynamoPartnerStore;
let runId: string;
const HOUR = 3_600_000;

const metricsOf = (i: number) =>
  Object.fromEntries(
    Object.entries({
      sales: (i * 7919) % 1000,
      transactions: (i * 104_729) % 97,
      reputation: i % 5 === 0 ? null : (i * 31) % 101,
      communicationFrequency: i % 11,
      commonCustomers: (i * 13) % 40,
    })
      .filter(([, value]) => value !== null)
      .map(([name, value]) => [normalizeName(name), value as number]),
  );

/** A candidate that moves many partners and tiers: percentile, log and `lower` metrics, other weights. */
const candidate: ScoringModel = parseScoringModel({
  ...DEFAULT_MODEL,
  metrics: DEFAULT_MODEL.metrics.map((metric, j) => ({
    ...metric,
    weight: metric.weight * (j + 1),
    normalization: (['percentile', 'log', 'minmax', 'percentile', 'minmax'] as const)[j],
    direction: j === 2 ? 'lower' : 'higher',
    missing: j === 1 ? 'neutral' : j === 3 ? 'exclude' : 'zero',
  })),
});

function previewDeps(overrides: Partial<PreviewDeps> = {}): PreviewDeps {
  return {
    partners: store,
    models: h.models,
    runs: h.runs,
    rankings: h.rankings,
    files: h.files,
    // Both answers at one time (decay would otherwise differ by the milliseconds between them).
    now: () => Date.parse('2026-12-01T00:00:00.000Z'),
    ...overrides,
  };
}

/** The same preview through the partner-store path: the snapshot parts read as expired. */
const throughStore = () =>
  previewCandidate(
    previewDeps({
      files: { get: async (key) => (key.includes('/snapshot/') ? null : h.files.get(key)) },
    }),
    candidate,
    10_000,
  );

const withoutBasis = ({ basis: _, ...rest }: Awaited<ReturnType<typeof previewCandidate>>) => rest;

beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  store = new DynamoPartnerStore(h.client, h.table, { now: () => Date.now() + h.clock.offsetMs });
  await store.upsert(
    Array.from({ length: 400 }, (_, i) => ({
      id: `p-${String(i).padStart(3, '0')}`,
      name: `Partner ${i}`,
      metrics: metricsOf(i),
      asOf: '2026-11-01T00:00:00.000Z',
    })),
  );
  // The run starts an hour later; one partner is written within the journal margin before it.
  h.clock.offsetMs = HOUR - JOURNAL_MARGIN_MS / 2;
  await store.upsert([{ id: 'p-001', metrics: { sales: 5000 }, asOf: '2026-11-02T00:00:00.000Z' }]);
  h.clock.offsetMs = HOUR;
  runId = await h.runNow();
  h.clock.offsetMs = HOUR + 60_000;
}, 60_000);

afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

describe('POST /model/preview from the current run snapshot', () => {
  it('answers from the snapshot alone when nothing changed since the run, as reading every partner does', async () => {
    const fast = await previewCandidate(previewDeps(), candidate, 10_000);
    // The partner written within the margin before the run is read afresh (it is in the snapshot too).
    expect(fast.basis).toEqual({ source: 'snapshot', runId, changedPartners: 1 });
    expect(fast.partners).toBe(400);
    expect(fast.movers.length).toBeGreaterThan(100);
    expect(fast.tierChanges).toBeGreaterThan(0);
    const slow = await throughStore();
    expect(slow.basis).toEqual({ source: 'partners', runId, changedPartners: null });
    expect(withoutBasis(fast)).toEqual(withoutBasis(slow));
  });

  it('is exact with partners updated, created and deleted after the run', async () => {
    await store.upsert([
      // Updated: a new top seller, a metric removed, an older asOf refused (stale).
      { id: 'p-010', metrics: { sales: 100_000 }, asOf: '2026-11-03T00:00:00.000Z' },
      { id: 'p-011', metrics: { reputation: null, transactions: 0 }, asOf: '2026-11-03T00:00:00.000Z' },
      { id: 'p-012', metrics: { sales: 1 }, asOf: '2020-01-01T00:00:00.000Z' },
      // Unchanged data: read afresh all the same.
      { id: 'p-013', metrics: metricsOf(13), asOf: '2026-11-01T00:00:00.000Z' },
      // Created.
      ...Array.from({ length: 5 }, (_, k) => ({
        id: `new-${k}`,
        metrics: metricsOf(1000 + k),
        asOf: '2026-11-03T00:00:00.000Z',
      })),
    ]);
    for (const id of ['p-020', 'p-021', 'p-022', 'new-4']) expect(await store.delete(id)).toBe(true);

    const fast = await previewCandidate(previewDeps(), candidate, 10_000);
    // p-001 (margin) + 4 updated or unchanged + 5 created + 3 deleted (new-4 already counted).
    expect(fast.basis).toEqual({ source: 'snapshot', runId, changedPartners: 13 });
    expect(fast.partners).toBe(400 + 4 - 3);
    const slow = await throughStore();
    expect(slow.partners).toBe(fast.partners);
    expect(withoutBasis(fast)).toEqual(withoutBasis(slow));
    const ids = fast.movers.map((mover) => mover.id);
    expect(ids).not.toContain('p-020');
    expect(fast.movers.find((mover) => mover.id === 'p-010')).toMatchObject({
      previewRank: expect.any(Number),
    });
  });

  it('falls back to reading every partner when a snapshot part expired, with the same answer', async () => {
    const key = runFileKeys.snapshot(runId, partnerShard('p-100'));
    const before = await previewCandidate(previewDeps(), candidate, 10_000);
    await servers.s3Client.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: key }));
    const after = await previewCandidate(previewDeps(), candidate, 10_000);
    expect(after.basis).toEqual({ source: 'partners', runId, changedPartners: null });
    expect(withoutBasis(after)).toEqual(withoutBasis(before));
  });

  it('falls back when a model names a metric the snapshot does not hold', async () => {
    const withNps = parseScoringModel({
      ...candidate,
      metrics: [...candidate.metrics, { name: 'nps', group: 'relationship', weight: 10 }],
    });
    const preview = await previewCandidate(previewDeps(), withNps, 10);
    expect(preview.basis.source).toBe('partners');
  });
});
