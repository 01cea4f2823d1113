import { randomBytes } from 'node:crypto';

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
