import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '#infra/bundle-function.ts';
import { PROJECT_ROOT } from '#infra/service-functions.ts';

// The scoring pool starts its workers from `import.meta.url`: inside a bundle, the bundle itself.
describe('scoring threads inside the Lambda bundles', () => {
  let dir: string;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'partner-scoring-threads-'));
    await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    process.env = savedEnv;
    await rm(dir, { recursive: true, force: true });
  });

  it('scores on two threads from a bundle built as the functions are, with the one-thread bytes', async () => {
    const { file } = await bundleFunction('rescore', {
      outdir: path.join(dir, 'entry'),
      write: true,
      entry: path.join(import.meta.dirname, 'fixtures', 'threaded-scoring-entry.ts'),
    });
    const { handler } = (await import(file)) as {
      handler: (partners: number) => Promise<{ workers: number; same: boolean; top: string }>;
    };
    const result = await handler(5000);
    expect(result).toEqual({ workers: 1, same: true, top: expect.stringMatching(/^p\d+$/) });
  }, 60_000);

  it.each(['rescore', 'preview-api'] as const)(
    'the %s bundle answers a kernel task when started as a scoring worker',
    async (name) => {
      Object.assign(process.env, {
        AWS_REGION: 'us-east-1',
        TABLE_NAME: 'partners',
        BUCKET_NAME: 'partner-imports',
        CURSOR_SECRET: 'a-cursor-secret-of-enough-length',
      });
      const { file } = await bundleFunction(name, { outdir: path.join(dir, name), write: true });
      const worker = new Worker(file, { workerData: { partnerScoringWorker: true }, env: process.env });
      try {
        const values = new Float64Array(new SharedArrayBuffer(8 * 6));
        values.set([3, -1, 2, 2, Number.NaN, 0]);
        const order = new Uint32Array(new SharedArrayBuffer(4 * 6));
        const sorted = new Float64Array(new SharedArrayBuffer(8 * 6));
        const reply = await new Promise<unknown>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage({
            id: 7,
            kernel: 'sortRange',
            args: { values, descending: true, order, sorted },
            ranges: [[0, 6]],
          });
        });
        expect(reply).toEqual({ id: 7, results: [undefined] });
        // The worker wrote the shared arrays: NaN first descending, ties in input order.
        expect(Array.from(order)).toEqual([4, 0, 2, 3, 5, 1]);
      } finally {
        await worker.terminate();
      }
    },
    60_000,
  );
});
