import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors.ts';
import { keys } from '../keys.ts';
import { DEFAULT_MODEL } from '../model/presets.ts';
import { parseScoringModel, type ScoringModel } from '../model/scoring-model.ts';
import { logger } from '../observability.ts';
import type { ActiveModel, ModelStore, ModelVersionSummary } from '../ports.ts';

export interface DynamoModelStoreOptions {
  /** How long `getActive` serves its cached answer (a warm Lambda re-reads after this). */
  cacheMs?: number;
  now?: () => number;
}

/** Version 1 when nothing was ever activated: the built-in default model. */
const BUILT_IN: ActiveModel = { version: 1, model: DEFAULT_MODEL, activatedAt: '1970-01-01T00:00:00.000Z' };

/**
 * Activations that may overtake one `activate` call before it gives up with a 409. Each lost
 * attempt means another activation succeeded, so this only bounds a storm of concurrent `PUT /model`.
 */
const MAX_ACTIVATION_ATTEMPTS = 20;

/**
 * {@link ModelStore} on the single table. The `keys.activeModel` pointer holds the active version
 * AND its model, so activation is ONE conditional write: version n+1 replaces the pointer only
 * while it still names n (compare-and-swap; dynalite has no transactions and needs none). Two
 * concurrent activations therefore get n+1 and n+2, the later one active. The immutable history
 * item `keys.modelVersion(v)` is written after the pointer; when that write is lost (throttled past
 * the retries, a crash) the next activation writes it from the pointer first, so history heals
 * and nothing is orphaned or blocks later activations.
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

  async getActive(options: { fresh?: boolean } = {}): Promise<ActiveModel> {
    if (!options.fresh && this.cached && this.cached.until > this.now()) return this.cached.value;
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
    for (let attempt = 0; attempt < MAX_ACTIVATION_ATTEMPTS; attempt++) {
      const current = await this.getActive({ fresh: true });
      // Heal: the current version's history item may be missing if its activation was cut short.
      if (current !== BUILT_IN) await this.putHistory(current);
      const next: ActiveModel = {
        version: current.version + 1,
        model,
        activatedAt: new Date(this.now()).toISOString(),
      };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.activeModel, ...next },
            ...(current === BUILT_IN
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :current',
                  ExpressionAttributeValues: { ':current': current.version },
                }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue; // another activation won: n+2
        throw error;
      }
      this.cached = { value: next, until: this.now() + this.cacheMs };
      // Activated. A lost history write is healed by the next activation, so it does not fail this one.
      await this.putHistory(next).catch((error: unknown) => {
        logger.warn('model version history not written; the next activation writes it', {
          version: next.version,
          error: error as Error,
        });
      });
      return next;
    }
    throw new ConflictError(
      'Other model activations kept overtaking this one: read GET /model and send PUT /model again.',
    );
  }

  async getVersion(version: number): Promise<ScoringModel | null> {
    if (version === BUILT_IN.version) return BUILT_IN.model;
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.modelVersion(version), ConsistentRead: true }),
    );
    if (output.Item) return parseScoringModel(output.Item.model);
    // The active version's history item is missing until the next activation heals it.
    const active = await this.getActive({ fresh: true });
    return active.version === version ? active.model : null;
  }

  async listVersions(limit: number): Promise<ModelVersionSummary[]> {
    const [output, active] = await Promise.all([
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.modelPk },
          ProjectionExpression: 'version, activatedAt',
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
      this.getActive({ fresh: true }),
    ]);
    const stored = (output.Items ?? [])
      .map((item) => ({ version: Number(item.version), activatedAt: String(item.activatedAt) }))
      // A version above the active one was orphaned by an earlier release's two-write activation.
      .filter((summary) => summary.version <= active.version);
    // The active version leads, even while its history item waits for the next activation to heal it.
    if (active !== BUILT_IN && stored[0]?.version !== active.version) {
      stored.unshift({ version: active.version, activatedAt: active.activatedAt });
      stored.length = Math.min(stored.length, limit);
    }
    // Stored versions start at 2; the built-in default is the oldest version and was never stored.
    return stored.length < limit ? [...stored, { version: BUILT_IN.version, activatedAt: null }] : stored;
  }

  /** Writes a version's immutable history item (idempotent: a version number is claimed once, by the pointer). */
  private async putHistory(version: ActiveModel): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.modelVersion(version.version), ...version },
      }),
    );
  }
}
