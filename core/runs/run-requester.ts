import type { RunStarted } from '../api/runs.schema.ts';
import type {
  FunctionInvoker,
  ModelStore,
  RescoreReason,
  RescoreRequester,
  RunRecord,
  RunStatus,
  RunStore,
} from '../ports.ts';
import { newRunId } from './run-ids.ts';

/**
 * The rescore function's durable execution timeout. A run's execution ends by then, whatever happens
 * (Lambda stops it); a claim older than this (plus a margin) belongs to an execution that was
 * stopped without running its own failure handling, and the next request takes it over.
 * Every other failure releases the claim at once (the workflow's failure step).
 */
export const RUN_EXECUTION_TIMEOUT_HOURS = 6;
const CLAIM_DEAD_AFTER_MS = (RUN_EXECUTION_TIMEOUT_HOURS * 60 + 5) * 60 * 1000;
/** Takes of single flight tried while holders keep finishing under a request. */
const MAX_CLAIM_ATTEMPTS = 5;
/**
 * A requester creates the run record right after taking the claim (milliseconds later); a claim
 * without a record after this long belongs to a requester that died in between (a SIGKILL, a
 * Lambda timeout) and holds nothing.
 */
const CLAIM_WITHOUT_RUN_DEAD_AFTER_MS = 60_000;

export interface RunRequesterDeps {
  runs: RunStore;
  models: Pick<ModelStore, 'getActive'>;
  invoker: FunctionInvoker;
  /** The rescore function (its alias), invoked asynchronously with `{ runId }` as the execution name. */
  rescoreFunctionName: string;
  now: () => number;
}

export type StartOutcome =
  | { started: true; runId: string }
  | { started: false; runId: string; status: RunStatus };

/**
 * Single-flight rescore runs. {@link RunRequester.start} takes single flight with one conditional
 * write and creates the run record. While another run holds it, a request leaves ONE follow-up run
 * (started by the holder when it releases), and only when partners or the model changed after the
 * holder started: otherwise the holder already scores what the request asks for.
 */
export class RunRequester implements RescoreRequester {
  constructor(private readonly deps: RunRequesterDeps) {}

  /** Starts a run and its durable execution, or returns the run already running. */
  async request(reason: RescoreReason): Promise<RunStarted> {
    const outcome = await this.start(newRunId(this.deps.now()), reason);
    if (!outcome.started) return { runId: outcome.runId, status: outcome.status };
    try {
      await this.execute(outcome.runId);
    } catch (error) {
      const finishedAt = new Date(this.deps.now()).toISOString();
      await this.deps.runs.failRun(outcome.runId, finishedAt, `invoke failed: ${String(error)}`);
      await this.deps.runs.releaseClaim(outcome.runId);
      throw error;
    }
    return { runId: outcome.runId, status: 'running' };
  }

  /**
   * Starts the durable execution of a run that holds single flight. The run id is the execution
   * name, so a repeated invoke joins the execution instead of starting a second one.
   */
  execute(runId: string): Promise<void> {
    return this.deps.invoker.invokeAsync(this.deps.rescoreFunctionName, { runId }, { executionName: runId });
  }

  /**
   * Takes single flight for `runId` and creates its record, without invoking anything. `owner` is
   * the durable execution that asks (a scheduled run's): when it already holds the claim for
   * `runId` (a retry of its own step after the claim went through), the run is its own to start.
   *
   * A claim is no claim when its holder has finished (`completed` or `failed`: the process died
   * between the run's end and its release) or when its holder never got a record: such a claim is
   * released and taken at once, so a request after a crash always starts a run.
   */
  async start(runId: string, reason: RescoreReason, owner?: string): Promise<StartOutcome> {
    const { runs, now } = this.deps;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const nowMs = now();
      const claim = await runs.takeClaim(runId, nowMs, nowMs - CLAIM_DEAD_AFTER_MS, owner);
      if (claim.taken) return this.create(runId, reason, nowMs, claim.abandoned, false);
      // Released between the failed take and the read: take it again.
      if (claim.holder === null) continue;
      if (claim.holder === runId) {
        // This execution's own claim (its step is retried): the run is its to start.
        if (owner !== undefined && (await runs.getClaim())?.owner === owner) {
          return this.create(runId, reason, nowMs, null, true);
        }
        // The same run id again (a redelivered schedule event while its run runs) is no new request.
        return { started: false, runId, status: 'running' };
      }
      const holding = { started: false, runId: claim.holder, status: 'running' } as const;
      const holder = await runs.getRun(claim.holder);
      if (holder === null) {
        // No record yet: its requester is creating it this instant, with the newest model and data,
        // unless that requester died between its claim and the record.
        const held = await runs.getClaim();
        if (
          held?.holder === claim.holder &&
          (held.claimedAt ?? nowMs) < nowMs - CLAIM_WITHOUT_RUN_DEAD_AFTER_MS
        ) {
          await runs.releaseClaim(claim.holder);
          continue;
        }
        return holding;
      }
      if (holder.status !== 'running') {
        // Finished, yet holding: it died before its release. Its follow-up is this request's run.
        await runs.releaseClaim(holder.runId);
        continue;
      }
      if (!(await this.changedSince(holder))) return holding;
      // A follow-up is due: recorded on the holder's claim. `false`: the holder released meanwhile,
      // so nothing would start the follow-up: take single flight again instead.
      if (await runs.markPending(holder.runId, reason)) return holding;
    }
    throw new Error('Runs kept finishing while this request tried to start one: send it again.');
  }

  /** Whether partners or the model changed after `run` started (what a follow-up run would add). */
  private async changedSince(run: RunRecord): Promise<boolean> {
    const [changedAt, active] = await Promise.all([
      this.deps.runs.partnersChangedAt(),
      this.deps.models.getActive({ fresh: true }),
    ]);
    return active.version !== run.modelVersion || (changedAt !== null && changedAt > run.startedAt);
  }

  private async create(
    runId: string,
    reason: RescoreReason,
    nowMs: number,
    abandoned: string | null,
    ownClaim: boolean,
  ): Promise<StartOutcome> {
    const { runs } = this.deps;
    const startedAt = new Date(nowMs).toISOString();
    if (abandoned && abandoned !== runId) {
      await runs.failRun(
        abandoned,
        startedAt,
        'the run execution ended without finishing (execution timeout)',
      );
    }
    const active = await this.deps.models.getActive({ fresh: true });
    const created = await runs.createRun({
      runId,
      status: 'running',
      reason,
      startedAt,
      finishedAt: null,
      partners: null,
      modelVersion: active.version,
      tierChanges: null,
    });
    if (!created) {
      const existing = await runs.getRun(runId);
      // This execution created it before its step was cut off: still its run.
      if (ownClaim && existing?.status === 'running') return { started: true, runId };
      // The run exists already (a redelivered schedule event): leave it alone.
      await runs.releaseClaim(runId);
      return { started: false, runId, status: existing?.status ?? 'completed' };
    }
    return { started: true, runId };
  }
}
