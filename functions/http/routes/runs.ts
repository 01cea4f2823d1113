import * as z from 'zod/mini';
import { NotFoundError } from '#core/errors.ts';
import type { RescoreRequester } from '#core/ports.ts';
import { type RunRecord, type RunStore, tierCounts } from '#core/runs/run-store.ts';
import type { RouteHandler } from '../http-handler.ts';
import { limitParam, parseQuery } from './query-params.ts';

/** Most runs one `GET /runs` returns (one BatchGetItem of run records). */
export const MAX_RUNS_LIMIT = 100;
export const runsQuery = z.object({ limit: limitParam(MAX_RUNS_LIMIT) });

/** `GET /runs`, `GET /runs/latest` and `GET /runs/{runId}` (query-api). */
export function runsReadRoutes(
  runs: Pick<RunStore, 'getRun' | 'latestRun' | 'listRuns'>,
): Record<'GET /runs' | 'GET /runs/latest' | 'GET /runs/{runId}', RouteHandler> {
  return {
    'GET /runs': async ({ query }) => {
      const { limit } = parseQuery(runsQuery, query);
      const items = await runs.listRuns(limit === undefined ? 20 : Number(limit));
      return { status: 200, body: { items: items.map(toBody) } };
    },
    'GET /runs/latest': async () => {
      const run = await runs.latestRun();
      if (!run) throw new NotFoundError('No run yet: start one with POST /rescore.');
      return { status: 200, body: toBody(run) };
    },
    'GET /runs/{runId}': async ({ pathParameters }) => {
      const runId = pathParameters.runId ?? '';
      // Run ids are short; a longer one cannot exist (and would exceed the key size).
      const run = runId.length <= 200 ? await runs.getRun(runId) : null;
      if (!run) throw new NotFoundError(`No run with id ${JSON.stringify(runId)}.`);
      return { status: 200, body: toBody(run) };
    },
  };
}

/** `POST /rescore` (ingest-api): 202 with the run started, or the one already running. */
export function rescoreRoutes(requester: RescoreRequester): Record<'POST /rescore', RouteHandler> {
  return {
    'POST /rescore': async () => ({ status: 202, body: await requester.request('manual') }),
  };
}

/** A run as the API shows it; a completed run also carries its partners per tier. */
function toBody(run: RunRecord) {
  const { runId, status, startedAt, finishedAt, partners, modelVersion, tierChanges } = run;
  const tiers = tierCounts(run);
  return {
    runId,
    status,
    startedAt,
    finishedAt,
    partners,
    modelVersion,
    tierChanges,
    ...(tiers ? { tiers } : {}),
  };
}
