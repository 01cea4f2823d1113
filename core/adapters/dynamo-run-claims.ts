import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import type { ClaimOutcome, RescoreReason, RunClaim } from '../ports.ts';

type Item = Record<string, unknown>;

/**
 * The single-flight half of the run store: the claim on the current-run pointer item that lets one
 * run at a time go (taken, marked pending, released, read), and the table access both halves use.
 * {@link DynamoRunStore} extends it with runs, the pointer's switch, statistics and score records.
 */
export class DynamoRunClaims {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async takeClaim(runId: string, nowMs: number, deadBeforeMs: number, owner?: string): Promise<ClaimOutcome> {
    try {
      const values: Record<string, unknown> = { ':runId': runId, ':now': nowMs, ':deadBefore': deadBeforeMs };
      if (owner !== undefined) values[':owner'] = owner;
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.currentRun,
          UpdateExpression:
            owner === undefined
              ? 'SET claimRunId = :runId, claimedAt = :now, latestRunId = :runId REMOVE pendingReason, claimOwner'
              : 'SET claimRunId = :runId, claimedAt = :now, latestRunId = :runId, claimOwner = :owner REMOVE pendingReason',
          ConditionExpression: 'attribute_not_exists(claimRunId) OR claimedAt < :deadBefore',
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = output.Attributes;
      return { taken: true, abandoned: typeof old?.claimRunId === 'string' ? old.claimRunId : null };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const claim = await this.getClaim();
      return { taken: false, holder: claim?.holder ?? null };
    }
  }

  async markPending(holder: string, reason: RescoreReason): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.currentRun,
        UpdateExpression: 'SET pendingReason = :reason',
        ConditionExpression: 'claimRunId = :holder',
        ExpressionAttributeValues: { ':reason': reason, ':holder': holder },
      }),
    );
  }

  async releaseClaim(runId: string): Promise<RescoreReason | null> {
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.currentRun,
          UpdateExpression: 'REMOVE claimRunId, claimedAt, pendingReason, claimOwner',
          ConditionExpression: 'claimRunId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return (output.Attributes?.pendingReason as RescoreReason | undefined) ?? null;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async getClaim(): Promise<RunClaim | null> {
    const item = await this.get(keys.currentRun, true);
    if (!item) return null;
    return {
      holder: typeof item.claimRunId === 'string' ? item.claimRunId : null,
      claimedAt: typeof item.claimedAt === 'number' ? item.claimedAt : null,
      owner: typeof item.claimOwner === 'string' ? item.claimOwner : null,
      pendingReason: (item.pendingReason as RescoreReason | undefined) ?? null,
      latestRunId: typeof item.latestRunId === 'string' ? item.latestRunId : null,
      currentRunId: typeof item.runId === 'string' ? item.runId : null,
      failedRuns: item.failedRuns instanceof Set ? [...(item.failedRuns as Set<string>)] : [],
      unpublishedRuns: item.unpublishedRuns instanceof Set ? [...(item.unpublishedRuns as Set<string>)] : [],
    };
  }

  /** One item of the table (eventually consistent unless `consistent`). */
  protected async get(key: { pk: string; sk: string }, consistent = false): Promise<Item | undefined> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }),
    );
    return output.Item;
  }

  /** Sends a conditional write: false when its condition failed. */
  protected async conditional(command: PutCommand | UpdateCommand): Promise<boolean> {
    try {
      await this.client.send(command as UpdateCommand);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
