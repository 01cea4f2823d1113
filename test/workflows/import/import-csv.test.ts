import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { importIdFromKey } from '#core/imports/import-keys.ts';
import type { ImportStart } from '#core/imports/import-state.ts';
import { PARTNER_SHARDS } from '#core/keys.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import type { PartnerRecord, PartnerUpsert, UpsertOutcome } from '#core/ports.ts';
import {
  type ImportEvent,
  runImportWorkflow,
  unfinishedImports,
  type WorkflowSteps,
} from '#functions/import-csv/handler.ts';
import { stopDurableRunner } from '#test/support/durable.ts';
import { s3Event } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { importHarness } from './import-harness.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await stopDurableRunner();
  await servers.stop();
});

async function allPartners(store: DynamoPartnerStore): Promise<PartnerRecord[]> {
  const all: PartnerRecord[] = [];
  for (let shard = 0; shard < PARTNER_SHARDS; shard++) {
    for await (const page of store.readShard(shard)) all.push(...page);
  }
  return all;
}

/** A partner store that counts the rows it is asked to write (to see a file applied once). */
class CountingPartnerStore extends DynamoPartnerStore {
  rowsWritten = 0;
  /** Calls after which `failures` calls in a row fail. */
  failAfterCalls: number | null = null;
  failures = 1;
  /** Calls after which every call hangs for good (the process died). */
  hangAfterCalls: number | null = null;
  calls = 0;
  override async upsert(items: readonly PartnerUpsert[]): Promise<UpsertOutcome[]> {
    this.calls++;
    if (this.hangAfterCalls !== null && this.calls > this.hangAfterCalls) return new Promise(() => {});
    if (this.failAfterCalls !== null && this.calls > this.failAfterCalls) {
      if (--this.failures <= 0) this.failAfterCalls = null;
      throw new Error('simulated crash of the worker');
    }
    this.rowsWritten += items.length;
    return super.upsert(items);
  }
}

describe('import-csv: CSV rules (contract §4)', () => {
  it('imports a comma file, matches headers by name and requests a rescore', async () => {
    const h = await importHarness(servers);
    await h.importFile(
      'imports/simple.csv',
      'ID,Name,SALES,Communication Frequency\na,Alpha,10,3\nb,Beta,20,\n',
    );
    expect(await h.imports.get('simple')).toMatchObject({
      status: 'completed',
      rowsTotal: 2,
      rowsImported: 2,
      rowsRejected: 0,
      errors: [],
      errorReportKey: null,
    });
    expect(await h.partners.get('a')).toMatchObject({
      name: 'Alpha',
      metrics: { sales: 10, communicationfrequency: 3 },
    });
    expect((await h.partners.get('b'))?.metrics).toEqual({ sales: 20 });
    expect(h.rescoreRequests).toEqual(['import']);
  });

  for (const [label, nl] of [
    ['CRLF', '\r\n'],
    ['LF', '\n'],
  ] as const) {
    it(`reports physical line numbers with a BOM, ${label}, quoted line breaks and blank lines`, async () => {
      const h = await importHarness(servers);
      const csv = [
        '\uFEFFid,name,sales',
        'a,"Alpha',
        'Corp",1',
        'b,Beta,12abc',
        '',
        'c,Gamma,"1,000"',
        'd,"Multi',
        'line',
        'name",NaN',
        'e,Eps,1e3',
        '',
      ].join(nl);
      await h.importFile('imports/lines.csv', csv);
      const record = await h.imports.get('lines');
      expect(record).toMatchObject({ status: 'completed', rowsTotal: 5, rowsImported: 2, rowsRejected: 3 });
      expect(record?.errors.map((e) => [e.line, e.column])).toEqual([
        [4, 'sales'],
        [6, 'sales'],
        [7, 'sales'],
      ]);
      expect(await h.partners.get('a')).toMatchObject({ name: `Alpha${nl}Corp`, metrics: { sales: 1 } });
      expect((await h.partners.get('e'))?.metrics).toEqual({ sales: 1000 });
      expect(await h.partners.get('b')).toBeNull();
    });
  }

  it('detects semicolon and tab delimiters from the header', async () => {
    const h = await importHarness(servers);
    await h.importFile('imports/semi.csv', 'id;sales;reputation\ns1;1.5;2\n');
    await h.importFile('imports/tab.csv', 'id\tsales\treputation\nt1\t3\t-4\n');
    expect((await h.partners.get('s1'))?.metrics).toEqual({ sales: 1.5, reputation: 2 });
    expect((await h.partners.get('t1'))?.metrics).toEqual({ sales: 3, reputation: -4 });
    expect(await h.imports.get('semi')).toMatchObject({ rowsImported: 1, rowsRejected: 0 });
  });

  it('accepts only plain decimal numbers and rejects the whole row otherwise', async () => {
    const h = await importHarness(servers);
    const good = [' 42 ', '-1.5e-3', '+.5', '7.', '0'];
    const bad = ['12abc', 'NaN', '1,000', 'Inf', 'Infinity', '0x10', '1e999', '1 000', '--1'];
    const rows = [...good, ...bad].map((value, i) => `p${i},"${value}",1`);
    await h.importFile('imports/numbers.csv', `id,sales,reputation\n${rows.join('\n')}\n`);
    const record = await h.imports.get('numbers');
    expect(record).toMatchObject({ rowsTotal: 14, rowsImported: good.length, rowsRejected: bad.length });
    expect((await h.partners.get('p0'))?.metrics.sales).toBe(42);
    expect((await h.partners.get('p1'))?.metrics.sales).toBe(-0.0015);
    expect((await h.partners.get('p2'))?.metrics.sales).toBe(0.5);
    for (let i = good.length; i < rows.length; i++) expect(await h.partners.get(`p${i}`)).toBeNull();
    expect(record?.errors[0]).toEqual({
      line: 7,
      column: 'sales',
      message: '"12abc" is not a plain decimal number',
    });
  });

  it('rejects ragged rows, over-long fields and bad ids, and imports every good row', async () => {
    const h = await importHarness(servers);
    const csv = [
      'id,name,sales',
      'ok1,One,1',
      'short,Two',
      'long,Three,3,extra',
      `big,${'x'.repeat(1001)},4`,
      `edge,${'y'.repeat(256)},5`,
      `${'i'.repeat(129)},Too long id,6`,
      ',No id,7',
      'ok2,,8',
    ].join('\n');
    await h.importFile('imports/ragged.csv', csv);
    const record = await h.imports.get('ragged');
    expect(record).toMatchObject({ rowsTotal: 8, rowsImported: 3, rowsRejected: 5 });
    expect(record?.errors.map((e) => [e.line, e.column])).toEqual([
      [3, null],
      [4, null],
      [5, 'name'],
      [7, 'id'],
      [8, 'id'],
    ]);
    expect(record?.errors[0]?.message).toBe('expected 3 fields as in the header, found 2');
    expect((await h.partners.get('edge'))?.name).toHaveLength(256);
    expect(await h.partners.get('ok2')).toMatchObject({ name: 'ok2', metrics: { sales: 8 } });
  });

  it('lets the later row of a duplicate id win, with a warning, counting both as imported', async () => {
    const h = await importHarness(servers, { options: { stepRows: 3, writeRows: 2 } });
    await h.importFile('imports/dups.csv', 'id,sales\nd,1\nx,5\ny,6\nd,2\nd,3\n');
    const record = await h.imports.get('dups');
    expect(record).toMatchObject({ rowsTotal: 5, rowsImported: 5, rowsRejected: 0 });
    expect(record?.warnings).toEqual([
      'line 5: partner "d" appears earlier in the file; this later row wins',
      'line 6: partner "d" appears earlier in the file; this later row wins',
    ]);
    expect((await h.partners.get('d'))?.metrics).toEqual({ sales: 3 });
  });

  it('ignores unknown columns with a warning and uses name as the id when there is no id column', async () => {
    const h = await importHarness(servers);
    await h.importFile('imports/names.csv', 'Name,Region,Colour,sales,,Type\nAcme,EU,red,9,z,Reseller\n');
    const record = await h.imports.get('names');
    expect(record?.warnings).toEqual([
      'column "Colour" is not a partner field or a metric of the active model and was ignored',
      'column 5 has no name and was ignored',
    ]);
    expect(await h.partners.get('Acme')).toMatchObject({
      name: 'Acme',
      region: 'EU',
      type: 'Reseller',
      metrics: { sales: 9 },
    });
  });

  it('leaves values of empty cells as they were and merges with stored data', async () => {
    const h = await importHarness(servers);
    await h.partners.upsert([
      {
        id: 'm',
        name: 'Kept',
        region: 'EU',
        metrics: { sales: 5, reputation: 7 },
        asOf: '2020-01-01T00:00:00.000Z',
      },
    ]);
    await h.importFile('imports/merge.csv', 'id,name,region,sales,reputation\nm,,,,8\n');
    expect(await h.partners.get('m')).toMatchObject({
      name: 'Kept',
      region: 'EU',
      metrics: { sales: 5, reputation: 8 },
    });
  });

  it('does not apply a row whose asOf is older than the stored one', async () => {
    const h = await importHarness(servers);
    await h.partners.upsert([{ id: 's', metrics: { sales: 5 }, asOf: '2024-06-01T00:00:00.000Z' }]);
    await h.importFile(
      'imports/stale.csv',
      'id,sales,asOf\ns,1,2024-05-01\nt,2,2024-05-01T10:00:00+02:00\nu,3,yesterday\n',
    );
    const record = await h.imports.get('stale');
    expect(record).toMatchObject({ rowsTotal: 3, rowsImported: 1, rowsRejected: 2 });
    expect(record?.errors.map((e) => [e.line, e.column])).toEqual([
      [4, 'asOf'],
      [2, 'asOf'],
    ]);
    expect((await h.partners.get('s'))?.metrics).toEqual({ sales: 5 });
    expect((await h.partners.get('t'))?.asOf).toBe('2024-05-01T08:00:00.000Z');
  });

  it('writes every rejected row to a formula-safe error report that does not itself trigger an import', async () => {
    const h = await importHarness(servers);
    await h.importFile('imports/report.csv', 'id,name,sales\n=cmd,@evil,x\nok,Fine,1\n+1,-minus,2abc\n');
    const record = await h.imports.get('report');
    expect(record?.errorReportKey).toBe('imports/report.errors.csv');
    const report = await h.readObject('imports/report.errors.csv');
    expect(report.trim().split('\n')).toEqual([
      'line,column,error,id,name,sales',
      `2,sales,"""x"" is not a plain decimal number",'=cmd,'@evil,x`,
      `4,sales,"""2abc"" is not a plain decimal number",'+1,'-minus,2abc`,
    ]);
    const skipped = await h.invoke(await h.upload('imports/report.errors.csv', report));
    expect(skipped.result.getResult()).toEqual([]);
    expect(await h.imports.get('report.errors')).toBeNull();
  });

  it('fails a file without a usable header, or not in UTF-8, with a clear error', async () => {
    const h = await importHarness(servers);
    await h.importFile('imports/empty.csv', '');
    await h.importFile('imports/noid.csv', 'sales,reputation\n1,2\n');
    await h.importFile('imports/latin1.csv', Buffer.from('id,r\xe9gion\na,b\n', 'latin1'));
    expect(await h.imports.get('empty')).toMatchObject({
      status: 'failed',
      errors: [{ line: 1, column: null }],
    });
    expect((await h.imports.get('noid'))?.errors[0]?.message).toMatch(/no id, partnerId or name column/);
    expect((await h.imports.get('latin1'))?.errors[0]?.message).toMatch(/not valid UTF-8/);
    expect(h.rescoreRequests).toEqual([]);
  });

  it('derives the import id of a plain upload from its key, and of any other key from its exact spelling', async () => {
    const h = await importHarness(servers);
    await h.importFile('imports/partners-2024.csv', 'id,sales\nk,1\n');
    expect(await h.imports.get('partners-2024')).toMatchObject({ status: 'completed', rowsImported: 1 });
    await h.importFile('imports/May 2024 (final).csv', 'id,sales\nk,1\n');
    const importId = importIdFromKey('imports/May 2024 (final).csv');
    expect(importId).toMatch(/^May_2024__final_~[0-9a-f]{20}$/);
    expect(await h.imports.get(importId)).toMatchObject({ status: 'completed', rowsImported: 1 });
    const { status, body } = await h.call('GET /imports/{importId}', { pathParameters: { importId } });
    expect([status, body.importId]).toEqual([200, importId]);
  });
});

describe('import-csv: the file size limit, however the file arrives', () => {
  it('a file over the limit, through the upload URL or straight into the bucket, ends failed with the reason and imports nothing', async () => {
    const h = await importHarness(servers, { options: { maxBytes: 1024 } });
    const big = `id,sales\n${Array.from({ length: 200 }, (_, i) => `big${i},${i}`).join('\n')}\n`;
    const reason = `the file is ${Buffer.byteLength(big)} bytes; the limit is 1024 bytes: split it into smaller files`;

    const created = await h.call<{ importId: string; uploadUrl: string; expiresAt: string }>('POST /imports');
    const { importId, uploadUrl, expiresAt } = created.body;
    // The upload URL is valid 5 minutes.
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    const upload = await fetch(uploadUrl, { method: 'PUT', body: big });
    expect(upload.status).toBe(200);
    const eTag = (upload.headers.get('etag') ?? '').replaceAll('"', '');
    await h.invoke(s3Event({ bucket: h.bucket, key: `imports/${importId}.csv`, eTag }));
    await h.importFile('imports/straight-in.csv', big);

    for (const id of [importId, 'straight-in']) {
      const { body } = await h.call('GET /imports/{importId}', { pathParameters: { importId: id } });
      expect(body).toMatchObject({
        status: 'failed',
        rowsTotal: 0,
        rowsImported: 0,
        errors: [{ line: 0, column: null, message: reason }],
      });
    }
    expect(await h.partners.get('big0')).toBeNull();
    expect(h.rescoreRequests).toEqual([]);
    // At the limit, a file is imported.
    const small = 'id,sales\nsmall,1\n';
    const limited = await importHarness(servers, { options: { maxBytes: Buffer.byteLength(small) } });
    await limited.importFile('imports/small.csv', small);
    expect(await limited.imports.get('small')).toMatchObject({ status: 'completed', rowsImported: 1 });
  });
});

describe('import-csv: one import per object version, in order (contract §4, §7)', () => {
  const csv = `id,sales\n${Array.from({ length: 50 }, (_, i) => `r${i},${i}`).join('\n')}\n`;

  it('applies the same S3 event once when it is delivered twice', async () => {
    let counting = null as unknown as CountingPartnerStore;
    const h = await importHarness(servers, {
      partners: (client, table) => {
        counting = new CountingPartnerStore(client, table);
        return counting;
      },
    });
    const event = await h.upload('imports/twice.csv', csv);
    expect((await h.invoke(event)).result.getResult()).toEqual(['completed']);
    expect((await h.invoke(event)).result.getResult()).toEqual(['duplicate']);
    expect(counting.rowsWritten).toBe(50);
    expect(await h.imports.get('twice')).toMatchObject({ status: 'completed', rowsImported: 50 });
    expect(h.rescoreRequests).toHaveLength(1);
  });

  it('applies it once when three deliveries run at the same time', async () => {
    let counting = null as unknown as CountingPartnerStore;
    const h = await importHarness(servers, {
      partners: (client, table) => {
        counting = new CountingPartnerStore(client, table);
        return counting;
      },
      options: { stepRows: 5, writeRows: 5 },
    });
    const event = await h.upload('imports/concurrent.csv', csv);
    const outcomes = await Promise.all([h.invoke(event), h.invoke(event), h.invoke(event)]);
    expect(outcomes.flatMap((o) => o.result.getResult() ?? []).sort()).toEqual([
      'completed',
      'duplicate',
      'duplicate',
    ]);
    expect(counting.rowsWritten).toBe(50);
    expect(await h.imports.get('concurrent')).toMatchObject({ status: 'completed', rowsImported: 50 });
  });

  it('imports a new version of the same key again', async () => {
    const h = await importHarness(servers);
    await h.importFile('imports/versioned.csv', 'id,sales\nv,1\n');
    await h.importFile('imports/versioned.csv', 'id,sales\nv,2\nw,3\n');
    expect(await h.imports.get('versioned')).toMatchObject({
      status: 'completed',
      rowsTotal: 2,
      rowsImported: 2,
    });
    expect((await h.partners.get('v'))?.metrics.sales).toBe(2);
  });

  it("an older version's late event after a newer upload does nothing: the newer import completes", async () => {
    const h = await importHarness(servers);
    const older = await h.upload('imports/order.csv', 'id,sales\nold,1\n');
    const newer = await h.upload('imports/order.csv', 'id,sales\nnew,2\nnewer,3\n');
    expect((await h.invoke(newer)).result.getResult()).toEqual(['completed']);
    expect((await h.invoke(older)).result.getResult()).toEqual(['older']);
    expect(await h.imports.get('order')).toMatchObject({ status: 'completed', rowsImported: 2 });
    expect(await h.partners.get('old')).toBeNull();
  });

  it('a newer upload takes over an import in progress; the older execution stops at its next chunk', async () => {
    const h = await importHarness(servers, { options: { stepRows: 10, writeRows: 10 } });
    const older = await h.upload('imports/takeover.csv', csv);
    const olderStart = startOf(older);
    // The newer upload arrives, and is imported, while the older import is between two chunks.
    const steps: WorkflowSteps = {
      executionId: 'older-execution',
      step: async (name, run) => {
        if (name === 'rows-1') {
          expect((await h.importFile('imports/takeover.csv', 'id,sales\nz,1\n')).status).toBe('SUCCEEDED');
        }
        return run();
      },
    };
    expect(await runImportWorkflow(olderStart, steps, h.deps)).toBe('superseded');
    expect(await h.imports.get('takeover')).toMatchObject({
      status: 'completed',
      rowsTotal: 1,
      rowsImported: 1,
    });
  });
});

describe('import-csv: two object keys are two imports, whatever their spelling (contract §7)', () => {
  // Over 200 characters, differing only after them (in folders: s3rver stores a key as a path).
  const long = `${'d'.repeat(100)}/${'e'.repeat(110)}`;
  const pairs: [string, string][] = [
    ['imports/x.csv', 'imports/x.CSV'],
    ['imports/a b.csv', 'imports/a_b.csv'],
    [`imports/${long}/first.csv`, `imports/${long}/second.csv`],
  ];
  const file = (prefix: string) =>
    `id,sales\n${Array.from({ length: 50 }, (_, i) => `${prefix}${i},${i}`).join('\n')}\n`;

  it.each(pairs)(
    '%s and its look-alike, uploaded while the first is mid-file, both complete with every row',
    async (first, second) => {
      const h = await importHarness(servers, { options: { stepRows: 10, writeRows: 10 } });
      expect(importIdFromKey(first)).not.toBe(importIdFromKey(second));
      const firstEvent = await h.upload(first, file('one-'));
      // The second key is uploaded, and imported, while the first import is between two chunks.
      const steps: WorkflowSteps = {
        executionId: 'first-execution',
        step: async (name, run) => {
          if (name === 'rows-2') expect((await h.importFile(second, file('two-'))).status).toBe('SUCCEEDED');
          return run();
        },
      };
      expect(await runImportWorkflow(startOf(firstEvent), steps, h.deps)).toBe('completed');
      for (const key of [first, second]) {
        expect(await h.imports.get(importIdFromKey(key))).toMatchObject({
          status: 'completed',
          key,
          rowsTotal: 50,
          rowsImported: 50,
        });
      }
      const ids = new Set((await allPartners(h.partners)).map((p) => p.id));
      expect(ids.size).toBe(100);
      const { body } = await h.call<{ items: { importId: string; status: string }[] }>('GET /imports');
      expect(body.items.map((item) => item.importId).sort()).toEqual(
        [importIdFromKey(first), importIdFromKey(second)].sort(),
      );
    },
  );
});

describe('import-csv: a durable workflow (steps, retries, replay, resume)', () => {
  const csv = `id,sales\n${Array.from({ length: 50 }, (_, i) => `r${i},${i}`).join('\n')}\nbad,zz\n`;

  it('runs the upload’s audit record, claim, one step per chunk of rows, the run request and finish, each once', async () => {
    const h = await importHarness(servers, { options: { stepRows: 20, writeRows: 7 } });
    const { result } = await h.importFile('imports/steps.csv', csv);
    expect(result.getOperations().map((op) => [op.getName(), op.getStatus()])).toEqual(
      ['audit-upload', 'claim', 'rows-0', 'rows-1', 'rows-2', 'request-run', 'finish'].map((name) => [
        name,
        'SUCCEEDED',
      ]),
    );
    expect(await h.imports.get('steps')).toMatchObject({
      status: 'completed',
      rowsTotal: 51,
      rowsImported: 50,
      rowsRejected: 1,
      chunks: 3,
    });
  });

  it('retries a chunk that fails twice, replaying the completed steps, and counts every row once', async () => {
    let counting = null as unknown as CountingPartnerStore;
    const h = await importHarness(servers, {
      partners: (client, table) => {
        counting = new CountingPartnerStore(client, table);
        return counting;
      },
      options: { stepRows: 20, writeRows: 10 },
    });
    counting.failAfterCalls = 3; // the second write of chunk 1 fails…
    counting.failures = 2; // …and its first retry too
    const { runner, result } = await h.importFile('imports/retried.csv', csv);
    expect(result.getStatus()).toBe('SUCCEEDED');
    expect(runner.getOperation('rows-1').getStepDetails()?.attempt).toBe(3);
    // The retries waited, so the execution was suspended and replayed from the completed steps.
    expect(result.getInvocations().length).toBeGreaterThan(1);
    expect(await h.imports.get('retried')).toMatchObject({
      status: 'completed',
      rowsTotal: 51,
      rowsImported: 50,
      rowsRejected: 1,
    });
    // Chunk 1's first write (10 rows) went through before the failure and was written again.
    expect(counting.rowsWritten).toBe(60);
    expect(h.rescoreRequests).toEqual(['import']);
  }, 30_000);

  it('ends the import failed with the reason when a chunk still fails after its retries', async () => {
    let counting = null as unknown as CountingPartnerStore;
    const h = await importHarness(servers, {
      partners: (client, table) => {
        counting = new CountingPartnerStore(client, table);
        return counting;
      },
      options: { stepRows: 20, writeRows: 20 },
      retry: { maxAttempts: 2 },
    });
    counting.failAfterCalls = 1;
    counting.failures = 99;
    await expect(h.importFile('imports/broken.csv', csv)).rejects.toThrow(/FAILED: simulated crash/);
    const record = await h.imports.get('broken');
    expect(record).toMatchObject({ status: 'failed', rowsTotal: 20, rowsImported: 20 });
    expect(record?.errors[0]).toEqual({
      line: 22,
      column: null,
      message: expect.stringMatching(/^the import stopped at this line .*simulated crash/),
    });
  }, 30_000);

  it('a new execution takes over an import whose execution died, from its last committed chunk', async () => {
    let counting = null as unknown as CountingPartnerStore;
    const h = await importHarness(servers, {
      partners: (client, table) => {
        counting = new CountingPartnerStore(client, table);
        return counting;
      },
      options: { stepRows: 20, writeRows: 5 },
    });
    const event = await h.upload('imports/died.csv', csv);
    // The process dies in chunk 1 after two of its four writes (no error, no cleanup).
    counting.hangAfterCalls = 6;
    void runImportWorkflow(
      startOf(event),
      { executionId: 'died-execution', step: (_, run) => run() },
      h.deps,
    );
    await until(async () => counting.calls > 6);
    counting.hangAfterCalls = null;
    const record = await h.imports.get('died');
    expect(record).toMatchObject({ status: 'processing', chunks: 1, rowsTotal: 20 });

    const [resume] = await unfinishedImports(h.deps, h.bucket);
    expect(resume?.payload).toMatchObject({ importResume: { resumeOf: record?.owner } });
    await h.invoke(resume?.payload as ImportEvent);
    expect(await h.imports.get('died')).toMatchObject({
      status: 'completed',
      rowsTotal: 51,
      rowsImported: 50,
      rowsRejected: 1,
      chunks: 3,
    });
    // Chunk 1's first 10 rows were written twice (by the dead execution and the new one), the rest once.
    expect(counting.rowsWritten).toBe(60);
  });

  it('at start, an upload whose notification was never handled gets the event S3 would have sent', async () => {
    const h = await importHarness(servers);
    await h.upload('imports/unnotified.csv', 'id,sales\nu,1\n');
    await h.importFile('imports/done.csv', 'id,sales\nd,1\n');
    const found = await unfinishedImports(h.deps, h.bucket);
    expect(found).toHaveLength(1);
    await h.invoke(found[0]?.payload as ImportEvent);
    expect(await h.imports.get('unnotified')).toMatchObject({ status: 'completed', rowsImported: 1 });
    expect(await unfinishedImports(h.deps, h.bucket)).toEqual([]);
  });

  it('maps the header once, with the model active when the import began: a model change mid-file changes nothing', async () => {
    const h = await importHarness(servers, { options: { stepRows: 10, writeRows: 10 } });
    const rows = Array.from({ length: 35 }, (_, i) => `m${i},${i},${i + 100}`);
    const event = await h.upload('imports/remodel.csv', `id,sales,loyalty\n${rows.join('\n')}\n`);
    // Between chunks 1 and 2 a model without `sales` and with `loyalty` becomes active.
    const { metrics, ...rest } = DEFAULT_MODEL;
    const remodelled = {
      ...rest,
      metrics: [
        ...metrics.filter((m) => m.name !== 'sales'),
        { ...(metrics[0] as (typeof metrics)[0]), name: 'loyalty' },
      ],
    };
    const steps: WorkflowSteps = {
      executionId: 'remodel-execution',
      step: async (name, run) => {
        if (name === 'rows-2') await h.models.activate(remodelled);
        return run();
      },
    };
    expect(await runImportWorkflow(startOf(event), steps, h.deps)).toBe('completed');
    expect(await h.imports.get('remodel')).toMatchObject({
      status: 'completed',
      rowsImported: 35,
      chunks: 4,
      warnings: ['column "loyalty" is not a partner field or a metric of the active model and was ignored'],
    });
    const stored = new Map((await allPartners(h.partners)).map((p) => [p.id, p.metrics]));
    expect(stored.size).toBe(35);
    for (const [i] of rows.entries()) expect(stored.get(`m${i}`)).toEqual({ sales: i });
  });

  it('keeps exact counts and line numbers across many small steps', async () => {
    const h = await importHarness(servers, { options: { stepRows: 7, writeRows: 3 } });
    const rows = Array.from({ length: 60 }, (_, i) =>
      i === 20 ? 'q,"quoted\nbreak",1' : `c${i},,${i % 13 === 5 ? 'x' : i}`,
    );
    rows.push('c3,,99'); // a duplicate in a later step
    const { result } = await h.importFile('imports/steps-many.csv', `id,name,sales\n${rows.join('\n')}\n`);
    const record = await h.imports.get('steps-many');
    const rejectedLines = rows
      .map((row, i) => ({ row, line: i + 2 + (i > 20 ? 1 : 0) }))
      .filter(({ row }) => row.endsWith(',x'))
      .map(({ line }) => line);
    expect(record).toMatchObject({
      status: 'completed',
      rowsTotal: 61,
      rowsImported: 61 - rejectedLines.length,
      rowsRejected: rejectedLines.length,
      warnings: ['line 63: partner "c3" appears earlier in the file; this later row wins'],
    });
    expect(record?.errors.map((e) => e.line)).toEqual(rejectedLines);
    expect(result.getOperations().filter((op) => op.getName()?.startsWith('rows-')).length).toBe(9);
    expect((await h.partners.get('c3'))?.metrics.sales).toBe(99);
    expect((await h.partners.get('q'))?.name).toBe('quoted\nbreak');
    const report = (await h.readObject('imports/steps-many.errors.csv')).trim().split('\n');
    expect(report.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(rejectedLines);
    // 60 distinct ids, minus the rejected rows' ids.
    expect((await allPartners(h.partners)).length).toBe(60 - rejectedLines.length);
  });
});

/** The import an S3 event starts (as the handler reads it). */
function startOf(event: S3Event): ImportStart {
  const record = event.Records[0] as S3Event['Records'][number];
  const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
  return {
    source: {
      importId: importIdFromKey(key),
      bucket: record.s3.bucket.name,
      key,
      etag: record.s3.object.eTag,
      sequencer: record.s3.object.sequencer,
      asOf: record.eventTime,
    },
  };
}

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(10);
  }
}
