import type { RescoreReason } from '../ports.ts';
import { lists, type RankingEntry } from '../ranking/ranking-store.ts';
import type { RunStatistics } from '../scoring/score-population.ts';

export type RunStatus = 'running' | 'completed' | 'failed';

/** A rescore run as stored and returned by `GET /runs/{runId}` (plus internal fields). */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  reason: RescoreReason;
  /** ISO-8601; also the run's scoring time `t` and the `scoredAt` of its score records. */
  startedAt: string;
  finishedAt: string | null;
  partners: number | null;
  modelVersion: number;
  tierChanges: number | null;
  /** Why a run failed (operator-facing, never shown in an HTTP body). */
  error?: string;
  /** Partners per ranking list (`all`, `tier:Gold`, …), written at completion. */
  lists?: Record<string, number>;
}

/** What `META/CURRENT_RUN` names: the run `/rankings` serves, with what a page header needs. */
export interface CurrentRunPointer {
  runId: string;
  modelVersion: number;
  scoredAt: string;
  /** The first page of the `all` list, so a top-50 read is one round trip. */
  head?: RankingEntry[];
}

/** The single-flight lease of rescore runs; `runId` also tells the newest run. */
export interface RunLease {
  runId: string;
  leaseExpiresAt: number;
  /** A run requested while this one was running: started when it finishes. */
  pendingReason: RescoreReason | null;
  /** Runs that failed or were abandoned: their score records are not history. */
  failedRuns: string[];
}

/** One partner's result in one run: the history record, also the exact source of its breakdown. */
export interface ScoreRecord {
  id: string;
  runId: string;
  scoredAt: string;
  score: number;
  rank: number;
  tier: string | null;
  percentile: number;
  /** Normalised value per metric (normalised metric name); `null` where the metric was dropped. */
  normalized: Record<string, number | null>;
}

export type LeaseOutcome = { taken: true; abandoned: string | null } | { taken: false; holder: string };

/** Persistence of runs: lease, run records, the current-run pointer, statistics and history. */
export interface RunStore {
  /**
   * Takes the lease for `runId` when it is free or expired. `abandoned` names a run whose lease
   * expired while it still held it (a killed run); the caller marks it failed.
   */
  takeLease(runId: string, nowMs: number, leaseMs: number): Promise<LeaseOutcome>;
  /** Records a request for another run while `holder` runs; `false` if `holder` no longer runs. */
  markPending(holder: string, reason: RescoreReason, nowMs: number): Promise<boolean>;
  /** Frees the lease (when `runId` still holds it) and returns a pending request, if any. */
  releaseLease(runId: string): Promise<RescoreReason | null>;
  getLease(): Promise<RunLease | null>;
  /** Creates the run record; `false` if a run with this id exists (a redelivered schedule event). */
  createRun(run: RunRecord): Promise<boolean>;
  getRun(runId: string): Promise<RunRecord | null>;
  /**
   * Claims the execution of a running run, once: `false` when it is not running or already claimed
   * (an asynchronous invocation delivered twice, or a retry after a timeout).
   */
  claimExecution(runId: string): Promise<boolean>;
  /** The newest run, running or not. */
  latestRun(): Promise<RunRecord | null>;
  /** The `limit` newest runs, newest first (runs created before the run log existed are not listed). */
  listRuns(limit: number): Promise<RunRecord[]>;
  completeRun(
    runId: string,
    result: Pick<RunRecord, 'finishedAt' | 'partners' | 'tierChanges' | 'modelVersion' | 'lists'>,
  ): Promise<void>;
  /** Marks a running run failed (no-op for a finished one) and remembers it as not history. */
  failRun(runId: string, finishedAt: string, error: string): Promise<void>;
  getCurrent(): Promise<CurrentRunPointer | null>;
  /** The current pointer and the partners-changed marker in one round trip. */
  getCurrentAndChangedAt(): Promise<{ current: CurrentRunPointer | null; changedAt: string | null }>;
  /**
   * Switches `/rankings` to `next` in one conditional write: only if the pointer still names
   * `previousRunId` (or is absent when that is `null`). `false` when another run switched first.
   */
  switchCurrent(next: CurrentRunPointer, previousRunId: string | null): Promise<boolean>;
  /** The run's population statistics, which provisional scores are computed against. */
  putStatistics(runId: string, statistics: RunStatistics): Promise<void>;
  getStatistics(runId: string): Promise<RunStatistics | null>;
  /** Writes score records (history) with TTL; retries unprocessed items. */
  putScoreRecords(records: readonly ScoreRecord[], expiresAtSeconds: number): Promise<void>;
  getScoreRecord(id: string, scoredAt: string, runId: string): Promise<ScoreRecord | null>;
  /** A partner's score records, newest first, of completed runs only. */
  history(id: string, limit: number): Promise<ScoreRecord[]>;
}

const TIER_LIST_PREFIX = lists.tier('');

/**
 * Partners per tier of a completed run, from the sizes of its `tier:<name>` ranking lists (written
 * at completion); `null` for a run that has not completed.
 */
export function tierCounts(run: Pick<RunRecord, 'status' | 'lists'>): Record<string, number> | null {
  if (run.status !== 'completed' || !run.lists) return null;
  const tiers: Record<string, number> = {};
  for (const [list, size] of Object.entries(run.lists)) {
    if (list.startsWith(TIER_LIST_PREFIX)) tiers[list.slice(TIER_LIST_PREFIX.length)] = size;
  }
  return tiers;
}
