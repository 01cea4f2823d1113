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
import { checkQuality, type QualityRunDeps } from '#core/quality/quality-run.ts';
import {
  beginRun,
  failRun,
  leftoverOutboxes,
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
import {
  planWorklist,
  switchWorklist,
  type WorklistRunDeps,
  worklistOutboxPart,
  worklistPages,
  worklistSlice,
} from '#core/worklist/worklist-run.ts';
import * as dependencies from './dependencies.ts';
import { durableHandler } from './durable.ts';
import { STEP_RETRY, type StepRetryPolicy, stepRetryStrategy } from './step-retry.ts';

/** What the rescore function needs; tests pass their own. */
export interface RescoreDeps extends RescoreRunDeps {
  requester: RunRequester;
  worklist: WorklistRunDeps['worklist'];
  quality: QualityRunDeps['quality'];
}

const scheduledEvent = z.object({ 'detail-type': z.literal('Scheduled Event'), time: z.string() });
const runEvent = z.object({ runId: z.string().check(z.minLength(1)) });

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
    const request = runRequestOf(event);
    // The execution's own identity (the same on every retry and replay), never a step's randomness.
    const owner = ctx.executionContext.durableExecutionArn;
    let plan: RunPlan | null;
    try {
      plan = await ctx.step('begin', () => begin(deps(), request, owner), { retryStrategy });
    } catch (error) {
      // A begin that failed past its retries must not hold single flight until the claim expires.
      const reason = `begin failed: ${error instanceof Error ? error.message : String(error)}`;
      await ctx.step('begin-failed', () => abandonBegin(deps(), request, owner, reason), { retryStrategy });
      throw error;
    }
    if (plan === null) return { runId: '', status: 'skipped' };
    const started = plan;
    try {
      await runWorkflow(ctx, deps, started, retryStrategy);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await ctx.step('fail', () => failRun(deps(), started.runId, reason), { retryStrategy });
      throw error;
    }
    return { runId: started.runId, status: 'completed' };
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
  // The worklist and the data-quality report, from the run's own files (docs/worklist.md).
  const worklistPlan = await ctx.step('worklist-plan', () => planWorklist(deps(), plan), { retryStrategy });
  const opened = await fanOut('worklist', slices, (slice) =>
    worklistSlice(deps(), plan, worklistPlan, slice),
  );
  await ctx.step('worklist-pages', () => worklistPages(deps(), plan, worklistPlan), { retryStrategy });
  await ctx.step('quality', () => checkQuality(deps(), plan, worklistPlan), { retryStrategy });
  const switched = await ctx.step('switch', () => switchRun(deps(), plan), { retryStrategy });
  await ctx.step('worklist-switch', () => switchWorklist(deps(), plan), { retryStrategy });
  // Earlier runs' outboxes left unpublished go out first (events in run order, none dropped): every
  // part a run can have, tier changes and worklist events alike (a part that does not exist is skipped).
  const allParts = [...slices, ...slices.map(worklistOutboxPart)];
  const leftovers = await ctx.step('leftovers', () => leftoverOutboxes(deps(), plan), { retryStrategy });
  for (const [i, leftover] of leftovers.entries()) {
    await fanOut(`leftover-${i}`, allParts, (part) => publishSlice(deps(), leftover.runId, part));
    await ctx.step(`leftover-${i}-completed`, () => publishCompleted(deps(), leftover), { retryStrategy });
  }
  // Only slices with tier changes have an outbox part; worklist events have parts of their own.
  const outboxes = [
    ...slices.filter((slice) => (tierChanges[slice] ?? 0) > 0),
    ...slices.filter((slice) => (opened[slice] ?? 0) > 0).map(worklistOutboxPart),
  ];
  await fanOut('publish', outboxes, (slice) => publishSlice(deps(), plan.runId, slice));
  await ctx.step(
    'publish-completed',
    () =>
      publishCompleted(deps(), {
        runId: plan.runId,
        modelVersion: plan.modelVersion,
        startedAt: plan.startedAt,
        ...switched,
      }),
    { retryStrategy },
  );
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

/** What an event asks for: the run of a schedule slot, or a run a requester started. */
type RunRequest = { kind: 'schedule' | 'run'; runId: string };

function runRequestOf(event: unknown): RunRequest {
  const scheduled = z.safeParse(scheduledEvent, event);
  if (scheduled.success) return { kind: 'schedule', runId: scheduledRunId(scheduled.data.time) };
  const requested = z.safeParse(runEvent, event);
  if (requested.success) return { kind: 'run', runId: requested.data.runId };
  throw new Error('The rescore function takes { runId } or an EventBridge scheduled event.');
}

/**
 * The plan of the run an event asks for, or null when there is nothing to run. A scheduled run
 * takes single flight as `owner` (this execution): a retry of this step after the claim or the run
 * record went through finds them as its own and goes on; a redelivered event (another execution)
 * finds them as another's and does nothing.
 */
async function begin(deps: RescoreDeps, request: RunRequest, owner: string): Promise<RunPlan | null> {
  if (request.kind === 'run') return beginRun(deps, request.runId);
  if (await deps.runs.getRun(request.runId)) {
    return (await ownsClaim(deps, request.runId, owner)) ? beginRun(deps, request.runId) : null;
  }
  const started = await deps.requester.start(request.runId, 'schedule', owner);
  return started.started ? beginRun(deps, request.runId) : null;
}

async function ownsClaim(deps: RescoreDeps, runId: string, owner: string): Promise<boolean> {
  const claim = await deps.runs.getClaim();
  return claim?.holder === runId && claim.owner === owner;
}

/**
 * After `begin` failed past its retries: the run fails with the reason and single flight is freed
 * (a pending request starts its run), when this execution's run holds it. A scheduled run another
 * execution holds is left alone.
 */
async function abandonBegin(deps: RescoreDeps, request: RunRequest, owner: string, reason: string) {
  if (request.kind === 'schedule' && !(await ownsClaim(deps, request.runId, owner))) return;
  await failRun(deps, request.runId, reason);
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
  worklist: dependencies.worklistStore(),
  quality: dependencies.qualityStore(),
  now: Date.now,
}));
