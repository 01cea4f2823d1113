import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoPartnerUserStore } from '#core/adapters/dynamo-partner-user-store.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import type { PartnerUser } from '#core/api/portal.schema.ts';
import { keys } from '#core/keys.ts';
import { createHandler as createQueryHandler } from '#functions/query-api.ts';
import { faultyClient } from '#test/support/dynamo-faults.ts';
import { httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

// GET /me/scorecard reads the membership, the partner it named last time and its score record in
// one strongly consistent BatchGetItem. The membership decides: what the guess read serves only
// when the membership names that partner.

let servers: LocalServers;
let h: Harness;
let users: DynamoPartnerUserStore;
let query: ReturnType<typeof createQueryHandler>;
/** Low-level commands sent since the last reset, by name. */
const sent: string[] = [];

beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  await h.upsert(
    Array.from({ length: 24 }, (_, i) => ({
      id: `s-${i}`,
      name: `Scorecard Partner ${i}`,
      metrics: { sales: 100 + i * 10, transactions: 5 + i, reputation: i % 5 },
    })),
  );
  await h.runNow();
  const counted = faultyClient(servers, (name) => {
    sent.push(name);
  });
  users = new DynamoPartnerUserStore(counted, h.table);
  query = createQueryHandler(() => ({
    partners: h.partners,
    models: h.models,
    runs: h.runs,
    rankings: h.rankings,
    signer: new HmacCursorSigner(async () => 'test-cursor-secret-0123456789'),
    imports: new DynamoImportStore(servers.documentClient, h.table),
    objects: new S3ObjectStore(servers.s3Client, h.bucket),
    worklist: h.worklist,
    quality: h.quality,
    audit: h.audit,
    users,
    now: Date.now,
  }));
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

async function invite(userId: string, partnerId: string): Promise<void> {
  const email = `${userId}@example.com`;
  await users.claimEmail(email, partnerId);
  const user: PartnerUser = {
    userId,
    email,
    partnerId,
    role: 'viewer',
    status: 'active',
    createdAt: new Date().toISOString(),
    revokedAt: null,
  };
  await users.put(user);
}

async function scorecard(userId: string) {
  const event = httpEvent('GET /me/scorecard', {
    claims: { sub: userId, token_use: 'access', client_id: 'portal', 'cognito:groups': '[partner-users]' },
  });
  const response = parseResponse(await query(event, lambdaContext('query-api')));
  return { status: response.status, body: response.body, text: JSON.stringify(response.body) };
}

describe('GET /me/scorecard in one round trip', () => {
  it('reads membership, partner and score record in one BatchGetItem once the partner is known', async () => {
    await invite('u-one', 's-3');
    const first = await scorecard('u-one');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ partnerId: 's-3', name: 'Scorecard Partner 3', provisional: false });
    sent.length = 0;
    const second = await scorecard('u-one');
    expect(second.body).toEqual(first.body);
    expect(sent).toEqual(['BatchGetItemCommand']);
  });

  it('serves the partner the membership names now, never the one it named before', async () => {
    await invite('u-moved', 's-5');
    expect((await scorecard('u-moved')).body).toMatchObject({ partnerId: 's-5' });
    // The membership item now names another partner (the store never moves one: defence in depth).
    await servers.documentClient.send(
      new UpdateCommand({
        TableName: h.table,
        Key: keys.partnerUser('u-moved'),
        UpdateExpression: 'SET partnerId = :partnerId',
        ExpressionAttributeValues: { ':partnerId': 's-9' },
      }),
    );
    const moved = await scorecard('u-moved');
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ partnerId: 's-9', name: 'Scorecard Partner 9' });
    expect(moved.text).not.toContain('s-5');
    expect(moved.text).not.toContain('Scorecard Partner 5');
    expect((await scorecard('u-moved')).body).toMatchObject({ partnerId: 's-9' });
  });

  it('answers a revoked user 403 at once, though its partner was read alongside', async () => {
    await invite('u-gone', 's-7');
    expect((await scorecard('u-gone')).status).toBe(200);
    await users.revoke('u-gone', 's-7', new Date().toISOString());
    const refused = await scorecard('u-gone');
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('Scorecard Partner 7');
  });
});
