import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { type Browser, launchBrowser, signInThroughIssuer as signIn } from './browser.ts';

// The partner portal in a real browser against `npm start` with LOCAL_AUTH=1: a partner invited by
// the vendor signs in through the local issuer's page and sees its own scorecard, and nothing of the
// vendor's console. Screenshots go to a temp folder, or to SCREENSHOTS_DIR (`docs/screenshots`).

let dataDir: string;
let shotsDir: string;
let stack: StackProcess;
let browser: Browser;
let page: Page;
let vendorToken: string;
let channel: { email: string; password: string };

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${vendorToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  // biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON bodies
  return (text ? JSON.parse(text) : undefined) as any;
}

async function rescore() {
  const { runId } = await api('POST', '/rescore');
  for (let i = 0; i < 150; i++) {
    if ((await api('GET', `/runs/${runId}`)).status === 'completed') return;
    await sleep(200);
  }
  throw new Error('a run did not finish within 30 s');
}

const signInThroughIssuer = (choice: 'Partner' | 'Channel team', email: string, password: string) =>
  signIn(page, stack.apiUrl, choice, email, password);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'portal-console-'));
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
  const [, email = '', password = ''] = /Console sign-in\s+(\S+)\s+password\s+(\S+)/.exec(output) ?? [];
  channel = { email, password };
  const partners = Array.from({ length: 24 }, (_, i) => ({
    id: `partner-${String(i).padStart(2, '0')}`,
    name: `Partner ${i}`,
    metrics: {
      sales: 100 + i * 11,
      transactions: 4 + i,
      reputation: 60 + (i % 5),
      communicationFrequency: i % 4,
      commonCustomers: i % 6,
    },
  }));
  await api('POST', '/partners', { partners });
  await rescore();
  await api('POST', '/partners', { id: 'partner-07', name: 'Northwind Traders', metrics: { sales: 260 } });
  await rescore();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the partner portal in the console', () => {
  it('signs an invited partner in through the local issuer’s page and shows its own scorecard, no vendor view', async () => {
    const invited = await api('POST', '/partners/partner-07/users', {
      email: 'ana@northwind.example',
      role: 'admin',
    });
    await signInThroughIssuer('Partner', 'ana@northwind.example', invited.localPassword);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Northwind Traders: your scorecard');
    const own = await api('GET', '/partners/partner-07');
    expect(await page.locator('[data-testid=own-tier]').textContent()).toBe(own.score.tier);
    await expect.poll(() => page.locator('table.data tbody tr[data-metric]').count()).toBe(5);
    await expect.poll(() => page.locator('svg.history-chart circle.point').count()).toBe(2);
    // No vendor navigation (only the portal's own views), and nothing of another partner.
    expect(await page.locator('nav.tabs a').allTextContents()).toEqual(['Scorecard', 'Offers']);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toMatch(/Partner 1\b|partner-0[0-68]/);

    const scan = await new AxeBuilder({ page }).analyze();
    expect(scan.violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: path.join(shotsDir, 'partner-portal-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await new AxeBuilder({ page }).analyze();
    expect(dark.violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
    await page.screenshot({ path: path.join(shotsDir, 'partner-portal-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: null });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Channel team' }).waitFor();
  });

  it('signs the channel team in through the same page into the vendor’s console', async () => {
    await signInThroughIssuer('Channel team', channel.email, channel.password);
    await page.locator('nav.tabs').waitFor();
    await expect.poll(() => page.locator('table.data tbody tr[data-partner]').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
  });
});
