import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { S3Event } from 'aws-lambda';
import { encodeEventKey, IMPORT_PREFIX, IMPORT_SUFFIXES } from '#core/imports/import-keys.ts';
import { localSequencer } from '#core/imports/sequencer.ts';

/** One record of an s3rver `event` (its keys are not URL-encoded, unlike real S3's). */
export interface S3rverRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size: number; eTag: string } };
}

/**
 * Whether an s3rver event is one the import function is subscribed to: the stack's notification
 * filters, `IMPORT_PREFIX` with each of `IMPORT_SUFFIXES`.
 */
export function isImportUpload(record: S3rverRecord, bucket: string): boolean {
  const key = record.s3.object.key;
  return (
    record.eventName.startsWith('ObjectCreated:') &&
    record.s3.bucket.name === bucket &&
    key.startsWith(IMPORT_PREFIX) &&
    IMPORT_SUFFIXES.some((suffix) => key.endsWith(suffix))
  );
}

let lastSequencer = { ms: 0, counter: 0 };

/** Increasing sequencers for the events of this process: the time, and a counter within one millisecond. */
function nextSequencer(): string {
  const ms = Date.now();
  lastSequencer =
    ms > lastSequencer.ms ? { ms, counter: 0 } : { ms: lastSequencer.ms, counter: lastSequencer.counter + 1 };
  return localSequencer(lastSequencer.ms, lastSequencer.counter);
}

/**
 * One s3rver record reshaped exactly as S3 delivers it to Lambda (event version 2.1, real ARN,
 * URL-encoded key, a sequencer that orders the uploads of a key), so the import function parses local uploads with the same code as on AWS.
 */
export function toS3Event(record: S3rverRecord, region: string, sourceIp = '127.0.0.1'): S3Event {
  const bucket = record.s3.bucket.name;
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: record.eventTime,
        eventName: record.eventName,
        // The local bucket takes one set of credentials (printed by `npm start`): one principal.
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: sourceIp },
        responseElements: { 'x-amz-request-id': hex(8), 'x-amz-id-2': randomBytes(48).toString('base64') },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'partner-imports',
          bucket: { name: bucket, ownerIdentity: { principalId: hex(7) }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeEventKey(record.s3.object.key),
            size: record.s3.object.size,
            eTag: record.s3.object.eTag,
            sequencer: nextSequencer(),
          },
        },
      },
    ],
  };
}

/** Hands a notification to the import function; resolves when it has been handled. */
export type NotificationTarget = (id: string, event: S3Event) => Promise<void>;

/**
 * The local S3 trigger's delivery queue, at least once as S3 delivers to Lambda: each
 * notification is written under `DATA_DIR/s3-notifications/<id>.json` (a whole file renamed into
 * place) before the upload is acknowledged, deleted only once the import function has handled
 * it (its durable execution ended), and delivered again when the stack starts. `id` is time
 * ordered; the target names the execution after it, so a redelivery joins the same execution.
 * Notifications are kept from the first upload on and delivered once {@link start} was called
 * (when the function can run).
 */
export class S3NotificationQueue {
  private started = false;

  constructor(
    private readonly dir: string,
    private readonly target: NotificationTarget,
    private readonly onError: (id: string, error: unknown) => void,
  ) {}

  /**
   * Keeps the notification and delivers it. Synchronous on purpose: s3rver emits its event before
   * it answers the PUT, so the upload is acknowledged only after the notification is on disk.
   */
  enqueue(event: S3Event): string {
    mkdirSync(this.dir, { recursive: true });
    const id = `${Date.now().toString().padStart(15, '0')}-${randomBytes(6).toString('hex')}`;
    const file = path.join(this.dir, `${id}.json`);
    const temporary = `${file}.partial`;
    writeFileSync(temporary, JSON.stringify(event));
    renameSync(temporary, file);
    if (this.started) this.deliver(id, event);
    return id;
  }

  /**
   * Starts delivering: every notification not yet handled (kept by a previous process, or before
   * this start), in upload order, then each new one at once; returns how many were waiting.
   */
  async start(): Promise<number> {
    this.started = true;
    const names = (await readdir(this.dir).catch(() => [] as string[])).sort();
    let count = 0;
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (!name.endsWith('.json')) {
        // A notification cut by a kill before its rename: its upload was never acknowledged.
        await rm(file, { force: true });
        continue;
      }
      this.deliver(name.slice(0, -'.json'.length), JSON.parse(await readFile(file, 'utf8')) as S3Event);
      count++;
    }
    return count;
  }

  private deliver(id: string, event: S3Event): void {
    this.target(id, event)
      .then(() => rm(path.join(this.dir, `${id}.json`), { force: true }))
      .catch((error: unknown) => this.onError(id, error));
  }
}
