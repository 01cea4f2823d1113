import * as z from 'zod/mini';
import { ValidationError } from '#core/errors.ts';
import { type ActivateModelDeps, activateModel, reactivateModel } from '#core/model/activate-model.ts';
import { parseScoringModel } from '#core/model/scoring-model.ts';
import type { ModelStore } from '#core/ports.ts';
import { type PreviewDeps, previewCandidate } from '#core/ranking/preview-current.ts';
import type { RouteHandler } from '../http-handler.ts';
import { limitParam, parseQuery } from './query-params.ts';

export const previewQuery = z.object({ limit: limitParam(10_000) });
export const modelVersionsQuery = z.object({ limit: limitParam(100) });

export interface ModelReadDeps {
  models: Pick<ModelStore, 'getActive' | 'listVersions'>;
}

/** `GET /model` and `GET /model/versions` (query-api). */
export function modelReadRoutes(
  deps: ModelReadDeps,
): Record<'GET /model' | 'GET /model/versions', RouteHandler> {
  return {
    'GET /model/versions': async ({ query }) => {
      const { limit } = parseQuery(modelVersionsQuery, query);
      return {
        status: 200,
        body: { items: await deps.models.listVersions(limit === undefined ? 50 : Number(limit)) },
      };
    },
    'GET /model': async () => {
      const active = await deps.models.getActive();
      return { status: 200, body: { ...active.model, version: active.version } };
    },
  };
}

/** `POST /model/preview` (preview-api): scores every partner under two models; nothing is stored. */
export function modelPreviewRoutes(deps: PreviewDeps): Record<'POST /model/preview', RouteHandler> {
  return {
    'POST /model/preview': async ({ body, query }) => {
      const { source, wrapped, limit } = previewInput(body, parseQuery(previewQuery, query).limit);
      // Errors of a wrapped model, in it or in how it scores, point into it (`/model/metrics/0/weight`).
      const preview = await pointInto(wrapped, async () =>
        previewCandidate(deps, parseScoringModel(source), limit),
      );
      return { status: 200, body: preview };
    },
  };
}

/**
 * `PUT /model` (ingest-api): validate, activate as the next version, start a run; and
 * `POST /model/versions/{version}/activate`: the same with a stored version's model.
 */
export function modelWriteRoutes(
  deps: ActivateModelDeps,
): Record<'PUT /model' | 'POST /model/versions/{version}/activate', RouteHandler> {
  return {
    'PUT /model': async ({ body }) => ({ status: 200, body: await activateModel(deps, body) }),
    'POST /model/versions/{version}/activate': async ({ pathParameters }) => ({
      status: 200,
      body: await reactivateModel(deps, versionParam(pathParameters)),
    }),
  };
}

/** The `{version}` path parameter: a whole number from 1. */
function versionParam(pathParameters: Record<string, string>): number {
  const text = pathParameters.version ?? '';
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new ValidationError([
      {
        path: '/path/version',
        message: 'must be a model version: a whole number from 1 (see GET /model/versions)',
      },
    ]);
  }
  return Number(text);
}

/** The preview body is the candidate model itself, or `{ model, limit }`; `?limit=` wins. */
function previewInput(
  body: unknown,
  queryLimit: string | undefined,
): { source: unknown; wrapped: boolean; limit: number } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ path: '/', message: 'send the candidate scoring model as a JSON object' }]);
  }
  const wrapped = !('metrics' in body) && 'model' in body;
  const source = wrapped ? (body as { model: unknown }).model : body;
  let limit = queryLimit === undefined ? 100 : Number(queryLimit);
  if (queryLimit === undefined && wrapped && 'limit' in body) {
    const given = (body as { limit: unknown }).limit;
    if (typeof given !== 'number' || !Number.isInteger(given) || given < 1 || given > 10_000) {
      throw new ValidationError([{ path: '/limit', message: 'must be a whole number from 1 to 10000' }]);
    }
    limit = given;
  }
  return { source, wrapped, limit };
}

/** Runs `work`; when `wrapped`, its validation errors get the `/model` prefix. */
async function pointInto<T>(wrapped: boolean, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(wrapped && error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.errors.map((e) => ({ ...e, path: `/model${e.path === '/' ? '' : e.path}` })),
    );
  }
}
