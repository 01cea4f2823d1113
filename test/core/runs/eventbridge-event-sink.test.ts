import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeEventSink } from '#core/adapters/eventbridge-event-sink.ts';
import type { DomainEvent } from '#core/ports.ts';

// No local EventBridge server exists, and partial failures are what this adapter is for: mocked.
const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

const events: DomainEvent[] = Array.from({ length: 23 }, (_, i) => ({
  id: `event-${i}`,
  detailType: 'PartnerTierChanged',
  time: '2026-11-24T02:00:05.000Z',
  detail: { id: `p${i}`, from: 'Gold', to: 'Silver', score: 50 + i, runId: 'r1' },
}));

describe('EventBridgeEventSink', () => {
  it('sends batches of 10 to the bus with source partner-scoring', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await new EventBridgeEventSink(new EventBridgeClient({ region: 'us-east-1' }), 'bus').publish(events);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const first = calls[0]?.args[0].input.Entries?.[0] as PutEventsRequestEntry;
    expect(first).toMatchObject({
      EventBusName: 'bus',
      Source: 'partner-scoring',
      DetailType: 'PartnerTierChanged',
    });
    // PutEvents takes no client id: the event's stable id is in its detail.
    expect(JSON.parse(first.Detail as string)).toEqual({ eventId: 'event-0', ...events[0]?.detail });
  });

  it('re-sends only the entries EventBridge failed', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: '1' },
          { ErrorCode: 'ThrottlingException' },
          { EventId: '3' },
          { ErrorCode: 'InternalFailure' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [] });
    await new EventBridgeEventSink(new EventBridgeClient({ region: 'us-east-1' }), 'bus').publish(
      events.slice(0, 4),
    );
    const retried = eventBridge.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries ?? [];
    expect(retried.map((entry) => JSON.parse(entry.Detail as string).id)).toEqual(['p1', 'p3']);
    // A re-sent entry carries the id it was first sent with, so a consumer drops the repeat.
    const first = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    const idOf = (entry: PutEventsRequestEntry) => JSON.parse(entry.Detail as string).eventId;
    expect(retried.map(idOf)).toEqual([
      idOf(first[1] as PutEventsRequestEntry),
      idOf(first[3] as PutEventsRequestEntry),
    ]);
    expect(retried.map(idOf)).toEqual(['event-1', 'event-3']);
  });

  it('gives up with an error when entries keep failing', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const sink = new EventBridgeEventSink(new EventBridgeClient({ region: 'us-east-1' }), 'bus', 2);
    await expect(sink.publish(events.slice(0, 1))).rejects.toThrow(
      /not accepted by EventBridge after 3 attempts/,
    );
  });
});
