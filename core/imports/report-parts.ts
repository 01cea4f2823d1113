import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { reportHeader } from '../csv/error-report.ts';
import type { ObjectStore } from '../ports.ts';

/** The report: a header, then every part in order, streamed (parts are read one at a time). */
export function joinParts(
  objects: ObjectStore,
  bucket: string,
  fileHeader: readonly string[],
  partKeys: string[],
) {
  async function* content(): AsyncGenerator<Buffer | string> {
    yield stringify([reportHeader(fileHeader)]);
    for (const key of partKeys) {
      const { body } = await objects.read(bucket, key);
      for await (const piece of body as Readable) yield piece as Buffer;
    }
  }
  return Readable.from(content());
}
