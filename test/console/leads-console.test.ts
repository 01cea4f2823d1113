import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { callStack, rescoreAndWait } from '#test/support/stack-http.ts';
import { type Browser, launchBrowser, signInThroughIssuer } from './browser.ts';

// The lead distribution in the console, in Chromium against `npm start` with LOCAL_AUTH=1: the
// channel team's "Leads" view (queue, a lead's decision, manual assignment, policy, audit) and a
// partner user's "Offers" in the portal (accept, decline, an answer that came too late). Screenshots
// go to a temp folder, or to SCREENSHOTS_DIR (`docs/screenshots`).

let dataDir: string;
let shotsDir: string;
let stack: StackProcess;
let browser: Browser;
let page: Page;
let vendorToken: string;
let tokenUrl: string;
let portalClientId: string;
let channel: { email: string; password: string };

const call = (method: string, route: string, token: string, body?: unknown) =>
  callStack(stack.apiUrl, method, route, body, token);

/** A vendor call that must succeed. */
async function api(method: string, route: string, body?: unknown) {
  const answer = await call(method, route, vendorToken, body);
  if (answer.status >= 300)
    throw new Error(`${method} ${route}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const rescore = () => rescoreAndWait(stack.apiUrl, vendorToken, 30_000);

/** Invites a user of `partnerId` and returns its password and an access token of its own. */
async function invite(partnerId: string, email: string) {
  const invited = await api('POST', `/partners/${partnerId}/users`, { email, role: 'admin' });
  const response = await fetch(tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      username: email,
      password: invited.localPassword,
      client_id: portalClientId,
    }),
  });
  const tokens = (await response.json()) as { access_token: string };
  return { password: invited.localPassword as string, token: tokens.access_token };
}

async function scan(name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const { violations } = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21aa'])
      .analyze();
    const serious = violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );
    expect(serious, `${name} (${scheme})`).toEqual([]);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shotsDir, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: null });
}

const leadRows = () =>
  page
    .locator('table.data tbody tr[data-lead]')
    .evaluateAll((rows) =>
      rows.map((row) => `${row.getAttribute('data-lead')}:${row.getAttribute('data-status')}`),
    );

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'leads-console-'));
  shotsDir = process.env.SCREENSHOTS_DIR
    ? path.resolve(process.env.SCREENSHOTS_DIR)
    : path.join(dataDir, 'shots');
  await mkdir(shotsDir, { recursive: true });
  [stack, browser] = await Promise.all([
    startStackProcess(dataDir, { LOCAL_AUTH: '1', RESCORE_CRON: '0 2 31 2 *', SHUTDOWN_GRACE_MS: '5000' }),
    launchBrowser(),
  ]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const output = stack.output();
  vendorToken = /Write token[^\n]*\n\s+(\S+)/.exec(output)?.[1] ?? '';
  tokenUrl = /token endpoint (\S+)/.exec(output)?.[1] ?? '';
  portalClientId = /Portal client\s+(\S+)/.exec(output)?.[1] ?? '';
  const [, email = '', password = ''] = /Console sign-in\s+(\S+)\s+password\s+(\S+)/.exec(output) ?? [];
  channel = { email, password };
  // Three partners in EMEA with different scores, one in APAC.
  const partner = (id: string, region: string, sales: number) => ({
    id,
    name: id,
    region,
    metrics: {
      sales,
      transactions: sales / 10,
      reputation: 70,
      communicationFrequency: 2,
      commonCustomers: 3,
    },
  });
  await api('POST', '/partners', {
    partners: [
      partner('north', 'EMEA', 900),
      partner('south', 'EMEA', 500),
      partner('west', 'EMEA', 200),
      partner('east', 'APAC', 400),
    ],
  });
  await rescore();
  await api('PUT', '/distribution/policy', { slaMinutes: 60, maxAttempts: 2, matchRegion: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('lead distribution in the console', { timeout: 120_000 }, () => {
  it('the distribution policy form: a bad value shown at its field, a good one saved', async () => {
    await signInThroughIssuer(page, stack.apiUrl, 'Channel team', channel.email, channel.password);
    await page.goto(`${stack.apiUrl}/#/leads`);
    await page.locator('#f-maxAttempts').waitFor();
    await page.fill('#f-maxAttempts', '0');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await page.locator('[data-path="/maxAttempts"] .field-error').waitFor();
    expect(await page.locator('#f-maxAttempts').getAttribute('aria-invalid')).toBe('true');
    await page.fill('#f-maxAttempts', '3');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await expect
      .poll(() => page.locator('section:has(#policy-title) [role=status]').textContent())
      .toMatch(/^Saved/);
    expect((await api('GET', '/distribution/policy')).maxAttempts).toBe(3);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Channel team' }).waitFor();
  });

  it("the channel team's Leads view: queue, filter, a decision explained, manual assignment, audit", async () => {
    const offered = await api('POST', '/leads', { externalId: 'L-100', region: 'EMEA', value: 5000 });
    expect(offered.status).toBe('offered');
    const unassigned = await api('POST', '/leads', { externalId: 'L-200', region: 'Atlantis' });
    expect(unassigned.status).toBe('unassigned');

    await signInThroughIssuer(page, stack.apiUrl, 'Channel team', channel.email, channel.password);
    await page.goto(`${stack.apiUrl}/#/leads`);
    // Newest first, with its status; the open offer counts down to its deadline.
    await expect.poll(leadRows).toEqual([`${unassigned.leadId}:unassigned`, `${offered.leadId}:offered`]);
    expect(await page.locator(`tr[data-lead="${offered.leadId}"] time.deadline`).textContent()).toMatch(
      /^\d+ min( \d+ s)? left$/,
    );
    // The audit of the period: the offered partner has one offer.
    await expect
      .poll(() =>
        page.locator(`table.audit tr[data-partner="${offered.offer.partnerId}"] td`).nth(2).textContent(),
      )
      .toBe('1');
    await page.waitForLoadState('networkidle');
    await scan('leads');

    await page.selectOption('select[name=status]', 'unassigned');
    await expect.poll(() => page.url()).toMatch(/status=unassigned/);
    await expect.poll(leadRows).toEqual([`${unassigned.leadId}:unassigned`]);

    // An unassigned lead, offered by hand.
    await page.locator(`tr[data-lead="${unassigned.leadId}"] a`).click();
    await page.locator('#assign-title').waitFor();
    await page.fill('input[name=partnerId]', 'south');
    await page.getByRole('button', { name: 'Offer to this partner' }).click();
    await page.locator('section:has(#offers-title) tr[data-outcome=open]').waitFor();
    expect(await page.locator('#assign-title').count()).toBe(0);
    const assigned = await api('GET', `/leads/${unassigned.leadId}`);
    expect(assigned.status).toBe('offered');
    expect(assigned.offers.map((offer: { partnerId: string }) => offer.partnerId)).toEqual(['south']);
    expect(assigned.offers[0].assignedBy).toBeTruthy();

    // The decision behind the chosen offer, as the API explains it.
    const lead = await api('GET', `/leads/${offered.leadId}`);
    const decision = lead.offers[0].decision;
    await page.goto(`${stack.apiUrl}/#/leads/${encodeURIComponent(offered.leadId)}`);
    const candidates = page.locator('table.decision tbody tr[data-partner]');
    await expect
      .poll(() => candidates.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-partner'))))
      .toEqual(decision.candidates.map((candidate: { partnerId: string }) => candidate.partnerId));
    expect(decision.candidates.map((candidate: { partnerId: string }) => candidate.partnerId).sort()).toEqual(
      ['north', 'south', 'west'],
    );
    expect(await page.locator('table.decision tr.chosen').getAttribute('data-partner')).toBe(
      offered.offer.partnerId,
    );
    expect(await page.locator('[data-eligible]').getAttribute('data-eligible')).toBe(
      String(decision.eligible),
    );
    const shownExcluded = await page
      .locator('.excluded li[data-reason]')
      .evaluateAll((items) =>
        items.map(
          (item) => `${item.getAttribute('data-reason')}:${item.querySelector('strong')?.textContent}`,
        ),
      );
    expect(shownExcluded).toEqual(
      Object.entries(decision.excludedCounts as Record<string, number>)
        .filter(([, count]) => count > 0)
        .map(([reason, count]) => `${reason}:${count}`),
    );
    expect(shownExcluded).toContain('region:1'); // east, in APAC
    await scan('lead-detail');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Channel team' }).waitFor();
  });

  it("a partner's Offers: accept, decline, and an offer answered meanwhile said so", async () => {
    // Only east serves APAC: every APAC lead is offered to it.
    // biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON bodies
    const leads: any[] = [];
    for (const externalId of ['A-1', 'A-2', 'A-3']) {
      const posted = await api('POST', '/leads', { externalId, region: 'APAC', value: 1200 });
      expect(posted.offer?.partnerId).toBe('east');
      leads.push(posted);
    }
    const user = await invite('east', 'sam@east.example');
    await signInThroughIssuer(page, stack.apiUrl, 'Partner', 'sam@east.example', user.password);
    await page.getByRole('link', { name: 'Offers' }).click();
    const rows = () =>
      page
        .locator('table.data tbody tr[data-lead]')
        .evaluateAll((list) => list.map((row) => row.getAttribute('data-lead')));
    await expect.poll(rows).toEqual(expect.arrayContaining(['A-1', 'A-2', 'A-3']));
    expect(await page.locator('tr[data-lead="A-1"] time.deadline').textContent()).toMatch(/left$/);
    await page.waitForLoadState('networkidle');
    await scan('partner-offers');

    await page.getByRole('button', { name: 'Accept lead A-1' }).click();
    await expect
      .poll(() => page.locator('[data-testid=offers-status]').textContent())
      .toBe('You accepted lead A-1.');
    await expect.poll(rows).not.toContain('A-1');
    await expect.poll(async () => (await api('GET', `/leads/${leads[0].leadId}`)).status).toBe('accepted');

    await page.getByRole('button', { name: 'Decline lead A-2' }).click();
    await expect
      .poll(() => page.locator('[data-testid=offers-status]').textContent())
      .toBe('You declined lead A-2.');
    const declined = () => api('GET', `/leads/${leads[1].leadId}`);
    expect((await declined()).offers[0].outcome).toBe('declined');
    // Nobody else serves APAC: declined by its only candidate, the lead waits for a manual offer
    // (the lead's workflow moves it on once the answer reached it).
    await expect.poll(async () => (await declined()).status).toBe('unassigned');

    // Answered elsewhere (another tab, the API) while the page still shows it: 409, said in words.
    const third = leads[2].offer.offerId;
    expect((await call('POST', `/me/offers/${third}/decline`, user.token)).status).toBe(200);
    await page.getByRole('button', { name: 'Accept lead A-3' }).click();
    await expect
      .poll(() => page.locator('section:has(#offers-title) .error[role=alert]').textContent())
      .toBe('Lead A-3: this offer expired or was already answered.');
    await expect.poll(rows).toEqual([]);
  });
});
