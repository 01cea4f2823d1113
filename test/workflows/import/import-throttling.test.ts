import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { createTableInput } from '#core/table.ts';
import { type DynamoServer, startDynamoServer } from '#infra/local/dynamo-server.ts';
import { stopDurableRunner } from '#test/support/durable.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { importHarness } from './import-harness.ts';

// A throttled table is a reason to wait, not to fail (contract §7): half of the DynamoDB calls are
// refused by npm start's own throttling injection (DYNAMODB_THROTTLE_PERCENT), and the imports wait
// it out, call by call (the workers' client retries without the SDK's retry quota) and step by step
// (the step retry policy, here 1 s apart instead of minutes).

let servers: LocalServers;
let throttled: DynamoServer;
let dir: string;
beforeAll(async () => {
  servers = await startLocalServers();
  dir = await mkdtemp(path.join(tmpdir(), 'import-throttle-'));
  throttled = await startDynamoServer({
    path: path.join(dir, 'db'),
    port: 0,
    host: '127.0.0.1',
    throttlePercent: 50,
  });
});
afterAll(async () => {
  await stopDurableRunner();
  await servers.stop();
  await rm(dir, { recursive: true, force: true });
});

it('with half of the DynamoDB calls throttled, six imports of 200 rows all complete with every row', async () => {
  // The workers' client as functions/dependencies.ts builds it, on the throttling server.
  const client = createDocumentClient({
    endpoint: `http://127.0.0.1:${throttled.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    unmetered: true,
  });
  const table = 'throttled';
  await client.send(new CreateTableCommand(createTableInput(table)));
  const h = await importHarness(servers, {
    partners: () => new DynamoPartnerStore(client, table),
    imports: () => new DynamoImportStore(client, table),
    retry: { maxAttempts: 30 },
  });
  const files = Array.from({ length: 6 }, (_, f) => f);
  await Promise.all(
    files.map((f) => {
      const rows = Array.from({ length: 200 }, (_, i) => `f${f}-${i},${i}`);
      return h.importFile(`imports/throttled-${f}.csv`, `id,sales\n${rows.join('\n')}\n`);
    }),
  );
  for (const f of files) {
    expect(await h.imports.get(`throttled-${f}`)).toMatchObject({
      status: 'completed',
      rowsTotal: 200,
      rowsImported: 200,
      rowsRejected: 0,
    });
    expect((await h.partners.get(`f${f}-199`))?.metrics).toEqual({ sales: 199 });
  }
  client.destroy();
  // Half of the calls were refused indeed.
  const stats = await throttled.close();
  expect(stats.throttled / stats.calls).toBeGreaterThan(0.4);
}, 600_000);
