import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '../errors.ts';
import type { ObjectStore } from '../ports.ts';

/**
 * {@link ObjectStore} on one S3 bucket (presigned URLs) and any bucket an event names (reads).
 * Reads are streamed and pinned to an ETag, so a resumed import never mixes two versions of a file.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async read(bucket: string, key: string, options: { start?: number; etag?: string } = {}) {
    const start = options.start ?? 0;
    try {
      const output = await this.client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(start > 0 ? { Range: `bytes=${start}-` } : {}),
          ...(options.etag ? { IfMatch: quoted(options.etag) } : {}),
        }),
      );
      const etag = unquoted(output.ETag ?? '');
      if (options.etag && etag && etag !== options.etag) {
        // A server that ignores If-Match (s3rver) sent the newer version.
        (output.Body as Readable).destroy();
        throw new NotFoundError(`s3://${bucket}/${key} was replaced by a newer upload`);
      }
      return { body: output.Body as Readable, size: output.ContentLength ?? 0, etag };
    } catch (error) {
      if (error instanceof S3ServiceException) {
        const status = error.$metadata.httpStatusCode;
        // A checkpoint exactly at the end of the file: nothing left to read.
        if (status === 416 && start > 0)
          return { body: Readable.from([]), size: 0, etag: options.etag ?? '' };
        if (
          status === 404 ||
          status === 412 ||
          error.name === 'NoSuchKey' ||
          error.name === 'PreconditionFailed'
        ) {
          throw new NotFoundError(`s3://${bucket}/${key} was deleted or replaced by a newer upload`);
        }
      }
      throw error;
    }
  }

  async write(bucket: string, key: string, body: NodeJS.ReadableStream | string, contentType: string) {
    if (typeof body === 'string') {
      await this.client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
      return;
    }
    await new Upload({
      client: this.client,
      params: { Bucket: bucket, Key: key, Body: body as Readable, ContentType: contentType },
    }).done();
  }

  async delete(bucket: string, keys: readonly string[]) {
    for (const key of keys) await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async *list(prefix: string) {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          key: object.Key,
          etag: unquoted(object.ETag ?? ''),
          lastModified: object.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  presignPut(key: string, _contentType: string, expiresInSeconds: number) {
    // No content type is signed: clients (curl, browsers) may send the file with any.
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  presignGet(key: string, expiresInSeconds: number) {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}

function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

function unquoted(etag: string): string {
  return etag.replaceAll('"', '');
}
