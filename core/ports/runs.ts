/** Ports of rescore runs: requests, records, single flight, history. */
import type { QualityReportBody } from '../api/quality.schema.ts';
import type { RankingEntry } from '../api/rankings.schema.ts';
import type { RunStarted } from '../api/runs.schema.ts';
import type { RunStatistics } from '../scoring/score-population.ts';

export type RescoreReason = 'schedule' | 'manual' | 'import' | 'model';

/** Starts a rescore run, or returns the one already running. */
export interface RescoreRequester {
  request(reason: RescoreReason): Promise<RunStarted>;
}

export type RunStatus = RunStarted['status'];

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
  /**
   * Partners per materialised ranking list (`all`, `tier:Gold`, …), plus `unlisted:region` /
   * `unlisted:type` partners whose value has no list of its own (see `planFilterLists`); written
   * at completion.
   */
  lists?: Record<string, number>;
  /** The overall status of the run's data-quality report (set by its quality step; a fail does not stop it). */
  quality?: QualityReportBody['status'];
}

/** What `META/CURRENT_RUN` names: the run `/rankings` serves, with what a page header needs. */
export interface CurrentRunPointer {
  runId: string;
  modelVersion: number;
  scoredAt: string;
  /** The first page of the `all` list, so a top-50 read is one round trip. */
  head?: RankingEntry[];
}

/**
 * Single flight of rescore runs, kept on the current-run pointer item itself, so that the switch
 * (one conditional write of that item) also proves the switching run still holds it.
 */
export interface RunClaim {
  /** The run that holds single flight, or `null` when none runs. */
  holder: string | null;
  /** When the holder claimed it (epoch ms). */
  claimedAt: number | null;
  /**
   * The durable execution that took the claim for a scheduled run (its ARN), so a retry of that
   * execution's first step knows the claim as its own; `null` for a requested run (its execution is
   * named after the run).
   */
  owner: string | null;
  /** A request left while the holder ran, after partners or the model changed: one follow-up run. */
  pendingReason: RescoreReason | null;
  /** The newest run, running or not. */
  latestRunId: string | null;
  /** The run `/rankings` serves (the pointer's run), `null` before the first switch. */
  currentRunId: string | null;
  /** The newest runs that failed or were abandoned (a bounded list): their score records are not history. */
  failedRuns: string[];
  /**
   * Switched runs whose outbox (tier changes, `RescoreCompleted`) is not all published yet: the
   * next run publishes them before its own events, so no outbox is ever dropped.
   */
  unpublishedRuns: string[];
}

/** Where a page of history continues: the record it starts after. */
export interface HistoryPosition {
  scoredAt: string;
  runId: string;
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

/** `holder` is `null` when the claim was released between the failed take and the read of it. */
export type ClaimOutcome =
  | { taken: true; abandoned: string | null }
  | { taken: false; holder: string | null };

/**
 * Persistence of runs: single flight, run records, the current-run pointer, statistics and history.
 * Reads that a decision depends on (claim, run, pointer) are strongly consistent.
 */
export interface RunStore {
  /**
   * Takes single flight for `runId` when no run holds it, or when the holder claimed it before
   * `deadBeforeMs` (its durable execution has certainly ended: past the execution timeout, which no
   * code of the run can observe). `abandoned` names such a holder; the caller marks it failed.
   * `owner` is the durable execution taking it (see {@link RunClaim.owner}).
   */
  takeClaim(runId: string, nowMs: number, deadBeforeMs: number, owner?: string): Promise<ClaimOutcome>;
  /** Records a request for a follow-up run while `holder` runs; `false` if `holder` no longer holds it. */
  markPending(holder: string, reason: RescoreReason): Promise<boolean>;
  /** Frees single flight (when `runId` still holds it) and returns a pending request, if any. */
  releaseClaim(runId: string): Promise<RescoreReason | null>;
  getClaim(): Promise<RunClaim | null>;
  /** Creates the run record; `false` if a run with this id exists (a redelivered schedule event). */
  createRun(run: RunRecord): Promise<boolean>;
  getRun(runId: string): Promise<RunRecord | null>;
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
  /** When partners last changed (the `partnersChanged` marker), strongly consistent; `null` if never. */
  partnersChangedAt(): Promise<string | null>;
  /**
   * The current pointer and the partners-changed marker in one round trip; `consistent` reads
   * them strongly consistently (for a decision that a stale answer would get wrong).
   */
  getCurrentAndChangedAt(options?: {
    consistent?: boolean;
  }): Promise<{ current: CurrentRunPointer | null; changedAt: string | null }>;
  /**
   * Switches `/rankings` to `next` in one conditional write of the pointer item: only if `next.runId`
   * still holds single flight and the pointer still names `previousRunId` (none when `null`).
   * `false` otherwise: the run lost single flight and must never become the ranking. The same write
   * adds the run to {@link RunClaim.unpublishedRuns}.
   */
  switchCurrent(next: CurrentRunPointer, previousRunId: string | null): Promise<boolean>;
  /** Removes a run from {@link RunClaim.unpublishedRuns} once all of its outbox is published. */
  markPublished(runId: string): Promise<void>;
  /** The run's population statistics, which provisional scores are computed against. */
  putStatistics(runId: string, statistics: RunStatistics): Promise<void>;
  getStatistics(runId: string): Promise<RunStatistics | null>;
  /** Writes score records (history) with TTL; retries unprocessed items. */
  putScoreRecords(records: readonly ScoreRecord[], expiresAtSeconds: number): Promise<void>;
  getScoreRecord(id: string, scoredAt: string, runId: string): Promise<ScoreRecord | null>;
  /**
   * A partner's score records, newest first, of completed runs only; with `before`, only records
   * older than that one (`{scoredAt, runId}` of the last record of the previous page).
   */
  history(id: string, limit: number, options?: { before?: HistoryPosition }): Promise<ScoreRecord[]>;
}
