import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoredOperation } from './durable-operations.ts';

/** What an execution is, written once as the first line of its log. */
export interface ExecutionHeader {
  arn: string;
  functionName: string;
  name: string;
  /** The input payload, as the execution's EXECUTION operation carries it. */
  payload: string;
  startedAt: string;
}

/** An execution read back from its log: its header and the newest state of each operation. */
export interface StoredExecution {
  header: ExecutionHeader;
  operations: Map<string, StoredOperation>;
}

/**
 * The durable executions of the local stack, kept under `DATA_DIR/durable-executions/`: one
 * append-only log per execution (`running/<function>.<name>.ndjson` while it runs, moved to
 * `done/` when it ends). The first line is the {@link ExecutionHeader}; each further line holds
 * the operations one checkpoint (or a timer, or a callback) changed, whole, so the newest line
 * naming an operation is its state. A SIGKILL can cut only the last line: reading drops it (the
 * checkpoint it held was never acknowledged) and cuts the file back to its last whole line.
 */
export class DurableExecutionStore {
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  /** Creates the log of a new execution (written whole, then renamed into place). */
  async create(header: ExecutionHeader, operations: StoredOperation[]): Promise<void> {
    await mkdir(path.join(this.dir, 'running'), { recursive: true });
    const file = this.file('running', header);
    const temporary = `${file}.${randomUUID()}.partial`;
    await writeFile(temporary, `${JSON.stringify(header)}\n${JSON.stringify({ ops: operations })}\n`);
    await rename(temporary, file);
  }

  /** Appends the operations a change touched; resolves once they are in the file. */
  append(header: ExecutionHeader, operations: StoredOperation[]): Promise<void> {
    const file = this.file('running', header);
    const previous = this.writes.get(file) ?? Promise.resolve();
    const write = previous.then(() => appendFile(file, `${JSON.stringify({ ops: operations })}\n`));
    this.writes.set(
      file,
      write.catch(() => undefined),
    );
    return write;
  }

  /** Moves an ended execution's log to `done/` (after its last state was appended). */
  async finish(header: ExecutionHeader): Promise<void> {
    const file = this.file('running', header);
    await this.writes.get(file);
    this.writes.delete(file);
    await mkdir(path.join(this.dir, 'done'), { recursive: true });
    await rename(file, this.file('done', header));
  }

  /** Every execution still running when the previous process stopped (or was killed). */
  async running(): Promise<StoredExecution[]> {
    const dir = path.join(this.dir, 'running');
    const names = await readdir(dir).catch(() => [] as string[]);
    const executions: StoredExecution[] = [];
    for (const name of names) {
      if (name.endsWith('.partial')) {
        await rm(path.join(dir, name), { force: true });
        continue;
      }
      const execution = await readLog(path.join(dir, name));
      if (execution) executions.push(execution);
    }
    return executions;
  }

  /** The execution of `functionName` named `name`, running or done, if there is one. */
  async find(functionName: string, name: string): Promise<StoredExecution | undefined> {
    for (const state of ['running', 'done'] as const) {
      const execution = await readLog(this.file(state, { functionName, name })).catch(() => undefined);
      if (execution) return execution;
    }
    return undefined;
  }

  private file(state: 'running' | 'done', header: Pick<ExecutionHeader, 'functionName' | 'name'>): string {
    return path.join(this.dir, state, `${header.functionName}.${encodeURIComponent(header.name)}.ndjson`);
  }
}

/** Reads a log; a line cut by a kill at its end is dropped and cut from the file. */
async function readLog(file: string): Promise<StoredExecution | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  if (whole.length < text.length) await truncate(file, Buffer.byteLength(whole));
  const lines = whole.split('\n').filter((line) => line.length > 0);
  const [first, ...rest] = lines;
  if (first === undefined) {
    // Killed before the header was whole: nothing was acknowledged for it.
    await rm(file, { force: true });
    return undefined;
  }
  const header = JSON.parse(first) as ExecutionHeader;
  const operations = new Map<string, StoredOperation>();
  for (const line of rest) {
    for (const stored of (JSON.parse(line) as { ops: StoredOperation[] }).ops) {
      if (stored.op.Id) operations.set(stored.op.Id, stored);
    }
  }
  return { header, operations };
}
