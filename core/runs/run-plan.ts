import { PARTNER_SHARDS } from '../keys.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import type { EventSink, ModelStore, PartnerStore, RescoreRequester } from '../ports.ts';
import type { RankingStore } from '../ranking/ranking-store.ts';
import type { RunFiles } from './run-files.ts';
import type { RunRecord, RunStore } from './run-store.ts';

/*
 * What the steps of a run share (the steps themselves: `functions/rescore/steps/`, one file each):
 * the plan they are given, what they need, the small results they hand each other, and their errors.
 */

/** Score records are history for 400 days (contract §6). */
export const HISTORY_TTL_DAYS = 400;
/** Read and write slices of a run: one partner shard each. */
export const RUN_SLICES = PARTNER_SHARDS;
/** Most page-writing work items (pages are routed to them by list and page number). */
export const MAX_PAGE_WRITERS = 64;

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
}

/** An error no retry can fix: the run fails at once. */
export class RunAbortedError extends Error {
  override readonly name = 'RunAbortedError';
}

/** What the switch step returns: the completed run's facts for its `RescoreCompleted` event. */
export interface SwitchedRun {
  partners: number;
  tierChanges: number;
  finishedAt: string;
}

/** The facts of a completed run its `RescoreCompleted` event carries. */
export type CompletedRunFacts = Pick<RunRecord, 'runId' | 'modelVersion' | 'startedAt'> & SwitchedRun;

/** The run's header on its ranking pages and on the pointer: id, model version, `scoredAt`. */
export function runHeader(plan: RunPlan) {
  return { runId: plan.runId, modelVersion: plan.modelVersion, scoredAt: plan.startedAt };
}

/** The model version the run scores with; a version no longer stored aborts the run. */
export async function modelOf(deps: RescoreRunDeps, plan: RunPlan): Promise<ScoringModel> {
  const model = await deps.models.getVersion(plan.modelVersion);
  if (!model) throw new RunAbortedError(`model version ${plan.modelVersion} of the run is not stored`);
  return model;
}

/** A run file an earlier step wrote; its absence is an error (the step retries, then the run fails). */
export async function requiredFile(files: RunFiles, key: string): Promise<Uint8Array> {
  const data = await files.get(key);
  if (!data) throw new Error(`run file ${key} is missing (deleted, or an earlier phase did not finish)`);
  return data;
}

/** The store clock's time as an ISO string. */
export function isoNow(deps: Pick<RescoreRunDeps, 'now'>): string {
  return new Date(deps.now()).toISOString();
}
