import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Item } from './lead-items.ts';

/** Leads, offers and offer items are kept this long (DynamoDB TTL). */
const RETENTION_SECONDS = 400 * 86_400;

/** The single table the lead store writes to, and its clock. */
export interface LeadTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => number;
}

/** Whether `error` is a failed condition of a conditional write. */
export const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** One item, read consistently; undefined when absent. */
export async function getItem(table: LeadTable, key: { pk: string; sk: string }): Promise<Item | undefined> {
  const output = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }),
  );
  return output.Item;
}

/** The TTL (`expiresAt`, epoch seconds) of an item written now. */
export function ttlOf(table: LeadTable): number {
  return Math.floor(table.now() / 1000) + RETENTION_SECONDS;
}
