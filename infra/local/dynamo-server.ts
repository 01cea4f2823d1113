import { Worker } from 'node:worker_threads';

/** dynalite running on its own thread: its endpoint, and how to stop it. */
export interface DynamoServer {
  port: number;
  /** Closes the server (dynalite then closes its LevelDB store) and ends the thread. */
  close(): Promise<void>;
}

type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'error'; code?: string; message: string }
  | { type: 'closed' };

// Plain CommonJS, evaluated by the worker: the tsx loader does not reach worker threads on Node 20.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');
const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => parentPort.postMessage({ type: 'error', code: error.code, message: error.message }));
server.listen(workerData.port, workerData.host, () =>
  parentPort.postMessage({ type: 'listening', port: server.address().port }),
);
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ type: 'closed' }));
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
          new Promise<void>((closed) => {
            worker.once('exit', () => closed());
            worker.on('message', (reply: FromWorker) => {
              if (reply.type === 'closed') void worker.terminate();
            });
            worker.postMessage('close');
          }),
      });
    });
  });
}
