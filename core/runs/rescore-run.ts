import type { ScoringModel } from '../model/scoring-model.ts';
import { logger } from '../observability.ts';
import { buildSearchPages } from '../partners/search-index.ts';
import type { DomainEvent, EventSink, ModelStore, PartnerStore, RescoreRequester } from '../ports.ts';
import { ListPager } from '../ranking/list-pager.ts';
import {
  HEAD_MAX_BYTES,
  type RankingEntry,
  type RankingStore,
  type RunPlace,
  readRunPlaces,
} from '../ranking/ranking-store.ts';
import { ColumnsBuilder } from '../scoring/columns.ts';
import { type PopulationScores, scorePopulation } from '../scoring/score-population.ts';
import { MoversCollector } from './movers.ts';
import type { CurrentRunPointer, RunRecord, RunStore, ScoreRecord } from './run-store.ts';
import { planSegments, type RunSegment } from './segments.ts';

/** Score records are history for 400 days (contract §6). */
export const HISTORY_TTL_DAYS = 400;
/**
 * Ranking pages outlive any gap between nightly runs by far; the next run reads the previous run's
 * `all` pages, and a reader may page through an older run for a while after a switch.
 */
export const PAGE_TTL_DAYS = 35;
/** Segments of the read phase (see {@link planSegments}). */
export const RUN_SEGMENTS = 8;
/** Score records (and pages) handed to the writer at once: bounds memory, keeps writes pipelined. */
const WRITE_CHUNK = 5_000;

export interface RescoreRunDeps {
  partners: Pick<PartnerStore, 'readShard'>;
  models: Pick<ModelStore, 'getActive'>;
  runs: RunStore;
  rankings: RankingStore;
  events: EventSink;
  /** Starts the run requested while this one ran, if any. */
  requester: RescoreRequester;
  now: () => number;
}

/**
 * What {@link executeRun} did: `executed` with the completed run, or not (unknown run, finished,
 * executing elsewhere, lease lost) with the run as found.
 */
export type RunOutcome = { executed: true; run: RunRecord } | { executed: false; run: RunRecord | null };

/**
 * Executes a run that holds the lease: reads every partner (32 shards in parallel), scores them
 * with the columnar core against the previous run's tiers (hysteresis), writes score records and
 * ranking pages, then switches `/rankings` in one conditional write, completes the run, emits events
 * and frees the lease. On any error before the switch the run is marked failed and the pointer is
 * left untouched; after it, the run is the ranking and is never marked failed.
 */
export async function executeRun(deps: RescoreRunDeps, runId: string): Promise<RunOutcome> {
  const run = await deps.runs.getRun(runId);
  if (run?.status !== 'running') return { run, executed: false };
  const lease = await deps.runs.getLease();
  if (lease?.runId !== runId || lease.leaseExpiresAt < deps.now()) {
    await deps.runs.failRun(runId, new Date(deps.now()).toISOString(), 'lease lost before the run started');
    return { run: (await deps.runs.getRun(runId)) ?? run, executed: false };
  }
  if (!(await deps.runs.claimExecution(runId))) return { run, executed: false };
  let written: WrittenRun;
  try {
    written = await scoreAndWrite(deps, run);
    if (!(await deps.runs.switchCurrent(written.pointer, written.previousRunId))) {
      throw new Error('another run switched the current ranking first');
    }
  } catch (error) {
    await deps.runs.failRun(runId, new Date(deps.now()).toISOString(), String(error));
    await deps.runs.releaseLease(runId);
    throw error;
  }
  // Switched: this run is the ranking now, whatever happens below; it is never marked failed.
  try {
    const completed = await complete(deps, run, written);
    return { run: completed, executed: true };
  } finally {
    const pending = await deps.runs.releaseLease(runId);
    if (pending) {
      // A lost follow-up is caught up by the next request or the next night.
      await deps.requester.request(pending).catch((error: unknown) => {
        logger.warn('could not start the run requested during this one', { error: error as Error });
      });
    }
  }
}

interface WrittenRun {
  pointer: CurrentRunPointer;
  previousRunId: string | null;
  modelVersion: number;
  partners: number;
  lists: Record<string, number>;
  tierEvents: DomainEvent[];
}

/** Marks a switched run completed and publishes its events. */
async function complete(deps: RescoreRunDeps, run: RunRecord, written: WrittenRun): Promise<RunRecord> {
  const finishedAt = new Date(deps.now()).toISOString();
  const completion = {
    finishedAt,
    partners: written.partners,
    tierChanges: written.tierEvents.length,
    modelVersion: written.modelVersion,
    lists: written.lists,
  };
  await deps.runs.completeRun(run.runId, completion);
  await deps.events.publish([
    ...written.tierEvents,
    {
      detailType: 'RescoreCompleted',
      time: finishedAt,
      detail: {
        runId: run.runId,
        modelVersion: written.modelVersion,
        partners: written.partners,
        tierChanges: written.tierEvents.length,
        startedAt: run.startedAt,
        finishedAt,
      },
    },
  ]);
  return { ...run, ...completion, status: 'completed' };
}

/** Everything up to the switch: read, score, write score records, pages and statistics. */
async function scoreAndWrite(deps: RescoreRunDeps, run: RunRecord): Promise<WrittenRun> {
  const active = await deps.models.getActive({ fresh: true });
  const model = active.model;
  const previousRun = await deps.runs.getCurrent();
  const [previous, population] = await Promise.all([
    previousRun ? readRunPlaces(deps.rankings, previousRun.runId) : new Map<string, RunPlace>(),
    readPopulation(deps.partners, model),
  ]);
  const { columns, names, regions, types } = population;
  const previousTiers = columns.ids.map((id) => previous.get(id)?.tier ?? null);
  const runTimeMs = Date.parse(run.startedAt);
  const result = scorePopulation(model, columns, { runTimeMs, previousTiers });
  checkStorable(result.scores, columns.ids);
  const tierOf = (i: number) => model.tiers[result.tierIndex[i] as number]?.name ?? null;

  const header = { runId: run.runId, modelVersion: active.version, scoredAt: run.startedAt };
  const historyExpiry = Math.floor(runTimeMs / 1000) + HISTORY_TTL_DAYS * 86_400;
  const pageExpiry = Math.floor(runTimeMs / 1000) + PAGE_TTL_DAYS * 86_400;

  const pager = new ListPager();
  const movers = new MoversCollector();
  const tierEvents: DomainEvent[] = [];
  const time = new Date(deps.now()).toISOString();
  let records: ScoreRecord[] = [];
  const n = columns.ids.length;
  for (let k = 0; k < n; k++) {
    const i = result.order[k] as number;
    const id = columns.ids[i] as string;
    const tier = tierOf(i);
    const score = result.scores[i] as number;
    const before = previous.get(id);
    const entry: RankingEntry = {
      rank: k + 1,
      id,
      name: names[i] as string,
      score,
      tier,
      previousRank: before?.rank ?? null,
      region: regions[i] ?? null,
      type: types[i] ?? null,
    };
    pager.add(entry);
    if (before) {
      movers.add({
        id,
        name: entry.name,
        rank: entry.rank,
        previousRank: before.rank,
        score,
        previousScore: before.score,
        tier,
        previousTier: before.tier,
      });
    }
    // A partner's first tier is not a change: it needs a tier in the previous run.
    if (before && before.tier !== null && before.tier !== tier) {
      tierEvents.push({
        detailType: 'PartnerTierChanged',
        time,
        detail: { id, from: before.tier, to: tier, score, runId: run.runId },
      });
    }
    records.push(scoreRecord(model, result, i, id, tier, run));
    if (records.length === WRITE_CHUNK || k === n - 1) {
      await Promise.all([
        deps.runs.putScoreRecords(records, historyExpiry),
        deps.rankings.putPages(header, pager.takeFull(), pageExpiry),
      ]);
      records = [];
    }
  }
  await deps.rankings.putPages(header, pager.takeRest(), pageExpiry);
  // What GET /runs/{runId}/movers and GET /partners?search= read: bounded lists, materialised here.
  await Promise.all([
    deps.rankings.putMovers(run.runId, movers.result(), historyExpiry),
    deps.rankings.putSearchPages(run.runId, buildSearchPages(columns.ids, names, types, regions), pageExpiry),
  ]);
  await deps.runs.putStatistics(run.runId, result.stats);

  // The pointer is read by every request: it carries the top page (page 0 of `all`) only while that
  // stays small (always, unless names are extreme); otherwise readers fetch page 0 like any other page.
  const head = pager.head(HEAD_MAX_BYTES);
  return {
    pointer: head ? { ...header, head } : header,
    previousRunId: previousRun?.runId ?? null,
    modelVersion: active.version,
    partners: n,
    lists: pager.listSizes(),
    tierEvents,
  };
}

/** A non-finite score (weights and values near the double range) cannot be ranked or stored. */
function checkStorable(scores: Float64Array, ids: readonly string[]): void {
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (!Number.isFinite(score)) {
      throw new Error(`partner ${ids[i]} scores ${score}: lower the model's weights or use a normalisation`);
    }
  }
}

function scoreRecord(
  model: ScoringModel,
  result: PopulationScores,
  i: number,
  id: string,
  tier: string | null,
  run: RunRecord,
): ScoreRecord {
  const normalized: Record<string, number | null> = {};
  model.metrics.forEach((metric, j) => {
    const value = (result.normalized[j] as Float64Array)[i] as number;
    normalized[metric.name] = Number.isNaN(value) ? null : value;
  });
  return {
    id,
    runId: run.runId,
    scoredAt: run.startedAt,
    score: result.scores[i] as number,
    rank: result.ranks[i] as number,
    tier,
    percentile: result.percentiles[i] as number,
    normalized,
  };
}

/** Reads every partner into columns, segment by segment, all shards in parallel. */
async function readPopulation(partners: Pick<PartnerStore, 'readShard'>, model: ScoringModel) {
  const builder = new ColumnsBuilder(model, 4096);
  const names: string[] = [];
  const regions: (string | null)[] = [];
  const types: (string | null)[] = [];
  const readSegment = async (segment: RunSegment) => {
    const shards = [];
    for (let shard = segment.firstShard; shard <= segment.lastShard; shard++) shards.push(shard);
    await Promise.all(
      shards.map(async (shard) => {
        for await (const page of partners.readShard(shard)) {
          for (const partner of page) {
            builder.add(partner);
            names.push(partner.name);
            regions.push(partner.region);
            types.push(partner.type);
          }
        }
      }),
    );
  };
  await Promise.all(planSegments(RUN_SEGMENTS).map(readSegment));
  return { columns: builder.build(), names, regions, types };
}
