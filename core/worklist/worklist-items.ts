import { createHash } from 'node:crypto';
import {
  type WorklistItemView,
  worklistReasonSchema,
  worklistSeveritySchema,
} from '../api/worklist.schema.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { nextTierOf } from '../scoring/tiers.ts';
import type { WorklistConfig } from './worklist-config.ts';

export const REASONS = worklistReasonSchema.options;
export type Reason = WorklistItemView['reason'];
export const SEVERITIES = worklistSeveritySchema.options;
export type Severity = WorklistItemView['severity'];
/** `done` only in the answer to a `done` action: a done item leaves the worklist. */
export type ItemState = WorklistItemView['state'];

/** Severity order: high first. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

const DAY_MS = 86_400_000;

/** What one partner's result in a run shows, per reason (contract §3.2). */
export interface Condition {
  reason: Reason;
  severity: Severity;
  detail: Record<string, number | string>;
}

/** One partner's facts in a run, as the worklist conditions read them. */
export interface PartnerFacts {
  score: number;
  /** The tier held after hysteresis, or null. */
  tier: string | null;
  asOfMs: number;
  /** The score `dropRuns` completed runs earlier, or NaN when unknown. */
  scoreThen: number;
}

/**
 * The worklist reasons a partner's result shows, at most one per reason:
 * `TIER_AT_RISK` (high when only hysteresis keeps the tier, medium within `nearTierPoints` of it),
 * `NEAR_NEXT_TIER` (low within `nearTierPoints` below the next tier), `DROPPING` (fell by at least
 * `dropPoints` against `dropRuns` runs earlier), `STALE` (`asOf` older than `staleWarnDays`, high
 * past `staleErrorDays`).
 */
export function conditionsOf(
  model: ScoringModel,
  config: WorklistConfig,
  runTimeMs: number,
  facts: PartnerFacts,
): Condition[] {
  const found: Condition[] = [];
  const { score, tier } = facts;
  const held = tier === null ? undefined : model.tiers.find((t) => t.name === tier);
  if (held) {
    const margin = score - held.minScore;
    if (margin < 0) {
      found.push({
        reason: 'TIER_AT_RISK',
        severity: 'high',
        detail: { tier: held.name, minScore: held.minScore, margin },
      });
    } else if (margin < config.nearTierPoints) {
      found.push({
        reason: 'TIER_AT_RISK',
        severity: 'medium',
        detail: { tier: held.name, minScore: held.minScore, margin },
      });
    }
  }
  const next = nextTierOf(model, tier, score);
  if (next && next.pointsNeeded > 0 && next.pointsNeeded <= config.nearTierPoints) {
    found.push({
      reason: 'NEAR_NEXT_TIER',
      severity: 'low',
      detail: { nextTier: next.name, pointsNeeded: next.pointsNeeded },
    });
  }
  if (Number.isFinite(facts.scoreThen)) {
    const change = score - facts.scoreThen;
    if (-change >= config.dropPoints) {
      found.push({
        reason: 'DROPPING',
        severity: 'medium',
        detail: { change, scoreThen: facts.scoreThen, runsBack: config.dropRuns },
      });
    }
  }
  const ageDays = (runTimeMs - facts.asOfMs) / DAY_MS;
  if (ageDays > config.staleErrorDays) {
    found.push({ reason: 'STALE', severity: 'high', detail: { days: Math.floor(ageDays) } });
  } else if (ageDays > config.staleWarnDays) {
    found.push({ reason: 'STALE', severity: 'medium', detail: { days: Math.floor(ageDays) } });
  }
  return found;
}

/** An open item as a run keeps it (state file), between runs. */
export interface OpenItem {
  itemId: string;
  partnerId: string;
  reason: Reason;
  severity: Severity;
  openedAt: string;
  detail: Record<string, number | string>;
  /** Consecutive runs, up to this one, in which the condition was false (2 resolves it). */
  clearRuns: number;
  state: ItemState;
  /** Until when a snoozed item stays hidden (null: until its severity rises). */
  snoozedUntil: string | null;
  /** The severity when it was snoozed: a higher one wakes it. */
  snoozeSeverity: Severity | null;
}

/** A user's action on an item (contract §3.2 `POST /worklist/{itemId}/actions`). */
export interface ItemAction {
  itemId: string;
  action: 'snooze' | 'dismiss' | 'done';
  actedAt: string;
  until: string | null;
  note: string | null;
  /** The item's severity when the action was taken (a snooze ends when it rises above it). */
  severity: Severity;
}

/**
 * An item's id: the same inputs always give the same id (a re-run step writes the same items), a
 * recurrence in a later run a new one.
 */
export function itemIdOf(partnerId: string, reason: Reason, runId: string): string {
  return createHash('sha256')
    .update(`${partnerId}\u0000${reason}\u0000${runId}`)
    .digest('base64url')
    .slice(0, 22);
}

/** Applies a user's action to an item; `null` when it resolves the item (`done`). */
export function applyAction(item: OpenItem, action: ItemAction): OpenItem | null {
  switch (action.action) {
    case 'done':
      return null;
    case 'dismiss':
      return { ...item, state: 'dismissed', snoozedUntil: null, snoozeSeverity: null };
    case 'snooze':
      return { ...item, state: 'snoozed', snoozedUntil: action.until, snoozeSeverity: action.severity };
  }
}

/** A snoozed item wakes when its date passes or its severity rises above the one it was snoozed at. */
export function wakeIfDue(item: OpenItem, nowMs: number): OpenItem {
  if (item.state !== 'snoozed') return item;
  const dateDue = item.snoozedUntil !== null && Date.parse(item.snoozedUntil) <= nowMs;
  const rose =
    item.snoozeSeverity !== null && severityRank(item.severity) < severityRank(item.snoozeSeverity);
  return dateDue || rose ? { ...item, state: 'open', snoozedUntil: null, snoozeSeverity: null } : item;
}

/** What one partner's items became in a run. */
export interface ItemChanges {
  /** The partner's items after the run (open, or waiting out the anti-flap run). */
  items: OpenItem[];
  opened: OpenItem[];
  /** Items whose severity changed (their stored record follows). */
  changed: OpenItem[];
  resolved: OpenItem[];
}

/**
 * One partner's items after a run: a previous item whose condition holds stays (same `itemId`,
 * severity and detail updated); one whose condition is false for the second run in a row resolves;
 * a condition without an item opens one. `previous` has the users' actions applied already.
 */
export function mergeItems(
  partnerId: string,
  previous: readonly OpenItem[],
  conditions: readonly Condition[],
  run: { runId: string; startedAt: string; timeMs: number },
): ItemChanges {
  const changes: ItemChanges = { items: [], opened: [], changed: [], resolved: [] };
  const byReason = new Map(conditions.map((condition) => [condition.reason, condition]));
  for (const before of previous) {
    const condition = byReason.get(before.reason);
    byReason.delete(before.reason);
    if (!condition) {
      const clearRuns = before.clearRuns + 1;
      if (clearRuns >= 2) changes.resolved.push(before);
      else changes.items.push(wakeIfDue({ ...before, clearRuns }, run.timeMs));
      continue;
    }
    const item = wakeIfDue(
      { ...before, severity: condition.severity, detail: condition.detail, clearRuns: 0 },
      run.timeMs,
    );
    if (item.severity !== before.severity) changes.changed.push(item);
    changes.items.push(item);
  }
  for (const condition of byReason.values()) {
    const item: OpenItem = {
      itemId: itemIdOf(partnerId, condition.reason, run.runId),
      partnerId,
      reason: condition.reason,
      severity: condition.severity,
      openedAt: run.startedAt,
      detail: condition.detail,
      clearRuns: 0,
      state: 'open',
      snoozedUntil: null,
      snoozeSeverity: null,
    };
    changes.opened.push(item);
    changes.items.push(item);
  }
  return changes;
}

/** Order of a worklist: severity (high first), then score descending, then partner id, then reason. */
export function compareViews(a: WorklistItemView, b: WorklistItemView): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (b.score ?? Number.NEGATIVE_INFINITY) - (a.score ?? Number.NEGATIVE_INFINITY) ||
    (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0) ||
    REASONS.indexOf(a.reason) - REASONS.indexOf(b.reason)
  );
}
