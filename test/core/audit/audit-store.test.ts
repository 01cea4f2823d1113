import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { DynamoAuditStore } from '#core/adapters/dynamo-audit-store.ts';
import type { AuditAction } from '#core/audit/audit-actions.ts';
import { recordAudit } from '#core/audit/audit-log.ts';
import { readAudit } from '#core/audit/read-audit.ts';
import type { AuditStore } from '#core/ports.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

// The audit store on dynalite: month partitions walked newest first across month and year
// boundaries, the 400-day retention as a hard lower bound (TTL deletes lazily), idempotent appends.

const DAY = 24 * 3600 * 1000;
const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const signer = new HmacCursorSigner(async () => 'test-cursor-secret-0123456789');

let servers: LocalServers;
let store: AuditStore;
beforeAll(async () => {
  servers = await startLocalServers();
  store = new DynamoAuditStore(servers.documentClient, await servers.createTable());
  const write = (daysAgo: number, action: AuditAction, target: string, id: string) =>
    recordAudit(
      store,
      { principal: { subject: `user-${id}`, clientId: 'client' }, at: NOW - daysAgo * DAY, id },
      { action, target },
    );
  // Spread over the retention: this month, the months and the year before, and one item older
  // than 400 days that TTL has not deleted yet.
  await write(0.5, 'partner.delete', 'partner/p-1', 'a');
  await write(3, 'partner.upsert', 'partner/p-1', 'b');
  await write(40, 'model.update', 'model/2', 'c');
  await write(75, 'partner.upsert', 'partners', 'd');
  await write(120, 'partner.upsert', 'partner/p-1', 'e');
  await write(399, 'import.create', 'import/x', 'f');
  await write(401, 'partner.upsert', 'partner/p-1', 'g');
  await write(401, 'partner.upsert', 'partner/p-1', 'g'); // a retry of the same write
});
afterAll(async () => {
  await servers.stop();
});

async function walk(query: { action?: AuditAction; target?: string; limit: number }) {
  const subjects: string[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await readAudit(
      { audit: store, signer, now: () => NOW },
      { ...query, ...(cursor ? { cursor } : {}) },
    );
    subjects.push(...page.items.map((item) => item.subject));
    pages.push(page.items.length);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { subjects, pages };
}

describe('DynamoAuditStore with readAudit', () => {
  it('lists newest first across months and the year boundary, and nothing older than 400 days', async () => {
    const { subjects } = await walk({ limit: 50 });
    expect(subjects).toEqual(['user-a', 'user-b', 'user-c', 'user-d', 'user-e', 'user-f']);
  });

  it('pages of one item each go on across empty months', async () => {
    const { subjects, pages } = await walk({ limit: 1 });
    expect(subjects).toEqual(['user-a', 'user-b', 'user-c', 'user-d', 'user-e', 'user-f']);
    expect(pages.every((count) => count <= 1)).toBe(true);
  });

  it('filters by action and by target over every month, and by both', async () => {
    expect((await walk({ action: 'partner.upsert', limit: 2 })).subjects).toEqual([
      'user-b',
      'user-d',
      'user-e',
    ]);
    expect((await walk({ target: 'partner/p-1', limit: 2 })).subjects).toEqual([
      'user-a',
      'user-b',
      'user-e',
    ]);
    expect((await walk({ target: 'partner/p-1', action: 'partner.upsert', limit: 1 })).subjects).toEqual([
      'user-b',
      'user-e',
    ]);
  });

  it('an item recorded again with the same id and time stays one item', async () => {
    const { subjects } = await walk({ limit: 50 });
    const listed = await store.list({
      limit: 50,
      oldest: '2000-01-01T00:00:00.000Z',
      newestMonth: '2026-03',
    });
    expect(listed.items.filter((item) => item.subject === 'user-g')).toHaveLength(1);
    expect(subjects).not.toContain('user-g');
  });
});
