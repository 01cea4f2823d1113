import * as z from 'zod/mini';
import { moversSchema, runListSchema, runSchema, runStartedSchema } from '#core/api/response.schema.ts';
import { moversQuery, runsQuery } from '../routes/runs.ts';
import type { RouteDocs } from './route-doc.ts';

/** Rescore runs and their movers. */
export const RUN_DOCS = {
  'POST /rescore': {
    tag: 'Runs',
    summary: 'Start a rescore run',
    description:
      'Starts a run, or returns the one already running (which then starts one follow-up run, since data may have changed after it began).',
    responses: { 202: { description: 'The run started or running.', schema: runStartedSchema } },
  },
  'GET /runs': {
    tag: 'Runs',
    summary: 'Recent runs',
    description:
      'Newest first; `limit` 1–100 (default 20). A completed run carries `tiers`: its partners per tier.',
    query: runsQuery,
    responses: { 200: { description: 'The runs.', schema: runListSchema } },
  },
  'GET /runs/latest': {
    tag: 'Runs',
    summary: 'The latest run',
    description: 'The most recently started run, whatever its status.',
    responses: { 200: { description: 'The run.', schema: runSchema } },
    problems: { 404: 'No run yet: start one with POST /rescore.' },
  },
  'GET /runs/{runId}': {
    tag: 'Runs',
    summary: 'A run by id',
    description: 'A run’s status, times, partner count, model version and number of tier changes.',
    pathParameters: { runId: { description: 'A run id as returned by POST /rescore.', schema: z.string() } },
    responses: { 200: { description: 'The run.', schema: runSchema } },
    problems: { 404: 'No run with this id.' },
  },
  'GET /runs/{runId}/movers': {
    tag: 'Runs',
    summary: 'Who moved in a run',
    description:
      'Partners whose rank or tier changed between that run and the run before it, largest move first; `limit` (default 100).',
    pathParameters: { runId: { description: 'A run id (GET /runs lists them).', schema: z.string() } },
    query: moversQuery,
    responses: { 200: { description: 'The movers.', schema: moversSchema } },
    problems: { 404: 'No run with this id.', 409: 'The run has not completed yet.' },
  },
} satisfies RouteDocs;
