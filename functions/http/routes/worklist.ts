import * as z from 'zod/mini';
import type { WorklistStore } from '#core/ports.ts';
import { latestQuality, type ReadQualityDeps, readFailures } from '#core/quality/read-quality.ts';
import { type ActOnItemDeps, actOnItem } from '#core/worklist/act-on-item.ts';
import { type ReadWorklistDeps, readWorklist } from '#core/worklist/read-worklist.ts';
import {
  DEFAULT_WORKLIST_CONFIG,
  parseWorklistConfig,
  type WorklistConfig,
} from '#core/worklist/worklist-config.ts';
import { REASONS, SEVERITIES } from '#core/worklist/worklist-items.ts';
import type { RouteHandler } from '../http-handler.ts';
import { cursorParam, limitParam, parseQuery } from './query-params.ts';

export const worklistQuery = z.object({
  reason: z.optional(z.enum(REASONS, `must be one of ${REASONS.join(', ')}`)),
  severity: z.optional(z.enum(SEVERITIES, `must be one of ${SEVERITIES.join(', ')}`)),
  includeSnoozed: z.optional(z.enum(['true', 'false'], 'must be true or false')),
  limit: limitParam(500),
  cursor: cursorParam,
});

export const failuresQuery = z.object({
  metric: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  limit: limitParam(500),
  cursor: cursorParam,
});

export interface WorklistReadDeps extends ReadWorklistDeps, ReadQualityDeps {
  worklist: ReadWorklistDeps['worklist'] & Pick<WorklistStore, 'getConfig'>;
}

/** `GET /worklist`, `GET /worklist/config`, `GET /quality/latest` and a check's failures (query-api). */
export function worklistReadRoutes(
  deps: WorklistReadDeps,
): Record<
  | 'GET /worklist'
  | 'GET /worklist/config'
  | 'GET /quality/latest'
  | 'GET /quality/{runId}/checks/{check}/failures',
  RouteHandler
> {
  return {
    'GET /worklist': async ({ query }) => {
      const { reason, severity, includeSnoozed, limit, cursor } = parseQuery(worklistQuery, query);
      const body = await readWorklist(deps, {
        ...(reason ? { reason } : {}),
        ...(severity ? { severity } : {}),
        includeSnoozed: includeSnoozed === 'true',
        limit: limit === undefined ? 50 : Number(limit),
        ...(cursor ? { cursor } : {}),
      });
      return { status: 200, body };
    },
    'GET /worklist/config': async () => ({
      status: 200,
      body: (await deps.worklist.getConfig())?.config ?? DEFAULT_WORKLIST_CONFIG,
    }),
    'GET /quality/latest': async () => ({ status: 200, body: await latestQuality(deps) }),
    'GET /quality/{runId}/checks/{check}/failures': async ({ pathParameters, query }) => {
      const { metric, limit, cursor } = parseQuery(failuresQuery, query);
      const body = await readFailures(deps, pathParameters.runId ?? '', pathParameters.check ?? '', {
        ...(metric === undefined ? {} : { metric }),
        limit: limit === undefined ? 100 : Number(limit),
        ...(cursor ? { cursor } : {}),
      });
      return { status: 200, body };
    },
  };
}

export interface WorklistWriteDeps extends ActOnItemDeps {
  worklist: ActOnItemDeps['worklist'] & Pick<WorklistStore, 'getConfig' | 'putConfig'>;
}

/** `PUT /worklist/config` (applies from the next run) and `POST /worklist/{itemId}/actions` (ingest-api). */
export function worklistWriteRoutes(
  deps: WorklistWriteDeps,
): Record<'PUT /worklist/config' | 'POST /worklist/{itemId}/actions', RouteHandler> {
  return {
    'PUT /worklist/config': async ({ body }) => {
      const stored = await deps.worklist.getConfig();
      const current: WorklistConfig = stored?.config ?? DEFAULT_WORKLIST_CONFIG;
      const config = parseWorklistConfig(body, current);
      await deps.worklist.putConfig({
        config,
        changedAt: new Date(deps.now()).toISOString(),
        previous: current,
      });
      return { status: 200, body: config };
    },
    'POST /worklist/{itemId}/actions': async ({ pathParameters, body }) => ({
      status: 200,
      body: await actOnItem(deps, pathParameters.itemId ?? '', body),
    }),
  };
}
