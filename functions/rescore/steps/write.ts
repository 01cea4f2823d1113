import { mapWithConcurrency } from '#core/concurrency.ts';
import type { DomainEvent } from '#core/ports.ts';
import { encodeEntry } from '#core/ranking/ranking-store.ts';
import { MoversCollector } from '#core/runs/movers.ts';
import {
  Dictionary,
  decodeColumnFile,
  encodeColumnFile,
  jsonFile,
  NONE,
  type PageEntryRow,
  runFileKeys,
  type ScoredMeta,
  type SnapshotMeta,
} from '#core/runs/run-files.ts';
import { eventId } from '#core/runs/run-ids.ts';
import {
  HISTORY_TTL_DAYS,
  modelOf,
  type RescoreRunDeps,
  type RunPlan,
  requiredFile,
} from '#core/runs/run-plan.ts';
import type { ScoreRecord } from '#core/runs/run-store.ts';

/** Score records handed to the store at once (bounds memory, keeps writes pipelined). */
const WRITE_CHUNK = 5_000;

/**
 * Step 4 (one per slice, fanned out): writes the slice's score records (history), hands each of its
 * ranking entries to the page writer of its page, writes its outbox part (the tier changes, to be
 * published after the switch) and its places (what the next run's hysteresis reads). Every write is
 * idempotent: a re-run slice writes the same items and files. Returns its number of tier changes
 * (the publish phase visits only slices that have some).
 */
export async function writeSlice(deps: RescoreRunDeps, plan: RunPlan, slice: number): Promise<number> {
  const [snapshotData, scoredData] = await Promise.all([
    requiredFile(deps.files, runFileKeys.snapshot(plan.runId, slice)),
    requiredFile(deps.files, runFileKeys.scored(plan.runId, slice)),
  ]);
  const snapshot = decodeColumnFile<SnapshotMeta>(snapshotData);
  const names = snapshot.text('names');
  const scored = decodeColumnFile<ScoredMeta>(scoredData);
  const model = await modelOf(deps, plan);
  const { ids } = snapshot.meta;
  const c = scored.columns;
  const s = snapshot.columns;
  const runTimeMs = Date.parse(plan.startedAt);
  const historyExpiry = Math.floor(runTimeMs / 1000) + HISTORY_TTL_DAYS * 86_400;
  const label = (values: string[], code: number) => (code === NONE ? null : (values[code] as string));

  const { pageWriters } = scored.meta;
  const buckets = Array.from({ length: pageWriters }, () => [] as PageEntryRow[]);
  const events: DomainEvent[] = [];
  const movers = new MoversCollector();
  const placesTier = new Dictionary();
  const placesTierCodes = new Uint32Array(ids.length);
  let records: ScoreRecord[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    const tierIndex = c.tier?.[i] as number;
    const tier = tierIndex >= 0 ? (scored.meta.tiers[tierIndex] as string) : null;
    const score = c.score?.[i] as number;
    const rank = c.rank?.[i] as number;
    const previousRank = s.previousRank?.[i] as number;
    const previousTier = label(snapshot.meta.previousTiers, s.previousTier?.[i] as number);
    const entry = encodeEntry({
      rank,
      id,
      name: names[i] as string,
      score,
      tier,
      previousRank: previousRank < 0 ? null : previousRank,
      region: label(snapshot.meta.regions, s.region?.[i] as number),
      type: label(snapshot.meta.types, s.type?.[i] as number),
      // A scored part written before coverage was stored (a run resumed across a deploy) has none.
      coverage: c.coverage ? (c.coverage[i] as number) : null,
    });
    for (let slot = 0; slot < 4; slot++) {
      const listCode = c[`list${slot}`]?.[i] as number;
      if (listCode === NONE) continue;
      const list = scored.meta.lists[listCode] as string;
      const pageNumber = c[`page${slot}`]?.[i] as number;
      buckets[pageWriterOf(list, pageNumber, pageWriters)]?.push([
        list,
        pageNumber,
        c[`offset${slot}`]?.[i] as number,
        entry,
      ]);
    }
    if (previousRank >= 0) {
      movers.add({
        id,
        name: names[i] as string,
        rank,
        previousRank,
        score,
        previousScore: s.previousScore?.[i] as number,
        tier,
        previousTier,
      });
    }
    // A partner's first tier is not a change: it needs a tier in the previous run.
    if (previousTier !== null && previousTier !== tier) {
      events.push({
        id: eventId(plan.runId, 'PartnerTierChanged', id),
        detailType: 'PartnerTierChanged',
        time: plan.startedAt,
        detail: { id, from: previousTier, to: tier, score, runId: plan.runId },
      });
    }
    placesTierCodes[i] = placesTier.code(tier);
    const normalized: Record<string, number | null> = {};
    model.metrics.forEach((metric, j) => {
      const value = c[`n${j}`]?.[i] as number;
      normalized[metric.name] = Number.isNaN(value) ? null : value;
    });
    records.push({
      id,
      runId: plan.runId,
      scoredAt: plan.startedAt,
      score,
      rank,
      tier,
      percentile: c.percentile?.[i] as number,
      normalized,
    });
    if (records.length === WRITE_CHUNK) {
      await deps.runs.putScoreRecords(records, historyExpiry);
      records = [];
    }
  }
  await deps.runs.putScoreRecords(records, historyExpiry);
  await mapWithConcurrency(buckets, 8, async (bucket, writer) => {
    if (bucket.length > 0) {
      await deps.files.put(runFileKeys.entries(plan.runId, writer, slice), jsonFile.encode(bucket));
    }
  });
  // The slice's largest moves and tier changes; the movers step keeps the run's largest of them all.
  await deps.files.put(runFileKeys.movers(plan.runId, slice), jsonFile.encode(movers.result()));
  // No tier change, no outbox part (the publish phase runs after every slice is done).
  if (events.length > 0) await deps.files.put(runFileKeys.outbox(plan.runId, slice), jsonFile.encode(events));
  // The places file last: what the next run's hysteresis and worklist read.
  await deps.files.put(
    runFileKeys.places(plan.runId, slice),
    encodeColumnFile({
      meta: { ids, tiers: placesTier.values },
      columns: {
        tier: placesTierCodes,
        rank: (c.rank as Uint32Array).slice(),
        score: (c.score as Float64Array).slice(),
      },
    }),
  );
  return events.length;
}

/** The page writer of a list's page: consecutive pages of one list go to consecutive writers. */
function pageWriterOf(list: string, page: number, writers: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < list.length; i++) hash = Math.imul(hash ^ list.charCodeAt(i), 0x01000193);
  return ((hash >>> 0) + page) % writers;
}
