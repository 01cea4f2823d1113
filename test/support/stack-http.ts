import { setTimeout as sleep } from 'node:timers/promises';

/** An answer of the local stack's HTTP API: its status and JSON body (`undefined` when empty). */
export interface StackAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON bodies
  body: any;
}

/** Calls the local stack's HTTP API at `apiUrl`, with a JSON body and a bearer token when given. */
export async function callStack(
  apiUrl: string,
  method: string,
  route: string,
  body?: unknown,
  token?: string,
): Promise<StackAnswer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${apiUrl}${route}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Starts a run (`POST /rescore`) and waits for it to complete; a run that ends otherwise throws. */
export async function rescoreAndWait(apiUrl: string, token?: string, timeoutMs = 60_000): Promise<string> {
  const started = await callStack(apiUrl, 'POST', '/rescore', undefined, token);
  if (started.status !== 202)
    throw new Error(`POST /rescore: ${started.status} ${JSON.stringify(started.body)}`);
  const runId: string = started.body.runId;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await callStack(apiUrl, 'GET', `/runs/${runId}`, undefined, token);
    if (run.body?.status === 'completed') return runId;
    if (run.status !== 200 || run.body.status !== 'running')
      throw new Error(`run ${runId}: ${run.status} ${JSON.stringify(run.body)}`);
    if (Date.now() > deadline) throw new Error(`run ${runId} still running after ${timeoutMs} ms`);
    await sleep(200);
  }
}
