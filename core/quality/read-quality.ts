import * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '../errors.ts';
import { normalizeName } from '../names.ts';
import { type CursorSigner, openFields, signFields } from '../ranking/cursor.ts';
import type { RunStore } from '../runs/run-store.ts';
import { QUALITY_CHECKS, type QualityCheckName, type QualityFailure } from './quality-checks.ts';
import { FAILURES_PAGE_SIZE, type QualityReport, type QualityStore } from './quality-store.ts';

export interface ReadQualityDeps {
  runs: Pick<RunStore, 'getCurrent'>;
  quality: Pick<QualityStore, 'getReport' | 'getFailures'>;
  signer: CursorSigner;
}

/** `GET /quality/latest`: the report of the run `/rankings` serves, without its internal medians. */
export async function latestQuality(deps: ReadQualityDeps): Promise<Omit<QualityReport, 'medians'>> {
  const current = await deps.runs.getCurrent();
  const report = current ? await deps.quality.getReport(current.runId) : null;
  if (!report) {
    throw new NotFoundError(
      current
        ? `Run ${current.runId} has no data-quality report (it ran before reports existed): start a run with POST /rescore.`
        : 'No completed run yet: start one with POST /rescore.',
    );
  }
  const { medians: _medians, ...rest } = report;
  return rest;
}

// The signed cursor: [runId, check, metric, page, offset].
const index = z.int().check(z.gte(0));
const cursorSchema = z.tuple([z.string(), z.string(), z.string(), index, index]);

/**
 * `GET /quality/{runId}/checks/{check}/failures`: the failing partners of a check (and metric, for
 * the per-metric checks), in pages. 404 for a run without a report; 400 for an unknown check, a
 * missing or unknown metric.
 */
export async function readFailures(
  deps: ReadQualityDeps,
  runId: string,
  check: string,
  query: { metric?: string; limit: number; cursor?: string },
): Promise<{ items: QualityFailure[]; nextCursor: string | null }> {
  if (!(QUALITY_CHECKS as readonly string[]).includes(check)) {
    throw new ValidationError([
      { path: '/path/check', message: `must be one of ${QUALITY_CHECKS.join(', ')}` },
    ]);
  }
  const report = runId.length <= 200 ? await deps.quality.getReport(runId) : null;
  if (!report)
    throw new NotFoundError(`No data-quality report for run ${JSON.stringify(runId.slice(0, 200))}.`);
  const rows = report.checks.filter((row) => row.check === check);
  const perMetric = rows.some((row) => row.metric !== null);
  let metric: string | null = null;
  if (perMetric) {
    const names = rows.map((row) => row.metric as string);
    if (query.metric === undefined) {
      throw new ValidationError([
        { path: '/query/metric', message: `${check} is per metric: name one of ${names.join(', ')}` },
      ]);
    }
    metric = names.find((name) => normalizeName(name) === normalizeName(query.metric ?? '')) ?? null;
    if (metric === null) {
      throw new ValidationError([{ path: '/query/metric', message: `must be one of ${names.join(', ')}` }]);
    }
  } else if (query.metric !== undefined) {
    throw new ValidationError([
      { path: '/query/metric', message: `${check} has no metric: leave metric out` },
    ]);
  }
  let page = 0;
  let offset = 0;
  const bound = metric ?? '-';
  if (query.cursor) {
    const [cursorRun, cursorCheck, cursorMetric, cursorPage, cursorOffset] = await openFields(
      deps.signer,
      query.cursor,
      cursorSchema,
    );
    if (cursorRun !== runId || cursorCheck !== check || cursorMetric !== bound) {
      throw new ValidationError([
        {
          path: '/query/cursor',
          message: 'belongs to another run, check or metric: start again without a cursor',
        },
      ]);
    }
    page = cursorPage;
    offset = cursorOffset;
  }
  const items: QualityFailure[] = [];
  const count = Math.ceil((offset + query.limit) / FAILURES_PAGE_SIZE) + 1;
  const pages = await deps.quality.getFailures(runId, check as QualityCheckName, metric, page, count);
  let more = false;
  for (const stored of pages) {
    if (stored.page !== page) break;
    while (offset < stored.items.length && items.length < query.limit)
      items.push(stored.items[offset++] as QualityFailure);
    if (items.length === query.limit) {
      more = offset < stored.items.length || pages.some((p) => p.page === page + 1);
      break;
    }
    page++;
    offset = 0;
  }
  if (more && offset >= FAILURES_PAGE_SIZE) {
    page++;
    offset = 0;
  }
  return {
    items,
    nextCursor: more ? await signFields(deps.signer, [runId, check, bound, page, offset]) : null,
  };
}
