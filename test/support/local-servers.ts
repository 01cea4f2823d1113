import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { createTableInput } from '#core/table.ts';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const region = 'us-east-1';

export interface LocalServers {
  dynamoEndpoint: string;
  s3Endpoint: string;
  s3rver: S3rver;
  /** A fresh table, created from the shared definition. */
  createTable(): Promise<string>;
  /** A fresh bucket. */
  createBucket(): Promise<string>;
  documentClient: ReturnType<typeof createDocumentClient>;
  s3Client: ReturnType<typeof createS3Client>;
  /** Environment for `readEnv` / the functions' `…FromEnv` factories. */
  env(tableName: string, bucketName: string): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts dynalite (in memory) and s3rver (in a temp directory) in-process on free ports.
 * Call in `beforeAll`, and `stop()` in `afterAll`.
 */
export async function startLocalServers(): Promise<LocalServers> {
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

  const s3Dir = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
  const s3Address = (await s3rver.run()) as AddressInfo;
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  const documentClient = createDocumentClient({ endpoint: dynamoEndpoint, region, credentials });
  const s3Client = createS3Client({ endpoint: s3Endpoint, region, credentials, forcePathStyle: true });
  const rawDynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials });

  return {
    dynamoEndpoint,
    s3Endpoint,
    s3rver,
    documentClient,
    s3Client,
    async createTable() {
      const name = `partners-${randomUUID().slice(0, 8)}`;
      await rawDynamo.send(new CreateTableCommand(createTableInput(name)));
      return name;
    },
    async createBucket() {
      const name = `bucket-${randomUUID().slice(0, 8)}`;
      await s3Client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    env(tableName, bucketName) {
      return {
        TABLE_NAME: tableName,
        BUCKET_NAME: bucketName,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_ENDPOINT_URL_S3: s3Endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        CURSOR_SECRET: 'test-cursor-secret-0123456789',
      };
    },
    async stop() {
      documentClient.destroy();
      s3Client.destroy();
      rawDynamo.destroy();
      await s3rver.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
      await rm(s3Dir, { recursive: true, force: true });
    },
  };
}
