import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoLeadStore } from '#core/adapters/dynamo-lead-store.ts';
import { ConflictError } from '#core/errors.ts';
import { decide, recordAccept } from '#core/leads/distribution.ts';
import { leadIdOf } from '#core/leads/lead-request.ts';
import {
  answerOffer,
  distributionAudit,
  type LeadServiceDeps,
  type LeadWorkflowEvent,
  postLead,
  readLead,
} from '#core/leads/lead-service.ts';
import { DEFAULT_POLICY, periodOf } from '#core/leads/policy.ts';
import type { CurrentRanking } from '#core/leads/ranked-partners.ts';
import type { RankedPartner } from '#core/leads/selection.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

const TIERS = ['Bronze', 'Silver', 'Gold'];
const partner = (id: string, score: number, extra: Partial<RankedPartner> = {}): RankedPartner => ({
  id,
  region: 'EU',
  type: 'reseller',
  tier: 'Gold',
  score,
  ...extra,
});

interface Setup {
  deps: LeadServiceDeps;
  store: DynamoLeadStore;
  started: LeadWorkflowEvent[];
  sent: { callbackId: string; result: string }[];
}

async function setup(partners: RankedPartner[], runId = 'run-1'): Promise<Setup> {
  const store = new DynamoLeadStore(servers.documentClient, await servers.createTable());
  let ranking: CurrentRanking = { runId, partners, tierOrder: TIERS };
  const started: LeadWorkflowEvent[] = [];
  const sent: { callbackId: string; result: string }[] = [];
  const runs = new Map([[runId, partners]]);
  const deps: LeadServiceDeps = {
    leads: store,
    ranking: {
      current: async () => ranking,
      partnersOf: async (id) => runs.get(id) ?? [],
    },
    starter: { start: async (event) => void started.push(event) },
    callbacks: { succeed: async (callbackId, result) => void sent.push({ callbackId, result }) },
    now: Date.now,
  };
  Object.assign(deps, {
    switchRun(next: CurrentRanking) {
      runs.set(next.runId, next.partners);
      ranking = next;
    },
  });
  return { deps, store, started, sent };
}

/** A lead as `POST /leads` creates it, before any decision. */
async function newLead(store: DynamoLeadStore, externalId: string): Promise<string> {
  const leadId = leadIdOf(externalId);
  const at = new Date().toISOString();
  await store.createLead({
    leadId,
    externalId,
    region: 'EU',
    type: null,
    value: null,
    minTier: null,
    status: 'new',
    createdAt: at,
    updatedAt: at,
    period: periodOf(Date.now()),
    attempts: 0,
    offers: [],
    unassignedReason: null,
  });
  return leadId;
}

/** Holds the next lead read's answer until `release()`: a caller that read the lead, then stalled. */
function holdNextLeadRead(store: DynamoLeadStore): { release: () => void } {
  const getLead = store.getLead.bind(store);
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  vi.spyOn(store, 'getLead').mockImplementationOnce(async (id) => {
    const read = await getLead(id);
    await held;
    return read;
  });
  return { release: () => release() };
}

describe('the stored distribution', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup([partner('A', 50), partner('B', 30), partner('C', 20)]);
  });

  it('offers 100 leads 50/30/20 with every prefix within ±1, and the audit shows entitled against offered', async () => {
    const offered: Record<string, number> = { A: 0, B: 0, C: 0 };
    for (let n = 1; n <= 100; n++) {
      const answer = await postLead(s.deps, { externalId: `crm-${n}`, region: 'EU' });
      expect(answer.status).toBe('offered');
      const chosen = answer.offer?.partnerId ?? '';
      offered[chosen] = (offered[chosen] ?? 0) + 1;
      for (const [p, share] of [
        ['A', 0.5],
        ['B', 0.3],
        ['C', 0.2],
      ] as const) {
        expect(Math.abs((offered[p] ?? 0) - share * n)).toBeLessThanOrEqual(1);
      }
    }
    expect(offered).toEqual({ A: 50, B: 30, C: 20 });
    const audit = await distributionAudit(s.deps, new Date().toISOString().slice(0, 7));
    expect(audit.items.map((item) => [item.partnerId, item.entitled, item.offered])).toEqual([
      ['A', 50, 50],
      ['B', 30, 30],
      ['C', 20, 20],
    ]);
    expect(s.started).toHaveLength(100);
  });

  it('answers the same lead for the same externalId, and decides nothing new', async () => {
    const first = await postLead(s.deps, { externalId: 'crm-x', region: 'EU' });
    const again = await postLead(s.deps, { externalId: 'crm-x', region: 'EU' });
    expect(again).toEqual(first);
    expect(await decide(s.deps, first.leadId, 1, null)).toMatchObject({ offer: first.offer });
    const audit = await distributionAudit(s.deps, new Date().toISOString().slice(0, 7));
    expect(audit.items.reduce((sum, item) => sum + item.offered, 0)).toBe(1);
  });

  it('a decline re-offers at once to another partner, never the decliner; a second answer is a 409', async () => {
    const first = await postLead(s.deps, { externalId: 'crm-d', region: 'EU' });
    expect(first.offer?.partnerId).toBe('A');
    await s.store.setCallback('A', first.offer?.offerId ?? '', 'cb-1');
    await answerOffer(s.deps, 'A', first.offer?.offerId ?? '', 'declined');
    expect(s.sent).toEqual([{ callbackId: 'cb-1', result: '{"outcome":"declined"}' }]);
    await expect(answerOffer(s.deps, 'A', first.offer?.offerId ?? '', 'accepted')).rejects.toThrow(
      ConflictError,
    );
    const second = await decide(s.deps, first.leadId, 2, { partnerId: 'A', outcome: 'declined' });
    expect(second.offer?.partnerId).toBe('B');
    const lead = await readLead(s.deps, first.leadId);
    expect(lead.offers.map((offer) => [offer.partnerId, offer.outcome])).toEqual([
      ['A', 'declined'],
      ['B', 'open'],
    ]);
    expect(lead.offers[1]?.decision?.excluded).toEqual([{ partnerId: 'A', reason: 'declined' }]);
    // Another partner's offer is not found.
    await expect(answerOffer(s.deps, 'C', second.offer?.offerId ?? '', 'accepted')).rejects.toThrow(
      /No offer/,
    );
  });

  it('after maxAttempts the lead is unassigned; nobody eligible is unassigned, never an error', async () => {
    await s.store.putPolicy({ ...DEFAULT_POLICY, maxAttempts: 2 });
    const first = await postLead(s.deps, { externalId: 'crm-m', region: 'EU' });
    await decide(s.deps, first.leadId, 2, { partnerId: first.offer?.partnerId ?? '', outcome: 'expired' });
    const third = await decide(s.deps, first.leadId, 3, { partnerId: 'B', outcome: 'declined' });
    expect(third.status).toBe('unassigned');
    expect((await readLead(s.deps, first.leadId)).unassignedReason).toMatch(/2 offers/);
    const nowhere = await postLead(s.deps, { externalId: 'crm-n', region: 'Mars' });
    expect(nowhere).toMatchObject({ status: 'unassigned', offer: null });
  });

  it('20 leads posted at once for one remaining slot fill it exactly once', async () => {
    await s.store.putPolicy({ ...DEFAULT_POLICY, capPerPeriod: { default: 1, byTier: {} } });
    const one = await setup([partner('solo', 10)]);
    await one.store.putPolicy({ ...DEFAULT_POLICY, capPerPeriod: { default: 1, byTier: {} } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => postLead(one.deps, { externalId: `burst-${i}`, region: 'EU' })),
    );
    expect(answers.filter((a) => a.status === 'offered')).toHaveLength(1);
    expect(answers.filter((a) => a.status === 'unassigned')).toHaveLength(19);
    const audit = await distributionAudit(one.deps, new Date().toISOString().slice(0, 7));
    expect(audit.items).toMatchObject([{ partnerId: 'solo', offered: 1 }]);
  });

  it('a crash between the choice and the offer leaves neither a lost nor a double offer', async () => {
    const lead = await postLead(s.deps, { externalId: 'crm-k1', region: 'EU' });
    expect(lead.status).toBe('offered');
    // The next decision's head write lands, then the process dies before the offer is written.
    const putOffer = s.store.putOffer.bind(s.store);
    const crash = vi.spyOn(s.store, 'putOffer').mockRejectedValueOnce(new Error('SIGKILL'));
    await expect(postLead(s.deps, { externalId: 'crm-k2', region: 'EU' })).rejects.toThrow('SIGKILL');
    crash.mockImplementation(putOffer);
    // The workflow's step is retried (or another lead comes first): the same decision, applied once.
    const other = await postLead(s.deps, { externalId: 'crm-k3', region: 'EU' });
    const retried = await postLead(s.deps, { externalId: 'crm-k2', region: 'EU' });
    expect(retried.status).toBe('offered');
    const audit = await distributionAudit(s.deps, new Date().toISOString().slice(0, 7));
    expect(audit.items.reduce((sum, item) => sum + item.offered, 0)).toBe(3);
    const offers = await Promise.all(['A', 'B', 'C'].map((p) => s.store.openOffers(p)));
    expect(
      offers
        .flat()
        .map((offer) => offer.leadId)
        .sort(),
    ).toEqual([lead.leadId, other.leadId, retried.leadId].sort());
  });

  it('a caller that read the lead before a racing decision landed answers that decision, not a second one', async () => {
    // POST /leads and the workflow's first step both decide attempt 1. The slower one read the lead
    // while it had no offer yet; the faster one then decided and applied in full.
    const lead = await newLead(s.store, 'crm-r1');
    const stale = holdNextLeadRead(s.store);
    const slow = decide(s.deps, lead, 1, null);
    const fast = await decide(s.deps, lead, 1, null);
    stale.release();
    expect(await slow).toEqual(fast);
    const audit = await distributionAudit(s.deps, new Date().toISOString().slice(0, 7));
    expect(audit.items.reduce((sum, item) => sum + item.offered, 0)).toBe(1);
    expect((await readLead(s.deps, lead)).offers.map((offer) => offer.partnerId)).toEqual([
      fast.offer?.partnerId,
    ]);
  });

  it('an accept recorded by two callers at once counts once', async () => {
    const lead = await postLead(s.deps, { externalId: 'crm-a2', region: 'EU' });
    await answerOffer(s.deps, 'A', lead.offer?.offerId ?? '', 'accepted');
    const stale = holdNextLeadRead(s.store);
    const slow = recordAccept(s.deps, lead.leadId, 1);
    await recordAccept(s.deps, lead.leadId, 1);
    stale.release();
    await slow;
    const audit = await distributionAudit(s.deps, new Date().toISOString().slice(0, 7));
    expect(audit.items.find((item) => item.partnerId === 'A')).toMatchObject({ offered: 1, accepted: 1 });
  });

  it('records an accept once, and counts it in the audit', async () => {
    const lead = await postLead(s.deps, { externalId: 'crm-a', region: 'EU' });
    await answerOffer(s.deps, 'A', lead.offer?.offerId ?? '', 'accepted');
    await recordAccept(s.deps, lead.leadId, 1);
    await recordAccept(s.deps, lead.leadId, 1);
    const audit = await distributionAudit(s.deps, new Date().toISOString().slice(0, 7));
    expect(audit.items.find((item) => item.partnerId === 'A')).toMatchObject({ offered: 1, accepted: 1 });
    expect((await readLead(s.deps, lead.leadId)).status).toBe('accepted');
  });
});
