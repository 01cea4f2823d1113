import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DomainEvent, EventSink } from '../ports.ts';
import { EVENT_SOURCE } from './eventbridge-event-sink.ts';

/** A domain event as EventBridge delivers it to a target. */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': DomainEvent['detailType'];
  source: typeof EVENT_SOURCE;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/**
 * {@link EventSink} for the local stack: appends one line per event to an NDJSON file, shaped as
 * EventBridge delivers it, so consumers can be developed against the file. As on AWS, the envelope's
 * `id` is new on every delivery; the event's stable id is `detail.eventId`.
 */
export class NdjsonEventSink implements EventSink {
  constructor(
    private readonly file: string,
    private readonly region = process.env.AWS_REGION ?? 'us-east-1',
    private readonly account = '000000000000',
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const lines = events.map((event) => {
      const delivered: DeliveredEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: EVENT_SOURCE,
        account: this.account,
        time: new Date(event.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: [],
        detail: { eventId: event.id, ...event.detail },
      };
      return `${JSON.stringify(delivered)}\n`;
    });
    await mkdir(path.dirname(this.file), { recursive: true });
    // One append per publish: lines of one run stay together.
    await appendFile(this.file, lines.join(''));
  }
}
