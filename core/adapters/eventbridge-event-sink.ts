import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { DomainEvent, EventSink } from '../ports.ts';

/** The `source` of every domain event (contract §6). */
export const EVENT_SOURCE = 'partner-scoring';
/** Entries per PutEvents request (the EventBridge maximum). */
const BATCH_SIZE = 10;

/**
 * {@link EventSink} on EventBridge: PutEvents in batches of 10; entries the service reports as
 * failed (throttling, internal errors) are re-sent with exponential backoff and jitter. Each
 * event's stable id is `detail.eventId` (the same on every re-send).
 */
export class EventBridgeEventSink implements EventSink {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly maxRetries = 6,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += BATCH_SIZE) {
      await this.putBatch(events.slice(start, start + BATCH_SIZE).map((event) => this.toEntry(event)));
    }
  }

  private toEntry(event: DomainEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Time: new Date(event.time),
      // PutEvents takes no client id: the event's stable id travels in its detail.
      Detail: JSON.stringify({ eventId: event.id, ...event.detail }),
    };
  }

  private async putBatch(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 0; ; attempt++) {
      const output = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!output.FailedEntryCount) return;
      // Results are positional: a result with an ErrorCode failed its entry.
      pending = pending.filter((_, i) => output.Entries?.[i]?.ErrorCode);
      if (attempt >= this.maxRetries) {
        throw new Error(`${pending.length} events not accepted by EventBridge after ${attempt + 1} attempts`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** attempt));
    }
  }
}

/** An EventBridge client for {@link EventBridgeEventSink}; the SDK resolves endpoint and region. */
export function createEventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({ maxAttempts: 5 });
}
