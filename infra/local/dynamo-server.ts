import { Worker } from 'node:worker_threads';

/** dynalite running on its own thread: its endpoint, and how to stop it. */
export interface DynamoServer {
  port: number;
  /**
   * Closes the server (dynalite then closes its LevelDB store) and ends the thread; resolves with
   * the data-plane calls it served and how many of them it throttled.
   */
  close(): Promise<ThrottleStats>;
}

/** Data-plane calls the server received, and how many it answered with a `ThrottlingException`. */
export interface ThrottleStats {
  calls: number;
  throttled: number;
}

type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'error'; code?: string; message: string }
  | ({ type: 'closed' } & ThrottleStats);

// Plain CommonJS, evaluated by the worker: the tsx loader does not reach worker threads on Node 20.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');
const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const stats = { calls: 0, throttled: 0 };
if (workerData.throttlePercent > 0) {
  // Injected throttling: a share of the data-plane calls is refused before dynalite sees it, with
  // the response DynamoDB sends (HTTP 400, ThrottlingException), so the SDK's own retries apply.
  const dataPlane = /^DynamoDB_20120810.(GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|BatchGetItem|BatchWriteItem|TransactGetItems|TransactWriteItems)$/;
  const [dynaliteHandler] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (request, response) => {
    if (!dataPlane.test(request.headers['x-amz-target'] ?? '')) return dynaliteHandler(request, response);
    stats.calls++;
    if (Math.random() * 100 >= workerData.throttlePercent) return dynaliteHandler(request, response);
    stats.throttled++;
    request.resume();
    request.on('end', () => {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': require('node:crypto').randomUUID() });
      response.end(JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
        message: 'Throughput exceeds the current capacity of your table or index (injected by DYNAMODB_THROTTLE_PERCENT).',
      }));
    });
  });
}
server.once('error', (error) => parentPort.postMessage({ type: 'error', code: error.code, message: error.message }));
server.listen(workerData.port, workerData.host, () =>
  parentPort.postMessage({ type: 'listening', port: server.address().port }),
);
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ type: 'closed', ...stats }));
});
`;

/**
 * Starts dynalite (data in LevelDB under `path`) on a worker thread of this process, so the
 * DynamoDB-API server gets its own event loop (and core) instead of sharing one with the HTTP API and
 * the handlers, and still dies with the process (a SIGKILL leaves no server behind holding the store).
 */
export function startDynamoServer(options: {
  path: string;
  port: number;
  host: string;
  /** Share (0-100) of data-plane calls answered with a `ThrottlingException` instead of served. */
  throttlePercent?: number;
}): Promise<DynamoServer> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: options });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) =>
      reject(new Error(`the DynamoDB-API server thread exited with code ${code}`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: FromWorker) => {
      worker.off('exit', onExit);
      if (message.type !== 'listening') {
        const error = Object.assign(new Error(message.type === 'error' ? message.message : 'closed'), {
          code: message.type === 'error' ? message.code : undefined,
          port: options.port,
        });
        void worker.terminate();
        reject(error);
        return;
      }
      resolve({
        port: message.port,
        close: () =>
          new Promise<ThrottleStats>((closed) => {
            const stats: ThrottleStats = { calls: 0, throttled: 0 };
            worker.once('exit', () => closed(stats));
            worker.on('message', (reply: FromWorker) => {
              if (reply.type !== 'closed') return;
              stats.calls = reply.calls;
              stats.throttled = reply.throttled;
              void worker.terminate();
            });
            worker.postMessage('close');
          }),
      });
    });
  });
}
