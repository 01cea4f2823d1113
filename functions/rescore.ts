import type {
  DurableContext,
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
import {
  beginRun,
  failRun,
  publishCompleted,
  publishSlice,
  type RescoreRunDeps,
  RUN_SLICES,
  type RunPlan,
  readSlice,
  releaseRun,
  scoreRun,
  switchRun,
  writeMovers,
  writePages,
  writeSearchIndex,
  writeSlice,
} from '#core/runs/rescore-run.ts';
import { scheduledRunId } from '#core/runs/run-ids.ts';
import type { RunRequester } from '#core/runs/run-requester.ts';
import * as dependencies from './dependencies.ts';
import { durableHandler } from './durable.ts';
import { STEP_RETRY, type StepRetryPolicy, stepRetryStrategy } from './step-retry.ts';

/** What the rescore function needs; tests pass their own. */
export interface RescoreDeps extends RescoreRunDeps {
  requester: RunRequester;
}

const scheduledEvent = z.object({ 'detail-type': z.literal('Scheduled Event'), time: z.string() });
const runEvent = z.object({ runId: z.string().check(z.minLength(1)), resumed: z.optional(z.boolean()) });

export interface RescoreResult {
  runId: string;
  status: 'completed' | 'skipped';
}

/** Slices read or written at once (each holds one shard's partners in memory). */
const SLICE_CONCURRENCY = 8;

/**
 * The rescore function, a durable function. Its execution is the run's workflow: begin → read the
 * partners in slices (fan out) → score centrally → write score records and page entries in slices
 * (fan out) → write pages (fan out) → switch → publish the outbox (fan out) → release. Steps pass
 * only small results; the data goes through S3 (`runs/<runId>/`). Events: `{ runId }` (the
 * requester starts the execution named after the run, which already holds single flight), or the
 * nightly EventBridge schedule (the run id comes from the slot, so a redelivery finds its run).
 */
export function createHandler(deps: () => RescoreDeps, retry: Partial<StepRetryPolicy> = {}) {
  // The one step retry policy of both workflows; an aborted run, like any permanent error, is not retried.
  const retryStrategy = stepRetryStrategy({ ...STEP_RETRY, ...retry });
  const workflow = durableHandler<unknown, RescoreResult>(async (event, ctx) => {
    const plan = await ctx.step('begin', () => begin(deps(), event), { retryStrategy });
    if (plan === null) return { runId: '', status: 'skipped' };
    try {
      await runWorkflow(ctx, deps, plan, retryStrategy);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await ctx.step('fail', () => failRun(deps(), plan.runId, reason), { retryStrategy });
      throw error;
    }
    return { runId: plan.runId, status: 'completed' };
  });
  return middy<DurableExecutionInvocationInput, DurableExecutionInvocationOutput>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(workflow);
}

async function runWorkflow(
  ctx: DurableContext,
  deps: () => RescoreDeps,
  plan: RunPlan,
  retryStrategy: (error: Error, attempt: number) => RetryDecision,
): Promise<void> {
  const slices = Array.from({ length: RUN_SLICES }, (_, slice) => slice);
  const fanOut = async <T>(name: string, items: number[], work: (item: number) => Promise<T>) => {
    const result = await ctx.map(
      name,
      items,
      (child, item) => child.step(`${name}-${item}`, () => work(item), { retryStrategy }),
      { maxConcurrency: SLICE_CONCURRENCY },
    );
    result.throwIfError();
    // By item: `tierChanges[slice]` is the result of the item `slice`.
    const byItem = new Map(result.all.map((entry) => [items[entry.index] as number, entry.result as T]));
    return Object.fromEntries(byItem) as Record<number, T>;
  };
  await fanOut('read', slices, (slice) => readSlice(deps(), plan, slice));
  const scored = await ctx.step('score', () => scoreRun(deps(), plan), { retryStrategy });
  const tierChanges = await fanOut('write', slices, (slice) => writeSlice(deps(), plan, slice));
  const writers = Array.from({ length: scored.pageWriters }, (_, writer) => writer);
  await fanOut('pages', writers, (writer) => writePages(deps(), plan, writer));
  await ctx.step('movers', () => writeMovers(deps(), plan), { retryStrategy });
  await ctx.step('search', () => writeSearchIndex(deps(), plan), { retryStrategy });
  const switched = await ctx.step('switch', () => switchRun(deps(), plan), { retryStrategy });
  // Only slices with tier changes have an outbox part.
  const outboxes = slices.filter((slice) => (tierChanges[slice] ?? 0) > 0);
  await fanOut('publish', outboxes, (slice) => publishSlice(deps(), plan, slice));
  await ctx.step('publish-completed', () => publishCompleted(deps(), plan, switched), { retryStrategy });
  await ctx.step(
    'release',
    async () => {
      await releaseRun(deps(), plan.runId);
      metrics.addMetric('RescoreCompleted', MetricUnit.Count, 1);
      metrics.addMetric(
        'RescoreDurationMs',
        MetricUnit.Milliseconds,
        Date.parse(switched.finishedAt) - Date.parse(plan.startedAt),
      );
      metrics.addMetric('RescorePartners', MetricUnit.Count, scored.partners);
      logger.info('run completed', {
        runId: plan.runId,
        partners: scored.partners,
        tierChanges: scored.tierChanges,
      });
    },
    { retryStrategy },
  );
}

/** The plan of the run an event asks for, or null when there is nothing to run. */
async function begin(deps: RescoreDeps, event: unknown): Promise<RunPlan | null> {
  const scheduled = z.safeParse(scheduledEvent, event);
  if (scheduled.success) {
    const runId = scheduledRunId(scheduled.data.time);
    if (await deps.runs.getRun(runId)) return null;
    const started = await deps.requester.start(runId, 'schedule');
    return started.started ? beginRun(deps, runId) : null;
  }
  const requested = z.safeParse(runEvent, event);
  if (requested.success) return beginRun(deps, requested.data.runId, requested.data.resumed === true);
  throw new Error('The rescore function takes { runId } or an EventBridge scheduled event.');
}

/**
 * For the local stack: the run that holds single flight and still runs, to start again after a
 * restart of `npm start` (the SDK's local runner lost its execution; every phase resumes from the
 * run's files in S3 and its items in DynamoDB).
 */
export async function unfinishedExecutions(): Promise<{ name: string; payload: unknown }[]> {
  const runs = dependencies.runStore();
  const claim = await runs.getClaim();
  if (!claim?.holder) return [];
  const run = await runs.getRun(claim.holder);
  return run?.status === 'running' ? [{ name: run.runId, payload: { runId: run.runId, resumed: true } }] : [];
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
  files: dependencies.runFiles(),
  requester: dependencies.rescoreRequester(),
  now: Date.now,
}));
