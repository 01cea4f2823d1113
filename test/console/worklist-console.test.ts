import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { type Browser, launchBrowser } from './browser.ts';

// "This week" and "Data quality" in a real browser against `npm start`, on the README's sample
// partners after two runs, plus two that give both views something to show: one whose data is
// 120 days old, and one named like PartnerA after name matching.
const env = { RESCORE_CRON: '0 2 31 2 *', SHUTDOWN_GRACE_MS: '5000' };
const DAY = 86_400_000;

let dataDir: string;
let stack: StackProcess;
let browser: Browser;
let page: Page;

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${route}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON bodies
  return { status: response.status, json: () => JSON.parse(text) as any };
}

async function runAndWait() {
  const started = (await api('POST', '/rescore')).json();
  for (let i = 0; i < 300; i++) {
    const run = await api('GET', `/runs/${started.runId}`);
    if (run.status === 200 && run.json().status !== 'running') return run.json();
    await sleep(200);
  }
  throw new Error('a run did not finish within 60 s');
}

async function open(hash: string) {
  await page.goto(`${stack.apiUrl}/${hash}`);
  await page.locator('main h1').waitFor();
}

async function seriousViolations(): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'worklist-console-'));
  [stack, browser] = await Promise.all([startStackProcess(dataDir, env), launchBrowser()]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const [header, ...rows] = (await readFile(path.resolve('samples/seed-partners.csv'), 'utf8'))
    .trim()
    .split('\n');
  const columns = (header as string).split(',');
  const partners = rows.map((row) => {
    const cells = row.split(',');
    return {
      id: cells[0],
      metrics: Object.fromEntries(columns.slice(1).map((name, i) => [name, Number(cells[i + 1])])),
    };
  });
  partners.push(
    { id: 'PartnerE', metrics: { sales: 12000, transactions: 60 } },
    { id: 'Partner-A', metrics: { sales: 11000 } },
  );
  const asOf = new Date(Date.now() - 120 * DAY).toISOString();
  const body = partners.map((p) => (p.id === 'PartnerE' ? { ...p, asOf } : p));
  expect((await api('POST', '/partners', { partners: body })).status).toBe(200);
  await runAndWait();
  await runAndWait();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('console: this week and data quality', () => {
  it('"This week": counts per reason as the API has them, one click to the scorecard, the reason shown there', async () => {
    const worklist = (await api('GET', '/worklist?limit=500')).json();
    const stale = worklist.items.find(
      (item: { partnerId: string; reason: string }) => item.partnerId === 'PartnerE',
    );
    expect(stale).toMatchObject({ reason: 'STALE', severity: 'high' });
    await open('#/this-week');
    await page.locator('[data-count=STALE]').waitFor();
    for (const reason of ['TIER_AT_RISK', 'NEAR_NEXT_TIER', 'DROPPING', 'STALE']) {
      const expected = worklist.items.filter((item: { reason: string }) => item.reason === reason).length;
      await expect.poll(() => page.locator(`[data-count=${reason}]`).textContent()).toBe(String(expected));
    }
    const badge = await page.locator('[data-testid=worklist-badge]').textContent();
    expect(badge).toContain(
      String(worklist.items.filter((i: { severity: string }) => i.severity !== 'low').length),
    );
    expect(await seriousViolations()).toEqual([]);
    await page.locator('tr[data-partner=PartnerE] a.partner-link').click();
    await expect.poll(() => page.url()).toMatch(/#\/partner\/PartnerE/);
    await page.locator('.worklist-note [data-reason=STALE]').waitFor();
    expect(await page.locator('.worklist-note').textContent()).toContain('120 days old');
  });

  it('snoozes an item inline: it leaves the list and the API has it snoozed', async () => {
    await open('#/this-week');
    const row = page.locator('tr[data-partner=PartnerE]');
    await row.waitFor();
    const itemId = await row.getAttribute('data-item');
    await row.getByRole('button', { name: /Snooze a week/ }).click();
    await expect.poll(() => page.locator('tr[data-partner=PartnerE]').count()).toBe(0);
    const all = (await api('GET', '/worklist?includeSnoozed=true&limit=500')).json();
    expect(all.items.find((item: { itemId: string }) => item.itemId === itemId)?.state).toBe('snoozed');
  });

  it('"Data quality": the checks with status chips, failing partners one click away, completeness bars; a leaderboard notice', async () => {
    const report = (await api('GET', '/quality/latest')).json();
    await open('#/quality');
    await expect.poll(() => page.locator('table.quality tbody tr').count()).toBe(report.checks.length);
    expect(await page.locator('.completeness-bars li').count()).toBe(5);
    // Partner-A's 4 missing metrics and PartnerE's 3: completeness of each below 0.9 fails.
    expect(report.status).toBe('fail');
    await page.locator('tr[data-check=duplicates] a').click();
    await expect.poll(() => page.url()).toMatch(/check=duplicates/);
    await expect
      .poll(() =>
        page
          .locator('table.failures tbody tr')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-partner')).sort()),
      )
      .toEqual(['Partner-A', 'PartnerA']);
    expect(await seriousViolations()).toEqual([]);
    await open('#/leaderboard');
    await page.locator('[data-testid=quality-notice]').waitFor();
    expect(await page.locator('[data-testid=quality-notice]').textContent()).toContain(
      'failed a data-quality check',
    );
  });

  it('both views in the dark theme: no serious or critical accessibility violation', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const hash of ['#/this-week?snoozed=1', '#/quality?check=completeness&metric=reputation']) {
      await open(hash);
      await page.waitForLoadState('networkidle');
      await sleep(300);
      expect(await seriousViolations(), hash).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
