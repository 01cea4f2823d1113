import * as z from 'zod/mini';
import {
  qualityFailuresSchema,
  qualityReportSchema,
  worklistItemSchema,
  worklistPageSchema,
} from '#core/api/response.schema.ts';
import { actionBodySchema } from '#core/worklist/act-on-item.ts';
import { worklistConfigResponseSchema, worklistConfigSchema } from '#core/worklist/worklist-config.ts';
import { failuresQuery, worklistQuery } from '../routes/worklist.ts';
import type { RouteDocs } from './route-doc.ts';

/** The channel team's worklist and the data quality reports. */
export const WORKLIST_DOCS = {
  'GET /worklist': {
    tag: 'Worklist',
    summary: 'Whom to call this week: the open items of the latest run',
    description:
      'Items built by the latest completed run (docs/worklist.md): `TIER_AT_RISK`, `NEAR_NEXT_TIER`, `DROPPING`, `STALE`, one per partner and reason, severity `high` before `medium` before `low`, then score descending. Filter by `reason` and `severity`; snoozed and dismissed items only with `includeSnoozed=true`. `limit` 1–500 (default 50); `nextCursor` continues the same query. Before the first run: `runId: null`, no items.',
    query: worklistQuery,
    responses: { 200: { description: 'A page of items.', schema: worklistPageSchema } },
  },
  'GET /worklist/config': {
    tag: 'Worklist',
    summary: 'The worklist settings',
    description:
      'The thresholds of the worklist reasons and of the freshness check (the defaults until changed).',
    responses: { 200: { description: 'The settings.', schema: worklistConfigResponseSchema } },
  },
  'PUT /worklist/config': {
    tag: 'Worklist',
    summary: 'Change the worklist settings',
    description:
      'Any of the fields; those left out keep their value. `staleErrorDays` must stay greater than `staleWarnDays`. A change applies from the next run that starts after it.',
    body: {
      name: 'WorklistConfigBody',
      schema: worklistConfigSchema,
      required: true,
      description: 'The settings to change.',
    },
    responses: { 200: { description: 'The settings now stored.', schema: worklistConfigResponseSchema } },
  },
  'POST /worklist/{itemId}/actions': {
    tag: 'Worklist',
    summary: 'Snooze, dismiss or finish a worklist item',
    description:
      '`snooze` hides the item until `until` (or, without it, until its severity rises); `dismiss` hides it until it resolves; `done` resolves it now (a recurrence later opens a new item). The answer is the item with its new state; its score, tier and detail are as of its last change of severity.',
    pathParameters: {
      itemId: { description: 'The item id from GET /worklist.', schema: z.string().check(z.maxLength(64)) },
    },
    body: {
      name: 'WorklistActionBody',
      schema: actionBodySchema,
      required: true,
      description: 'The action.',
    },
    responses: { 200: { description: 'The item.', schema: worklistItemSchema } },
    problems: { 404: 'No item with this id.', 409: 'The item is resolved.' },
  },
  'GET /quality/latest': {
    tag: 'Worklist',
    summary: 'Can the data be trusted: the latest run’s data-quality report',
    description:
      'The checks of the run `/rankings` serves (docs/worklist.md): `completeness` per metric (fail below 0.9), `freshness` (warn past `staleWarnDays`, fail past `staleErrorDays`), `outliers` per metric (modified z-score over 3.5), `duplicates` (names equal after name matching), `drift` per metric (median moved by more than 50 %). The overall status is the worst check’s; a fail never stops a run.',
    responses: { 200: { description: 'The report.', schema: qualityReportSchema } },
    problems: { 404: 'No completed run yet, or the run has no report.' },
  },
  'GET /quality/{runId}/checks/{check}/failures': {
    tag: 'Worklist',
    summary: 'The partners that fail a data-quality check',
    description:
      'In pages: `limit` 1–500 (default 100), `nextCursor` for the next. `metric` is required for `completeness` and `outliers` (name matching applies) and refused for the others. `drift` lists no partner.',
    pathParameters: {
      runId: { description: 'A run id (from GET /quality/latest or GET /runs).', schema: z.string() },
      check: {
        description: 'completeness, freshness, outliers, duplicates or drift.',
        schema: z.enum(['completeness', 'freshness', 'outliers', 'duplicates', 'drift']),
      },
    },
    query: failuresQuery,
    responses: { 200: { description: 'A page of failing partners.', schema: qualityFailuresSchema } },
    problems: { 404: 'No report for this run.' },
  },
} satisfies RouteDocs;
