import type { Mover } from '../api/rankings.schema.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { RankingStore, RunStore } from '../ports.ts';

/** Largest rank moves kept per run, besides the tier changes. */
export const MOVERS_TOP = 1000;
/** Most tier changes kept per run (the largest moves among them when there are more). */
export const MOVERS_TIER_CHANGES = 1000;
/** Most movers a run stores, so `GET /runs/{runId}/movers` reads a bounded list. */
export const MOVERS_MAX = MOVERS_TOP + MOVERS_TIER_CHANGES;

/** Largest rank move first; among equal moves, the better rank first (then id, for a stable order). */
export function compareMovers(a: Mover, b: Mover): number {
  const move = Math.abs(b.rank - b.previousRank) - Math.abs(a.rank - a.previousRank);
  if (move !== 0) return move;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Collects a run's movers while it writes, in bounded memory: every tier change (up to
 * `tierChanges`, the largest moves among them) and the `top` largest rank moves of the others.
 * Partners whose rank and tier did not change, and partners new to the ranking, are no movers.
 */
export class MoversCollector {
  private tierChanged: Mover[] = [];
  private moved: Mover[] = [];

  constructor(
    private readonly top = MOVERS_TOP,
    private readonly tierChanges = MOVERS_TIER_CHANGES,
  ) {}

  /** Offers one partner of the run with its place in the previous run. */
  add(mover: Mover): void {
    if (mover.tier !== mover.previousTier) {
      this.tierChanged.push(mover);
      if (this.tierChanged.length >= 2 * this.tierChanges)
        this.tierChanged = keep(this.tierChanged, this.tierChanges);
    } else if (mover.rank !== mover.previousRank) {
      this.moved.push(mover);
      if (this.moved.length >= 2 * this.top) this.moved = keep(this.moved, this.top);
    }
  }

  /** The movers, largest move first. */
  result(): Mover[] {
    return [...keep(this.tierChanged, this.tierChanges), ...keep(this.moved, this.top)].sort(compareMovers);
  }
}

/** The `count` largest moves (sorting a buffer of at most twice `count`: amortised O(n log count)). */
function keep(movers: Mover[], count: number): Mover[] {
  return movers.sort(compareMovers).slice(0, count);
}

export interface ReadMoversDeps {
  runs: Pick<RunStore, 'getRun'>;
  rankings: Pick<RankingStore, 'getMovers'>;
}

/**
 * `GET /runs/{runId}/movers`: the first `limit` movers the run stored when it completed. A
 * {@link NotFoundError} for an unknown run, a {@link ConflictError} for one that has not completed.
 */
export async function readMovers(deps: ReadMoversDeps, runId: string, limit: number): Promise<Mover[]> {
  const run = await deps.runs.getRun(runId);
  if (!run)
    throw new NotFoundError(`No run with id ${JSON.stringify(runId)}: GET /runs lists the recent runs.`);
  if (run.status !== 'completed') {
    throw new ConflictError(
      `Run ${runId} is ${run.status}: its movers exist once it completes; GET /runs/${runId} shows its status.`,
    );
  }
  return deps.rankings.getMovers(runId, limit);
}
