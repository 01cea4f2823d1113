import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { auditExpiresAt, auditMonth, previousMonth } from '../audit/audit-log.ts';
import { keys } from '../keys.ts';
import type { AuditListQuery, AuditPosition, AuditRecord, AuditStore, StoredAuditRecord } from '../ports.ts';

/**
 * Queries one listing request makes at most. A listing over the whole retention is 14 month
 * partitions; a filter applied within a partition (action and target together) may need more, and
 * then the page ends early with a cursor rather than reading on.
 */
const MAX_QUERIES_PER_PAGE = 30;
/** Items examined per Query when a filter drops some of them. */
const FILTERED_QUERY_LIMIT = 200;
/** Above every sort key of a month partition (they start with a digit). */
const TOP = '~';

/**
 * {@link AuditStore} on the single table. Each write is three small items with the same sort key
 * `<at>#<id>`: one in its month's log partition, one in that month's partition of its action, one in
 * that month's partition of its target (`keys.audit…Pk`).
 *
 * Why this layout:
 * - Newest first is a descending Query of the current month, then the one before, down to the
 *   retention's start: at most 14 partitions over 400 days, each read only as far as a page needs.
 *   A partition per day would make a quiet log cost up to 400 Queries per page; a single partition
 *   for all time would hold the whole history in one key.
 * - `?action=` and `?target=` are Queries of their own partitions, so a rare action or one partner's
 *   history reads only matching items; a FilterExpression over the log would read (and bill) every
 *   write of the period to find them. Both together query the target's partition and filter on the
 *   action (a target has few writes).
 * - Copies instead of a global secondary index: the table has none, so partner, ranking and run
 *   writes pay no index write; only audit items pay for their two copies (3 write units per audited
 *   write, next to the 1,000+ of a batch upsert).
 * - Hot partitions: a month partition takes every audited write of the month, and one partition key
 *   takes about 1,000 writes per second. Audited writes are API requests and uploads, which the API's
 *   stage throttling keeps far below that (docs/audit.md); a busier service would add a shard suffix
 *   to the month and merge the shards when listing.
 * - Retention: `expiresAt` (the table's TTL) is set to `at` + 400 days; TTL deletes lazily, so a
 *   listing also stops at the first item older than 400 days.
 *
 * Each item is put only if absent: a retried write with the same id and time is a no-op.
 */
export class DynamoAuditStore implements AuditStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(record: StoredAuditRecord): Promise<void> {
    const month = auditMonth(record.at);
    const sk = keys.auditSk(record.at, record.id);
    const item = { ...record, sk, expiresAt: auditExpiresAt(record.at) };
    const pks = [
      keys.auditLogPk(month),
      keys.auditByActionPk(month, record.action),
      keys.auditByTargetPk(month, record.target),
    ];
    await Promise.all(
      pks.map(async (pk) => {
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...item, pk },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    );
  }

  async list(query: AuditListQuery): Promise<{ items: AuditRecord[]; next: AuditPosition | null }> {
    const { action, target, limit, oldest } = query;
    const filterAction = target !== undefined && action !== undefined;
    const partitionOf = (month: string) =>
      target !== undefined
        ? keys.auditByTargetPk(month, target)
        : action !== undefined
          ? keys.auditByActionPk(month, action)
          : keys.auditLogPk(month);
    const oldestMonth = auditMonth(oldest);
    const items: AuditRecord[] = [];
    let month = query.after?.month ?? query.newestMonth;
    let before = query.after?.sk ?? TOP;
    let queries = 0;
    while (month >= oldestMonth) {
      let startKey: Record<string, unknown> | undefined;
      do {
        if (queries === MAX_QUERIES_PER_PAGE) {
          return { items, next: { month, sk: (startKey?.sk as string | undefined) ?? before } };
        }
        queries++;
        const output = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk < :before',
            ...(filterAction
              ? { FilterExpression: '#action = :action', ExpressionAttributeNames: { '#action': 'action' } }
              : {}),
            ExpressionAttributeValues: {
              ':pk': partitionOf(month),
              ':before': before,
              ...(filterAction ? { ':action': action } : {}),
            },
            ScanIndexForward: false,
            Limit: filterAction ? FILTERED_QUERY_LIMIT : limit - items.length,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of output.Items ?? []) {
          if ((item.at as string) < oldest) return { items, next: null };
          items.push(toRecord(item));
          if (items.length === limit) return { items, next: { month, sk: item.sk as string } };
        }
        startKey = output.LastEvaluatedKey;
      } while (startKey);
      month = previousMonth(month);
      before = TOP;
    }
    return { items, next: null };
  }
}

function toRecord(item: Record<string, unknown>): AuditRecord {
  return {
    at: item.at as string,
    action: item.action as AuditRecord['action'],
    target: item.target as string,
    subject: item.subject as string,
    clientId: (item.clientId as string | null | undefined) ?? null,
    detail: (item.detail as Record<string, unknown> | undefined) ?? {},
  };
}
