import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/** What s3rver's filesystem store is and does, as far as an atomic PUT needs it. */
interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

/** What s3rver derives on every read rather than storing. */
const INTRINSIC = new Set(['last-modified', 'etag', 'content-length']);

/**
 * Makes s3rver's PUT atomic, as S3's is. s3rver writes an object and its metadata files in place
 * (the object exists, empty, from the first byte of the request, and it answers before its writes
 * reach the file), so a SIGKILL of `npm start` during or just after a PUT left a truncated object
 * that read as a whole one, or a cut metadata file that made every GET of it a 500 InternalError: a
 * run resumed after a restart failed on it. Here each file goes to a temporary file next to it,
 * renamed over it once written. The object's MD5 (its ETag) is removed first and written after the
 * object, so a kill in between leaves s3rver to compute it from the content.
 */
export function makePutsAtomic(s3rver: S3rver): void {
  const store = (s3rver as unknown as { store: FilesystemStore }).store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    const temporary = `${objectPath}.${randomUUID()}.partial`;
    await mkdir(path.dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    try {
      await pipeline(
        Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            md5.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(temporary),
      );
      await rm(`${objectPath}.md5`, { force: true });
      await rename(temporary, objectPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await writeAtomically(`${objectPath}.md5`, digest);
    const stored = Object.fromEntries(
      Object.entries(object.metadata).filter(([name]) => !INTRINSIC.has(name)),
    );
    await writeAtomically(
      store.getResourcePath(object.bucket, object.key, 'metadata.json'),
      JSON.stringify(stored, null, 2),
    );
    return { size, md5: digest };
  };
}

/** Writes a whole file or, if killed, leaves the previous one: a temporary file renamed over it. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${randomUUID()}.partial`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
