/**
 * Bench part `ui` (contract §8): the web console in headless Chromium against the local stack.
 * `ui.bundle.gzBytes`: the console's JavaScript and CSS, gzipped as served (goal ≤ 100,000).
 * `ui.leaderboard.ms`: from navigation to the first leaderboard page's rows on screen, median of
 * repeated loads (browser cache warm, as for a returning user); `ui.leaderboard.complete.ms` until
 * no row shows a "…" placeholder (an upper bound: measured after the driver saw it); ranking items
 * carry coverage, region and type, so this is when the rows show.
 * `ui.scorecard.ms`: a partner scorecard (mid-ranking partner) until its breakdown is on screen.
 * BENCH_UI_PARTNERS scales the population (default 100,000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConsole } from '#infra/build-console.ts';
import { startStackProcess } from '#infra/local/stack-process.ts';
import { launchBrowser } from '#test/console/browser.ts';
import { generatePartners } from '../samples/generate-partners.ts';

const PARTNERS = Number(process.env.BENCH_UI_PARTNERS ?? 100_000);
const BATCH = 1_000;
const REPEATS = 9;

/** Each mark, and the element whose first appearance sets it. */
const SHOWN: Record<string, string> = {
  'leaderboard-rows': 'table.data tr[data-partner]',
  scorecard: 'table.breakdown tr[data-metric]',
};

/** Runs in the page before its scripts: marks the Performance timeline when a view's content shows. */
const MARK_WHEN_SHOWN = `(() => {
  const shown = ${JSON.stringify(SHOWN)};
  new MutationObserver(() => {
    for (const [name, selector] of Object.entries(shown)) {
      if (performance.getEntriesByName(name).length === 0 && document.querySelector(selector)) {
        performance.mark(name);
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function run(): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-ui-'));
  const built = await buildConsole(path.join(dataDir, 'console-size'));
  const stack = await startStackProcess(dataDir, {
    RESCORE_CRON: '0 2 31 2 *',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const browser = await launchBrowser();
  try {
    const post = async (route: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown>>;
    };
    const partners = generatePartners(PARTNERS);
    for (let i = 0; i < partners.length; i += 2 * BATCH) {
      await Promise.all(
        [i, i + BATCH]
          .filter((start) => start < partners.length)
          .map((start) => post('/partners', { partners: partners.slice(start, start + BATCH) })),
      );
    }
    const { runId } = (await post('/rescore')) as { runId: string };
    for (;;) {
      const response = await fetch(`${stack.apiUrl}/runs/${encodeURIComponent(runId)}`);
      const status = ((await response.json()) as { status: string }).status;
      if (status === 'completed') break;
      if (status === 'failed') throw new Error(`rescore run ${runId} failed:\n${stack.output()}`);
      await sleep(250);
    }
    const middle = partners[Math.floor(PARTNERS / 2)]?.id ?? 'P000001';

    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // The page's own clock: navigation start to the mark set when the view's content is first in
    // the document (no browser-driver round trips in the figure, no bench code in the console).
    await page.addInitScript({ content: MARK_WHEN_SHOWN });
    const timed = async (hash: string, mark: string) => {
      await page.goto('about:blank');
      await page.goto(`${stack.apiUrl}/${hash}`);
      await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, mark, {
        timeout: 30_000,
      });
      return page.evaluate((name) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN, mark);
    };
    const leaderboard: number[] = [];
    const complete: number[] = [];
    const scorecard: number[] = [];
    await timed('#/leaderboard', 'leaderboard-rows'); // warm-up: assets into the cache, containers started
    for (let i = 0; i < REPEATS; i++) {
      leaderboard.push(await timed('#/leaderboard', 'leaderboard-rows'));
      await page
        .locator('tr[data-partner] td:text-is("…")')
        .first()
        .waitFor({ state: 'detached', timeout: 30_000 });
      complete.push(await page.evaluate(() => performance.now()));
      scorecard.push(await timed(`#/partner/${encodeURIComponent(middle)}`, 'scorecard'));
    }
    return {
      'ui.bundle.gzBytes': built.gzBytes,
      'ui.partners': PARTNERS,
      'ui.leaderboard.ms': median(leaderboard),
      'ui.leaderboard.complete.ms': median(complete),
      'ui.scorecard.ms': median(scorecard),
    };
  } finally {
    await browser.close();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
