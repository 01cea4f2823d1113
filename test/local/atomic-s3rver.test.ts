import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '#core/adapters/aws-clients.ts';
import { makePutsAtomic } from '#infra/local/atomic-s3rver.ts';

interface Store {
  putObject(object: {
    bucket: string;
    key: string;
    content: Readable;
    metadata: Record<string, string>;
  }): Promise<unknown>;
}

let dir: string;
let s3rver: S3rver;
let client: S3Client;
const bucket = 'atomic';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'atomic-s3rver-'));
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  makePutsAtomic(s3rver);
  const address = (await s3rver.run()) as AddressInfo;
  client = createS3Client({
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  client.destroy();
  await s3rver.close();
  await rm(dir, { recursive: true, force: true });
});

const read = async (key: string) =>
  client
    .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    .then((output) => output.Body?.transformToString())
    .catch((error: Error) => error.name);

/** A request body cut off after its first bytes, as a killed client or server leaves it. */
function cutOff(): Readable {
  return new Readable({
    read() {
      this.push(Buffer.from('the first half of a file'));
      this.destroy(new Error('connection lost'));
    },
  });
}

describe('npm start’s S3 server: a PUT is atomic, as on S3', () => {
  it('stores and serves whole objects, with their MD5 as the ETag and their metadata', async () => {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'runs/r/a.json',
        Body: '{"a":1}',
        ContentType: 'application/json',
        Metadata: { source: 'test' },
      }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update('{"a":1}').digest('hex')}"`);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'runs/r/a.json' }));
    expect(await got.Body?.transformToString()).toBe('{"a":1}');
    expect(got).toMatchObject({
      ContentType: 'application/json',
      Metadata: { source: 'test' },
      ETag: put.ETag,
    });
  });

  it('leaves no object behind a PUT cut off half-way, and keeps the previous version of one', async () => {
    const store = (s3rver as unknown as { store: Store }).store;
    await expect(
      store.putObject({ bucket, key: 'runs/r/new.bin', content: cutOff(), metadata: {} }),
    ).rejects.toThrow(/connection lost/);
    expect(await read('runs/r/new.bin')).toBe('NoSuchKey');

    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'runs/r/old.bin', Body: 'complete' }));
    await expect(
      store.putObject({ bucket, key: 'runs/r/old.bin', content: cutOff(), metadata: {} }),
    ).rejects.toThrow(/connection lost/);
    expect(await read('runs/r/old.bin')).toBe('complete');
    // No temporary file is left in the bucket's folder.
    expect(
      (await readdir(path.join(dir, bucket, 'runs', 'r'))).filter((name) => name.endsWith('.partial')),
    ).toEqual([]);
  });
});
