import type { S3Event } from 'aws-lambda';
import { importIdFromKey, isImportKey } from '#core/imports/import-keys.ts';
import type { ImportStart } from '#core/imports/import-state.ts';
import { logger } from '#core/observability.ts';

/** The imports an S3 event asks for: created objects under `imports/` that are CSV files. */
export function startsOf(event: S3Event): ImportStart[] {
  return (event.Records ?? []).flatMap((record) => {
    if (!record.eventName.startsWith('ObjectCreated:')) return [];
    // S3 form-encodes keys in notifications (a space is `+`).
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    if (!isImportKey(key)) {
      logger.info('not an import file; skipped', { key });
      return [];
    }
    const { sequencer } = record.s3.object;
    return [
      {
        source: {
          importId: importIdFromKey(key),
          bucket: record.s3.bucket.name,
          key,
          etag: record.s3.object.eTag.replaceAll('"', ''),
          ...(sequencer ? { sequencer } : {}),
          asOf: new Date(Date.parse(record.eventTime) || Date.now()).toISOString(),
        },
      },
    ];
  });
}
