import type { DurableLambdaHandler } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner, WaitingOperationStatus } from '@aws/durable-execution-sdk-js-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoAuditStore } from '#core/adapters/dynamo-audit-store.ts';
import { DynamoLeadStore } from '#core/adapters/dynamo-lead-store.ts';
import { ConflictError } from '#core/errors.ts';
import { answerOffer, type LeadServiceDeps, postLead, readLead } from '#core/leads/lead-service.ts';
import { DEFAULT_POLICY } from '#core/leads/policy.ts';
import type { RankedPartner } from '#core/leads/selection.ts';
import type { DomainEvent } from '#core/ports.ts';
import type { LeadWorkflowDeps } from '#functions/lead/deps.ts';
import { createHandler, type LeadOutcome } from '#functions/lead/handler.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

// One scenario waits out a real one-minute deadline.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  if (ready) await LocalDurableTestRunner.teardownTestEnvironment();
  await servers.stop();
});

const partners: RankedPartner[] = [
  { id: 'A', region: 'EU', type: null, tier: 'Gold', score: 50 },
  { id: 'B', region: 'EU', type: null, tier: 'Gold', score: 30 },
  { id: 'C', region: 'EU', type: null, tier: 'Gold', score: 20 },
];

async function setup() {
  const table = await servers.createTable();
  const leads = new DynamoLeadStore(servers.documentClient, table);
  const events: DomainEvent[] = [];
  const workflowDeps: LeadWorkflowDeps = {
    leads,
    ranking: {
      current: async () => ({ runId: 'run-1', partners, tierOrder: ['Gold'] }),
      partnersOf: async () => partners,
    },
    events: { publish: async (batch) => void events.push(...batch) },
    audit: new DynamoAuditStore(servers.documentClient, table),
    now: Date.now,
  };
  /** Callbacks the API sends, delivered to the runner's waiting operation by name. */
  const deliver: { send?: (result: string) => Promise<unknown> } = {};
  const api: LeadServiceDeps = {
    ...workflowDeps,
    starter: { start: async () => undefined },
    callbacks: {
      succeed: async (_callbackId, result) => {
        await deliver.send?.(result);
      },
    },
  };
  return { leads, events, workflowDeps, api, deliver };
}

/** Starts the workflow of a lead under the SDK's runner; `answer(n)` hooks the API's callbacks to `answer-<n>`. */
async function start(s: Awaited<ReturnType<typeof setup>>, leadId: string) {
  await ensureRunner();
  const runner = new LocalDurableTestRunner<LeadOutcome>({
    handlerFunction: createHandler(() => s.workflowDeps) as DurableLambdaHandler,
  });
  const done = runner.run({ payload: { leadId, from: 1 } });
  return {
    done,
    async answer(attempt: number) {
      const operation = runner.getOperation(`answer-${attempt}`);
      await operation.waitForData(WaitingOperationStatus.SUBMITTED);
      s.deliver.send = (result) => operation.sendCallbackSuccess(result);
    },
  };
}

describe('the lead workflow (durable, under the SDK’s local runner)', () => {
  it('offers, waits for the partner, and records the accept with LeadOffered and LeadAccepted', async () => {
    const s = await setup();
    const posted = await postLead(s.api, { externalId: 'crm-1', region: 'EU' });
    expect(posted).toMatchObject({ status: 'offered', offer: { partnerId: 'A' } });
    const execution = await start(s, posted.leadId);
    await execution.answer(1);
    await answerOffer(s.api, 'A', posted.offer?.offerId ?? '', 'accepted');
    const result = await execution.done;
    expect(String(result.getStatus())).toBe('SUCCEEDED');
    expect(result.getResult()).toEqual({ leadId: posted.leadId, status: 'accepted', attempts: 1 });
    expect((await readLead(s.api, posted.leadId)).status).toBe('accepted');
    expect(s.events.map((event) => event.detailType)).toEqual(['LeadOffered', 'LeadAccepted']);
    expect(s.events[0]?.detail.eventId).toBe(s.events[0]?.id);
  });

  it('a decline re-offers at once to the next partner; a 1-minute deadline expires and moves on, a late accept is 409; then unassigned', async () => {
    const s = await setup();
    await s.leads.putPolicy({ ...DEFAULT_POLICY, slaMinutes: 1, maxAttempts: 3 });
    const posted = await postLead(s.api, { externalId: 'crm-2', region: 'EU' });
    const execution = await start(s, posted.leadId);
    await execution.answer(1);
    await answerOffer(s.api, 'A', posted.offer?.offerId ?? '', 'declined');
    // Offer 2 goes to B at once (never A again); B lets the minute pass.
    await vi.waitFor(async () => expect((await readLead(s.api, posted.leadId)).offers).toHaveLength(2), {
      timeout: 10_000,
    });
    const lead = await readLead(s.api, posted.leadId);
    expect(lead.offers[1]?.partnerId).toBe('B');
    // Offer 2 keeps its minute; the next offer gets an hour, so a loaded machine cannot let it lapse too.
    await s.leads.putPolicy({ ...DEFAULT_POLICY, slaMinutes: 60, maxAttempts: 3 });
    // Hooked before offer 3 exists: the runner's handle reports a state reached after it was taken.
    const third = execution.answer(3);
    // Offer 3 (C) after the deadline; B's late accept is refused.
    await vi.waitFor(async () => expect((await readLead(s.api, posted.leadId)).offers).toHaveLength(3), {
      timeout: 90_000,
      interval: 1000,
    });
    await expect(answerOffer(s.api, 'B', lead.offers[1]?.offerId ?? '', 'accepted')).rejects.toThrow(
      ConflictError,
    );
    const after = await readLead(s.api, posted.leadId);
    expect(after.offers.map((offer) => [offer.partnerId, offer.outcome])).toEqual([
      ['A', 'declined'],
      ['B', 'expired'],
      ['C', 'open'],
    ]);
    await third;
    await answerOffer(s.api, 'C', after.offers[2]?.offerId ?? '', 'declined');
    const result = await execution.done;
    expect(result.getResult()).toEqual({ leadId: posted.leadId, status: 'unassigned', attempts: 4 });
    const final = await readLead(s.api, posted.leadId);
    expect(final.status).toBe('unassigned');
    expect(s.events.map((event) => event.detailType)).toEqual([
      'LeadOffered',
      'LeadOffered',
      'LeadOffered',
      'LeadUnassigned',
    ]);
  });
});

let ready: Promise<void> | undefined;
function ensureRunner() {
  ready ??= LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  return ready;
}
