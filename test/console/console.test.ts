import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { generatePartners } from '../../samples/generate-partners.ts';
import { type Browser, launchBrowser } from './browser.ts';

// The console in a real browser (Debian's chromium) against `npm start` on free ports. Screenshots
// go to a temp folder, or to SCREENSHOTS_DIR (`docs/screenshots` refreshes the README's pictures).
const seedModel = JSON.parse(await readFile(path.resolve('samples/seed-model.json'), 'utf8'));
const seedCsv = await readFile(path.resolve('samples/seed-partners.csv'), 'utf8');
// Line 6 (the header is line 1): a metric cell that is not a number.
const csvWithBadRow = `${seedCsv.trimEnd()}\nPartnerE,12abc,10,10,1,1\n`;
const env = { RESCORE_CRON: '0 2 31 2 *', SHUTDOWN_GRACE_MS: '5000' };

let dataDir: string;
let shotsDir: string;
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
  return { status: response.status, text, json: () => JSON.parse(text) as any };
}

async function waitForIdleRuns() {
  for (let i = 0; i < 150; i++) {
    const latest = await api('GET', '/runs/latest');
    if (latest.status === 200 && latest.json().status !== 'running') return latest.json();
    await sleep(200);
  }
  throw new Error('a run did not finish within 30 s');
}

async function open(hash: string) {
  await page.goto(`${stack.apiUrl}/${hash}`);
  await page.locator('main h1').waitFor();
}

const rowIds = (selector = 'table.data tbody tr[data-partner]') =>
  page.locator(selector).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-partner')));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'console-'));
  shotsDir = process.env.SCREENSHOTS_DIR
    ? path.resolve(process.env.SCREENSHOTS_DIR)
    : path.join(dataDir, 'shots');
  await mkdir(shotsDir, { recursive: true });
  [stack, browser] = await Promise.all([startStackProcess(dataDir, env), launchBrowser()]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  expect((await api('PUT', '/model', seedModel)).status).toBe(200);
  await waitForIdleRuns();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('console', () => {
  it('imports a CSV dropped on the page: good rows imported, the bad row reported with its line', async () => {
    await open('#/imports');
    const drop = await page.evaluateHandle(
      `(() => { const data = new DataTransfer(); data.items.add(new File([${JSON.stringify(csvWithBadRow)}], 'partners.csv', { type: 'text/csv' })); return data; })()`,
    );
    await page.dispatchEvent('[data-testid=dropzone]', 'dragover', { dataTransfer: drop });
    await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: drop });
    await page.locator('#progress-title').waitFor();
    expect(page.url()).toMatch(/#\/imports\?import=/);
    await page.locator('[data-status=completed]').waitFor({ timeout: 30_000 });
    const summary = await page.locator('[data-status=completed]').textContent();
    expect(summary).toContain('4 of 5 rows imported, 1 rejected');
    const errorRow = page.locator('table.import-errors tbody tr');
    await expect.poll(() => errorRow.count()).toBe(1);
    expect(await errorRow.locator('td').first().textContent()).toBe('6');
    expect(await errorRow.textContent()).toMatch(/sales/i);
  });

  it('shows the seed partners ranked D, B, C, A with their run', async () => {
    await waitForIdleRuns();
    await open('#/leaderboard');
    await expect.poll(() => rowIds()).toEqual(['PartnerD', 'PartnerB', 'PartnerC', 'PartnerA']);
    expect(await page.locator('.summary').first().textContent()).toContain('1–4 of 4 partners');
    expect(await page.locator('th[aria-sort=ascending]').first().textContent()).toBe('Rank');
  });

  it("a scorecard's contributions add up to its score", async () => {
    const partner = (await api('GET', '/partners/PartnerB')).json();
    await open('#/partner/PartnerB');
    const bars = page.locator('table.breakdown tbody tr[data-metric]');
    await expect.poll(() => bars.count()).toBe(5);
    const contributions = await bars.evaluateAll((rows) =>
      rows.map((row) => Number(row.getAttribute('data-contribution'))),
    );
    const sum = contributions.reduce((total, value) => total + value, 0);
    expect(sum).toBeCloseTo(partner.score.value, 6);
    expect(sum).toBeCloseTo(4042.5, 6);
    expect(await page.locator('tr.total td').first().textContent()).toBe('4,042.5');
  });

  it('keeps filters and search in the address, through a reload', async () => {
    await open('#/leaderboard');
    await page.selectOption('select[name=tier]', 'Platinum');
    await expect.poll(() => page.url()).toMatch(/tier=Platinum/);
    await page.reload();
    await expect.poll(() => page.locator('select[name=tier]').inputValue()).toBe('Platinum');
    await expect.poll(() => rowIds()).toEqual(['PartnerD', 'PartnerB', 'PartnerC', 'PartnerA']);

    await page.fill('input[name=q]', 'PartnerC');
    await page.press('input[name=q]', 'Enter');
    await expect.poll(() => page.url()).toMatch(/q=PartnerC/);
    await page.reload();
    await expect.poll(() => page.locator('input[name=q]').inputValue()).toBe('PartnerC');
    await expect.poll(() => rowIds()).toEqual(['PartnerC']);
  });

  it("exports the filtered leaderboard as the API's CSV", async () => {
    await open('#/leaderboard?tier=Platinum');
    await page.locator('tr[data-partner]').first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const file = await download.path();
    const exported = await readFile(file, 'utf8');
    const expected = await api('GET', '/rankings?tier=Platinum&format=csv');
    expect(expected.status).toBe(200);
    expect(exported).toBe(expected.text);
    expect(exported.split(/\r?\n/)[0]).toBe('rank,id,name,score,tier,previousRank,region,type');
  });

  it('shows a validation error at its field, previews movers, activates, and the next run reorders', async () => {
    await open('#/partner/PartnerA');
    const points = page.locator('svg.history-chart circle.point');
    await expect.poll(() => points.count()).toBeGreaterThan(0);
    const pointsBefore = await points.count();

    await open('#/model');
    await page.locator('#f-metrics-0-weight').waitFor();
    await page.fill('#f-metrics-0-weight', '-1');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const fieldError = page.locator('[data-path="/metrics/0/weight"] .field-error');
    await fieldError.waitFor();
    expect(await page.locator('#f-metrics-0-weight').getAttribute('aria-invalid')).toBe('true');

    // Reputation dominates: PartnerA (90) passes PartnerC (85).
    await page.fill('#f-metrics-0-weight', '0');
    await page.fill('#f-metrics-2-weight', '1000');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await page.locator('#preview-title').waitFor();
    expect(await fieldError.count()).toBe(0);
    await expect
      .poll(() => rowIds('section:has(#preview-title) tr[data-partner]'))
      .toEqual(expect.arrayContaining(['PartnerA', 'PartnerC']));
    expect((await api('GET', '/model')).json().version).toBe(
      1 + (await api('GET', '/model')).json().version - 1,
    );
    const versionBefore = (await api('GET', '/model')).json().version;

    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.locator('.run-status[data-status=completed]').waitFor({ timeout: 30_000 });
    expect((await api('GET', '/model')).json().version).toBe(versionBefore + 1);

    await open('#/leaderboard');
    await expect.poll(() => rowIds()).toEqual(['PartnerD', 'PartnerB', 'PartnerA', 'PartnerC']);
    await open('#/partner/PartnerA');
    await expect.poll(() => points.count()).toBe(pointsBefore + 1);
  });

  // The views as a channel team sees them: a few hundred partners, the default model, two runs.
  async function seedSampleProgram() {
    const partners = generatePartners(400, 7);
    const asOf = new Date(Date.now() - 86_400_000).toISOString();
    const body = (list: typeof partners, bump: number) => ({
      partners: list.map((partner, index) => ({
        id: partner.id,
        name: partner.name,
        type: partner.type,
        region: partner.region,
        asOf: bump === 0 ? asOf : new Date().toISOString(),
        metrics:
          bump === 0 || index % 3
            ? partner.metrics
            : { ...partner.metrics, sales: (partner.metrics.sales ?? 0) * bump },
      })),
    });
    expect((await api('POST', '/partners', body(partners, 0))).status).toBe(200);
    expect((await api('PUT', '/model', DEFAULT_MODEL)).status).toBe(200);
    await waitForIdleRuns();
    expect((await api('POST', '/partners', body(partners.slice(0, 120), 1.8))).status).toBe(200);
    await api('POST', '/rescore');
    await waitForIdleRuns();
  }

  const views = [
    ['leaderboard', '#/leaderboard'],
    ['scorecard', '#/partner/P000002'],
    ['movers', '#/movers'],
    ['model', '#/model'],
    ['imports', '#/imports'],
    ['runs', '#/runs'],
  ] as const;

  it.each(views)('%s: no serious or critical accessibility violation, light and dark', async (name, hash) => {
    if (name === views[0][0]) await seedSampleProgram();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await open(hash);
      await page.waitForLoadState('networkidle');
      await sleep(300);
      const { violations } = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21aa'])
        .analyze();
      const serious = violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map(
          (violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
        );
      expect(serious, `${name} (${scheme})`).toEqual([]);
      await page.mouse.move(0, 0);
      await page.screenshot({ path: path.join(shotsDir, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
