import * as z from 'zod/mini';
import {
  activeModelSchema,
  modelActivatedSchema,
  modelPreviewSchema,
  modelVersionsSchema,
} from '#core/api/response.schema.ts';
import { scoringModelSchema } from '#core/model/scoring-model.ts';
import { modelVersionsQuery, previewQuery } from '../routes/model.ts';
import type { RouteDocs } from './route-doc.ts';

const previewBody = z.union([
  scoringModelSchema,
  z.object({
    model: scoringModelSchema,
    limit: z.optional(z.int().check(z.gte(1), z.lte(10_000))),
  }),
]);

/** The scoring model: its versions, activation and preview. */
export const MODEL_DOCS = {
  'GET /model': {
    tag: 'Model',
    summary: 'The active scoring model',
    description: 'With every default filled in and its `version`.',
    responses: { 200: { description: 'The active model.', schema: activeModelSchema } },
  },
  'PUT /model': {
    tag: 'Model',
    summary: 'Activate a new scoring model version',
    description:
      'Validates the model (400 with a path per problem, e.g. `/metrics/2/weight`), stores it as the next version, makes it active and starts a run that scores every partner with it.',
    body: {
      name: 'ScoringModelInput',
      schema: scoringModelSchema,
      required: true,
      description: 'The scoring model (contract §5).',
    },
    responses: { 200: { description: 'The new version and its run.', schema: modelActivatedSchema } },
  },
  'GET /model/versions': {
    tag: 'Model',
    summary: 'Stored model versions',
    description:
      'Newest first, ending with the built-in version 1; `limit` 1–100 (default 50). Activate an earlier one again with `POST /model/versions/{version}/activate`.',
    query: modelVersionsQuery,
    responses: { 200: { description: 'The versions.', schema: modelVersionsSchema } },
  },
  'POST /model/versions/{version}/activate': {
    tag: 'Model',
    summary: 'Activate a stored model version again',
    description:
      'The stored version’s model becomes the next version and is made active, and a run starts, as with `PUT /model`. No body.',
    pathParameters: {
      version: {
        description: 'A version listed by GET /model/versions.',
        schema: z.string().check(z.regex(/^[1-9][0-9]{0,8}$/)),
      },
    },
    responses: { 200: { description: 'The new version and its run.', schema: modelActivatedSchema } },
    problems: { 404: 'No stored model with this version.' },
  },
  'POST /model/preview': {
    tag: 'Model',
    summary: 'Dry run of a candidate model',
    description:
      'Scores the current partners under the candidate (hysteresis against the current run’s tiers) and lists every partner whose rank or tier changes, largest rank move first, at most `limit` (default 100). Nothing is stored. The body is the model itself, or `{model, limit}`; `?limit=` wins. Errors in a wrapped model point into it (`/model/metrics/0/weight`).',
    query: previewQuery,
    body: {
      name: 'ModelPreviewBody',
      schema: previewBody,
      required: true,
      description: 'The candidate model, or `{model, limit}`.',
    },
    responses: { 200: { description: 'Who moves.', schema: modelPreviewSchema } },
  },
} satisfies RouteDocs;
