import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { ImportStatusBody } from '#core/api/imports.schema.ts';
import { NotFoundError, ValidationError } from '#core/errors.ts';
import { isImportId, uploadKey } from '#core/imports/import-keys.ts';
import type { ImportRecord, ImportStore, ObjectStore } from '#core/ports.ts';
import type { RouteHandler } from '../http-handler.ts';
import { limitParam, parseQuery } from './query-params.ts';

/**
 * How long an upload URL and an error-report URL stay valid. An upload URL can be used more than once
 * while valid (each PUT a new version of the file, imported again), so it is short: enough to start
 * the upload (S3 checks the expiry when a request starts, not when a long one ends).
 */
export const UPLOAD_URL_SECONDS = 5 * 60;
const REPORT_URL_SECONDS = 60 * 60;

export interface ImportsWriteDeps {
  imports: Pick<ImportStore, 'createPending'>;
  objects: Pick<ObjectStore, 'presignPut'>;
  now: () => number;
}

/** Most imports one `GET /imports` returns (one BatchGetItem of import records). */
export const MAX_IMPORTS_LIMIT = 100;
export const importsQuery = z.object({ limit: limitParam(MAX_IMPORTS_LIMIT) });

export interface ImportsReadDeps {
  imports: Pick<ImportStore, 'get' | 'list'>;
  objects: Pick<ObjectStore, 'presignGet'>;
}

/** `POST /imports` (ingest-api): a presigned PUT URL for one CSV file and a pending import record. */
export function importsWriteRoutes(deps: ImportsWriteDeps): Record<'POST /imports', RouteHandler> {
  return {
    'POST /imports': async ({ body }) => {
      if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
        throw new ValidationError([
          { path: '/', message: 'the body is optional; when sent it must be a JSON object' },
        ]);
      }
      const importId = randomUUID();
      const key = uploadKey(importId);
      const expiresAt = new Date(deps.now() + UPLOAD_URL_SECONDS * 1000).toISOString();
      await deps.imports.createPending(importId, key, expiresAt);
      const uploadUrl = await deps.objects.presignPut(key, 'text/csv', UPLOAD_URL_SECONDS);
      return { status: 201, body: { importId, uploadUrl, expiresAt } };
    },
  };
}

/** `GET /imports` (recent imports, newest first) and `GET /imports/{importId}` (query-api). */
export function importsReadRoutes(
  deps: ImportsReadDeps,
): Record<'GET /imports' | 'GET /imports/{importId}', RouteHandler> {
  const toBody = async (record: ImportRecord): Promise<ImportStatusBody> => {
    const { importId, status, rowsTotal, rowsImported, rowsRejected, warnings, errors, errorReportKey } =
      record;
    return {
      importId,
      status,
      rowsTotal,
      rowsImported,
      rowsRejected,
      warnings,
      errors,
      errorReport: errorReportKey ? await deps.objects.presignGet(errorReportKey, REPORT_URL_SECONDS) : null,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  };
  return {
    'GET /imports': async ({ query }) => {
      const { limit } = parseQuery(importsQuery, query);
      const records = await deps.imports.list(limit === undefined ? 20 : Number(limit));
      return { status: 200, body: { items: await Promise.all(records.map(toBody)) } };
    },
    'GET /imports/{importId}': async ({ pathParameters }) => {
      const importId = pathParameters.importId ?? '';
      if (!isImportId(importId)) {
        throw new ValidationError([
          {
            path: '/path/importId',
            message:
              'an import id has 1–200 letters, digits, ".", "_" or "-", or ends in "~" and 20 hex digits',
          },
        ]);
      }
      const record = await deps.imports.get(importId);
      if (!record) throw new NotFoundError(`No import with id ${JSON.stringify(importId)}.`);
      return { status: 200, body: await toBody(record) };
    },
  };
}
