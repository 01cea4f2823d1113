import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { createHandler as createIngestHandler } from '#functions/ingest-api.ts';
import { createHandler as createQueryHandler } from '#functions/query-api.ts';
import { ROUTES, type RouteKey, routeKey } from '#functions/routes.ts';
import { assertDocumentedResponse } from '#test/support/api-document.ts';
import { type HttpEventOptions, httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

/**
 * Adversarial input for every route (contract §3, rule "bad input"): each bad request is a 4xx
 * problem+json naming the failing path where the contract asks for one, never a 500, and nothing
 * is written by a rejected request.
 */

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
  errorsOmitted?: number;
}

let servers: LocalServers;
let h: Harness;
let ingest: ReturnType<typeof createIngestHandler>;
let query: ReturnType<typeof createQueryHandler>;

beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  await h.upsert(
    Array.from({ length: 12 }, (_, i) => ({
      id: `p-${i}`,
      region: i % 2 === 0 ? 'EU' : 'US',
      type: 'Reseller',
      metrics: { sales: i * 10, transactions: 12 - i, reputation: i % 4 },
    })),
  );
  await h.runNow();
  // Raw handlers on the same table, for events the harness's `call` cannot build (base64 bodies).
  const bucket = await servers.createBucket();
  const imports = new DynamoImportStore(h.client, h.table);
  const objects = new S3ObjectStore(servers.s3Client, bucket);
  const common = {
    partners: h.partners,
    models: h.models,
    runs: h.runs,
    imports,
    objects,
    worklist: h.worklist,
    quality: h.quality,
    audit: h.audit,
    now: Date.now,
  };
  ingest = createIngestHandler(() => ({ ...common, requester: h.requester }));
  query = createQueryHandler(() => ({
    ...common,
    rankings: h.rankings,
    signer: new HmacCursorSigner(async () => 'test-cursor-secret-0123456789'),
  }));
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

const call = <T = Problem>(route: RouteKey, init: HttpEventOptions = {}) => h.call<T>(route, init);

async function raw(fn: 'ingest' | 'query', event: APIGatewayProxyEventV2) {
  const handler = fn === 'ingest' ? ingest : query;
  const response = parseResponse<Problem>((await handler(event, lambdaContext())) ?? undefined);
  // Routes sent to the function that serves them must answer as documented (others are a 404 here).
  const served = ROUTES.some((route) => routeKey(route) === event.routeKey && route.function === `${fn}-api`);
  if (served) assertDocumentedResponse(event.routeKey, response);
  return response;
}

/** A 4xx problem+json with `status`; returns its paths. */
function expectProblem(
  response: { status: number; headers: Record<string, string>; body: unknown },
  status: number,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const body = response.body as Problem;
  expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(typeof body.type).toBe('string');
  return (body.errors ?? []).map((e) => e.path);
}

const known = 'sales, transactions, reputation, communicationFrequency, commonCustomers';

describe('POST /partners: body shapes, content types and sizes', () => {
  const notAnObject: [string, string][] = [
    ['null', 'null'],
    ['a string', '"p-1"'],
    ['an empty string literal', '""'],
    ['a number', '42'],
    ['a boolean', 'true'],
    ['an array', '[{"id":"x"}]'],
  ];
  for (const [label, body] of notAnObject) {
    it(`refuses JSON that is ${label} at path /`, async () => {
      expect(expectProblem(await call('POST /partners', { body }), 400)).toEqual(['/']);
    });
  }

  for (const body of ['{"id": "x",', '   ', '{id: "x"}', "{'id':'x'}", '{"id":"x"}}', '\u0000', 'NaN']) {
    it(`answers malformed JSON ${JSON.stringify(body)} with a 400`, async () => {
      expectProblem(await call('POST /partners', { body }), 400);
    });
  }

  it('accepts application/json with a charset parameter', async () => {
    const response = await call('POST /partners', {
      body: '{"id":"charset-ok"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(response.status).toBe(200);
  });

  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/csv', '']) {
    it(`answers content type ${JSON.stringify(type)} with 415 and writes nothing`, async () => {
      const response = await call('POST /partners', {
        body: '{"id":"wrong-type"}',
        headers: { 'content-type': type },
      });
      expectProblem(response, 415);
      expect((response.body as Problem).detail).toContain('application/json');
      expect(await h.partners.get('wrong-type')).toBeNull();
    });
  }

  it('answers a body just over 6 MB with 413, also base64-encoded, and a smaller one normally', async () => {
    const big = `{"id":"huge","name":"${'x'.repeat(6 * 1024 * 1024)}"}`;
    expectProblem(await call('POST /partners', { body: big }), 413);
    const event = httpEvent('POST /partners', { body: '{}' });
    const encoded = { ...event, body: Buffer.from(big).toString('base64'), isBase64Encoded: true };
    expectProblem(await raw('ingest', encoded), 413);
    // 5 MB of a name that is too long: a 400 at /name, not a size error.
    const almost = `{"id":"almost","name":"${'x'.repeat(5 * 1024 * 1024)}"}`;
    expect(expectProblem(await call('POST /partners', { body: almost }), 400)).toEqual(['/name']);
    expect(await h.partners.get('huge')).toBeNull();
  });

  it('reads a base64-encoded JSON body like a plain one, and refuses base64 of garbage', async () => {
    const event = httpEvent('POST /partners', { body: '{}' });
    const ok = await raw('ingest', {
      ...event,
      body: Buffer.from('{"id":"b64-ok","metrics":{"sales":3}}').toString('base64'),
      isBase64Encoded: true,
    });
    expect(ok.status).toBe(200);
    expect((await h.partners.get('b64-ok'))?.metrics).toEqual({ sales: 3 });
    const bad = await raw('ingest', {
      ...event,
      body: Buffer.from('{"id":').toString('base64'),
      isBase64Encoded: true,
    });
    expectProblem(bad, 400);
  });

  it('survives deeply nested JSON with a 4xx', async () => {
    const deep = `{"id":"deep","name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const response = await call('POST /partners', { body: deep });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await h.partners.get('deep')).toBeNull();
  });

  it('refuses 1,001 partners at /partners and accepts exactly 1,000', async () => {
    const many = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}` }));
    expect(expectProblem(await call('POST /partners', { body: { partners: many(1001, 'k') } }), 400)).toEqual(
      ['/partners'],
    );
    expect(await h.partners.get('k0')).toBeNull();
    const ok = await call<{ results: unknown[] }>('POST /partners', { body: { partners: many(1000, 'kk') } });
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(1000);
  });

  it('rejects a batch of 1,000 whose last item is invalid, naming /partners/999, and writes none', async () => {
    const partners = Array.from({ length: 1000 }, (_, i) => ({ id: `last${i}`, metrics: { sales: i } }));
    partners[999] = { id: 'last999', metrics: { sales: 'x' as unknown as number } };
    const paths = expectProblem(await call('POST /partners', { body: { partners } }), 400);
    expect(paths).toEqual(['/partners/999/metrics/sales']);
    expect(await h.partners.get('last0')).toBeNull();
  });

  const badBatches: [string, unknown, string[]][] = [
    ['an empty list', { partners: [] }, ['/partners']],
    ['null', { partners: null }, ['/partners']],
    ['an object', { partners: { 0: { id: 'x' } } }, ['/partners']],
    ['a string', { partners: 'x' }, ['/partners']],
    [
      'non-object items',
      { partners: [null, 5, 'x', []] },
      ['/partners/0', '/partners/1', '/partners/2', '/partners/3'],
    ],
  ];
  for (const [label, body, paths] of badBatches) {
    it(`refuses partners as ${label}`, async () => {
      expect(expectProblem(await call('POST /partners', { body }), 400)).toEqual(paths);
    });
  }
});

describe('POST /partners: fields', () => {
  const cases: [string, unknown, string[]][] = [
    ['a missing id', {}, ['/id']],
    ['an empty id', { id: '' }, ['/id']],
    ['a numeric id', { id: 5 }, ['/id']],
    ['a null id', { id: null }, ['/id']],
    ['an object id', { id: { a: 1 } }, ['/id']],
    ['an id of 129 characters', { id: 'x'.repeat(129) }, ['/id']],
    ['an id of 129 astral characters', { id: '😀'.repeat(129) }, ['/id']],
    ['an id with NUL', { id: 'a\u0000b' }, ['/id']],
    ['an id with a tab', { id: 'a\tb' }, ['/id']],
    ['an id with a line break', { id: 'a\nb' }, ['/id']],
    ['an id with DEL', { id: 'a\u007fb' }, ['/id']],
    ['an id with a C1 control (NEL)', { id: 'a\u0085b' }, ['/id']],
    ['an id with a lone high surrogate', { id: 'x\ud800' }, ['/id']],
    ['an id with a lone low surrogate', { id: '\udc00x' }, ['/id']],
    ['a name with a lone surrogate', { id: 'f', name: 'n\ud83d' }, ['/name']],
    ['an empty name', { id: 'f', name: '' }, ['/name']],
    ['a numeric name', { id: 'f', name: 5 }, ['/name']],
    ['a null name', { id: 'f', name: null }, ['/name']],
    ['a name of 257 characters', { id: 'f', name: 'n'.repeat(257) }, ['/name']],
    ['a type that is an array', { id: 'f', type: ['a'] }, ['/type']],
    ['a type of 100 KB', { id: 'f', type: 't'.repeat(100_000) }, ['/type']],
    ['a region that is an object', { id: 'f', region: {} }, ['/region']],
    ['a region of 300 characters', { id: 'f', region: 'r'.repeat(300) }, ['/region']],
    ['a numeric asOf', { id: 'f', asOf: 12345 }, ['/asOf']],
    ['a null asOf', { id: 'f', asOf: null }, ['/asOf']],
    ['asOf "yesterday"', { id: 'f', asOf: 'yesterday' }, ['/asOf']],
    ['asOf in month 13', { id: 'f', asOf: '2024-13-01' }, ['/asOf']],
    ['asOf on February 30', { id: 'f', asOf: '2024-02-30' }, ['/asOf']],
    ['asOf at hour 25', { id: 'f', asOf: '2024-01-01T25:00:00Z' }, ['/asOf']],
    ['asOf with offset +99:99', { id: 'f', asOf: '2024-01-01T10:00:00+99:99' }, ['/asOf']],
    ['asOf beyond the Date range', { id: 'f', asOf: '+275760-09-14T00:00:00Z' }, ['/asOf']],
    ['asOf as a timestamp string', { id: 'f', asOf: '1714521600' }, ['/asOf']],
    ['asOf with a year typo (2205)', { id: 'f', asOf: '2205-01-01' }, ['/asOf']],
    [
      'asOf two days ahead',
      { id: 'f', asOf: new Date(Date.now() + 2 * 86_400_000).toISOString() },
      ['/asOf'],
    ],
    ['metrics as an array', { id: 'f', metrics: [1, 2] }, ['/metrics']],
    ['metrics as null', { id: 'f', metrics: null }, ['/metrics']],
    ['metrics as a string', { id: 'f', metrics: 'sales' }, ['/metrics']],
    ['a metric value as a string', { id: 'f', metrics: { sales: '5' } }, ['/metrics/sales']],
    ['a metric value "NaN"', { id: 'f', metrics: { sales: 'NaN' } }, ['/metrics/sales']],
    ['a metric value "Infinity"', { id: 'f', metrics: { sales: 'Infinity' } }, ['/metrics/sales']],
    ['a metric value as an object', { id: 'f', metrics: { sales: { value: 1 } } }, ['/metrics/sales']],
    ['a metric value as an array', { id: 'f', metrics: { sales: [1] } }, ['/metrics/sales']],
    ['a metric value as a boolean', { id: 'f', metrics: { sales: true } }, ['/metrics/sales']],
    [
      'a metric of 1e200 (beyond the stored range)',
      { id: 'f', metrics: { sales: 1e200 } },
      ['/metrics/sales'],
    ],
    [
      'a metric of -1e-200 (below the stored range)',
      { id: 'f', metrics: { sales: -1e-200 } },
      ['/metrics/sales'],
    ],
    [
      'one metric given twice under two spellings',
      { id: 'f', metrics: { sales: 1, Sales: 2 } },
      ['/metrics/Sales'],
    ],
    ['a metric named constructor', { id: 'f', metrics: { constructor: 1 } }, ['/metrics/constructor']],
    ['a metric named with / and ~', { id: 'f', metrics: { 'a/b~c': 1 } }, ['/metrics/a~1b~0c']],
  ];
  for (const [label, body, paths] of cases) {
    it(`refuses ${label} with a 400 at ${paths.join(', ')} and writes nothing`, async () => {
      expect(expectProblem(await call('POST /partners', { body }), 400)).toEqual(paths);
      expect(await h.partners.get('f')).toBeNull();
    });
  }

  it('refuses 1e999 and -1e999 (Infinity in JSON text) at the metric path', async () => {
    for (const value of ['1e999', '-1e999']) {
      const body = `{"id":"f","metrics":{"sales":${value}}}`;
      expect(expectProblem(await call('POST /partners', { body }), 400)).toEqual(['/metrics/sales']);
    }
    expect(await h.partners.get('f')).toBeNull();
  });

  it('a metric named __proto__ is a 400 listing the known metrics, in one object or a batch item', async () => {
    // JSON text: a JS object literal would set the prototype instead of a key.
    for (const [body, path] of [
      ['{"id":"f","metrics":{"__proto__":5}}', '/metrics/__proto__'],
      ['{"partners":[{"id":"f","metrics":{"__proto__":{"sales":1}}}]}', '/partners/0/metrics/__proto__'],
      ['{"id":"f","metrics":{"sales":1,"__proto__":null}}', '/metrics/__proto__'],
    ] as const) {
      const response = await call('POST /partners', { body });
      expect(expectProblem(response, 400), body).toEqual([path]);
      expect(response.body.errors?.[0]?.message).toContain(known);
    }
    expect(await h.partners.get('f')).toBeNull();
  });

  it('every field error says what is expected, never "Invalid input"', async () => {
    const cases: [unknown, string, string][] = [
      [{}, '/id', 'is required'],
      [{ id: 5 }, '/id', 'must be a string of 1 to 128 characters'],
      [{ id: 'x\ud800' }, '/id', 'must be well-formed Unicode (it holds an unpaired surrogate)'],
      [{ id: 'f', name: '' }, '/name', 'must not be empty'],
      [{ id: 'f', name: 5 }, '/name', 'must be a string'],
      [{ id: 'f', name: 'n'.repeat(257) }, '/name', 'must be at most 256 characters'],
      [{ id: 'f', type: 1 }, '/type', 'must be a string, or null to remove it'],
      [{ id: 'f', region: 'r'.repeat(257) }, '/region', 'must be at most 256 characters'],
      [{ id: 'f', metrics: [] }, '/metrics', 'must be an object of metric names to numbers or null'],
      [
        { id: 'f', metrics: { sales: '1' } },
        '/metrics/sales',
        'must be a finite number, or null to remove the value',
      ],
      [{ id: 'f', asOf: 5 }, '/asOf', 'must be an ISO-8601 date or date-time string'],
      [{ id: 'f', asOf: '2205-01-01' }, '/asOf', 'must not be more than 1 day in the future'],
      [{ partners: 'x' }, '/partners', 'must be an array of partner objects'],
      [{ partners: [null] }, '/partners/0', 'must be a partner object'],
    ];
    for (const [body, path, message] of cases) {
      const response = await call('POST /partners', { body });
      expect(expectProblem(response, 400), JSON.stringify(body).slice(0, 60)).toEqual([path]);
      expect(response.body.errors?.[0]?.message).toContain(message);
    }
  });

  it('accepts an asOf up to a day ahead (clock skew)', async () => {
    const asOf = new Date(Date.now() + 3_600_000).toISOString();
    const response = await call<{ results: { status: string }[] }>('POST /partners', {
      body: { id: 'skewed', asOf },
    });
    expect(response.status).toBe(200);
    expect((await h.partners.get('skewed'))?.asOf).toBe(asOf);
  });

  it('names the known metrics when a metric is unknown', async () => {
    const response = await call('POST /partners', { body: { id: 'f', metrics: { revenue: 1 } } });
    expect(expectProblem(response, 400)).toEqual(['/metrics/revenue']);
    expect(response.body.errors?.[0]?.message).toContain(known);
  });

  it('reports every invalid item of a batch at its own path', async () => {
    const response = await call('POST /partners', {
      body: {
        partners: [
          { id: 'batch-ok' },
          { id: 7 },
          { id: 'batch-2', name: '' },
          { id: 'batch-3', metrics: { sales: '1' } },
          { id: 'batch-4', metrics: { nope: 1 } },
          { id: 'batch-5', asOf: 'soon' },
        ],
      },
    });
    expect(expectProblem(response, 400)).toEqual([
      '/partners/1/id',
      '/partners/2/name',
      '/partners/3/metrics/sales',
      '/partners/4/metrics/nope',
      '/partners/5/asOf',
    ]);
    expect(await h.partners.get('batch-ok')).toBeNull();
  });

  it('accepts the extremes that are valid: 128 astral characters, 256-character fields, null type and region', async () => {
    const id = '😀'.repeat(128);
    const response = await call<{ results: { status: string }[] }>('POST /partners', {
      body: { id, name: '名'.repeat(256), type: null, region: null, metrics: { sales: null } },
    });
    expect(response.status).toBe(200);
    const read = await call<{ id: string; name: string }>('GET /partners/{id}', { pathParameters: { id } });
    expect(read.status).toBe(200);
    expect(read.body.name).toHaveLength(256);
  });
});

describe('DELETE, GET /partners/{id} and /history: path and query parameters', () => {
  const badIds: [string, string][] = [
    ['empty', ''],
    ['129 characters', 'x'.repeat(129)],
    ['5,000 characters', 'x'.repeat(5000)],
    ['NUL', '\u0000'],
    ['a line break', 'a\nb'],
  ];
  for (const [label, id] of badIds) {
    for (const route of [
      'GET /partners/{id}',
      'DELETE /partners/{id}',
      'GET /partners/{id}/history',
    ] as const) {
      it(`${route}: an id that is ${label} is a 400 at /path/id`, async () => {
        expect(expectProblem(await call(route, { pathParameters: { id } }), 400)).toEqual(['/path/id']);
      });
    }
  }

  it('a missing path parameter is a 400, not a crash', async () => {
    expect(expectProblem(await call('GET /partners/{id}'), 400)).toEqual(['/path/id']);
    expect(expectProblem(await call('DELETE /partners/{id}'), 400)).toEqual(['/path/id']);
  });

  it('URL-encoded oddities that are valid ids are simply unknown: 404', async () => {
    for (const id of ['%00', '%2F..%2F', '../../etc/passwd', 'P#p-1', '*', ' ']) {
      expectProblem(await call('GET /partners/{id}', { pathParameters: { id } }), 404);
      expectProblem(await call('DELETE /partners/{id}', { pathParameters: { id } }), 404);
      expectProblem(await call('GET /partners/{id}/history', { pathParameters: { id } }), 404);
    }
  });

  for (const limit of ['', '0', '-1', '1.5', 'abc', '1e2', '1001', '5,6', ' 5', '99999999999999999999']) {
    it(`history limit=${JSON.stringify(limit)} is a 400 at /query/limit`, async () => {
      const paths = expectProblem(
        await call('GET /partners/{id}/history', { pathParameters: { id: 'p-1' }, query: { limit } }),
        400,
      );
      expect(new Set(paths)).toEqual(new Set(['/query/limit']));
    });
  }

  it('history limit 1 and 1000 are fine', async () => {
    for (const limit of ['1', '1000']) {
      const response = await call<{ items: unknown[] }>('GET /partners/{id}/history', {
        pathParameters: { id: 'p-1' },
        query: { limit },
      });
      expect(response.status).toBe(200);
      expect(response.body.items).toHaveLength(1);
    }
  });
});

describe('GET /rankings: limits, cursors and filters', () => {
  for (const limit of ['0', '501', 'abc', '1.5', '-1', '', ' 5', '5 ', '1e1', '0x10', '50,50']) {
    it(`limit=${JSON.stringify(limit)} is a 400 at /query/limit`, async () => {
      const paths = expectProblem(await call('GET /rankings', { query: { limit } }), 400);
      expect(new Set(paths)).toEqual(new Set(['/query/limit']));
    });
  }

  it('limit 1 and 500 are fine', async () => {
    expect(
      (await call<{ items: unknown[] }>('GET /rankings', { query: { limit: '1' } })).body.items,
    ).toHaveLength(1);
    expect((await call<{ items: unknown[] }>('GET /rankings', { query: { limit: '500' } })).status).toBe(200);
  });

  const garbage = ['', 'garbage', 'a.b', 'a.b.c', '....', '.', 'x'.repeat(5000), '%00', '\u0000.\u0000'];
  for (const cursor of garbage) {
    it(`cursor ${JSON.stringify(cursor.slice(0, 20))} is a 400 at /query/cursor`, async () => {
      expect(expectProblem(await call('GET /rankings', { query: { cursor } }), 400)).toEqual([
        '/query/cursor',
      ]);
    });
  }

  it('a real cursor works; tampered, truncated or extended, or used with other filters, it is a 400', async () => {
    const first = await call<{ items: { rank: number }[]; nextCursor: string }>('GET /rankings', {
      query: { limit: '2' },
    });
    expect(first.status).toBe(200);
    const cursor = first.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    const second = await call<{ items: { rank: number }[] }>('GET /rankings', {
      query: { limit: '2', cursor },
    });
    expect(second.body.items.map((i) => i.rank)).toEqual([3, 4]);

    const [payload = '', tag = ''] = cursor.split('.');
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const tampered = [
      cursor.slice(0, -1),
      cursor.slice(1),
      `${cursor}A`,
      `${flip(payload, 3)}.${tag}`,
      `${payload}.${flip(tag, 2)}`,
      `${Buffer.from(JSON.stringify(['x', 'all', 0, 0, '[null,null,null]'])).toString('base64url')}.${tag}`,
      `${payload}.`,
      `.${tag}`,
      `${payload}.${tag}.${tag}`,
    ];
    for (const bad of tampered) {
      expect(expectProblem(await call('GET /rankings', { query: { cursor: bad } }), 400)).toEqual([
        '/query/cursor',
      ]);
    }
    for (const filters of [{ tier: 'Bronze' }, { region: 'EU' }, { type: 'Reseller' }] as Record<
      string,
      string
    >[]) {
      const other = await call('GET /rankings', { query: { limit: '2', cursor, ...filters } });
      expect(expectProblem(other, 400)).toEqual(['/query/cursor']);
    }
    // A filtered cursor used without its filter.
    const eu = await call<{ nextCursor: string }>('GET /rankings', { query: { limit: '1', region: 'EU' } });
    const withoutFilter = await call('GET /rankings', { query: { cursor: eu.body.nextCursor } });
    expect(expectProblem(withoutFilter, 400)).toEqual(['/query/cursor']);
  });

  it('a cursor signed with another key is a 400', async () => {
    const payload = Buffer.from(JSON.stringify(['r', 'all', 0, 0, '[null,null,null]'])).toString('base64url');
    const tag = createHmac('sha256', 'another-secret')
      .update(payload)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(
      expectProblem(await call('GET /rankings', { query: { cursor: `${payload}.${tag}` } }), 400),
    ).toEqual(['/query/cursor']);
  });

  for (const [name, value] of [
    ['tier', ''],
    ['region', ''],
    ['type', ''],
    ['tier', 't'.repeat(257)],
    ['type', '型'.repeat(300)],
  ] as const) {
    it(`filter ${name}=${JSON.stringify(value.slice(0, 10))}… is a 400 at /query/${name}`, async () => {
      expect(expectProblem(await call('GET /rankings', { query: { [name]: value } }), 400)).toEqual([
        `/query/${name}`,
      ]);
    });
  }

  it('a bad limit is one error that says what is expected, on every route with a limit', async () => {
    const routes: [RouteKey, HttpEventOptions, number][] = [
      ['GET /rankings', {}, 500],
      ['GET /partners/{id}/history', { pathParameters: { id: 'p-1' } }, 1000],
      ['POST /model/preview', { body: DEFAULT_MODEL }, 10000],
    ];
    for (const [route, init, max] of routes) {
      for (const limit of ['abc', '-1', '', '5,6', '0', String(max + 1), '2.5']) {
        const response = await call(route, { ...init, query: { limit } });
        expectProblem(response, 400);
        expect(response.body.errors, `${route} limit=${limit}`).toEqual([
          { path: '/query/limit', message: `must be a whole number from 1 to ${max}` },
        ]);
      }
    }
  });

  it('cursor and filter errors say what is expected, not "Invalid input"', async () => {
    const errorsOf = async (q: Record<string, string>) => {
      const response = await call('GET /rankings', { query: q });
      expectProblem(response, 400);
      return response.body.errors ?? [];
    };
    expect(await errorsOf({ cursor: '' })).toEqual([
      {
        path: '/query/cursor',
        message: 'must not be empty: pass the nextCursor of the previous page, or leave cursor out',
      },
    ]);
    expect(await errorsOf({ cursor: 'x'.repeat(4097) })).toEqual([
      {
        path: '/query/cursor',
        message:
          'is not a cursor this API returned: pass the nextCursor of the previous page, or leave cursor out',
      },
    ]);
    for (const name of ['tier', 'region', 'type']) {
      expect(await errorsOf({ [name]: '' })).toEqual([
        {
          path: `/query/${name}`,
          message: `must not be empty: name a ${name}, or leave ${name} out for every ${name}`,
        },
      ]);
      expect(await errorsOf({ [name]: 'x'.repeat(257) })).toEqual([
        { path: `/query/${name}`, message: `must be at most 256 characters, as long as a ${name} can be` },
      ]);
    }
  });

  it('a validly signed cursor whose payload is not a cursor is a 400, not a 500', async () => {
    const signer = new HmacCursorSigner(async () => 'test-cursor-secret-0123456789');
    const { runId } = (await call<{ runId: string }>('GET /rankings', { query: { limit: '1' } })).body;
    const filters = '[null,null,null]';
    for (const json of [
      'not json',
      'null',
      '{"runId":"x"}',
      JSON.stringify([runId, 'all', 2, filters]),
      JSON.stringify([runId, 'all', 'zero', 0, filters]),
      JSON.stringify([runId, 'all', -1, 0, filters]),
      JSON.stringify([runId, 'all', 0, 1.5, filters]),
      JSON.stringify([runId, 42, 0, 1, filters]),
    ]) {
      const payload = Buffer.from(json).toString('base64url');
      const cursor = `${payload}.${await signer.sign(payload)}`;
      const response = await call('GET /rankings', { query: { cursor } });
      expect(expectProblem(response, 400), json).toEqual(['/query/cursor']);
    }
    // The same signer's well-formed cursor works: the 400s above are about the payload only.
    const payload = Buffer.from(JSON.stringify([runId, 'all', 0, 1, filters])).toString('base64url');
    const good = await call<{ items: { rank: number }[] }>('GET /rankings', {
      query: { limit: '2', cursor: `${payload}.${await signer.sign(payload)}` },
    });
    expect(good.body.items.map((i) => i.rank)).toEqual([2, 3]);
  });

  it('unknown filter values and unknown parameters give an empty or normal page, not an error', async () => {
    for (const q of [
      { tier: 'Nope' },
      { region: 'Mars' },
      { type: '%00' },
      { tier: 'Nope', region: 'EU', type: 'x' },
    ] as Record<string, string>[]) {
      const response = await call<{ items: unknown[]; nextCursor: null }>('GET /rankings', { query: q });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ items: [], nextCursor: null });
    }
    const extra = await call<{ items: unknown[] }>('GET /rankings', { query: { foo: 'bar', limit: '3' } });
    expect(extra.body.items).toHaveLength(3);
  });
});

describe('runs and imports: unknown ids', () => {
  for (const runId of ['nope', '', '\u0000', '%00', '😀'.repeat(300), 'r'.repeat(3000)]) {
    it(`GET /runs/{runId} ${JSON.stringify(runId.slice(0, 10))} is a 404 problem`, async () => {
      expectProblem(await call('GET /runs/{runId}', { pathParameters: { runId } }), 404);
    });
  }

  it('GET /imports/{importId}: unknown is a 404, impossible ids are a 400 at /path/importId', async () => {
    expectProblem(await call('GET /imports/{importId}', { pathParameters: { importId: 'nope' } }), 404);
    expectProblem(
      await call('GET /imports/{importId}', {
        pathParameters: { importId: '00000000-0000-0000-0000-000000000000' },
      }),
      404,
    );
    // An id of a key not plainly spelled ends in ~ and 20 hex digits of its hash: a well-formed one is a 404.
    const hashed = `May_2024~${'0123456789abcdef0123'}`;
    expectProblem(await call('GET /imports/{importId}', { pathParameters: { importId: hashed } }), 404);
    const badHashed = [
      'x~abc',
      `x~${'0'.repeat(21)}`,
      `x~${'G'.repeat(20)}`,
      `${'a'.repeat(180)}~${'0'.repeat(20)}`,
    ];
    for (const importId of ['', 'x'.repeat(201), 'a/b', '../x', 'a\u0000', '%00', 'a b', '~', ...badHashed]) {
      expect(
        expectProblem(await call('GET /imports/{importId}', { pathParameters: { importId } }), 400),
      ).toEqual(['/path/importId']);
    }
  });

  it('POST /imports: an optional body must be a JSON object; a CSV body is a 415', async () => {
    for (const body of ['[]', 'null', '"x"', '5']) {
      expect(expectProblem(await call('POST /imports', { body }), 400)).toEqual(['/']);
    }
    expectProblem(await call('POST /imports', { body: '{' }), 400);
    expectProblem(
      await call('POST /imports', { body: 'id,sales\n', headers: { 'content-type': 'text/csv' } }),
      415,
    );
    const ok = await call<{ importId: string }>('POST /imports', { body: { note: 'whatever' } });
    expect(ok.status).toBe(201);
    expect((await call('POST /imports')).status).toBe(201);
  });
});

describe('PUT /model and POST /model/preview: every invalid model shape, with paths', () => {
  const M = DEFAULT_MODEL;
  const withMetric = (over: Record<string, unknown>) => ({
    ...M,
    metrics: [{ name: 'sales', group: 'business', weight: 1, ...over }],
  });
  const invalid: [string, unknown, string[]][] = [
    ['null', null, ['/']],
    ['an array', [], ['/']],
    ['a string', 'model', ['/']],
    ['an empty object', {}, ['/metrics', '/tiers']],
    ['empty lists', { metrics: [], tiers: [] }, ['/metrics', '/tiers']],
    ['lists of the wrong type', { metrics: 'x', tiers: 'y' }, ['/metrics', '/tiers']],
    ['metrics as an object', { ...M, metrics: { 0: M.metrics[0] } }, ['/metrics']],
    ['non-object items', { metrics: [null, 5], tiers: [null] }, ['/metrics/0', '/metrics/1', '/tiers/0']],
    [
      '51 metrics',
      {
        ...M,
        metrics: Array.from({ length: 51 }, (_, i) => ({ name: `m${i}`, group: 'business', weight: 1 })),
      },
      ['/metrics'],
    ],
    [
      '21 tiers',
      { ...M, tiers: Array.from({ length: 21 }, (_, i) => ({ name: `t${i}`, minScore: 100 - i })) },
      ['/tiers'],
    ],
    ['a negative weight', withMetric({ weight: -1 }), ['/metrics/0/weight']],
    ['a string weight', withMetric({ weight: '5' }), ['/metrics/0/weight']],
    ['a null weight', withMetric({ weight: null }), ['/metrics/0/weight']],
    ['no weight', withMetric({ weight: undefined }), ['/metrics/0/weight']],
    ['an unknown group', withMetric({ group: 'other' }), ['/metrics/0/group']],
    ['a numeric group', withMetric({ group: 5 }), ['/metrics/0/group']],
    [
      'a differently cased normalization',
      withMetric({ normalization: 'MinMax' }),
      ['/metrics/0/normalization'],
    ],
    ['an unknown direction', withMetric({ direction: 'up' }), ['/metrics/0/direction']],
    ['a null missing policy', withMetric({ missing: null }), ['/metrics/0/missing']],
    ['a numeric cap', withMetric({ cap: 5 }), ['/metrics/0/cap']],
    ['a null cap', withMetric({ cap: null }), ['/metrics/0/cap']],
    ['cap.min above cap.max', withMetric({ cap: { min: 5, max: 1 } }), ['/metrics/0/cap/min']],
    ['a string cap.min', withMetric({ cap: { min: 'a' } }), ['/metrics/0/cap/min']],
    ['halfLifeDays 0', withMetric({ halfLifeDays: 0 }), ['/metrics/0/halfLifeDays']],
    ['negative halfLifeDays', withMetric({ halfLifeDays: -1 }), ['/metrics/0/halfLifeDays']],
    ['string halfLifeDays', withMetric({ halfLifeDays: '7' }), ['/metrics/0/halfLifeDays']],
    ['an empty metric name', withMetric({ name: '' }), ['/metrics/0/name', '/metrics/0/name']],
    ['a punctuation-only metric name', withMetric({ name: '!!!' }), ['/metrics/0/name']],
    ['a metric name of 65 characters', withMetric({ name: 'n'.repeat(65) }), ['/metrics/0/name']],
    ['a numeric metric name', withMetric({ name: 5 }), ['/metrics/0/name']],
    ['no metric name', withMetric({ name: undefined }), ['/metrics/0/name']],
    [
      'names that collide after matching',
      {
        ...M,
        metrics: [M.metrics[0], { ...M.metrics[1], name: 'Sales' }, { ...M.metrics[2], name: 's_a_l_e_s' }],
      },
      ['/metrics/1/name', '/metrics/2/name'],
    ],
    [
      'duplicate tier names',
      {
        ...M,
        tiers: [
          { name: 'A', minScore: 10 },
          { name: 'A', minScore: 5 },
        ],
      },
      ['/tiers/1/name'],
    ],
    [
      'equal minScores',
      {
        ...M,
        tiers: [
          { name: 'A', minScore: 10 },
          { name: 'B', minScore: 10 },
        ],
      },
      ['/tiers/1/minScore'],
    ],
    [
      'ascending minScores',
      {
        ...M,
        tiers: [
          { name: 'A', minScore: 10 },
          { name: 'B', minScore: 20 },
        ],
      },
      ['/tiers/1/minScore'],
    ],
    [
      'broken tiers',
      { ...M, tiers: [{ name: '', minScore: 10 }, { name: 'B' }, { minScore: 1 }, 'x'] },
      ['/tiers/0/name', '/tiers/1/minScore', '/tiers/2/name', '/tiers/3'],
    ],
    ['a string minScore', { ...M, tiers: [{ name: 'A', minScore: '10' }] }, ['/tiers/0/minScore']],
    [
      'a tier name of 65 characters',
      { ...M, tiers: [{ name: 'T'.repeat(65), minScore: 0 }] },
      ['/tiers/0/name'],
    ],
    ['a weight of 1e200 (beyond the stored range)', withMetric({ weight: 1e200 }), ['/metrics/0/weight']],
    ['a weight of 1e-200 (below the stored range)', withMetric({ weight: 1e-200 }), ['/metrics/0/weight']],
    ['halfLifeDays 1e-200', withMetric({ halfLifeDays: 1e-200 }), ['/metrics/0/halfLifeDays']],
    ['cap.min 1e-200', withMetric({ cap: { min: 1e-200 } }), ['/metrics/0/cap/min']],
    ['cap.max -1e300', withMetric({ cap: { max: -1e300 } }), ['/metrics/0/cap/max']],
    ['a minScore of 1e200', { ...M, tiers: [{ name: 'A', minScore: 1e200 }] }, ['/tiers/0/minScore']],
    ['tierHysteresis 1e-200', { ...M, tierHysteresis: 1e-200 }, ['/tierHysteresis']],
    ['a negative tierHysteresis', { ...M, tierHysteresis: -1 }, ['/tierHysteresis']],
    ['a string tierHysteresis', { ...M, tierHysteresis: '2' }, ['/tierHysteresis']],
    ['a null tierHysteresis', { ...M, tierHysteresis: null }, ['/tierHysteresis']],
  ];

  for (const [label, model, paths] of invalid) {
    it(`PUT /model with ${label}: 400 at ${paths.join(', ')}, model unchanged`, async () => {
      const response = await call('PUT /model', { body: JSON.stringify(model) });
      expect(expectProblem(response, 400)).toEqual(paths);
      expect((await call<{ version: number }>('GET /model')).body.version).toBe(1);
    });
    it(`POST /model/preview with ${label} wrapped in {model}: 400 under /model`, async () => {
      const response = await call('POST /model/preview', { body: JSON.stringify({ model }) });
      const expected = paths.map((p) => (p === '/' ? '/model' : `/model${p}`));
      expect(expectProblem(response, 400)).toEqual(expected);
    });
  }

  it('Infinity (1e999 in JSON text) as a weight, minScore or hysteresis is a 400 at its path', async () => {
    const text = (field: string) =>
      `{"metrics":[{"name":"sales","group":"business","weight":${field === 'weight' ? '1e999' : '1'}}],` +
      `"tiers":[{"name":"A","minScore":${field === 'minScore' ? '-1e999' : '0'}}],` +
      `"tierHysteresis":${field === 'tierHysteresis' ? '1e999' : '0'}}`;
    const expected: Record<string, string> = {
      weight: '/metrics/0/weight',
      minScore: '/tiers/0/minScore',
      tierHysteresis: '/tierHysteresis',
    };
    for (const [field, path] of Object.entries(expected)) {
      expect(expectProblem(await call('PUT /model', { body: text(field) }), 400)).toEqual([path]);
    }
  });

  it('numbers DynamoDB cannot store are a 400 with a path each, saying the range, never a 500', async () => {
    const model = {
      ...M,
      metrics: [
        { name: 'sales', group: 'business', weight: 1e200 },
        { name: 'transactions', group: 'business', weight: 1, halfLifeDays: 1e-200 },
        { name: 'reputation', group: 'business', weight: 1, cap: { min: 1e-200, max: null } },
      ],
    };
    const response = await call('PUT /model', { body: model });
    expect(expectProblem(response, 400)).toEqual([
      '/metrics/0/weight',
      '/metrics/1/halfLifeDays',
      '/metrics/2/cap/min',
    ]);
    for (const error of response.body.errors ?? []) {
      expect(error.message).toBe(
        'must be 0 or between 1e-130 and 1e126 in magnitude (the stored number range)',
      );
    }
    expect((await call<{ version: number }>('GET /model')).body.version).toBe(1);
  });

  it('POST /model/preview with a weight of 1e300 and no normalisation is a 400, not a null score', async () => {
    const metrics = [{ name: 'sales', group: 'business', weight: 1e300, normalization: 'none' }];
    expect(expectProblem(await call('POST /model/preview', { body: { ...M, metrics } }), 400)).toEqual([
      '/metrics/0/weight',
    ]);
    const top = [{ name: 'sales', group: 'business', weight: 9.999999999999998e125, normalization: 'none' }];
    const preview = await call<{ movers: { previewScore: unknown; previewTier: unknown }[] }>(
      'POST /model/preview',
      { body: { ...M, metrics: top } },
    );
    expect(preview.status).toBe(200);
    for (const mover of preview.body.movers) expect(mover.previewScore).toEqual(expect.any(Number));
  });

  it('PUT /model without a body, with malformed JSON or a wrong content type is a 4xx', async () => {
    expect(expectProblem(await call('PUT /model'), 400)).toEqual(['/']);
    expectProblem(await call('PUT /model', { body: '{"metrics":' }), 400);
    expectProblem(
      await call('PUT /model', { body: JSON.stringify(M), headers: { 'content-type': 'text/plain' } }),
      415,
    );
    expect((await call<{ version: number }>('GET /model')).body.version).toBe(1);
  });

  it('POST /model/preview: no body, non-objects, bad limits', async () => {
    expect(expectProblem(await call('POST /model/preview'), 400)).toEqual(['/']);
    for (const body of ['null', '[]', '"x"', '7']) {
      expect(expectProblem(await call('POST /model/preview', { body }), 400)).toEqual(['/']);
    }
    expectProblem(await call('POST /model/preview', { body: '{' }), 400);
    for (const limit of [0, 1.5, 10_001, null, '5', -1]) {
      const response = await call('POST /model/preview', { body: { model: M, limit } });
      expect(expectProblem(response, 400)).toEqual(['/limit']);
    }
    for (const limit of ['0', '10001', '', 'lots', '2.5']) {
      const response = await call('POST /model/preview', { body: M, query: { limit } });
      expect(new Set(expectProblem(response, 400))).toEqual(new Set(['/query/limit']));
    }
    // A body that is neither a model nor {model}: the model's own paths.
    expect(expectProblem(await call('POST /model/preview', { body: { limit: 5 } }), 400)).toEqual([
      '/metrics',
      '/tiers',
    ]);
  });

  it('odd but valid candidates preview with a 200 (metric names like constructor, zero weights)', async () => {
    const candidates = [
      { ...M, metrics: [{ name: 'constructor', group: 'business', weight: 1, missing: 'neutral' }] },
      { ...M, metrics: [{ name: 'toString', group: 'business', weight: 1, normalization: 'zscore' }] },
      { ...M, metrics: M.metrics.map((m) => ({ ...m, weight: 0 })) },
      { ...M, metrics: M.metrics.map((m) => ({ ...m, weight: 0, missing: 'exclude' })) },
      {
        ...M,
        metrics: [
          { name: 'sales', group: 'business', weight: 1, halfLifeDays: 1e-130, normalization: 'log' },
        ],
      },
    ];
    for (const body of candidates) {
      const response = await call<{ partners: number }>('POST /model/preview', { body });
      expect(response.status).toBe(200);
      expect(response.body.partners).toBeGreaterThan(0);
    }
  });
});

describe('GET /audit: limits, filters and cursors', () => {
  for (const limit of ['0', '201', 'abc', '1.5', '-1', '', '1e1', '50,50']) {
    it(`limit=${JSON.stringify(limit)} is a 400 at /query/limit`, async () => {
      expect(expectProblem(await call('GET /audit', { query: { limit } }), 400)).toEqual(['/query/limit']);
    });
  }

  for (const action of ['', 'delete', 'PARTNER.UPSERT', 'partner.upsert ', 'x'.repeat(5000)]) {
    it(`action=${JSON.stringify(action.slice(0, 20))} is a 400 at /query/action that lists the actions`, async () => {
      const response = await call('GET /audit', { query: { action } });
      expect(expectProblem(response, 400)).toEqual(['/query/action']);
      expect(JSON.stringify(response.body)).toContain('partner.upsert, partner.delete');
    });
  }

  for (const target of ['', 'partner/\u0000', 'x'.repeat(301)]) {
    it(`target=${JSON.stringify(target.slice(0, 20))} is a 400 at /query/target`, async () => {
      expect(expectProblem(await call('GET /audit', { query: { target } }), 400)).toEqual(['/query/target']);
    });
  }

  it('limit 1 and 200, a known action and any target are fine', async () => {
    for (const query of [
      { limit: '1' },
      { limit: '200' },
      { action: 'model.update' },
      { target: 'partner/ü €' },
    ] as Record<string, string>[]) {
      expect((await call('GET /audit', { query })).status).toBe(200);
    }
  });

  const garbage = ['', 'garbage', 'a.b', '....', 'x'.repeat(5000), '\u0000.\u0000'];
  for (const cursor of garbage) {
    it(`cursor ${JSON.stringify(cursor.slice(0, 20))} is a 400 at /query/cursor`, async () => {
      expect(expectProblem(await call('GET /audit', { query: { cursor } }), 400)).toEqual(['/query/cursor']);
    });
  }

  it('a ranking cursor, or an audit cursor signed with another key, is a 400 at /query/cursor', async () => {
    const ranking = await call<{ nextCursor: string }>('GET /rankings', { query: { limit: '1' } });
    expect(
      expectProblem(await call('GET /audit', { query: { cursor: ranking.body.nextCursor } }), 400),
    ).toEqual(['/query/cursor']);
    const payload = Buffer.from(JSON.stringify(['audit', '2026-01', '~', null, null])).toString('base64url');
    const tag = createHmac('sha256', 'another-secret')
      .update(payload)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(expectProblem(await call('GET /audit', { query: { cursor: `${payload}.${tag}` } }), 400)).toEqual([
      '/query/cursor',
    ]);
  });
});

describe('routes and bodies that do not belong', () => {
  it('an unknown route is a 404 problem, in either function', async () => {
    const event = httpEvent('PATCH /partners/{id}', { pathParameters: { id: 'x' } });
    expectProblem(await raw('ingest', event), 404);
    expectProblem(await raw('query', event), 404);
    // A route of the other function.
    expectProblem(await raw('query', httpEvent('POST /partners', { body: { id: 'x' } })), 404);
    expectProblem(await raw('ingest', httpEvent('GET /rankings')), 404);
  });

  it('a GET with a body that is not JSON is a 4xx, never a 500', async () => {
    for (const init of [
      { body: 'garbage' },
      { body: '{"a":1}', headers: { 'content-type': 'text/plain' } },
    ]) {
      const response = await call('GET /health', init);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
  });

  it('POST /rescore ignores a body but refuses one that is not JSON', async () => {
    expectProblem(await call('POST /rescore', { body: 'rescore please' }), 400);
    await h.drain();
  });
});

describe('after all of the above', () => {
  it('nothing acknowledged before was lost: partners, model and ranking are as they were', async () => {
    for (let i = 0; i < 12; i++) {
      expect(await h.partners.get(`p-${i}`)).toMatchObject({
        region: i % 2 === 0 ? 'EU' : 'US',
        type: 'Reseller',
        metrics: { sales: i * 10, transactions: 12 - i, reputation: i % 4 },
      });
    }
    expect((await call<{ version: number }>('GET /model')).body.version).toBe(1);
    const page = await call<{ items: { id: string }[] }>('GET /rankings', { query: { limit: '500' } });
    expect(page.status).toBe(200);
    expect(page.body.items.map((i) => i.id)).toEqual(expect.arrayContaining(['p-0', 'p-11']));
    for (const id of ['f', 'huge', 'almost', 'deep', 'wrong-type', 'k0', 'last0', 'batch-ok']) {
      expect(await h.partners.get(id)).toBeNull();
      // A rejected request wrote nothing, so it left no audit item either.
      const audit = await call<{ items: unknown[] }>('GET /audit', { query: { target: `partner/${id}` } });
      expect(audit.body.items).toEqual([]);
    }
  });
});

describe('a validation answer lists at most 100 errors, and says how many more there were', () => {
  /** A 400 with exactly 100 errors, `errorsOmitted` = the rest, and a detail that says so. */
  function expectCapped(response: { status: number; headers: Record<string, string>; body: Problem }) {
    const paths = expectProblem(response, 400);
    expect(paths).toHaveLength(100);
    const omitted = response.body.errorsOmitted ?? 0;
    expect(omitted).toBeGreaterThan(0);
    expect(response.body.detail).toContain(`Only the first 100 of ${100 + omitted} errors are listed`);
    // An answer no larger than a page of errors, whatever the body held.
    expect(JSON.stringify(response.body).length).toBeLessThan(40_000);
    return { paths, omitted };
  }

  it('PUT /model with a 6 MB body of empty metric objects', async () => {
    const count = Math.floor((6 * 1024 * 1024 - 100) / 3);
    const body = `{"metrics":[${Array(count).fill('{}').join(',')}],"tiers":[{"name":"A","minScore":0}]}`;
    const response = await call('PUT /model', { body });
    expect(expectProblem(response, 400).length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(response.body).length).toBeLessThan(40_000);
    expect((await call<{ version: number }>('GET /model')).body.version).toBe(1);
  });

  it('POST /partners with a batch of 1,000 partners, each with many bad fields', async () => {
    const partners = Array.from({ length: 1000 }, (_, i) => ({
      id: `bad\u0000${i}`,
      name: 5,
      region: [],
      metrics: { sales: 'x', transactions: 'y', nope: 1 },
    }));
    const { paths, omitted } = expectCapped(await call('POST /partners', { body: { partners } }));
    expect(paths[0]).toMatch(/^\/partners\/0\//);
    expect(100 + omitted).toBeGreaterThanOrEqual(5000);
  });

  it('POST /partners with one partner naming 100,000 unknown metrics', async () => {
    const metrics = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`unknown${i}`, 1]));
    const response = await call('POST /partners', { body: { id: 'many-metrics', metrics } });
    const { paths, omitted } = expectCapped(response);
    expect(paths.slice(0, 2)).toEqual(['/metrics/unknown0', '/metrics/unknown1']);
    expect(omitted).toBe(99_900);
    expect(await h.partners.get('many-metrics')).toBeNull();
  });
});
