import type { ModelStore } from '../ports.ts';
import type { RunFiles } from '../runs/run-files.ts';
import { RUN_SLICES } from '../runs/run-plan.ts';
import type { RunStore } from '../runs/run-store.ts';
import type { WorklistConfig } from './worklist-config.ts';
import { SEVERITIES } from './worklist-items.ts';
import type { WorklistListMeta, WorklistStore } from './worklist-store.ts';

/*
 * What the worklist steps of a run share (the steps: `functions/rescore/steps/worklist*.ts`) and the
 * reads of the worklist rely on.
 */

/**
 * Actions are folded into a run's worklist from this long before the previous worklist was built,
 * and applied on reads from this long before the served one was built: an action in flight while a
 * run read the log is never lost, and applying one twice changes nothing.
 */
export const ACTION_MARGIN_MS = 10 * 60_000;
/** Most entries of a stored worklist page: a first page of 50 is one read of one page. */
export const WORKLIST_PAGE_SIZE = 50;
/** Most UTF-8 bytes of a page's entries (long names close a page early). */
export const WORKLIST_PAGE_MAX_BYTES = 32 * 1024;

/** What the worklist steps of a run need. */
export interface WorklistRunDeps {
  files: RunFiles;
  runs: Pick<RunStore, 'listRuns'>;
  models: Pick<ModelStore, 'getVersion'>;
  worklist: WorklistStore;
  now: () => number;
}

/** The worklist facts a run fixes once (a small step result). */
export interface WorklistPlan {
  config: WorklistConfig;
  /** The completed run `dropRuns` runs before this one, or null when there were fewer. */
  dropRunId: string | null;
  /** When the users' actions were read (the worklist's `builtAt`). */
  builtAt: string;
}

/** The outbox part of a slice's `WorklistItemOpened` events: numbered after the tier-change parts. */
export function worklistOutboxPart(slice: number): number {
  return RUN_SLICES + slice;
}

/** Counts per severity, for summaries. */
export function severityCounts(meta: WorklistListMeta | undefined): Record<string, number> {
  return Object.fromEntries(SEVERITIES.map((severity) => [severity, meta?.bySeverity[severity]?.count ?? 0]));
}
