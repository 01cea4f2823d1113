import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { LambdaInvoker } from '#core/adapters/lambda-invoker.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import { RunRequester } from '#core/runs/run-requester.ts';
import { problemFromError } from '#functions/http/problem.ts';
import { createHandler as createIngestHandler } from '#functions/ingest-api.ts';
import { httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

// Throttling and service errors a local server never produces, injected by an SDK middleware
// inside the client's retry loop: the SDK retries them with its own backoff, and what survives
// the retries must reach the caller as a 503 with Retry-After, never a 500 or the SDK's text.

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const SDK_TEXT = /Exception|Rate of requests|throughput|InternalServer|ECONNREFUSED|TooManyRequests/i;

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** A DynamoDB client on the local server whose calls fail with `fault()` while it is set. */
function unreliableClient(endpoint: string) {
  const state = { fault: null as (() => Error) | null, attempts: 0 };
  // Two attempts: one retry, so the SDK's retry is exercised without waiting out eight backoffs.
  const client = createDocumentClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 2 });
  client.middlewareStack.add(
    (next) => async (args) => {
      if (!state.fault) return next(args);
      state.attempts++;
      throw state.fault();
    },
    { step: 'finalizeRequest', name: 'injectUnavailable' },
  );
  return { client, state };
}

const throttled = () =>
  new ThrottlingException({
    message: 'Rate of requests exceeds the allowed throughput.',
    $metadata: { httpStatusCode: 400 },
  });

function expectUnavailable(response: { status: number; headers: Record<string, string>; body: ProblemBody }) {
  expect(response.status).toBe(503);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
  expect(response.body.detail).toMatch(/Retry/);
  expect(JSON.stringify(response.body)).not.toMatch(SDK_TEXT);
}

let servers: LocalServers;
let h: Harness;
let dynamo: ReturnType<typeof unreliableClient>;
beforeAll(async () => {
  servers = await startLocalServers();
  dynamo = unreliableClient(servers.dynamoEndpoint);
  h = await createHarness(servers, { client: dynamo.client });
});
afterAll(async () => {
  await h.dispose();
  dynamo.client.destroy();
  await servers.stop();
});

describe('DynamoDB throttled or failing past the SDK retries', () => {
  it('POST /partners answers 503 with Retry-After after the SDK retried, and the retry succeeds later', async () => {
    const body = { id: 'u1', metrics: { sales: 10 }, asOf: '2026-01-01T00:00:00Z' };
    dynamo.state.fault = throttled;
    dynamo.state.attempts = 0;
    const failed = await h.call<ProblemBody>('POST /partners', { body });
    dynamo.state.fault = null;
    expectUnavailable(failed);
    expect(dynamo.state.attempts).toBe(2);

    const retried = await h.call<{ results: { status: string }[] }>('POST /partners', { body });
    expect(retried.status).toBe(200);
    expect(retried.body.results[0]?.status).toBe('created');
  });

  it('reads answer 503 on a DynamoDB internal server error', async () => {
    dynamo.state.fault = () =>
      new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } });
    const partner = await h.call<ProblemBody>('GET /partners/{id}', { pathParameters: { id: 'u1' } });
    const rankings = await h.call<ProblemBody>('GET /rankings');
    dynamo.state.fault = null;
    expectUnavailable(partner);
    expectUnavailable(rankings);
  });

  it('DELETE /partners/{id} and GET /model answer 503 on provisioned throughput exceeded', async () => {
    dynamo.state.fault = () =>
      new ProvisionedThroughputExceededException({
        message: 'The level of configured provisioned throughput for the table was exceeded.',
        $metadata: { httpStatusCode: 400 },
      });
    const deleted = await h.call<ProblemBody>('DELETE /partners/{id}', { pathParameters: { id: 'u1' } });
    const model = await h.call<ProblemBody>('GET /model');
    dynamo.state.fault = null;
    expectUnavailable(deleted);
    expectUnavailable(model);
    expect(await h.partners.get('u1')).not.toBeNull();
  });

  it('a client-side DynamoDB error (a bug of ours, not load) stays a 500 that reveals nothing', async () => {
    dynamo.state.fault = () =>
      Object.assign(new Error('One or more parameter values were invalid: secret detail'), {
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    const response = await h.call<ProblemBody>('GET /partners/{id}', { pathParameters: { id: 'u1' } });
    dynamo.state.fault = null;
    expect(response.status).toBe(500);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(JSON.stringify(response.body)).not.toContain('secret detail');
  });

  it('DynamoDB down (connection refused) answers 503', async () => {
    const down = createDocumentClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    const downHarness = await createHarness(servers, { client: down });
    try {
      expectUnavailable(
        await downHarness.call<ProblemBody>('POST /partners', { body: { id: 'd1', metrics: { sales: 1 } } }),
      );
    } finally {
      down.destroy();
      await downHarness.dispose();
    }
  });
});

describe('Lambda throttled when POST /rescore starts a run', () => {
  it('answers 503, records the run as failed with a reason, and frees the lease for the next request', async () => {
    const lambda = new LambdaClient({ region: 'us-east-1', credentials, maxAttempts: 2 });
    let throttle = true;
    lambda.middlewareStack.add(
      (next) => async (args) => {
        if (!throttle) return next(args);
        throw new TooManyRequestsException({
          message: 'Rate exceeded',
          $metadata: { httpStatusCode: 429 },
          Type: 'User',
          Reason: 'ConcurrentInvocationLimitExceeded',
        });
      },
      { step: 'finalizeRequest', name: 'injectThrottling' },
    );
    const queued: unknown[] = [];
    const invoker = new LambdaInvoker(lambda);
    const ingest = createIngestHandler(() => ({
      partners: h.partners,
      models: h.models,
      runs: h.runs,
      imports: new DynamoImportStore(servers.documentClient, h.table),
      objects: new S3ObjectStore(servers.s3Client, 'unused-bucket'),
      worklist: h.worklist,
      requester: new RunRequester({
        runs: h.runs,
        models: h.models,
        invoker: {
          invokeAsync: async (name, payload) => {
            if (throttle) return invoker.invokeAsync(name, payload);
            queued.push(payload);
          },
        },
        rescoreFunctionName: 'rescore',
        now: Date.now,
      }),
      audit: h.audit,
      now: Date.now,
    }));
    const call = async () =>
      parseResponse<ProblemBody & { runId?: string }>(
        await ingest(httpEvent('POST /rescore'), lambdaContext()),
      );

    const refused = await call();
    expectUnavailable(refused);
    const failedRun = await h.runs.latestRun();
    expect(failedRun).toMatchObject({ status: 'failed' });
    expect(failedRun?.error).toMatch(/invoke failed/);

    throttle = false;
    const started = await call();
    expect(started.status).toBe(202);
    expect(started.body.runId).not.toBe(failedRun?.runId);
    expect(queued).toEqual([{ runId: started.body.runId }]);
    lambda.destroy();
  });
});

describe('problem mapping of other AWS dependencies', () => {
  it('maps S3 SlowDown and EventBridge throttling to 503 without their text', () => {
    const slowDown = new S3ServiceException({
      name: 'SlowDown',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
      message: 'Please reduce your request rate.',
    });
    const eventBridge = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    for (const error of [slowDown, eventBridge]) {
      const problem = problemFromError(error);
      expect(problem.status).toBe(503);
      expect(JSON.stringify(problem)).not.toMatch(/reduce your request rate|Rate exceeded/);
    }
  });
});
