import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import type { CurrentRunPointer, HistoryPosition, RunRecord, RunStore, ScoreRecord } from '../ports.ts';
import { encodeEntries } from '../ranking/ranking-store.ts';
import type { RunStatistics } from '../scoring/score-population.ts';
import { batchGetAll } from './dynamo-batch-get.ts';
import { batchPutAll } from './dynamo-batch-writer.ts';
import { DynamoRunClaims } from './dynamo-run-claims.ts';
import { scoreRecordItem, toPointer, toRun, toScoreRecord } from './run-items.ts';

/**
 * Most failed run ids the pointer item keeps (`RunClaim.failedRuns`), the newest: history hides the
 * score records of these runs. A run that failed before the last 100 failures has its records
 * served again as history (they expire with the history's TTL); failures are rare enough that this
 * bound is not reached in practice, while an unbounded list would grow the item every ranking
 * request reads.
 */
export const MAX_FAILED_RUNS = 100;

/**
 * {@link RunStore} on the single DynamoDB table (keys from `keys.ts`): runs, the current-run pointer,
 * statistics and score records here, the single-flight claim in {@link DynamoRunClaims}.
 */
export class DynamoRunStore extends DynamoRunClaims implements RunStore {
  /** The statistics read last (read-only for callers). */
  private statistics: { runId: string; value: RunStatistics } | null = null;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly writeConcurrency = 8,
  ) {
    super(client, tableName);
  }

  async createRun(run: RunRecord): Promise<boolean> {
    const created = await this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.run(run.runId), ...run },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    // The log entry names the run for `listRuns`; written after the run, so it never names a missing one.
    if (created) {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.runLogEntry(run.runId), runId: run.runId },
        }),
      );
    }
    return created;
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const item = await this.get(keys.run(runId), true);
    return item ? toRun(item) : null;
  }

  async latestRun(): Promise<RunRecord | null> {
    const claim = await this.getClaim();
    return claim?.latestRunId ? this.getRun(claim.latestRunId) : null;
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.runLogPk },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const runIds = (output.Items ?? []).map((item) => String(item.runId));
    if (runIds.length === 0) return [];
    const byId = new Map(
      (
        await batchGetAll(
          this.client,
          this.tableName,
          runIds.map((runId) => keys.run(runId)),
        )
      ).map((item) => [String(item.runId), item]),
    );
    return runIds.flatMap((runId) => {
      const item = byId.get(runId);
      return item ? [toRun(item)] : [];
    });
  }

  async completeRun(
    runId: string,
    result: Pick<RunRecord, 'finishedAt' | 'partners' | 'tierChanges' | 'modelVersion' | 'lists'>,
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.run(runId),
        UpdateExpression:
          'SET #status = :completed, finishedAt = :finishedAt, partners = :partners, tierChanges = :tierChanges, modelVersion = :modelVersion, lists = :lists',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':completed': 'completed',
          ':finishedAt': result.finishedAt,
          ':partners': result.partners,
          ':tierChanges': result.tierChanges,
          ':modelVersion': result.modelVersion,
          ':lists': result.lists ?? {},
        },
      }),
    );
  }

  async failRun(runId: string, finishedAt: string, error: string): Promise<void> {
    const failed = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.run(runId),
        UpdateExpression: 'SET #status = :failed, finishedAt = :finishedAt, #error = :error',
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':running': 'running',
          ':finishedAt': finishedAt,
          ':error': error.slice(0, 1000),
        },
      }),
    );
    // Only a run that was still running: a completed run's records stay history.
    if (!failed) return;
    const output = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.currentRun,
        UpdateExpression: 'ADD failedRuns :run',
        ExpressionAttributeValues: { ':run': new Set([runId]) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    // The pointer item is read by every ranking request: keep the newest ids only (run ids sort by
    // time). Each trim drops ids that are not among the newest in its own view, so concurrent trims
    // never drop one of the newest.
    const all = [...((output.Attributes?.failedRuns as Set<string> | undefined) ?? [])].sort();
    const old = all.slice(0, Math.max(0, all.length - MAX_FAILED_RUNS));
    if (old.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.currentRun,
        UpdateExpression: 'DELETE failedRuns :old',
        ExpressionAttributeValues: { ':old': new Set(old) },
      }),
    );
  }

  async getCurrent(): Promise<CurrentRunPointer | null> {
    const item = await this.get(keys.currentRun);
    return item ? toPointer(item) : null;
  }

  async partnersChangedAt(): Promise<string | null> {
    const item = await this.get(keys.partnersChanged, true);
    return typeof item?.changedAt === 'string' ? item.changedAt : null;
  }

  async getCurrentAndChangedAt(
    options: { consistent?: boolean } = {},
  ): Promise<{ current: CurrentRunPointer | null; changedAt: string | null }> {
    const items = await batchGetAll(this.client, this.tableName, [keys.currentRun, keys.partnersChanged], {
      consistent: options.consistent ?? false,
    });
    const current = items.find((item) => item.sk === keys.currentRun.sk);
    const changed = items.find((item) => item.sk === keys.partnersChanged.sk);
    return {
      current: current ? toPointer(current) : null,
      changedAt: typeof changed?.changedAt === 'string' ? changed.changedAt : null,
    };
  }

  async switchCurrent(next: CurrentRunPointer, previousRunId: string | null): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':runId': next.runId,
      ':modelVersion': next.modelVersion,
      ':scoredAt': next.scoredAt,
      ':unpublished': new Set([next.runId]),
    };
    let set = 'SET runId = :runId, modelVersion = :modelVersion, scoredAt = :scoredAt';
    if (next.head) {
      values[':head'] = encodeEntries(next.head);
      set += ', head = :head';
    }
    if (previousRunId !== null) values[':previous'] = previousRunId;
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.currentRun,
        // The run's outbox is due from here on: published by this run, or by the next one.
        UpdateExpression: `${next.head ? set : `${set} REMOVE head`} ADD unpublishedRuns :unpublished`,
        // One item, one condition: still the holder of single flight, and nobody switched meanwhile.
        ConditionExpression: `claimRunId = :runId AND ${
          previousRunId === null ? 'attribute_not_exists(runId)' : 'runId = :previous'
        }`,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async markPublished(runId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.currentRun,
        UpdateExpression: 'DELETE unpublishedRuns :run',
        ExpressionAttributeValues: { ':run': new Set([runId]) },
      }),
    );
  }

  async putStatistics(runId: string, statistics: RunStatistics): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.runStatistics(runId), statistics: JSON.stringify(statistics) },
      }),
    );
  }

  async getStatistics(runId: string): Promise<RunStatistics | null> {
    // A run's statistics never change once written: keep the last run's, so a warm container reads
    // them once per run rather than on every provisional score.
    if (this.statistics?.runId === runId) return this.statistics.value;
    const item = await this.get(keys.runStatistics(runId));
    if (typeof item?.statistics !== 'string') return null;
    const value = JSON.parse(item.statistics) as RunStatistics;
    this.statistics = { runId, value };
    return value;
  }

  async putScoreRecords(records: readonly ScoreRecord[], expiresAtSeconds: number): Promise<void> {
    const items = records.map((record) => scoreRecordItem(record, expiresAtSeconds));
    await batchPutAll(this.client, this.tableName, items, { concurrency: this.writeConcurrency });
  }

  async getScoreRecord(id: string, scoredAt: string, runId: string): Promise<ScoreRecord | null> {
    const item = await this.get(keys.scoreRecord(id, scoredAt, runId));
    return item ? toScoreRecord(id, item) : null;
  }

  async history(
    id: string,
    limit: number,
    options: { before?: HistoryPosition } = {},
  ): Promise<ScoreRecord[]> {
    const claim = await this.getClaim();
    const current = await this.getCurrent();
    if (!current) return [];
    const failed = new Set(claim?.failedRuns ?? []);
    // Records after the current run's belong to a run still running (or one that failed).
    const newest = keys.scoreRecord(id, current.scoredAt, current.runId).sk;
    const before = options.before && keys.scoreRecord(id, options.before.scoredAt, options.before.runId).sk;
    const bound =
      before !== undefined && before <= newest ? { op: '<', sk: before } : { op: '<=', sk: newest };
    const records: ScoreRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `pk = :pk AND sk ${bound.op} :bound`,
          ExpressionAttributeValues: { ':pk': keys.historyPk(id), ':bound': bound.sk },
          ScanIndexForward: false,
          Limit: limit + failed.size,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) {
        if (!failed.has(String(item.runId))) records.push(toScoreRecord(id, item));
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey && records.length < limit);
    return records.slice(0, limit);
  }
}
