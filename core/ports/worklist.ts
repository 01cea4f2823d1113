/** Ports of the worklist. */
import type { WorklistItemView } from '../api/worklist.schema.ts';
import type { StoredWorklistConfig } from '../worklist/worklist-config.ts';
import type { ItemAction, Severity } from '../worklist/worklist-items.ts';

export interface SeverityBlock {
  count: number;
  page: number;
  offset: number;
}

/** One list of a run's worklist: its size and its severity blocks. */
export interface WorklistListMeta {
  count: number;
  bySeverity: Partial<Record<Severity, SeverityBlock>>;
}

/**
 * The worklist `GET /worklist` serves (`META/WORKLIST`, written after the run's switch): its run,
 * when its run folded the users' actions in, and the size and severity blocks of every list.
 */
export interface WorklistHead {
  runId: string;
  /** Actions taken after this (less a margin) are applied when the worklist is read. */
  builtAt: string;
  lists: Record<string, WorklistListMeta>;
}

/** A stored page of a worklist list. */
export interface WorklistPage {
  list: string;
  page: number;
  entries: WorklistItemView[];
}

/** An item's own record: found by id (actions), kept from its opening to its resolution. */
export interface WorklistItemRecord extends WorklistItemView {
  status: 'open' | 'resolved';
  resolvedAt: string | null;
  snoozeSeverity: Severity | null;
}

/**
 * Worklist persistence: settings, the served worklist, its pages, one record per item (written when
 * it opens, when its severity changes and when it resolves: never per run), and the action log.
 */
export interface WorklistStore {
  getConfig(): Promise<StoredWorklistConfig | null>;
  putConfig(stored: StoredWorklistConfig): Promise<void>;
  getHead(): Promise<WorklistHead | null>;
  putHead(head: WorklistHead): Promise<void>;
  putPages(runId: string, pages: readonly WorklistPage[], expiresAtSeconds: number): Promise<void>;
  /** Pages `fromPage … fromPage + count − 1` of a list (fewer at its end). */
  getPages(runId: string, list: string, fromPage: number, count: number): Promise<WorklistPage[]>;
  /** Creates item records (an existing one is left as it is: a re-run step). */
  openItems(records: readonly WorklistItemRecord[]): Promise<void>;
  /** Updates the severity, detail and score of open items. */
  updateItems(records: readonly WorklistItemRecord[]): Promise<void>;
  resolveItems(itemIds: readonly string[], resolvedAt: string): Promise<void>;
  getItem(itemId: string): Promise<WorklistItemRecord | null>;
  /**
   * Records an action: the item's record becomes `next` and the action joins the log, only while the
   * item is open; `false` when it is resolved.
   */
  act(next: WorklistItemRecord, action: ItemAction): Promise<boolean>;
  /** Actions taken at or after `since` (ISO), oldest first. */
  actionsSince(since: string): Promise<ItemAction[]>;
}
