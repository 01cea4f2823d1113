import { mapWithConcurrency } from '#core/concurrency.ts';
import type { DomainEvent } from '#core/ports.ts';
import { jsonFile, runFileKeys } from '#core/runs/run-files.ts';
import { eventId } from '#core/runs/run-ids.ts';
import type { RescoreRunDeps } from '#core/runs/run-plan.ts';

/** PutEvents requests (10 events each) in flight while publishing one outbox part. */
const PUBLISH_CONCURRENCY = 4;

/**
 * Step 7 (one per slice, fanned out): publishes the slice's outbox part, PutEvents of 10 with a few
 * in flight. A part published once is marked and never published again (a replay or a re-run step
 * skips it); a failed publish is retried by the step, and past its retries by the next run (the run
 * stays in `RunClaim.unpublishedRuns`), never dropped. A re-sent event carries the same id.
 */
export async function publishSlice(deps: RescoreRunDeps, runId: string, slice: number): Promise<number> {
  const outbox = await deps.files.get(runFileKeys.outbox(runId, slice));
  if (!outbox) return 0;
  const marker = runFileKeys.published(runId, String(slice));
  if (await deps.files.get(marker)) return 0;
  const events = jsonFile.decode<DomainEvent[]>(outbox).map((event) => ({
    ...event,
    // A part written before events had ids (a run resumed across a deploy): the same id derived.
    id: event.id ?? eventId(runId, event.detailType, String(event.detail.id)),
  }));
  const batches: DomainEvent[][] = [];
  for (let start = 0; start < events.length; start += 10) batches.push(events.slice(start, start + 10));
  await mapWithConcurrency(batches, PUBLISH_CONCURRENCY, (batch) => deps.events.publish(batch));
  await deps.files.put(marker, new Uint8Array());
  return events.length;
}
