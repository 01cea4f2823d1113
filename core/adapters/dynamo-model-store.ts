import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import { DEFAULT_MODEL } from '../model/presets.ts';
import { parseScoringModel, type ScoringModel } from '../model/scoring-model.ts';
import type { ActiveModel, ModelStore, ModelVersionSummary } from '../ports.ts';

export interface DynamoModelStoreOptions {
  /** How long `getActive` serves its cached answer (a warm Lambda re-reads after this). */
  cacheMs?: number;
  now?: () => number;
}

/** Version 1 when nothing was ever activated: the built-in default model. */
const BUILT_IN: ActiveModel = { version: 1, model: DEFAULT_MODEL, activatedAt: '1970-01-01T00:00:00.000Z' };

/**
 * {@link ModelStore} on the single table: immutable versions under `keys.modelVersion(v)` and the
 * `keys.activeModel` pointer. Activation puts version n+1 only if it does not exist yet and then moves
 * the pointer only forward, so two concurrent activations cannot both claim the same version.
 */
export class DynamoModelStore implements ModelStore {
  private cached: { value: ActiveModel; until: number } | null = null;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoModelStoreOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  async getActive(): Promise<ActiveModel> {
    if (this.cached && this.cached.until > this.now()) return this.cached.value;
    const pointer = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.activeModel, ConsistentRead: true }),
    );
    let active = BUILT_IN;
    if (pointer.Item) {
      active = {
        version: pointer.Item.version as number,
        model: parseScoringModel(pointer.Item.model),
        activatedAt: pointer.Item.activatedAt as string,
      };
    }
    this.cached = { value: active, until: this.now() + this.cacheMs };
    return active;
  }

  async activate(model: ScoringModel): Promise<ActiveModel> {
    for (;;) {
      this.cached = null;
      const current = await this.getActive();
      const next: ActiveModel = {
        version: current.version + 1,
        model,
        activatedAt: new Date(this.now()).toISOString(),
      };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.modelVersion(next.version), ...next },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue; // lost the race: next number
        throw error;
      }
      await this.client
        .send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.activeModel, ...next },
            ConditionExpression: 'attribute_not_exists(pk) OR version < :version',
            ExpressionAttributeValues: { ':version': next.version },
          }),
        )
        .catch((error: unknown) => {
          // A newer version was activated meanwhile; ours stays stored as history.
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
      this.cached = { value: next, until: this.now() + this.cacheMs };
      return next;
    }
  }

  async getVersion(version: number): Promise<ScoringModel | null> {
    if (version === BUILT_IN.version) return BUILT_IN.model;
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.modelVersion(version) }),
    );
    return output.Item ? parseScoringModel(output.Item.model) : null;
  }

  async listVersions(limit: number): Promise<ModelVersionSummary[]> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.modelPk },
        ProjectionExpression: 'version, activatedAt',
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const stored = (output.Items ?? []).map((item) => ({
      version: Number(item.version),
      activatedAt: String(item.activatedAt),
    }));
    // Stored versions start at 2; the built-in default is the oldest version and was never stored.
    return stored.length < limit ? [...stored, { version: BUILT_IN.version, activatedAt: null }] : stored;
  }
}
