import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PartnerUser } from '../api/portal.schema.ts';
import { keys } from '../keys.ts';
import type { PartnerUserStore } from '../ports.ts';

type Item = Record<string, unknown>;

/**
 * {@link PartnerUserStore} on the single table: the membership by user (`USER#<userId>`, read
 * strongly consistent on every `/me` request: one read unit), a copy per partner for its user list
 * (`PARTNER_USERS#<partnerId>`, one Query), and the email's claim (`USER_EMAIL#<email>`), which makes
 * one address belong to one partner.
 */
export class DynamoPartnerUserStore implements PartnerUserStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(userId: string): Promise<PartnerUser | null> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.partnerUser(userId), ConsistentRead: true }),
    );
    return output.Item ? toUser(output.Item) : null;
  }

  async list(partnerId: string): Promise<PartnerUser[]> {
    const users: PartnerUser[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.partnerUsersPk(partnerId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      users.push(...(output.Items ?? []).map(toUser));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return users.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.userId.localeCompare(b.userId));
  }

  async claimEmail(email: string, partnerId: string): Promise<{ partnerId: string; userId: string | null }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.userEmail(email), partnerId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { partnerId, userId: null };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.userEmail(email), ConsistentRead: true }),
    );
    return {
      partnerId: String(output.Item?.partnerId ?? ''),
      userId: typeof output.Item?.userId === 'string' ? output.Item.userId : null,
    };
  }

  async put(user: PartnerUser): Promise<void> {
    // Three writes in an order a retry completes (DynamoDB transactions are not in the local
    // DynamoDB-API server): the membership first, which is what access depends on; an invitation
    // that stopped before the email claim names its user is found again by the directory and redone.
    const fields = fieldsOf(user);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.partnerUser(user.userId), ...fields },
        // A sub belongs to one partner: never move an existing membership.
        ConditionExpression: 'attribute_not_exists(pk) OR partnerId = :partnerId',
        ExpressionAttributeValues: { ':partnerId': user.partnerId },
      }),
    );
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.partnerUserEntry(user.partnerId, user.userId), ...fields },
      }),
    );
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.userEmail(user.email),
        UpdateExpression: 'SET userId = :userId',
        ConditionExpression: 'partnerId = :partnerId',
        ExpressionAttributeValues: { ':userId': user.userId, ':partnerId': user.partnerId },
      }),
    );
  }

  async revoke(userId: string, partnerId: string, at: string): Promise<PartnerUser | null> {
    const current = await this.get(userId);
    if (current?.partnerId !== partnerId) return null;
    // The membership first (access depends on it), then the list entry; revoking again repairs
    // an entry a crash left behind.
    const revokedAt = current.revokedAt ?? at;
    const update = {
      UpdateExpression: 'SET #status = :revoked, revokedAt = :at',
      ExpressionAttributeNames: { '#status': 'status' },
    };
    let stored: Record<string, unknown> | undefined;
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.partnerUser(userId),
          ...update,
          ConditionExpression: 'partnerId = :partnerId',
          ExpressionAttributeValues: { ':revoked': 'revoked', ':at': revokedAt, ':partnerId': partnerId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      stored = output.Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.partnerUserEntry(partnerId, userId),
        ...update,
        ExpressionAttributeValues: { ':revoked': 'revoked', ':at': revokedAt },
      }),
    );
    return stored ? toUser(stored) : null;
  }
}

function fieldsOf(user: PartnerUser): Item {
  return {
    userId: user.userId,
    email: user.email,
    partnerId: user.partnerId,
    role: user.role,
    status: user.status,
    createdAt: user.createdAt,
    revokedAt: user.revokedAt,
  };
}

function toUser(item: Item): PartnerUser {
  return {
    userId: String(item.userId),
    email: String(item.email),
    partnerId: String(item.partnerId),
    role: item.role === 'admin' ? 'admin' : 'viewer',
    status: item.status === 'active' ? 'active' : 'revoked',
    createdAt: String(item.createdAt),
    revokedAt: typeof item.revokedAt === 'string' ? item.revokedAt : null,
  };
}
