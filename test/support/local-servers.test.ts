import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServers, startLocalServers } from './local-servers.ts';

describe('local servers', () => {
  let servers: LocalServers;
  beforeAll(async () => {
    servers = await startLocalServers();
  });
  afterAll(() => servers.stop());

  it('serves a table from the shared definition and a bucket', async () => {
    const table = await servers.createTable();
    await servers.documentClient.send(new PutCommand({ TableName: table, Item: { pk: 'a', sk: 'b', n: 1 } }));
    const got = await servers.documentClient.send(
      new GetCommand({ TableName: table, Key: { pk: 'a', sk: 'b' } }),
    );
    expect(got.Item).toEqual({ pk: 'a', sk: 'b', n: 1 });

    const bucket = await servers.createBucket();
    await servers.s3Client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'imports/x.csv', Body: 'id\nA\n' }),
    );
    const object = await servers.s3Client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'imports/x.csv' }),
    );
    expect(await object.Body?.transformToString()).toBe('id\nA\n');
  });
});
