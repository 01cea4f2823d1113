import {
  CallbackTimeoutError,
  type DurableContext,
  type DurableExecutionInvocationInput,
  type DurableExecutionInvocationOutput,
} from '@aws/durable-execution-sdk-js';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import * as z from 'zod/mini';
import type { Release } from '#core/leads/distribution.ts';
import { LEAD_ID } from '#core/leads/lead-request.ts';
import { logger, metrics } from '#core/observability.ts';
import * as dependencies from '../dependencies.ts';
import { durableHandler } from '../durable.ts';
import { type StepRetryPolicy, stepRetryStrategy } from '../step-retry.ts';
import type { LeadWorkflowDeps } from './deps.ts';
import { LEAD_STEP_RETRY } from './retry.ts';
import { acceptStep } from './steps/accept.ts';
import { type DecideStepResult, decideStep } from './steps/decide.ts';
import { expireStep } from './steps/expire.ts';
import { storeCallback } from './steps/store-callback.ts';

/**
 * The lead function, a durable function: one execution per lead, named after it (`POST /leads`
 * starts it), or per manual offer (`<leadId>-assign-<attempt>`). Its steps:
 *
 * 1. `decide-<n>` ({@link decideStep}): the weighted choice of attempt n, or `unassigned`;
 * 2. `answer-<n>`: a durable callback waiting for the partner's answer up to the offer's deadline,
 *    its submitter ({@link storeCallback}) storing the callback id on the offer;
 * 3. on the deadline `expire-<n>` ({@link expireStep}); on an accept `accept-<n>` ({@link acceptStep});
 *    a decline or an expiry goes on to `decide-<n+1>` at once (never to the same partner again).
 *
 * The deadline is a durable timer: it survives restarts and redeploys.
 */
const leadEvent = z.object({
  leadId: z.string().check(z.regex(LEAD_ID)),
  from: z.int().check(z.gte(1)),
  assign: z.optional(z.object({ partnerId: z.string(), by: z.string() })),
});

export interface LeadOutcome {
  leadId: string;
  status: 'accepted' | 'unassigned';
  attempts: number;
}

type Answer = 'accepted' | 'declined' | 'expired';

export function createHandler(deps: () => LeadWorkflowDeps, retry: Partial<StepRetryPolicy> = {}) {
  const retryStrategy = stepRetryStrategy({ ...LEAD_STEP_RETRY, ...retry });
  const workflow = durableHandler<unknown, LeadOutcome>(async (event, ctx) => {
    const { leadId, from, assign } = z.parse(leadEvent, event);
    let release: Release | null = null;
    for (let attempt = from; ; attempt++) {
      // A manual offer declined or expired sends the lead back to the queue.
      const unassign = assign && attempt > from ? `the manual offer was ${release?.outcome}` : null;
      const decision: DecideStepResult = await ctx.step(
        `decide-${attempt}`,
        () =>
          decideStep(deps(), leadId, attempt, release, attempt === from ? (assign ?? null) : null, unassign),
        { retryStrategy },
      );
      if (decision.status !== 'offered' || !decision.offer) {
        return {
          leadId,
          status: decision.status === 'accepted' ? 'accepted' : 'unassigned',
          attempts: attempt,
        };
      }
      const offer = decision.offer;
      const answer = await waitForAnswer(ctx, deps, attempt, offer, decision.slaSeconds, retryStrategy);
      if (answer === 'accepted') {
        await ctx.step(`accept-${attempt}`, () => acceptStep(deps(), leadId, attempt, offer), {
          retryStrategy,
        });
        return { leadId, status: 'accepted', attempts: attempt };
      }
      release = { partnerId: offer.partnerId, outcome: answer };
    }
  });
  return middy<DurableExecutionInvocationInput, DurableExecutionInvocationOutput>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(workflow);
}

/** The partner's answer through the offer's callback, or the deadline (then the offer as it stands). */
async function waitForAnswer(
  ctx: DurableContext,
  deps: () => LeadWorkflowDeps,
  attempt: number,
  offer: { offerId: string; partnerId: string },
  slaSeconds: number,
  retryStrategy: ReturnType<typeof stepRetryStrategy>,
): Promise<Answer> {
  try {
    const result = await ctx.waitForCallback<string>(
      `answer-${attempt}`,
      (callbackId) => storeCallback(deps(), offer.partnerId, offer.offerId, callbackId),
      { timeout: { seconds: slaSeconds }, retryStrategy },
    );
    const outcome = (JSON.parse(result) as { outcome?: string }).outcome;
    if (outcome === 'accepted' || outcome === 'declined') return outcome;
    throw new Error(`Offer ${offer.offerId}: unknown answer ${JSON.stringify(result)}`);
  } catch (error) {
    if (!(error instanceof CallbackTimeoutError)) throw error;
    return ctx.step(`expire-${attempt}`, () => expireStep(deps(), offer.partnerId, offer.offerId), {
      retryStrategy,
    });
  }
}

export const handler = createHandler(() => ({
  leads: dependencies.leadStore(),
  ranking: dependencies.rankingSource(),
  events: dependencies.eventSink(),
  audit: dependencies.auditStore(),
  now: Date.now,
}));
