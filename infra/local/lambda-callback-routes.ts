import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorObject } from '@aws/durable-execution-sdk-js';
import * as z from 'zod/mini';
import { CallbackClosedError, CallbackNotFoundError, type DurableCallbacks } from './durable-callbacks.ts';
import { InvalidParameterValueError } from './durable-operations.ts';
import { BodyTooLargeError, readBody } from './http-gateway.ts';

/** `SendDurableExecutionCallbackSuccess/Failure/Heartbeat`, as `@aws-sdk/client-lambda` sends them. */
export const CALLBACK_PATH = /^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail|heartbeat)$/;

/** Lambda's limit on a callback's result. */
const MAX_RESULT_BYTES = 256 * 1024;

/** The content type each callback call carries (the SDK's serializer: a blob, a JSON error, nothing). */
export const CALLBACK_CONTENT_TYPES: Record<string, string[]> = {
  succeed: ['application/octet-stream', ''],
  fail: ['application/json'],
  heartbeat: ['', 'application/json', 'application/octet-stream'],
};

const errorObject = z.object({
  ErrorMessage: z.optional(z.string()),
  ErrorType: z.optional(z.string()),
  ErrorData: z.optional(z.string()),
  StackTrace: z.optional(z.array(z.string())),
});

/** Writes an error in the Lambda API's JSON shape (`x-amzn-errortype` names it). */
export type LambdaErrorWriter = (
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
) => void;

/**
 * Serves a callback call for the local durable engine: `succeed` completes the callback with the
 * request body as its result, `fail` with the JSON error object, `heartbeat` resets its heartbeat
 * timeout. Answers 200 with an empty body, or Lambda's errors: `InvalidParameterValueException`
 * (400, a malformed id or body), `CallbackTimeoutException` (400, a callback already completed or
 * timed out), `ResourceNotFoundException` (404, an id no execution has), `RequestTooLargeException`.
 */
export async function handleCallback(
  callbacks: DurableCallbacks,
  match: RegExpExecArray,
  request: IncomingMessage,
  response: ServerResponse,
  lambdaError: LambdaErrorWriter,
): Promise<void> {
  const callbackId = decodeURIComponent(match[1] as string);
  const action = match[2] as 'succeed' | 'fail' | 'heartbeat';
  let body: Buffer;
  try {
    body = await readBody(request, MAX_RESULT_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      response.setHeader('connection', 'close');
      return lambdaError(
        response,
        413,
        'RequestTooLargeException',
        `A callback result is at most ${MAX_RESULT_BYTES} bytes.`,
      );
    }
    throw error;
  }
  try {
    if (action === 'succeed') {
      await callbacks.complete(callbackId, { result: body.toString('utf8') });
    } else if (action === 'fail') {
      await callbacks.complete(callbackId, { error: parseError(body) });
    } else {
      await callbacks.heartbeat(callbackId);
    }
  } catch (error) {
    if (error instanceof InvalidParameterValueError)
      return lambdaError(response, 400, error.name, error.message);
    if (error instanceof CallbackClosedError) return lambdaError(response, 400, error.name, error.message);
    if (error instanceof CallbackNotFoundError) return lambdaError(response, 404, error.name, error.message);
    throw error;
  }
  response.writeHead(200, { 'x-amzn-requestid': crypto.randomUUID() });
  response.end();
}

function parseError(body: Buffer): ErrorObject {
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidParameterValueError('The failure body must be a JSON error object.');
  }
  const parsed = z.safeParse(errorObject, value);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new InvalidParameterValueError(
      `The failure body is not an error object (at ${path || 'the body'}): ErrorMessage, ErrorType, ErrorData strings, StackTrace strings.`,
    );
  }
  return parsed.data;
}
