import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalIssuer } from '#infra/local/local-issuer.ts';
import { type LocalStack, startLocalStack } from '#infra/local/local-stack.ts';
import { readLocalSettings } from '#infra/local/settings.ts';
import { callStack, rescoreAndWait } from '#test/support/stack-http.ts';

// A vendor posts leads and a partner user accepts one in the portal, through the local stack with LOCAL_AUTH=1.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let dataDir: string;
let stack: LocalStack;
let issuer: LocalIssuer;
let vendor: string;

const call = (method: string, route: string, token: string, body?: unknown) =>
  callStack(stack.apiUrl, method, route, body, token);

async function partnerToken(partner: string, email: string) {
  const invited = await call('POST', `/partners/${partner}/users`, vendor, { email, role: 'viewer' });
  const response = await fetch(issuer.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      username: email,
      password: String(invited.body.localPassword),
      client_id: issuer.portalClientId,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'lead-portal-'));
  stack = await startLocalStack(
    readLocalSettings({ PORT: '0', DATA_DIR: dataDir, LOCAL_AUTH: '1', RESCORE_CRON: '0 2 31 2 *' }),
    { info: () => {}, error: () => {} },
  );
  issuer = stack.issuer as LocalIssuer;
  vendor = await issuer.accessToken(['partners/read', 'partners/write']);
  const partners = ['A', 'B'].map((id, i) => ({ id, region: 'EU', metrics: { sales: 1000 * (2 - i) } }));
  await call('POST', '/partners', vendor, { partners });
  await rescoreAndWait(stack.apiUrl, vendor);
});

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('leads in the portal', () => {
  it('a partner sees its offer and accepts it; another partner’s offer is a 404; the lead is accepted', async () => {
    const a = await partnerToken('A', 'a@a.example');
    const b = await partnerToken('B', 'b@b.example');
    const posted = await call('POST', '/leads', vendor, { externalId: 'crm-portal-1', region: 'EU' });
    expect(posted.status).toBe(202);
    const partner = posted.body.offer.partnerId as string;
    const [mine, theirs] = partner === 'A' ? [a, b] : [b, a];
    const offers = await call('GET', '/me/offers', mine);
    expect(offers.body.items.map((offer: { offerId: string }) => offer.offerId)).toEqual([
      posted.body.offer.offerId,
    ]);
    expect((await call('GET', '/me/offers', theirs)).body.items).toEqual([]);
    expect((await call('POST', `/me/offers/${posted.body.offer.offerId}/accept`, theirs)).status).toBe(404);
    // The callback reaches the execution once its submitter stored it; the answer waits for that.
    const accepted = await call('POST', `/me/offers/${posted.body.offer.offerId}/accept`, mine);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.outcome).toBe('accepted');
    expect((await call('POST', `/me/offers/${posted.body.offer.offerId}/decline`, mine)).status).toBe(409);
    await vi.waitFor(
      async () =>
        expect((await call('GET', `/leads/${posted.body.leadId}`, vendor)).body.status).toBe('accepted'),
      { timeout: 20_000, interval: 250 },
    );
    await vi.waitFor(async () => {
      const audit = await call('GET', '/distribution/audit', vendor);
      expect(
        audit.body.items.find((item: { partnerId: string }) => item.partnerId === partner),
      ).toMatchObject({
        offered: 1,
        accepted: 1,
      });
    });
  });
});
