import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DurableExecutionAlreadyStartedError } from './durable-execution.ts';
import { FunctionRunner } from './function-runner.ts';
import { BodyTooLargeError, readBody } from './http-gateway.ts';
import { CALLBACK_CONTENT_TYPES, CALLBACK_PATH, handleCallback } from './lambda-callback-routes.ts';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
// Lambda's limits: 256 KB for an asynchronous payload, 6 MB for a synchronous one.
const MAX_ASYNC_PAYLOAD = 256 * 1024;
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;

/** The loopback names the stack's own clients (and the AWS SDK pointed at the printed endpoint) use. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
/** What the AWS SDK's `InvokeCommand` sends (not a content type a browser may send cross-site unasked). */
const INVOKE_CONTENT_TYPE = 'application/octet-stream';
/** Headers every current browser adds to its requests (fetch metadata), which no SDK sends. */
const BROWSER_HEADERS = ['origin', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user'];

/**
 * Why a request is not one of the local stack's own SDK calls, or `null` when it is. The endpoint
 * runs any function without a token (`LOCAL_AUTH` guards the HTTP API, not this port), so it takes
 * only what the SDK sends: `Host` the loopback address and this port (no DNS rebinding), no browser
 * headers (`Origin`, `Sec-Fetch-*`: a web page's forged request), and the SDK's content type for
 * the call (for `Invoke`, a type a cross-site form or `text/plain` POST cannot carry without a CORS
 * preflight, which is refused).
 */
export function foreignRequest(request: IncomingMessage): string | null {
  const port = request.socket.localPort;
  const host = String(request.headers.host ?? '').toLowerCase();
  if (!LOOPBACK_HOSTS.some((name) => host === `${name}:${port}`)) {
    return `Host ${host || '(none)'} is not this endpoint (use http://127.0.0.1:${port}).`;
  }
  const browser = BROWSER_HEADERS.find((name) => request.headers[name] !== undefined);
  if (browser) return `Requests from a browser (${browser} header) are refused.`;
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  const callback = CALLBACK_PATH.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
  if (callback) {
    const accepted = CALLBACK_CONTENT_TYPES[callback[2] as string] ?? [];
    return accepted.includes(type ?? '')
      ? null
      : `Content-Type ${type || '(none)'} is refused for a callback ${callback[2]}, as the AWS SDK sends it.`;
  }
  if (type !== INVOKE_CONTENT_TYPE) {
    return `Content-Type ${type || '(none)'} is refused: Invoke takes ${INVOKE_CONTENT_TYPE}, as the AWS SDK sends it.`;
  }
  return null;
}

/** `my-fn`, `my-fn:alias` or a full ARN, as `InvokeCommand` accepts, to the bare function name. */
export function functionNameOf(identifier: string): string {
  const arn = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(identifier);
  if (arn?.[1]) return arn[1];
  return identifier.split(':')[0] ?? identifier;
}

/**
 * The part of the Lambda API the service uses: `Invoke`, so the SDK's `InvokeCommand` (pointed here by
 * `AWS_ENDPOINT_URL_LAMBDA`) starts rescore runs and import continuations locally as on AWS:
 * `Event` answers 202 and runs the function in the background, `RequestResponse` returns its result,
 * `DryRun` answers 204. A durable function runs as a durable execution; `DurableExecutionName`
 * (header `X-Amz-Durable-Execution-Name`) joins the execution of that name as Lambda does, and the
 * answer names the execution (`X-Amz-Durable-Execution-Arn`). Errors use the Lambda API's JSON
 * error shape. It also takes the durable callbacks, `SendDurableExecutionCallbackSuccess/Failure/
 * Heartbeat` ({@link handleCallback}). Only the stack's own SDK calls are served ({@link foreignRequest}); anything else,
 * a browser's request above all, gets 403.
 */
export function createLambdaInvokeServer(runner: FunctionRunner): Server {
  return createServer((request, response) => {
    handle(runner, request, response).catch((error: unknown) => {
      if (!response.headersSent) lambdaError(response, 500, 'ServiceException', String(error));
    });
  });
}

async function handle(runner: FunctionRunner, request: IncomingMessage, response: ServerResponse) {
  const foreign = foreignRequest(request);
  if (foreign) {
    request.resume();
    response.setHeader('connection', 'close');
    return lambdaError(response, 403, 'AccessDeniedException', foreign);
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const callback = CALLBACK_PATH.exec(url.pathname);
  if (request.method === 'POST' && callback) {
    return handleCallback(runner.callbacks, callback, request, response, lambdaError);
  }
  const match = INVOKE_PATH.exec(url.pathname);
  if (request.method !== 'POST' || !match?.[1]) {
    request.resume();
    return lambdaError(
      response,
      404,
      'UnknownOperationException',
      'Only Invoke and the durable callbacks (SendDurableExecutionCallback*) are served locally.',
    );
  }
  const name = functionNameOf(decodeURIComponent(match[1]));
  if (!FunctionRunner.isFunctionName(name)) {
    request.resume();
    return lambdaError(response, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
  }
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const limit = invocationType === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD;
  let payload: Buffer;
  try {
    payload = await readBody(request, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      response.setHeader('connection', 'close');
      return lambdaError(response, 413, 'RequestTooLargeException', error.message);
    }
    throw error;
  }
  let event: unknown;
  try {
    event = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'));
  } catch {
    return lambdaError(
      response,
      400,
      'InvalidRequestContentException',
      'Could not parse request body into json',
    );
  }

  const executionName = request.headers['x-amz-durable-execution-name'];
  switch (invocationType) {
    case 'Event': {
      let arn: string | undefined;
      try {
        arn = await runner.invokeAsync(
          name,
          event,
          typeof executionName === 'string' ? executionName : undefined,
        );
      } catch (error) {
        if (error instanceof DurableExecutionAlreadyStartedError) {
          return lambdaError(response, 409, error.name, error.message);
        }
        throw error;
      }
      response.writeHead(202, {
        'x-amzn-requestid': crypto.randomUUID(),
        ...(arn ? { 'x-amz-durable-execution-arn': arn } : {}),
      });
      response.end();
      return;
    }
    case 'DryRun':
      response.writeHead(204);
      response.end();
      return;
    case 'RequestResponse': {
      const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
      try {
        const result = await runner.invoke(name, event);
        response.writeHead(200, headers);
        response.end(result === undefined ? 'null' : JSON.stringify(result));
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        response.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
        response.end(JSON.stringify({ errorType: failure.name, errorMessage: failure.message }));
      }
      return;
    }
    default:
      return lambdaError(
        response,
        400,
        'InvalidParameterValueException',
        `Unknown invocation type ${invocationType}`,
      );
  }
}

function lambdaError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  response.end(JSON.stringify({ __type: type, Type: 'User', message, Message: message }));
}
