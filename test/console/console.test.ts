import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

type Partner = {
  id: string;
  name?: string;
  type?: string;
  region?: string;
  asOf?: string;
  metrics: Record<string, number>;
};

/** The seed's four partners, as the CSV holds them (no asOf: the time of the upsert). */
const seedPartners: Partner[] = seedCsv
  .trim()
  .split(/\r?\n/)
  .slice(1)
  .map((line) => {
    const [name = '', ...values] = line.split(',');
    const [sales, transactions, reputation, communicationFrequency, commonCustomers] = values.map(Number);
    return {
      id: name,
      metrics: {
        sales: sales ?? 0,
        transactions: transactions ?? 0,
        reputation: reputation ?? 0,
        communicationFrequency: communicationFrequency ?? 0,
        commonCustomers: commonCustomers ?? 0,
      },
    };
  });

/**
 * Waits until no run is running and `/rankings` serves a run of the active model that saw every
 * change (not stale), asking for a run whenever the stack is idle without one.
 */
async function settle() {
  // vi.waitFor, not expect.poll: it also runs in hooks (the views' setup).
  await vi.waitFor(
    async () => {
      const [latest, ranking, model] = await Promise.all([
        api('GET', '/runs/latest'),
        api('GET', '/rankings?limit=1'),
        api('GET', '/model'),
      ]);
      if (latest.status === 200 && latest.json().status === 'running') throw new Error('a run is running');
      const { runId, stale, modelVersion } = ranking.json();
      if (runId !== null && !stale && modelVersion === model.json().version) return;
      expect((await api('POST', '/rescore')).status).toBe(202);
      throw new Error('no settled ranking yet: a run was asked for');
    },
    { timeout: 90_000, interval: 250 },
  );
}

/** Every partner id of the current ranking, in rank order. */
async function rankedIds(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await api(
      'GET',
      `/rankings?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    ids.push(...page.json().items.map((item: { id: string }) => item.id));
    cursor = page.json().nextCursor;
  } while (cursor);
  return ids;
}

/** The version `model` was last activated as by {@link useModel}, to skip activating it again. */
const activated = new Map<unknown, number>();

/** Makes `model` the active model (a new version, and a run, only when another one is active). */
async function useModel(model: unknown) {
  const version = (await api('GET', '/model')).json().version;
  if (activated.get(model) === version) return;
  const put = await api('PUT', '/model', model);
  expect(put.status).toBe(200);
  activated.set(model, put.json().version);
}

/**
 * Brings the stack to exactly `partners` under `model`, ranked by a settled run, whatever earlier
 * tests left: each test states what it needs, so they run alone or in any order.
 */
async function useProgram(partners: Partner[], model: unknown) {
  await settle();
  const wanted = new Set(partners.map((partner) => partner.id));
  for (const id of await rankedIds()) {
    if (!wanted.has(id))
      expect((await api('DELETE', `/partners/${encodeURIComponent(id)}`)).status).toBe(204);
  }
  for (let start = 0; start < partners.length; start += 1000) {
    expect((await api('POST', '/partners', { partners: partners.slice(start, start + 1000) })).status).toBe(
      200,
    );
  }
  await useModel(model);
  await settle();
  expect((await rankedIds()).sort()).toEqual([...wanted].sort());
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
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('console', { timeout: 180_000 }, () => {
  it('imports a CSV dropped on the page: good rows imported, the bad row reported with its line', async () => {
    await useModel(seedModel);
    await settle();
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
    await useProgram(seedPartners, seedModel);
    await open('#/leaderboard');
    await expect.poll(() => rowIds()).toEqual(['PartnerD', 'PartnerB', 'PartnerC', 'PartnerA']);
    expect(await page.locator('.summary').first().textContent()).toContain('1–4 of 4 partners');
    expect(await page.locator('th[aria-sort=ascending]').first().textContent()).toBe('Rank');
  });

  it("a scorecard's contributions add up to its score", async () => {
    await useProgram(seedPartners, seedModel);
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
    await useProgram(seedPartners, seedModel);
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
    await useProgram(seedPartners, seedModel);
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
    await useProgram(seedPartners, seedModel);
    const versionBefore = (await api('GET', '/model')).json().version;
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
    // A preview stores nothing: the active model is still the one before it.
    expect((await api('GET', '/model')).json().version).toBe(versionBefore);

    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.locator('.run-status[data-status=completed]').waitFor({ timeout: 30_000 });
    expect((await api('GET', '/model')).json().version).toBe(versionBefore + 1);

    await open('#/leaderboard');
    await expect.poll(() => rowIds()).toEqual(['PartnerD', 'PartnerB', 'PartnerA', 'PartnerC']);
    await open('#/partner/PartnerA');
    await expect.poll(() => points.count()).toBe(pointsBefore + 1);
  });

  it('filters the leaderboard on a region without a list of its own: only its partners, with global ranks', async () => {
    // 131 regions: EMEA and 130 free-text ones, each with one partner. A run materialises lists for
    // the 100 most common values (EMEA, then territories 000–098), so territory 100 has none.
    const territory = (i: number) => `Sales territory ${String(i).padStart(3, '0')} (free text)`;
    const partners: Partner[] = Array.from({ length: 260 }, (_, i) => ({
      id: `R${String(i).padStart(3, '0')}`,
      region: i < 130 ? territory(i) : 'EMEA',
      type: i % 2 === 0 ? 'Reseller' : 'Distributor',
      metrics: { sales: 1000 + i, transactions: i },
    }));
    await useProgram(partners, DEFAULT_MODEL);
    const ranked = await rankedIds();
    const target = partners[100] as Partner;
    const rank = ranked.indexOf(target.id) + 1;
    expect(rank).toBe(160); // far past the first page of 50

    await open('#/leaderboard');
    await page.locator('tr[data-partner]').first().waitFor();
    await page.fill('input[name=region]', target.region as string);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.url()).toMatch(/region=/);
    await expect.poll(() => rowIds()).toEqual([target.id]);
    expect(await page.locator(`tr[data-partner="${target.id}"] td.rank`).textContent()).toBe(String(rank));

    // Combined with its type and its tier, from the address: still only itself.
    const tier = (await api('GET', `/partners/${target.id}`)).json().score.tier as string;
    await open(
      `#/leaderboard?region=${encodeURIComponent(target.region as string)}&type=${target.type}&tier=${tier}`,
    );
    await expect.poll(() => rowIds()).toEqual([target.id]);
  });

  // The views as a channel team sees them: a few hundred partners, the default model, two runs.
  async function seedSampleProgram() {
    const partners = generatePartners(400, 7);
    const asOf = new Date(Date.now() - 86_400_000).toISOString();
    const body = (list: typeof partners, bump: number): Partner[] =>
      list.map((partner, index) => ({
        id: partner.id,
        name: partner.name,
        type: partner.type,
        region: partner.region,
        asOf: bump === 0 ? asOf : new Date().toISOString(),
        metrics:
          bump === 0 || index % 3
            ? partner.metrics
            : { ...partner.metrics, sales: (partner.metrics.sales ?? 0) * bump },
      }));
    await useProgram(body(partners, 0), DEFAULT_MODEL);
    expect((await api('POST', '/partners', { partners: body(partners.slice(0, 120), 1.8) })).status).toBe(
      200,
    );
    await settle();
  }

  /** Each view, and what shows that it has loaded its data. */
  const views = [
    ['leaderboard', '#/leaderboard', 'table.data tr[data-partner]'],
    ['scorecard', '#/partner/P000002', 'table.breakdown tr[data-metric]'],
    ['movers', '#/movers', 'table.data tr[data-partner]'],
    ['model', '#/model', '#f-metrics-0-weight'],
    ['imports', '#/imports', '[data-testid=dropzone]'],
    ['runs', '#/runs', 'table.data tbody tr'],
  ] as const;

  describe('views', () => {
    beforeAll(seedSampleProgram, 180_000);

    it.each(views)(
      '%s: no serious or critical accessibility violation, light and dark',
      async (name, hash, ready) => {
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          await open(hash);
          await page.locator(ready).first().waitFor();
          await page.waitForLoadState('networkidle');
          await expect.poll(() => page.locator('main').textContent()).not.toMatch(/Loading/);
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
      },
    );
  });
});
