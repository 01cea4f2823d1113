import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '#core/errors.ts';
import { isImportId, uploadKey } from '#core/imports/import-keys.ts';
import type { ImportStore, ObjectStore } from '#core/ports.ts';
import type { RouteHandler } from '../http-handler.ts';

/** How long an upload URL and an error-report URL stay valid. */
const UPLOAD_URL_SECONDS = 15 * 60;
const REPORT_URL_SECONDS = 60 * 60;

export interface ImportsWriteDeps {
  imports: Pick<ImportStore, 'createPending'>;
  objects: Pick<ObjectStore, 'presignPut'>;
  now: () => number;
}

export interface ImportsReadDeps {
  imports: Pick<ImportStore, 'get'>;
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

/** `GET /imports/{importId}` (query-api): the import's status, counts, first errors and report URL. */
export function importsReadRoutes(deps: ImportsReadDeps): Record<'GET /imports/{importId}', RouteHandler> {
  return {
    'GET /imports/{importId}': async ({ pathParameters }) => {
      const importId = pathParameters.importId ?? '';
      if (!isImportId(importId)) {
        throw new ValidationError([
          { path: '/path/importId', message: 'an import id has 1–200 letters, digits, ".", "_" or "-"' },
        ]);
      }
      const record = await deps.imports.get(importId);
      if (!record) throw new NotFoundError(`No import with id ${JSON.stringify(importId)}.`);
      const { status, rowsTotal, rowsImported, rowsRejected, warnings, errors, errorReportKey } = record;
      return {
        status: 200,
        body: {
          importId,
          status,
          rowsTotal,
          rowsImported,
          rowsRejected,
          warnings,
          errors,
          errorReport: errorReportKey
            ? await deps.objects.presignGet(errorReportKey, REPORT_URL_SECONDS)
            : null,
        },
      };
    },
  };
}
