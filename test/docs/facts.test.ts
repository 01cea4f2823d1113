import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FIELD_LENGTH } from '#core/csv/row-rules.ts';
import { MAX_STORABLE_MAGNITUDE, MIN_STORABLE_MAGNITUDE } from '#core/numbers.ts';
import { MAX_PARTNERS_PER_REQUEST } from '#core/partners/partner.schema.ts';
import { MAX_ID_LENGTH, MAX_TEXT_LENGTH } from '#core/partners/partner-rules.ts';
import { MAX_BODY_BYTES } from '#functions/http/http-handler.ts';
import { ROUTES } from '#functions/routes.ts';

/**
 * The facts the user pages state about the code, checked against the code: the limits (against the
 * constants and the generated OpenAPI document), the environment variables (every one the code reads
 * is documented), and which routes are open (against the route table).
 */

const read = (file: string) => readFile(file, 'utf8');
const apiMd = await read('docs/api.md');
const csvImportMd = await read('docs/csv-import.md');
const readme = await read('README.md');
const number = (text: string) => Number(text.replaceAll(',', ''));

/** The text of a markdown section, from its heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = heading.indexOf(' ');
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The one match of `pattern` in `text`, or a failure that says which documented fact is missing. */
function fact(text: string, pattern: RegExp): RegExpExecArray {
  const match = pattern.exec(text.replace(/\s+/g, ' '));
  if (!match) throw new Error(`the docs no longer state ${pattern}`);
  return match;
}

describe('documented limits match the code', () => {
  const limits = section(apiMd, '## Limits');

  it('request size, partners per request, id and text lengths, the number range (docs/api.md)', () => {
    const [, partners, megabytes] = fact(limits, /([\d,]+) partners and (\d+) MB per HTTP request/);
    expect(number(partners ?? '')).toBe(MAX_PARTNERS_PER_REQUEST);
    expect(Number(megabytes) * 1024 * 1024).toBe(MAX_BODY_BYTES);
    expect(Number(fact(limits, /ids up to (\d+) characters/)[1])).toBe(MAX_ID_LENGTH);
    expect(Number(fact(limits, /`name`\/`type`\/`region` up to (\d+)/)[1])).toBe(MAX_TEXT_LENGTH);
    const [, min, max] = fact(limits, /numbers 0 or (\S+) ≤ \|x\| < (\S+) /);
    expect([Number(min), Number(max)]).toEqual([MIN_STORABLE_MAGNITUDE, MAX_STORABLE_MAGNITUDE]);
  });

  it("every route's `limit` range, as the OpenAPI document generated from the query schemas has it", async () => {
    const openapi = JSON.parse(await read('docs/openapi.json')) as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; schema: { description?: string } }[] }>
      >;
    };
    const fromCode = new Map<string, number>();
    for (const [route, operations] of Object.entries(openapi.paths)) {
      for (const operation of Object.values(operations)) {
        const limit = operation.parameters?.find((parameter) => parameter.name === 'limit');
        const max = /from 1 to (\d+)/.exec(limit?.schema.description ?? '')?.[1];
        if (max) fromCode.set(route, Number(max));
      }
    }
    const documented = new Map<string, number>();
    const ranges = section(apiMd, '## Limits').replace(/\s+/g, ' ');
    for (const match of ranges.matchAll(/((?:`\/[^`]+`(?:,| and)? ?)+) 1–([\d,]+)/g)) {
      for (const route of (match[1] ?? '').matchAll(/`(\/[^`]+)`/g)) {
        documented.set(route[1] ?? '', number(match[2] ?? ''));
      }
    }
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(fromCode));
  });

  it('CSV fields and the partners per request the README shows', () => {
    const csvLimits = fact(csvImportMd, /([\d,]+) characters per field/);
    expect(number(csvLimits[1] ?? '')).toBe(MAX_FIELD_LENGTH);
    const [, field, text] = fact(
      csvImportMd,
      /a field over ([\d,]+) characters \((\d+) for `name`, `type`, `region`\)/,
    );
    expect([number(field ?? ''), Number(text)]).toEqual([MAX_FIELD_LENGTH, MAX_TEXT_LENGTH]);
    expect(number(fact(readme, /`\{"partners": \[…\]\}` up to ([\d,]+)/)[1] ?? '')).toBe(
      MAX_PARTNERS_PER_REQUEST,
    );
  });
});

/** Variables of other tools that the code reads or sets, not settings of this service. */
const NOT_OURS: Record<string, string> = {
  AWS_REGION: 'set by Lambda and the AWS tools',
  CDK_DEFAULT_ACCOUNT: 'set by the CDK CLI',
  CDK_DEFAULT_REGION: 'set by the CDK CLI',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
    'the AWS SDK’s own switch, set by npm start and the bench',
  BENCH_IMPORT_RSS_JOB: 'handed by the import bench to its own child process',
};

/** Where a variable read by code under a folder must be documented. */
function docsFor(file: string): string[] {
  if (file.startsWith('bench/')) return ['docs/benchmarks.md'];
  if (file.startsWith('infra/local/cli')) return ['docs/api.md'];
  return ['docs/local-stack.md', 'docs/deploy.md'];
}

async function codeFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Each environment variable the code reads (`process.env.X`, `?? process.env.X`, env schemas' keys), with a file that reads it. */
async function variablesRead(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const files = (await Promise.all(['core', 'functions', 'infra', 'client', 'bench'].map(codeFiles))).flat();
  for (const file of files) {
    const source = await read(file);
    const names = [
      // A plain assignment sets the variable for what the process starts; `??=` and reads are settings.
      ...[...source.matchAll(/process\.env(?:\.|\[')([A-Z][A-Z0-9_]+)\b'?\]?(?!\s*=[^=])/g)].map((m) => m[1]),
      // A function given the environment as `env: NodeJS.ProcessEnv` (the CLI).
      ...(source.includes('env: NodeJS.ProcessEnv')
        ? [...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1])
        : []),
      // The keys of the zod schemas that read the environment (`core/config.ts`, `infra/local/settings.ts`).
      ...(/readEnv|readLocalSettings/.test(source)
        ? [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+): z\./gm)].map((m) => m[1])
        : []),
    ];
    for (const name of names) if (name && !found.has(name)) found.set(name, file);
  }
  return found;
}

describe('documented environment variables', () => {
  it('every variable the code reads is documented (local stack, deploy, CLI or bench page)', async () => {
    const read_ = await variablesRead();
    expect(read_.has('TABLE_NAME') && read_.has('DATA_DIR') && read_.has('API_URL')).toBe(true);
    const docs = new Map<string, string>();
    const undocumented: string[] = [];
    for (const [name, file] of read_) {
      if (NOT_OURS[name]) continue;
      const pages = docsFor(file);
      for (const page of pages) if (!docs.has(page)) docs.set(page, await read(page));
      if (!pages.some((page) => docs.get(page)?.includes(`\`${name}\``))) {
        undocumented.push(`${name} (read in ${file}; document it in ${pages.join(' or ')})`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('lists no variable of other tools that the code no longer reads', async () => {
    const read_ = await variablesRead();
    expect(Object.keys(NOT_OURS).filter((name) => !read_.has(name))).toEqual([]);
  });
});

describe('documented open routes', () => {
  /** The routes table of docs/api.md: each `METHOD /path` of the first column with its scope cell. */
  const table = [...section(apiMd, '## Routes').matchAll(/^\| (.+?) +\| (.+?) +\|/gm)]
    .flatMap((row) =>
      [...(row[1] ?? '').matchAll(/`(GET|POST|PUT|DELETE) ([^`?]+)(?:\?[^`]*)?`/g)].map((route) => ({
        key: `${route[1]} ${route[2]}`,
        scope: (row[2] ?? '').replaceAll('`', ''),
      })),
    )
    .filter((row) => row.key !== undefined);

  it('lists every route of functions/routes.ts once, with its scope; partner routes as "partner user", the open ones as "none"', () => {
    const documented = Object.fromEntries(table.map((row) => [row.key, row.scope]));
    const fromCode = Object.fromEntries(
      ROUTES.map((route) => [
        `${route.method} ${route.path}`,
        route.scope ?? ('partner' in route && route.partner ? 'partner user' : 'none'),
      ]),
    );
    expect(table.length).toBe(Object.keys(documented).length);
    expect(documented).toEqual(fromCode);
  });

  it('names the open routes in the introduction of docs/api.md', () => {
    const intro = fact(apiMd, /every route but the open ones \(([^)]*)\)/)[1] ?? '';
    for (const route of ROUTES.filter((c) => c.scope === null && !('partner' in c && c.partner))) {
      const named = route.path.replace(/\/\{[^}]+\}$/, '/…');
      expect(intro, `${route.path} is open`).toContain(`\`${named}\``);
    }
  });
});
