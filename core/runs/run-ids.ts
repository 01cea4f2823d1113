import { createHash, randomBytes } from 'node:crypto';

/** `20261124T213800123Z`: sortable and safe in keys and URLs. */
function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

/** A new run id for an on-demand run: time-ordered, with a random suffix. */
export function newRunId(nowMs: number): string {
  return `run-${compactTime(nowMs)}-${randomBytes(4).toString('hex')}`;
}

/**
 * The run id of a schedule slot: the same for every delivery of one scheduled event, so a
 * redelivered event finds its run and does not start another.
 */
export function scheduledRunId(scheduledTime: string): string {
  const ms = Date.parse(scheduledTime);
  if (Number.isNaN(ms)) throw new Error(`Scheduled event time is not a date: ${scheduledTime}`);
  return `run-${compactTime(ms)}-schedule`;
}

/**
 * The stable id of a run's event: a UUID-shaped hash of the run, the event type and its subject (the
 * partner of a tier change; none for `RescoreCompleted`). Every send of one event, by a retried
 * step or by a later run publishing a leftover outbox, carries the same id.
 */
export function eventId(runId: string, detailType: string, subject = ''): string {
  const hex = createHash('sha256').update(`${runId}\n${detailType}\n${subject}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
