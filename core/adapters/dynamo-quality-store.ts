import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { QualityFailure } from '../api/quality.schema.ts';
import { keys } from '../keys.ts';
import type { QualityFailuresPage, QualityReport, QualityStore } from '../ports.ts';
import type { QualityCheckName } from '../quality/quality-checks.ts';
import { batchPutAll } from './dynamo-batch-writer.ts';

type FailureTuple = [string, string, number | string | null];

/** {@link QualityStore} on the single table: the report beside its run record, failures as pages. */
export class DynamoQualityStore implements QualityStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly writeConcurrency = 8,
  ) {}

  async putReport(report: QualityReport, expiresAtSeconds: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.qualityReport(report.runId),
          report: JSON.stringify(report),
          expiresAt: expiresAtSeconds,
        },
      }),
    );
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.run(report.runId),
        UpdateExpression: 'SET quality = :status',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':status': report.status },
      }),
    );
  }

  async getReport(runId: string): Promise<QualityReport | null> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.qualityReport(runId) }),
    );
    return typeof output.Item?.report === 'string' ? (JSON.parse(output.Item.report) as QualityReport) : null;
  }

  async putFailures(
    runId: string,
    check: QualityCheckName,
    metric: string | null,
    pages: readonly QualityFailuresPage[],
    expiresAtSeconds: number,
  ): Promise<void> {
    const items = pages.map(({ page, items }) => ({
      ...keys.qualityFailuresPage(runId, check, metric ?? '-', page),
      page,
      items: JSON.stringify(items.map((f): FailureTuple => [f.partnerId, f.name, f.value])),
      expiresAt: expiresAtSeconds,
    }));
    await batchPutAll(this.client, this.tableName, items, { concurrency: this.writeConcurrency });
  }

  async getFailures(
    runId: string,
    check: QualityCheckName,
    metric: string | null,
    fromPage: number,
    count: number,
  ): Promise<QualityFailuresPage[]> {
    let pending: Record<string, unknown>[] = Array.from({ length: count }, (_, k) => ({
      ...keys.qualityFailuresPage(runId, check, metric ?? '-', fromPage + k),
    }));
    const found: Record<string, unknown>[] = [];
    while (pending.length > 0) {
      const output = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
      );
      found.push(...(output.Responses?.[this.tableName] ?? []));
      pending = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found
      .map((item) => ({
        page: Number(item.page),
        items: (JSON.parse(String(item.items)) as FailureTuple[]).map(
          ([partnerId, name, value]): QualityFailure => ({ partnerId, name, value }),
        ),
      }))
      .sort((a, b) => a.page - b.page);
  }
}
