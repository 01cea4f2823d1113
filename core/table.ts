/**
 * The single DynamoDB table, defined once for the CDK stack, the local stack and the tests.
 * Every item has a string partition key `pk` and sort key `sk`; items that expire carry
 * `expiresAt` (epoch seconds). There is no secondary index: every access pattern is a key lookup
 * or a query on a partition built by `keys.ts`, so no write pays for an index.
 */
export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  globalSecondaryIndexes: [] as { indexName: string; partitionKey: string; sortKey?: string }[],
} as const;

/** `CreateTable` input for local servers (dynalite) and tests; on AWS the CDK stack builds the table. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: TABLE_DEFINITION.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_DEFINITION.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: TABLE_DEFINITION.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_DEFINITION.sortKey, KeyType: 'RANGE' as const },
    ],
  };
}
