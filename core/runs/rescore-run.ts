import { mapWithConcurrency } from '../concurrency.ts';
import { PARTNER_SHARDS } from '../keys.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { buildSearchPages } from '../partners/search-index.ts';
import type { DomainEvent, EventSink, ModelStore, PartnerStore, RescoreRequester } from '../ports.ts';
import { isListed, planFilterLists, unlistedSizes } from '../ranking/filter-lists.ts';
import {
  decodeEntries,
  encodeEntries,
  encodeEntry,
  HEAD_MAX_BYTES,
  type ListPage,
  lists,
  PAGE_SIZE,
  type RankingStore,
  type RunPlace,
  readRunPlaces,
} from '../ranking/ranking-store.ts';
import { ColumnsBuilder, type PartnerColumns } from '../scoring/columns.ts';
import { coverageColumn } from '../scoring/coverage.ts';
import { scorePopulationThreaded } from '../scoring/score-population.ts';
import { type Mover, MoversCollector } from './movers.ts';
import { PagePlanner } from './page-planner.ts';
import { decodeColumnFile, encodeColumnFile, jsonFile, type RunFiles, runFileKeys } from './run-files.ts';
import { eventId } from './run-ids.ts';
import type { RunRecord, RunStore, ScoreRecord } from './run-store.ts';

/** Score records are history for 400 days (contract §6). */
export const HISTORY_TTL_DAYS = 400;
/**
 * Ranking pages outlive any gap between nightly runs by far; the next run reads the previous run's
 * places, and a reader may page through an older run for a while after a switch.
 */
export const PAGE_TTL_DAYS = 35;
/** Read and write slices of a run: one partner shard each. */
export const RUN_SLICES = PARTNER_SHARDS;
/** Most page-writing work items (pages are routed to them by list and page number). */
export const MAX_PAGE_WRITERS = 64;
/** Partners per page writer (each writes the pages of about four times as many entries). */
const PARTNERS_PER_PAGE_WRITER = 150_000;
/** PutEvents requests (10 events each) in flight while publishing one outbox part. */
const PUBLISH_CONCURRENCY = 4;
/** Score records handed to the store at once (bounds memory, keeps writes pipelined). */
const WRITE_CHUNK = 5_000;
/** The dictionary code of "none" in region, type and tier columns. */
const NONE = 0xffffffff;

/** What the phases of a run need. */
export interface RescoreRunDeps {
  partners: Pick<PartnerStore, 'readShard'>;
  models: Pick<ModelStore, 'getVersion'>;
  runs: RunStore;
  rankings: RankingStore;
  events: EventSink;
  files: RunFiles;
  /** Starts the follow-up run a request left while this one ran. */
  requester: RescoreRequester;
  now: () => number;
}

/** A run's fixed facts, decided once at its start (a durable step result: small, JSON). */
export interface RunPlan {
  runId: string;
  startedAt: string;
  modelVersion: number;
  /** The run `/rankings` served when this one started (hysteresis, previous ranks, the switch). */
  previousRunId: string | null;
  /**
   * A new execution of a run that had begun in an execution now lost (the local runner's state died
   * with `npm start`): each phase first looks for the files it would write and reuses them. Within
   * one execution the durable checkpoints say what is done, so no phase looks.
   */
  resumed: boolean;
}

/** What the scoring phase found (a step result; the bulk stays in S3). */
export interface ScoreSummary {
  partners: number;
  tierChanges: number;
  /** Page-writing work items of this run (1 for small runs, more as the population grows). */
  pageWriters: number;
}

/** An error no retry can fix: the run fails at once. */
export class RunAbortedError extends Error {
  override readonly name = 'RunAbortedError';
}

/**
 * Step 1: the plan of a run that holds single flight, or `null` when there is nothing to do (the
 * run is unknown or finished: a redelivered invoke, or an execution resumed after its run ended).
 * A run that lost single flight before starting is failed.
 */
export async function beginRun(
  deps: RescoreRunDeps,
  runId: string,
  resumed = false,
): Promise<RunPlan | null> {
  const run = await deps.runs.getRun(runId);
  if (run?.status !== 'running') return null;
  const claim = await deps.runs.getClaim();
  if (claim?.holder !== runId) {
    await deps.runs.failRun(runId, isoNow(deps), 'lost single flight before it started');
    return null;
  }
  return {
    runId,
    startedAt: run.startedAt,
    modelVersion: run.modelVersion,
    previousRunId: claim.currentRunId,
    resumed,
  };
}

interface SnapshotMeta {
  ids: string[];
  metrics: string[];
  regions: string[];
  types: string[];
  previousTiers: string[];
  /** Whether the previous run's places were found for this slice (else the scorer reads its pages). */
  previousFound: boolean;
}

/**
 * Step 2 (one per slice, fanned out): reads the partners of one shard into columns and writes them
 * as the slice's snapshot part (numbers, ids, dictionary-coded region/type/previous tier, each
 * entry's encoded size) plus its labels (names), with the previous run's tier and rank of each
 * partner. A part that exists is reused: a run scores one snapshot, whatever a re-run step reads.
 */
export async function readSlice(deps: RescoreRunDeps, plan: RunPlan, slice: number): Promise<number> {
  const key = runFileKeys.snapshot(plan.runId, slice);
  const existing = plan.resumed ? await deps.files.get(key) : null;
  if (existing) return decodeColumnFile<SnapshotMeta>(existing).meta.ids.length;
  const model = await modelOf(deps, plan);
  const builder = new ColumnsBuilder(model, 4096);
  const names: string[] = [];
  const regions = new Dictionary();
  const types = new Dictionary();
  const regionCodes: number[] = [];
  const typeCodes: number[] = [];
  const entryBytes: number[] = [];
  for await (const page of deps.partners.readShard(slice)) {
    for (const partner of page) {
      builder.add(partner);
      names.push(partner.name);
      regionCodes.push(regions.code(partner.region));
      typeCodes.push(types.code(partner.type));
      // The entry's size with the run's numbers left out; the scorer adds their exact lengths.
      entryBytes.push(
        Buffer.byteLength(
          encodeEntry({
            rank: 0,
            id: partner.id,
            name: partner.name,
            score: 0,
            tier: null,
            previousRank: null,
            region: partner.region,
            type: partner.type,
            coverage: null,
          }),
        ),
      );
    }
  }
  const columns = builder.build();
  const previous = plan.previousRunId ? await readSlicePlaces(deps.files, plan.previousRunId, slice) : null;
  const previousTiers = new Dictionary();
  const previousTier = new Uint32Array(columns.ids.length);
  const previousRank = new Int32Array(columns.ids.length).fill(-1);
  const previousScore = new Float64Array(columns.ids.length).fill(Number.NaN);
  columns.ids.forEach((id, i) => {
    const place = previous?.get(id);
    previousTier[i] = previousTiers.code(place?.tier ?? null);
    if (place) {
      previousRank[i] = place.rank;
      previousScore[i] = place.score;
    }
  });
  const meta: SnapshotMeta = {
    ids: columns.ids,
    metrics: columns.metrics,
    regions: regions.values,
    types: types.values,
    previousTiers: previousTiers.values,
    previousFound: plan.previousRunId === null || previous !== null,
  };
  const file = encodeColumnFile({
    meta,
    texts: { names },
    columns: {
      asOfMs: columns.asOfMs,
      ...Object.fromEntries(columns.values.map((column, j) => [`m${j}`, column])),
      region: Uint32Array.from(regionCodes),
      type: Uint32Array.from(typeCodes),
      previousTier,
      previousRank,
      previousScore,
      entryBytes: Uint32Array.from(entryBytes),
    },
  });
  await deps.files.put(key, file);
  return columns.ids.length;
}

interface ScoredMeta {
  tiers: string[];
  lists: string[];
  pageWriters: number;
}

interface SummaryFile extends ScoreSummary {
  lists: Record<string, number>;
}

/**
 * Step 3: the central scoring. Loads every snapshot part, scores the whole population with the
 * columnar core (exact global statistics, ranks, percentiles; hysteresis against the previous
 * tiers), plans every ranking page (page and offset of each entry, from the entries' exact sizes)
 * and writes one scored part per slice, the run's statistics and a summary. Reuses the summary when
 * it exists.
 */
export async function scoreRun(deps: RescoreRunDeps, plan: RunPlan): Promise<ScoreSummary> {
  const summaryKey = runFileKeys.scoreSummary(plan.runId);
  const existing = plan.resumed ? await deps.files.get(summaryKey) : null;
  if (existing) {
    const { partners, tierChanges, pageWriters } = jsonFile.decode<SummaryFile>(existing);
    return { partners, tierChanges, pageWriters };
  }
  const model = await modelOf(deps, plan);
  const population = await loadSnapshot(deps.files, plan.runId);
  if (!population.previousFound && plan.previousRunId) {
    // The write slices read previous places from the snapshot parts: rewrite the parts completed.
    const places = await fillPreviousFromPages(deps.rankings, plan.previousRunId, population);
    await completePrevious(deps.files, plan.runId, places);
  }
  const { columns, sliceStarts } = population;
  const runTimeMs = Date.parse(plan.startedAt);
  const n = columns.ids.length;
  const tierNames = model.tiers.map((tier) => tier.name);
  // Each partner's previous tier as an index into the model's tiers: −1 none, −2 a tier the model
  // no longer has (no hysteresis, and always a change).
  const previousIndexOfCode = population.previousTierNames.map((name) => {
    const index = tierNames.indexOf(name);
    return index >= 0 ? index : -2;
  });
  const previousTierIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const code = population.previousTier[i] as number;
    previousTierIndex[i] = code === NONE ? -1 : (previousIndexOfCode[code] as number);
  }
  const result = await scorePopulationThreaded(model, columns, { runTimeMs, previousTierIndex });
  checkStorable(result.scores, columns.ids);
  const coverage = coverageColumn(model, columns);

  const planner = new PagePlanner();
  // Region and type lists only for the most common values: free text must not grow the run record.
  const valueCounts = (codes: Uint32Array, names: readonly string[]) => {
    const counts = new Uint32Array(names.length);
    for (const code of codes) if (code !== NONE) counts[code] = (counts[code] as number) + 1;
    return names.map((name, code) => [name, counts[code] as number] as const);
  };
  const filterPlan = planFilterLists({
    region: valueCounts(population.region, population.regionNames),
    type: valueCounts(population.type, population.typeNames),
  });
  // Two passes, so that the rank-order pass reads two values per partner instead of ten scattered
  // ones. First, in input order (sequential reads): each entry's exact size (the snapshot's, which
  // left the run's numbers out, plus the lengths of rank, score, tier, previous rank and coverage as
  // `encodeEntry` writes them) and the lists it belongs to, as local list numbers (all, tier,
  // region, type; NO_LIST where a value has no list), two 16-bit numbers per word.
  const NO_LIST = 0xffff;
  const listNamesLocal: string[] = [lists.all, ...tierNames.map((tier) => lists.tier(tier))];
  const localOf = (name: string) => (isListed(filterPlan, name) ? listNamesLocal.push(name) - 1 : NO_LIST);
  const regionLocal = new Int32Array(population.regionNames.length).fill(-1);
  const typeLocal = new Int32Array(population.typeNames.length).fill(-1);
  const tierBytes = tierNames.map((tier) => Buffer.byteLength(JSON.stringify(tier)) - 4);
  // Coverage is rounded to 4 decimals in [0, 1]: its text length by its value × 10,000.
  const coverageLengths = new Int8Array(10_001);
  const entrySize = new Uint32Array(n);
  const memberOf = new Uint32Array(2 * n);
  let tierChanges = 0;
  for (let i = 0; i < n; i++) {
    const tierIndex = result.tierIndex[i] as number;
    const previous = previousTierIndex[i] as number;
    if (previous !== -1 && previous !== tierIndex) tierChanges++;
    const previousRank = population.previousRank[i] as number;
    const cover = coverage[i] as number;
    const key = Math.round(cover * 10_000);
    let coverLength = key >= 0 && key <= 10_000 ? (coverageLengths[key] as number) : 0;
    if (coverLength === 0) {
      coverLength = JSON.stringify(cover).length;
      if (key >= 0 && key <= 10_000) coverageLengths[key] = coverLength;
    }
    entrySize[i] =
      (population.entryBytes[i] as number) +
      digits(result.ranks[i] as number) -
      1 +
      JSON.stringify(result.scores[i]).length -
      1 +
      (tierIndex < 0 ? 0 : (tierBytes[tierIndex] as number)) +
      (previousRank < 0 ? 0 : digits(previousRank) - 4) +
      coverLength -
      4;
    const tierList = tierIndex < 0 ? NO_LIST : 1 + tierIndex;
    const region = population.region[i] as number;
    let regionList = NO_LIST;
    if (region !== NONE) {
      regionList = regionLocal[region] as number;
      if (regionList < 0) {
        regionList = localOf(lists.region(population.regionNames[region] as string));
        regionLocal[region] = regionList;
      }
    }
    const type = population.type[i] as number;
    let typeList = NO_LIST;
    if (type !== NONE) {
      typeList = typeLocal[type] as number;
      if (typeList < 0) {
        typeList = localOf(lists.type(population.typeNames[type] as string));
        typeLocal[type] = typeList;
      }
    }
    memberOf[2 * i] = tierList;
    memberOf[2 * i + 1] = ((regionList << 16) | typeList) >>> 0;
  }
  // Then in rank order: each entry's page and offset in each of its lists. Lists get the planner's
  // numbers (what the scored parts store) in the order they are first used, as ever.
  const slots = ['all', 'tier', 'region', 'type'] as const;
  const list = slots.map(() => new Uint32Array(n).fill(NONE));
  const page = slots.map(() => new Uint32Array(n));
  const offset = slots.map(() => new Uint32Array(n));
  const plannerSlot = new Int32Array(listNamesLocal.length).fill(-1);
  const place = (s: number, i: number, local: number, bytes: number) => {
    let slot = plannerSlot[local] as number;
    if (slot < 0) {
      slot = planner.slot(listNamesLocal[local] as string);
      plannerSlot[local] = slot;
    }
    (list[s] as Uint32Array)[i] = slot;
    (offset[s] as Uint32Array)[i] = planner.addTo(slot, bytes);
    (page[s] as Uint32Array)[i] = planner.lastPage;
  };
  for (let k = 0; k < n; k++) {
    const i = result.order[k] as number;
    const bytes = entrySize[i] as number;
    const tierList = memberOf[2 * i] as number;
    const dataLists = memberOf[2 * i + 1] as number;
    place(0, i, 0, bytes);
    if (tierList !== NO_LIST) place(1, i, tierList, bytes);
    if (dataLists >>> 16 !== NO_LIST) place(2, i, dataLists >>> 16, bytes);
    if ((dataLists & 0xffff) !== NO_LIST) place(3, i, dataLists & 0xffff, bytes);
  }
  const listNames = planner.lists();
  const pageWriters = Math.min(MAX_PAGE_WRITERS, Math.max(1, Math.ceil(n / PARTNERS_PER_PAGE_WRITER)));
  await deps.runs.putStatistics(plan.runId, result.stats);
  await mapWithConcurrency(sliceStarts.slice(0, -1), 8, async (start, slice) => {
    const end = sliceStarts[slice + 1] as number;
    const part = (array: Float64Array | Uint32Array | Int32Array) => array.slice(start, end);
    const meta: ScoredMeta = { tiers: tierNames, lists: listNames, pageWriters };
    const scoredColumns: Record<string, Float64Array | Uint32Array | Int32Array> = {
      score: part(result.scores),
      rank: part(result.ranks),
      tier: part(result.tierIndex),
      percentile: part(result.percentiles),
      coverage: part(coverage),
    };
    result.normalized.forEach((column, j) => {
      scoredColumns[`n${j}`] = part(column);
    });
    slots.forEach((_, s) => {
      scoredColumns[`list${s}`] = part(list[s] as Uint32Array);
      scoredColumns[`page${s}`] = part(page[s] as Uint32Array);
      scoredColumns[`offset${s}`] = part(offset[s] as Uint32Array);
    });
    await deps.files.put(
      runFileKeys.scored(plan.runId, slice),
      encodeColumnFile({ meta, columns: scoredColumns }),
    );
  });
  const summary: SummaryFile = {
    partners: n,
    tierChanges,
    pageWriters,
    lists: { ...planner.sizes(), ...unlistedSizes(filterPlan) },
  };
  await deps.files.put(summaryKey, jsonFile.encode(summary));
  return { partners: n, tierChanges, pageWriters };
}

/**
 * Step 4 (one per slice, fanned out): writes the slice's score records (history), hands each of its
 * ranking entries to the page writer of its page, writes its outbox part (the tier changes, to be
 * published after the switch) and its places (what the next run's hysteresis reads). Every write is
 * idempotent: a re-run slice writes the same items and files. Returns its number of tier changes
 * (the publish phase visits only slices that have some).
 */
export async function writeSlice(deps: RescoreRunDeps, plan: RunPlan, slice: number): Promise<number> {
  // The places file is written last: when it exists, the slice is done.
  const done = runFileKeys.places(plan.runId, slice);
  if (plan.resumed && (await deps.files.get(done))) {
    return (await deps.files.get(runFileKeys.outbox(plan.runId, slice))) ? 1 : 0;
  }
  const [snapshotData, scoredData] = await Promise.all([
    required(deps.files, runFileKeys.snapshot(plan.runId, slice)),
    required(deps.files, runFileKeys.scored(plan.runId, slice)),
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
  const buckets = Array.from({ length: pageWriters }, () => [] as [string, number, number, string][]);
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
  await deps.files.put(
    done,
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

/**
 * Step 5 (one per page writer, fanned out): assembles the pages routed to this writer from every
 * slice's entries and writes them (the same items on a re-run).
 */
export async function writePages(deps: RescoreRunDeps, plan: RunPlan, writer: number): Promise<void> {
  const done = runFileKeys.pagesWritten(plan.runId, writer);
  if (plan.resumed && (await deps.files.get(done))) return;
  const byPage = new Map<string, { list: string; page: number; entries: [number, string][] }>();
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    (slice) => deps.files.get(runFileKeys.entries(plan.runId, writer, slice)),
  );
  for (const data of parts) {
    if (!data) continue;
    for (const [list, page, offset, entry] of jsonFile.decode<[string, number, number, string][]>(data)) {
      const key = `${list}\u0000${page}`;
      let found = byPage.get(key);
      if (!found) {
        found = { list, page, entries: [] };
        byPage.set(key, found);
      }
      found.entries.push([offset, entry]);
    }
  }
  const pages: ListPage[] = [...byPage.values()].map(({ list, page, entries }) => ({
    list,
    page,
    entries: decodeEntries(
      `[${entries
        .sort((a, b) => a[0] - b[0])
        .map(([, entry]) => entry)
        .join(',')}]`,
    ),
  }));
  const pageExpiry = Math.floor(Date.parse(plan.startedAt) / 1000) + PAGE_TTL_DAYS * 86_400;
  await deps.rankings.putPages(header(plan), pages, pageExpiry);
  if (plan.resumed) await deps.files.put(done, new Uint8Array());
}

/**
 * Step 5b: the run's movers (`GET /runs/{runId}/movers`): the largest moves and tier changes of all
 * slices, from the slices' own bounded lists.
 */
export async function writeMovers(deps: RescoreRunDeps, plan: RunPlan): Promise<void> {
  const collector = new MoversCollector();
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    (slice) => required(deps.files, runFileKeys.movers(plan.runId, slice)),
  );
  for (const part of parts) for (const mover of jsonFile.decode<Mover[]>(part)) collector.add(mover);
  const historyExpiry = Math.floor(Date.parse(plan.startedAt) / 1000) + HISTORY_TTL_DAYS * 86_400;
  await deps.rankings.putMovers(plan.runId, collector.result(), historyExpiry);
}

/**
 * Step 5c: the run's partner search index (`GET /partners?search=`), over every partner of the
 * snapshot (ids, names, types, regions: the only step besides the slices that reads the names).
 */
export async function writeSearchIndex(deps: RescoreRunDeps, plan: RunPlan): Promise<void> {
  const ids: string[] = [];
  const names: string[] = [];
  const types: (string | null)[] = [];
  const regions: (string | null)[] = [];
  for (let slice = 0; slice < RUN_SLICES; slice++) {
    const part = decodeColumnFile<SnapshotMeta>(
      await required(deps.files, runFileKeys.snapshot(plan.runId, slice)),
    );
    const region = part.columns.region as Uint32Array;
    const type = part.columns.type as Uint32Array;
    ids.push(...part.meta.ids);
    names.push(...part.text('names'));
    for (let i = 0; i < part.meta.ids.length; i++) {
      regions.push(region[i] === NONE ? null : (part.meta.regions[region[i] as number] as string));
      types.push(type[i] === NONE ? null : (part.meta.types[type[i] as number] as string));
    }
  }
  const pageExpiry = Math.floor(Date.parse(plan.startedAt) / 1000) + PAGE_TTL_DAYS * 86_400;
  await deps.rankings.putSearchPages(plan.runId, buildSearchPages(ids, names, types, regions), pageExpiry);
}

/** What the switch step returns: the completed run's facts for its `RescoreCompleted` event. */
export interface SwitchedRun {
  partners: number;
  tierChanges: number;
  finishedAt: string;
}

/**
 * Step 6: the switch. ONE conditional write of the pointer item, which also holds single flight:
 * only while this run holds it and nobody else switched. A run that lost it fails and never becomes
 * the ranking. Then the run is completed (once: a replay finds it completed and reads it back).
 */
export async function switchRun(deps: RescoreRunDeps, plan: RunPlan): Promise<SwitchedRun> {
  const summary = jsonFile.decode<SummaryFile>(
    await required(deps.files, runFileKeys.scoreSummary(plan.runId)),
  );
  const [top] = await deps.rankings.getPages(plan.runId, lists.all, 0, 1);
  const entries = top?.entries ?? [];
  const complete = entries.length === PAGE_SIZE || entries.length === summary.partners;
  const head = complete && Buffer.byteLength(encodeEntries(entries)) <= HEAD_MAX_BYTES ? entries : undefined;
  const switched = await deps.runs.switchCurrent(
    { ...header(plan), ...(head ? { head } : {}) },
    plan.previousRunId,
  );
  if (!switched) {
    const claim = await deps.runs.getClaim();
    // A re-run of this step after its switch went through: the pointer names this run already.
    if (claim?.currentRunId !== plan.runId) {
      throw new RunAbortedError('lost single flight: another run holds it or switched the ranking first');
    }
  }
  const finishedAt = isoNow(deps);
  await deps.runs.completeRun(plan.runId, {
    finishedAt,
    partners: summary.partners,
    tierChanges: summary.tierChanges,
    modelVersion: plan.modelVersion,
    lists: summary.lists,
  });
  const run = await deps.runs.getRun(plan.runId);
  return {
    partners: summary.partners,
    tierChanges: summary.tierChanges,
    finishedAt: run?.finishedAt ?? finishedAt,
  };
}

/**
 * Step 7 (one per slice, fanned out): publishes the slice's outbox part, PutEvents of 10 with a few
 * in flight. A part published once is marked and never published again (a replay or a re-run step
 * skips it); a failed publish is retried by the step, and past its retries by the next run (the run
 * stays in `RunClaim.unpublishedRuns`), never dropped. A re-sent event carries the same id.
 */
export async function publishSlice(deps: RescoreRunDeps, runId: string, slice: number): Promise<number> {
  const outbox = await deps.files.get(runFileKeys.outbox(runId, slice));
  if (!outbox) return 0;
  const marker = runFileKeys.published(runId, String(slice));
  if (await deps.files.get(marker)) return 0;
  const events = jsonFile.decode<DomainEvent[]>(outbox).map((event) => ({
    ...event,
    // A part written before events had ids (a run resumed across a deploy): the same id derived.
    id: event.id ?? eventId(runId, event.detailType, String(event.detail.id)),
  }));
  const batches: DomainEvent[][] = [];
  for (let start = 0; start < events.length; start += 10) batches.push(events.slice(start, start + 10));
  await mapWithConcurrency(batches, PUBLISH_CONCURRENCY, (batch) => deps.events.publish(batch));
  await deps.files.put(marker, new Uint8Array());
  return events.length;
}

/** The facts of a completed run its `RescoreCompleted` event carries. */
export type CompletedRunFacts = Pick<RunRecord, 'runId' | 'modelVersion' | 'startedAt'> & SwitchedRun;

/**
 * Step 8: `RescoreCompleted`, once every tier change is out; then the run's outbox is all published
 * (it leaves `RunClaim.unpublishedRuns`).
 */
export async function publishCompleted(deps: RescoreRunDeps, run: CompletedRunFacts): Promise<void> {
  const marker = runFileKeys.published(run.runId, 'completed');
  if (!(await deps.files.get(marker))) {
    await deps.events.publish([
      {
        id: eventId(run.runId, 'RescoreCompleted'),
        detailType: 'RescoreCompleted',
        time: run.finishedAt,
        detail: {
          runId: run.runId,
          modelVersion: run.modelVersion,
          partners: run.partners,
          tierChanges: run.tierChanges,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
        },
      },
    ]);
    await deps.files.put(marker, new Uint8Array());
  }
  await deps.runs.markPublished(run.runId);
}

/**
 * Before a run publishes its own events: the earlier switched runs whose outbox is not all
 * published (their publish failed past its retries, or the process died before it ended), oldest
 * first, with the facts of their `RescoreCompleted`. The run publishes them first (every slice:
 * parts already published are marked and skipped).
 */
export async function leftoverOutboxes(deps: RescoreRunDeps, plan: RunPlan): Promise<CompletedRunFacts[]> {
  const claim = await deps.runs.getClaim();
  const leftover: CompletedRunFacts[] = [];
  for (const runId of [...(claim?.unpublishedRuns ?? [])].sort()) {
    if (runId === plan.runId) continue;
    const run = await deps.runs.getRun(runId);
    // A switched run that is not completed yet is still in its own switch step: it publishes itself.
    if (run?.status !== 'completed' || run.finishedAt === null) continue;
    leftover.push({
      runId,
      modelVersion: run.modelVersion,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      partners: run.partners ?? 0,
      tierChanges: run.tierChanges ?? 0,
    });
  }
  return leftover;
}

/** Last step: frees single flight and starts the follow-up run a request left meanwhile. */
export async function releaseRun(
  deps: Pick<RescoreRunDeps, 'runs' | 'requester'>,
  runId: string,
): Promise<void> {
  const pending = await deps.runs.releaseClaim(runId);
  // A lost follow-up is caught up by the next request or the next night.
  if (pending) await deps.requester.request(pending);
}

/**
 * The failure step: a run that failed after its retries is `failed` with the reason (unless it had
 * already switched: then it is the ranking and stays completed), single flight is freed at once and
 * a pending request starts its run.
 */
export async function failRun(deps: RescoreRunDeps, runId: string, reason: string): Promise<void> {
  const claim = await deps.runs.getClaim();
  if (claim?.currentRunId !== runId) await deps.runs.failRun(runId, isoNow(deps), reason);
  if (claim?.holder === runId) await releaseRun(deps, runId);
}

function header(plan: RunPlan) {
  return { runId: plan.runId, modelVersion: plan.modelVersion, scoredAt: plan.startedAt };
}

/** The page writer of a list's page: consecutive pages of one list go to consecutive writers. */
function pageWriterOf(list: string, page: number, writers: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < list.length; i++) hash = Math.imul(hash ^ list.charCodeAt(i), 0x01000193);
  return ((hash >>> 0) + page) % writers;
}

async function modelOf(deps: RescoreRunDeps, plan: RunPlan): Promise<ScoringModel> {
  const model = await deps.models.getVersion(plan.modelVersion);
  if (!model) throw new RunAbortedError(`model version ${plan.modelVersion} of the run is not stored`);
  return model;
}

async function required(files: RunFiles, key: string): Promise<Uint8Array> {
  const data = await files.get(key);
  if (!data) throw new Error(`run file ${key} is missing (deleted, or an earlier phase did not finish)`);
  return data;
}

function isoNow(deps: Pick<RescoreRunDeps, 'now'>): string {
  return new Date(deps.now()).toISOString();
}

/** Decimal digits of a whole number ≥ 0. */
function digits(value: number): number {
  let count = 1;
  for (let bound = 10; value >= bound; bound *= 10) count++;
  return count;
}

/** A non-finite score (weights and values near the double range) cannot be ranked or stored. */
function checkStorable(scores: Float64Array, ids: readonly string[]): void {
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (!Number.isFinite(score)) {
      throw new RunAbortedError(
        `partner ${ids[i]} scores ${score}: lower the model's weights or use a normalisation`,
      );
    }
  }
}

/** Distinct strings to small codes (`NONE` for null). */
class Dictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();

  code(value: string | null): number {
    if (value === null) return NONE;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }
}

/**
 * Tier, rank and score of each partner of one slice (one partner shard) in a completed run, from
 * the run's places file; `null` when the file is gone (expired, or a run from before run files).
 */
export async function readSlicePlaces(
  files: Pick<RunFiles, 'get'>,
  runId: string,
  slice: number,
): Promise<Map<string, RunPlace> | null> {
  const data = await files.get(runFileKeys.places(runId, slice));
  if (!data) return null;
  const file = decodeColumnFile<{ ids: string[]; tiers: string[] }>(data);
  const places = new Map<string, RunPlace>();
  const { tier, rank, score } = file.columns;
  file.meta.ids.forEach((id, i) => {
    const code = tier?.[i] as number;
    places.set(id, {
      tier: code === NONE ? null : (file.meta.tiers[code] as string),
      rank: rank?.[i] as number,
      score: score?.[i] as number,
    });
  });
  return places;
}

interface Population {
  columns: PartnerColumns;
  /** Index of each slice's first partner, plus the total at the end. */
  sliceStarts: number[];
  region: Uint32Array;
  regionNames: string[];
  type: Uint32Array;
  typeNames: string[];
  previousTier: Uint32Array;
  previousTierNames: string[];
  previousRank: Int32Array;
  entryBytes: Uint32Array;
  previousFound: boolean;
}

/** Every snapshot part, concatenated (slice order), with the parts' dictionaries merged. */
async function loadSnapshot(files: RunFiles, runId: string): Promise<Population> {
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    async (slice) =>
      decodeColumnFile<SnapshotMeta>(await required(files, runFileKeys.snapshot(runId, slice))),
  );
  const sliceStarts = [0];
  for (const part of parts) sliceStarts.push((sliceStarts.at(-1) as number) + part.meta.ids.length);
  const n = sliceStarts.at(-1) as number;
  const metrics = parts[0]?.meta.metrics ?? [];
  const ids: string[] = new Array(n);
  const asOfMs = new Float64Array(n);
  const values = metrics.map(() => new Float64Array(n));
  const merged = {
    region: { codes: new Uint32Array(n), dictionary: new Dictionary() },
    type: { codes: new Uint32Array(n), dictionary: new Dictionary() },
    previousTier: { codes: new Uint32Array(n), dictionary: new Dictionary() },
  };
  const previousRank = new Int32Array(n);
  const entryBytes = new Uint32Array(n);
  let previousFound = true;
  parts.forEach((part, slice) => {
    const start = sliceStarts[slice] as number;
    const { meta, columns } = part;
    meta.ids.forEach((id, i) => {
      ids[start + i] = id;
    });
    asOfMs.set(columns.asOfMs as Float64Array, start);
    values.forEach((column, j) => {
      column.set(columns[`m${j}`] as Float64Array, start);
    });
    previousRank.set(columns.previousRank as Int32Array, start);
    entryBytes.set(columns.entryBytes as Uint32Array, start);
    const remap = (name: 'region' | 'type' | 'previousTier', names: string[]) => {
      const target = merged[name];
      const local = names.map((value) => target.dictionary.code(value));
      const source = columns[name] as Uint32Array;
      for (let i = 0; i < source.length; i++) {
        const code = source[i] as number;
        target.codes[start + i] = code === NONE ? NONE : (local[code] as number);
      }
    };
    remap('region', meta.regions);
    remap('type', meta.types);
    remap('previousTier', meta.previousTiers);
    previousFound &&= meta.previousFound;
  });
  return {
    columns: { ids, asOfMs, values, metrics },
    sliceStarts,
    region: merged.region.codes,
    regionNames: merged.region.dictionary.values,
    type: merged.type.codes,
    typeNames: merged.type.dictionary.values,
    previousTier: merged.previousTier.codes,
    previousTierNames: merged.previousTier.dictionary.values,
    previousRank,
    entryBytes,
    previousFound,
  };
}

/**
 * Writes the previous run's tier, rank and score into each snapshot part (after
 * {@link fillPreviousFromPages}), so the write slices find them where they look.
 */
async function completePrevious(files: RunFiles, runId: string, places: Map<string, RunPlace>) {
  await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    4,
    async (slice) => {
      const key = runFileKeys.snapshot(runId, slice);
      const part = decodeColumnFile<SnapshotMeta>(await required(files, key));
      const tiers = new Dictionary();
      const tier = part.columns.previousTier as Uint32Array;
      const rank = part.columns.previousRank as Int32Array;
      const score = part.columns.previousScore as Float64Array;
      part.meta.ids.forEach((id, i) => {
        const place = places.get(id);
        tier[i] = tiers.code(place?.tier ?? null);
        rank[i] = place ? place.rank : -1;
        score[i] = place ? place.score : Number.NaN;
      });
      const meta: SnapshotMeta = { ...part.meta, previousTiers: tiers.values, previousFound: true };
      await files.put(
        key,
        encodeColumnFile({ meta, columns: part.columns, texts: { names: part.text('names') } }),
      );
    },
  );
}

/**
 * The previous run's places from its `all` pages, for a previous run without place files (one from
 * before run files, or whose files expired).
 */
async function fillPreviousFromPages(rankings: RankingStore, previousRunId: string, population: Population) {
  const places = await readRunPlaces(rankings, previousRunId);
  const dictionary = new Dictionary();
  population.columns.ids.forEach((id, i) => {
    const place = places.get(id);
    population.previousTier[i] = dictionary.code(place?.tier ?? null);
    population.previousRank[i] = place ? place.rank : -1;
  });
  population.previousTierNames = dictionary.values;
  // The snapshot's entry sizes assumed no previous rank; the scorer adds the exact lengths.
  return places;
}
