import type { S3Event } from 'aws-lambda';
import { type AuditStore, recordAudit } from '#core/audit/audit-log.ts';
import { startsOf } from '../s3-event.ts';

/**
 * Step `audit-upload`: records each upload of an S3 event in the audit trail (action `import.upload`), as the S3 principal
 * that wrote the object (`userIdentity.principalId`: the IAM principal of a straight upload, the
 * role that signed an upload URL; `s3` when the event has none). Keyed by the object version, so a
 * redelivered event records nothing new. Never fails the import (see `recordAudit`).
 */
export async function recordUploads(audit: AuditStore, event: S3Event): Promise<null> {
  for (const record of event.Records ?? []) {
    const start = startsOf({ Records: [record] })[0];
    if (!start) continue;
    const { importId, key, etag, sequencer } = start.source;
    await recordAudit(
      audit,
      {
        principal: { subject: record.userIdentity?.principalId || 's3', clientId: null },
        at: Date.parse(start.source.asOf),
        id: `s3:${importId}:${sequencer ?? etag}`,
      },
      {
        action: 'import.upload',
        target: `import/${importId}`,
        detail: { key, etag, bytes: record.s3.object.size, bucket: start.source.bucket },
      },
    );
  }
  return null;
}
