import * as z from 'zod/mini';
import type { RunBody } from '#core/api/runs.schema.ts';
import { NotFoundError } from '#core/errors.ts';
import type { RescoreRequester, RunRecord, RunStore } from '#core/ports.ts';
import { MOVERS_MAX, type ReadMoversDeps, readMovers } from '#core/runs/movers.ts';
import { tierCounts } from '#core/runs/run-store.ts';
import type { RouteHandler } from '../http-handler.ts';
import { limitParam, parseQuery } from './query-params.ts';

/** Most runs one `GET /runs` returns (one BatchGetItem of run records). */
export const MAX_RUNS_LIMIT = 100;
export const runsQuery = z.object({ limit: limitParam(MAX_RUNS_LIMIT) });
export const moversQuery = z.object({ limit: limitParam(MOVERS_MAX) });

export interface RunsReadDeps extends ReadMoversDeps {
  runs: Pick<RunStore, 'getRun' | 'latestRun' | 'listRuns'>;
}

/** `GET /runs`, `GET /runs/latest`, `GET /runs/{runId}` and its movers (query-api). */
export function runsReadRoutes(
  deps: RunsReadDeps,
): Record<'GET /runs' | 'GET /runs/latest' | 'GET /runs/{runId}' | 'GET /runs/{runId}/movers', RouteHandler> {
  const { runs } = deps;
  return {
    'GET /runs/{runId}/movers': async ({ pathParameters, query }) => {
      const { limit } = parseQuery(moversQuery, query);
      const runId = runIdParam(pathParameters);
      const items = await readMovers(deps, runId, limit === undefined ? 100 : Number(limit));
      return { status: 200, body: { items } };
    },
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
      const runId = runIdParam(pathParameters);
      const run = await runs.getRun(runId);
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
function toBody(run: RunRecord): RunBody {
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
    ...(run.quality ? { quality: run.quality } : {}),
  };
}

/** The `{runId}` path parameter. Run ids are short; a longer one cannot exist (nor fit a key). */
function runIdParam(pathParameters: Record<string, string>): string {
  const runId = pathParameters.runId ?? '';
  if (runId.length > 200) throw new NotFoundError(`No run with id ${JSON.stringify(runId.slice(0, 200))}….`);
  return runId;
}
