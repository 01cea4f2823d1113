import { NotFoundError } from '#core/errors.ts';
import type { RescoreRequester } from '#core/ports.ts';
import type { RunRecord, RunStore } from '#core/runs/run-store.ts';
import type { RouteHandler } from '../http-handler.ts';

/** `GET /runs/latest` and `GET /runs/{runId}` (query-api). */
export function runsReadRoutes(
  runs: Pick<RunStore, 'getRun' | 'latestRun'>,
): Record<'GET /runs/latest' | 'GET /runs/{runId}', RouteHandler> {
  return {
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

function toBody(run: RunRecord) {
  const { runId, status, startedAt, finishedAt, partners, modelVersion, tierChanges } = run;
  return { runId, status, startedAt, finishedAt, partners, modelVersion, tierChanges };
}
