import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { CHANGE_JOURNAL_KEYS, keys, partnerShard } from '../keys.ts';

// The partners' change journal: which ids a write touched, when (read by the model preview).

/**
 * Change journal entries are kept a little longer than a run's files (35 days): the journal only
 * serves to bring a run's snapshot up to date, and a snapshot is gone by then.
 */
export const CHANGE_JOURNAL_TTL_DAYS = 36;

/** Most bytes of ids in one journal entry (an item holds at most 400 KB). */
const JOURNAL_ENTRY_BYTES = 300_000;

/**
 * Journals `ids` as written at `nowMs` (before their writes): one small item per 300 KB of ids,
 * spread over the journal's keys, expiring after {@link CHANGE_JOURNAL_TTL_DAYS}.
 */
export async function writeChangeJournal(
  client: DynamoDBDocumentClient,
  tableName: string,
  ids: readonly string[],
  nowMs: number,
): Promise<void> {
  const writtenAt = new Date(nowMs).toISOString();
  const expiresAt = Math.floor(nowMs / 1000) + CHANGE_JOURNAL_TTL_DAYS * 86_400;
  const entries: string[][] = [[]];
  let bytes = 0;
  for (const id of ids) {
    const size = Buffer.byteLength(id, 'utf8') + 3;
    if (bytes + size > JOURNAL_ENTRY_BYTES) {
      entries.push([]);
      bytes = 0;
    }
    (entries.at(-1) as string[]).push(id);
    bytes += size;
  }
  await Promise.all(
    entries.map((entry) =>
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            // Spread over the journal's keys by the first id's shard: small writers do not meet on one key.
            ...keys.changeJournal(
              partnerShard(entry[0] as string) % CHANGE_JOURNAL_KEYS,
              writtenAt,
              randomUUID(),
            ),
            ids: entry,
            expiresAt,
          },
        }),
      ),
    ),
  );
}

/** The ids journaled at or after `since` (ISO-8601), deduplicated; strongly consistent. */
export async function readChangeJournal(
  client: DynamoDBDocumentClient,
  tableName: string,
  since: string,
): Promise<string[]> {
  const ids = new Set<string>();
  await Promise.all(
    Array.from({ length: CHANGE_JOURNAL_KEYS }, async (_, part) => {
      const pages = paginateQuery(
        { client },
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ProjectionExpression: 'ids',
          ConsistentRead: true,
          ExpressionAttributeValues: { ':pk': keys.changeJournalPk(part), ':since': since },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) for (const id of item.ids as string[]) ids.add(id);
      }
    }),
  );
  return [...ids];
}
