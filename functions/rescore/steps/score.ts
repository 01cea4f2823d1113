import { mapWithConcurrency } from '#core/concurrency.ts';
import { isListed, planFilterLists, unlistedSizes } from '#core/ranking/filter-lists.ts';
import { lists } from '#core/ranking/ranking-store.ts';
import { PagePlanner } from '#core/runs/page-planner.ts';
import {
  encodeColumnFile,
  jsonFile,
  NONE,
  runFileKeys,
  type ScoredMeta,
  type ScoreSummary,
  type ScoreSummaryFile,
} from '#core/runs/run-files.ts';
import {
  MAX_PAGE_WRITERS,
  modelOf,
  type RescoreRunDeps,
  RunAbortedError,
  type RunPlan,
} from '#core/runs/run-plan.ts';
import { completePrevious, fillPreviousFromPages, loadSnapshot } from '#core/runs/snapshot.ts';
import { coverageColumn } from '#core/scoring/coverage.ts';
import { scorePopulationThreaded } from '#core/scoring/score-threaded.ts';

/** Partners per page writer (each writes the pages of about four times as many entries). */
const PARTNERS_PER_PAGE_WRITER = 150_000;

/**
 * Step 3: the central scoring. Loads every snapshot part, scores the whole population with the
 * columnar core (exact global statistics, ranks, percentiles; hysteresis against the previous
 * tiers), plans every ranking page (page and offset of each entry, from the entries' exact sizes)
 * and writes one scored part per slice, the run's statistics and a summary. A re-run of the step
 * computes and writes the same files again (the snapshot parts it completed hold the same places).
 */
export async function scoreRun(deps: RescoreRunDeps, plan: RunPlan): Promise<ScoreSummary> {
  const summaryKey = runFileKeys.scoreSummary(plan.runId);
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
  const summary: ScoreSummaryFile = {
    partners: n,
    tierChanges,
    pageWriters,
    lists: { ...planner.sizes(), ...unlistedSizes(filterPlan) },
  };
  await deps.files.put(summaryKey, jsonFile.encode(summary));
  return { partners: n, tierChanges, pageWriters };
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
