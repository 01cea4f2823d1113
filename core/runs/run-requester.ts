import type { FunctionInvoker, ModelStore, RescoreReason, RescoreRequester } from '../ports.ts';
import { newRunId } from './run-ids.ts';
import type { RunStatus, RunStore } from './run-store.ts';

/**
 * How long a run holds the lease: the rescore function's longest life (Lambda's 15 minutes) plus a
 * margin, so a killed run blocks the next one at most this long.
 */
export const LEASE_MS = 16 * 60 * 1000;

export interface RunRequesterDeps {
  runs: RunStore;
  models: Pick<ModelStore, 'getActive'>;
  invoker: FunctionInvoker;
  /** The rescore function, invoked asynchronously with `{ runId }`. */
  rescoreFunctionName: string;
  now: () => number;
}

export type StartOutcome =
  | { started: true; runId: string }
  | { started: false; runId: string; status: RunStatus };

/**
 * Single-flight rescore runs. {@link RunRequester.start} takes the lease with one conditional write
 * and creates the run record; when another run holds the lease it records the request as pending
 * (the holder starts one more run when it finishes) and returns the holder.
 */
export class RunRequester implements RescoreRequester {
  constructor(private readonly deps: RunRequesterDeps) {}

  /** Starts a run and invokes the rescore function for it, or returns the run already running. */
  async request(reason: RescoreReason): Promise<{ runId: string; status: RunStatus }> {
    const outcome = await this.start(newRunId(this.deps.now()), reason);
    if (!outcome.started) return { runId: outcome.runId, status: outcome.status };
    try {
      await this.deps.invoker.invokeAsync(this.deps.rescoreFunctionName, { runId: outcome.runId });
    } catch (error) {
      const finishedAt = new Date(this.deps.now()).toISOString();
      await this.deps.runs.failRun(outcome.runId, finishedAt, `invoke failed: ${String(error)}`);
      await this.deps.runs.releaseLease(outcome.runId);
      throw error;
    }
    return { runId: outcome.runId, status: 'running' };
  }

  /** Takes the lease for `runId` and creates its record, without invoking anything. */
  async start(runId: string, reason: RescoreReason): Promise<StartOutcome> {
    const { runs, now } = this.deps;
    const nowMs = now();
    const lease = await runs.takeLease(runId, nowMs, LEASE_MS);
    if (!lease.taken) {
      // The same run id again (a redelivered schedule event while its run runs) is no new request.
      if (lease.holder !== runId) await runs.markPending(lease.holder, reason, nowMs);
      const holder = await runs.getRun(lease.holder);
      return { started: false, runId: lease.holder, status: holder?.status ?? 'running' };
    }
    const startedAt = new Date(nowMs).toISOString();
    if (lease.abandoned)
      await runs.failRun(lease.abandoned, startedAt, 'lease expired: the run was interrupted');
    const active = await this.deps.models.getActive();
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
      // The run exists already (a redelivered schedule event): leave it alone.
      await runs.releaseLease(runId);
      const existing = await runs.getRun(runId);
      return { started: false, runId, status: existing?.status ?? 'completed' };
    }
    return { started: true, runId };
  }
}
