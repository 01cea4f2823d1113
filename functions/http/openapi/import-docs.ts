import * as z from 'zod/mini';
import { importCreatedSchema, importListSchema, importStatusSchema } from '#core/api/response.schema.ts';
import { importsQuery } from '../routes/imports.ts';
import type { RouteDocs } from './route-doc.ts';

/** CSV imports. */
export const IMPORT_DOCS = {
  'POST /imports': {
    tag: 'Imports',
    summary: 'Get an upload URL for one CSV file',
    description:
      'Creates a pending import and returns a presigned S3 PUT URL; upload the CSV to it with content-type `text/csv` and follow `GET /imports/{importId}`. The body is optional.',
    body: {
      name: 'ImportRequestBody',
      schema: z.object({}),
      required: false,
      description: 'Optional; when sent, a JSON object.',
    },
    responses: { 201: { description: 'The import and its upload URL.', schema: importCreatedSchema } },
  },
  'GET /imports': {
    tag: 'Imports',
    summary: 'Recent imports',
    description: 'Newest first, each as `GET /imports/{importId}` shows it; `limit` 1–100 (default 20).',
    query: importsQuery,
    responses: { 200: { description: 'The imports.', schema: importListSchema } },
  },
  'GET /imports/{importId}': {
    tag: 'Imports',
    summary: 'An import’s progress and row errors',
    description:
      'Status, row counts, warnings, the first 100 rejected rows (1-based line, column, message) and a presigned URL of the full error report (or null).',
    pathParameters: {
      importId: {
        description: 'The importId returned by POST /imports.',
        schema: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,200}$/)),
      },
    },
    responses: { 200: { description: 'The import.', schema: importStatusSchema } },
    problems: { 404: 'No import with this id.' },
  },
} satisfies RouteDocs;
