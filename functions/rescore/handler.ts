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
import { scheduledRunId } from '#core/runs/run-ids.ts';
import { type RescoreRunDeps, RUN_SLICES, type RunPlan } from '#core/runs/run-plan.ts';
import type { RunRequester } from '#core/runs/run-requester.ts';
import { type WorklistRunDeps, worklistOutboxPart } from '#core/worklist/worklist-run.ts';
import * as dependencies from '../dependencies.ts';
import { durableHandler } from '../durable.ts';
import type { StepRetryPolicy } from '../step-retry.ts';
import { rescoreRetryStrategy } from './retry.ts';
import { begin, type RunRequest } from './steps/begin.ts';
import { abandonBegin } from './steps/begin-failed.ts';
import { failRun } from './steps/fail.ts';
import { leftoverOutboxes } from './steps/leftovers.ts';
import { writeMovers } from './steps/movers.ts';
import { writePages } from './steps/pages.ts';
import { publishSlice } from './steps/publish.ts';
import { publishCompleted } from './steps/publish-completed.ts';
import { checkQuality, type QualityRunDeps } from './steps/quality.ts';
import { readSlice } from './steps/read.ts';
import { releaseRun } from './steps/release.ts';
import { scoreRun } from './steps/score.ts';
import { writeSearchIndex } from './steps/search.ts';
import { switchRun } from './steps/switch.ts';
import { worklistSlice } from './steps/worklist.ts';
import { worklistPages } from './steps/worklist-pages.ts';
import { planWorklist } from './steps/worklist-plan.ts';
import { switchWorklist } from './steps/worklist-switch.ts';
import { writeSlice } from './steps/write.ts';

/** What the rescore function needs; tests pass their own. */
export interface RescoreDeps extends RescoreRunDeps {
  requester: RunRequester;
  worklist: WorklistRunDeps['worklist'];
  quality: QualityRunDeps['quality'];
}

const scheduledEvent = z.object({ 'detail-type': z.literal('Scheduled Event'), time: z.string() });
const runEvent = z.object({ runId: z.string().check(z.minLength(1)) });

/** What an execution returns: its run, or `skipped` when there was nothing to run. */
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
  const retryStrategy = rescoreRetryStrategy(retry);
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

/**
 * The run's steps, in order, after `begin`. Each step's code is `steps/<step name>.ts` (a fan-out's
 * items are steps `<name>-<item>` of that file): read, score, write, pages, movers, search,
 * worklist-plan, worklist, worklist-pages, quality, switch, worklist-switch, leftovers (each earlier
 * run's outbox left unpublished goes out as `leftover-<i>` with publish.ts and
 * `leftover-<i>-completed` with publish-completed.ts), publish, publish-completed, release. A step
 * that fails past its retries ({@link rescoreRetryStrategy}) runs `fail`.
 */
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
function runRequestOf(event: unknown): RunRequest {
  const scheduled = z.safeParse(scheduledEvent, event);
  if (scheduled.success) return { kind: 'schedule', runId: scheduledRunId(scheduled.data.time) };
  const requested = z.safeParse(runEvent, event);
  if (requested.success) return { kind: 'run', runId: requested.data.runId };
  throw new Error('The rescore function takes { runId } or an EventBridge scheduled event.');
}

/**
 * For the local stack: the run that holds single flight and still runs, to start again after a
 * restart of `npm start` (the SDK's local runner lost its execution; every phase resumes from the
 * run's files in S3 and its items in DynamoDB).
 */
export function unfinishedExecutions(): Promise<{ name: string; payload: unknown }[]> {
  return resumableRuns({ runs: dependencies.runStore(), requester: dependencies.rescoreRequester() });
}

/**
 * What {@link unfinishedExecutions} finds: the holder of single flight when it still runs. A holder
 * that had already ended (the stack died between its end and its release) is released now, and the
 * follow-up run a request left on its claim starts, with no user action.
 */
export async function resumableRuns(
  deps: Pick<RescoreDeps, 'runs' | 'requester'>,
): Promise<{ name: string; payload: unknown }[]> {
  const claim = await deps.runs.getClaim();
  if (!claim?.holder) return [];
  const run = await deps.runs.getRun(claim.holder);
  if (run?.status === 'running') return [{ name: run.runId, payload: { runId: run.runId } }];
  if (run) await releaseRun(deps, run.runId);
  return [];
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
