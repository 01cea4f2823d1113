import type {
  DurableExecutionInvocationInput,
  DurableExecutionInvocationOutput,
  RetryDecision,
} from '@aws/durable-execution-sdk-js';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import * as z from 'zod/mini';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { logger, metrics } from '#core/observability.ts';
import { executeRun, type RescoreRunDeps } from '#core/runs/rescore-run.ts';
import { scheduledRunId } from '#core/runs/run-ids.ts';
import type { RunRequester } from '#core/runs/run-requester.ts';
import * as dependencies from './dependencies.ts';
import { durableHandler } from './durable.ts';

/** What the rescore function needs; tests pass their own. */
export interface RescoreDeps extends RescoreRunDeps {
  requester: RunRequester;
}

const scheduledEvent = z.object({ 'detail-type': z.literal('Scheduled Event'), time: z.string() });
const runEvent = z.object({ runId: z.string().check(z.minLength(1)) });

export interface RescoreResult {
  runId: string;
  status: 'running' | 'completed' | 'failed' | 'skipped';
}

/** The run is one step; it is not retried (a second attempt would find its execution claimed). */
const runOnce = (): RetryDecision => ({ shouldRetry: false });

/**
 * The rescore function, a durable function. Events: `{ runId }` (async invoke by the requester
 * after `POST /rescore`, an import or a model change: the run already holds the lease), or the
 * nightly EventBridge schedule (the handler takes the lease itself under the slot's run id, so a
 * redelivered event finds its run and does nothing).
 */
export function createHandler(deps: () => RescoreDeps) {
  const workflow = durableHandler<unknown, RescoreResult>((event, ctx) =>
    ctx.step('run', () => rescore(deps(), event), { retryStrategy: runOnce }),
  );
  return middy<DurableExecutionInvocationInput, DurableExecutionInvocationOutput>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(workflow);
}

async function rescore(d: RescoreDeps, event: unknown): Promise<RescoreResult> {
  const runId = await runIdOf(d, event);
  if (runId === null) return { runId: '', status: 'skipped' };
  logger.appendKeys({ runId });
  const startedMs = d.now();
  const outcome = await executeRun(d, runId);
  if (!outcome.executed) {
    logger.info('nothing to do for this run', { status: outcome.run?.status ?? 'unknown' });
    return { runId, status: 'skipped' };
  }
  const { run } = outcome;
  metrics.addMetric('RescoreCompleted', MetricUnit.Count, 1);
  metrics.addMetric('RescoreDurationMs', MetricUnit.Milliseconds, d.now() - startedMs);
  metrics.addMetric('RescorePartners', MetricUnit.Count, run.partners ?? 0);
  logger.info('run completed', { partners: run.partners, tierChanges: run.tierChanges });
  return { runId, status: 'completed' };
}

/** The run an event asks for, or null when a scheduled slot already has its run. */
async function runIdOf(deps: RescoreDeps, event: unknown): Promise<string | null> {
  const scheduled = z.safeParse(scheduledEvent, event);
  if (scheduled.success) {
    const runId = scheduledRunId(scheduled.data.time);
    if (await deps.runs.getRun(runId)) return null;
    const started = await deps.requester.start(runId, 'schedule');
    return started.started ? runId : null;
  }
  const requested = z.safeParse(runEvent, event);
  if (requested.success) return requested.data.runId;
  throw new Error('The rescore function takes { runId } or an EventBridge scheduled event.');
}

// A run must score with the model active when it starts, never a warm container's cached one.
const uncachedModels = dependencies.lazy(
  () => new DynamoModelStore(dependencies.documentClient(), dependencies.tableName(), { cacheMs: 0 }),
);

export const handler = createHandler(() => ({
  partners: dependencies.partnerStore(),
  models: uncachedModels(),
  runs: dependencies.runStore(),
  rankings: dependencies.rankingStore(),
  events: dependencies.eventSink(),
  requester: dependencies.rescoreRequester(),
  now: Date.now,
}));
