import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes.ts';

/**
 * Every command the README and docs/*.md show must be one something runs: an npm script that exists
 * (with a CLI command the CLI knows, a bench part the bench knows), a bin of a declared dependency, an
 * HTTP route of the route table, or an entry of the short lists below, each saying what exercises it.
 * A documented command that nothing runs fails here.
 */

/** Commands that reach outside this machine, or that a test runs in another form. */
const ELSEWHERE: readonly { command: RegExp; why: string }[] = [
  {
    command: /^aws s3 cp \S+ s3:\/\/partner-scoring-local\/imports\//,
    why: 'test/local/local-stack.test.ts puts an object under imports/ through the S3 API, as `aws s3 cp` does',
  },
  {
    command: /^curl .*-X PUT .*\$\(jq -r \.uploadUrl /,
    why: 'test/local/local-stack.test.ts PUTs the CSV to the presigned uploadUrl of POST /imports',
  },
  {
    command: /^curl .*http:\/\/localhost:4570\/oauth2\/token/,
    why: "test/local/local-auth.test.ts gets a token from the local issuer's client-credentials endpoint",
  },
  {
    command: /^curl -s localhost:4570\/oauth2\/token -d grant_type=password /,
    why: "test/local/partner-portal.test.ts signs a partner user in with the local issuer's password grant",
  },
  { command: /^aws s3 cp \S+ s3:\/\/\$BUCKET\/imports\//, why: 'AWS only (deploy walkthrough)' },
  {
    command: /^aws cognito-idp (create|describe|delete|admin-create)-/,
    why: 'AWS only: sets up or deletes the OAuth issuer (deploy runbook)',
  },
  {
    command: /^aws (dynamodb|cloudformation) /,
    why: 'AWS only: teardown and point-in-time restore of the table (deploy runbook)',
  },
  { command: /^aws service-quotas /, why: 'AWS only: reading quotas (deploy runbook)' },
  { command: /^curl .*amazoncognito\.com\/oauth2\/token/, why: 'AWS only: a Cognito token request' },
  { command: /^aws sqs (receive|delete)-message\b/, why: 'AWS only: reading a dead-letter queue (runbook)' },
  {
    command: /^aws lambda get-account-settings$/,
    why: "AWS only: the account's concurrency limit, before reserving concurrency (deploy walkthrough)",
  },
];

/** npm's own commands (not scripts) that the docs may show. */
const NPM_BUILTINS = new Set(['ci', 'install', 'install-scripts']);
/** The tools whose commands are checked; other shell words (jq, tail, export…) are not ours. */
const CHECKED_TOOLS = new Set(['npm', 'npx', 'curl', 'aws']);
const API_URL = /^(?:https?:\/\/)?(?:localhost:\d+|\$\{?API_URL\}?)\/?(.*)$/;

const docFiles = [
  'README.md',
  ...(await readdir('docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`),
];
const docs = await Promise.all(docFiles.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
const packageJson = JSON.parse(await readFile('package.json', 'utf8')) as {
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

interface Shown {
  file: string;
  words: string[];
  text: string;
}

/** The commands in fenced sh/bash blocks, and in inline code spans that start with a checked tool. */
function shownCommands(file: string, markdown: string): Shown[] {
  const found: Shown[] = [];
  const fences = /^[ \t]*```(sh|bash|shell|console)[ \t]*\n([\s\S]*?)^[ \t]*```/gm;
  for (const match of markdown.matchAll(fences)) {
    found.push(...commandsIn(match[2] ?? '').map((words) => ({ file, words, text: words.join(' ') })));
  }
  const withoutFences = markdown.replace(/^[ \t]*```[\s\S]*?^[ \t]*```/gm, '');
  for (const match of withoutFences.matchAll(/`([^`]+)`/g)) {
    const span = (match[1] ?? '').replaceAll('\\|', '|').replace(/\s*\n\s*/g, ' ');
    if (!CHECKED_TOOLS.has(span.split(' ')[0] ?? '')) continue;
    // Placeholders (`<file.csv>`) and optional parts (`[--seed n]`) are syntax, not words.
    const plain = span.replace(/\[[^\]]*\]|<[^>]*>|…/g, ' ');
    found.push(...commandsIn(plain).map((words) => ({ file, words, text: words.join(' ') })));
  }
  return found.filter((shown) => CHECKED_TOOLS.has(shown.words[0] ?? ''));
}

/**
 * A small shell lexer: simple commands as word lists, split at `|`, `;`, `&&`, `||` and line ends;
 * quotes removed, comments and redirections dropped, `$( … )` kept in its word and lexed as commands
 * of its own, leading `VAR=value` assignments skipped.
 */
function commandsIn(script: string): string[][] {
  const source = script.replace(/\\\n/g, ' ');
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  let dropNextWord = false;
  const endWord = () => {
    if (word !== null) {
      if (dropNextWord) dropNextWord = false;
      else if (words.length > 0 || !/^[A-Za-z_]\w*=/.test(word)) words.push(word);
    }
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const substitution = (start: number): number => {
    let depth = 1;
    let i = start + 2;
    while (i < source.length && depth > 0) {
      if (source[i] === '(') depth++;
      else if (source[i] === ')') depth--;
      i++;
    }
    commands.push(...commandsIn(source.slice(start + 2, i - 1)));
    word = (word ?? '') + source.slice(start, i);
    return i;
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '$' && source[i + 1] === '(') {
      i = substitution(i);
    } else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      word = (word ?? '') + source.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? source.length : end + 1;
    } else if (c === '"') {
      i++;
      word ??= '';
      while (i < source.length && source[i] !== '"') {
        if (source[i] === '$' && source[i + 1] === '(') i = substitution(i);
        else word += source[i++];
      }
      i++;
    } else if (c === '#' && word === null) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '\n' || c === ';' || c === '|' || c === '&') {
      endCommand();
      i++;
    } else if (c === '>' || c === '<') {
      endWord();
      dropNextWord = true;
      i++;
    } else if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  endCommand();
  return commands;
}

const shown = docs.flatMap(({ file, text }) => shownCommands(file, text));

/** Bins that the declared dependencies install (`npx <bin>`). */
async function declaredBins(): Promise<Set<string>> {
  const bins = new Set<string>();
  const names = Object.keys({ ...packageJson.dependencies, ...packageJson.devDependencies });
  for (const name of names) {
    const manifest = JSON.parse(await readFile(path.join('node_modules', name, 'package.json'), 'utf8')) as {
      name: string;
      bin?: string | Record<string, string>;
    };
    if (typeof manifest.bin === 'string') bins.add(manifest.name.replace(/^@[^/]+\//, ''));
    else for (const bin of Object.keys(manifest.bin ?? {})) bins.add(bin);
  }
  return bins;
}

/** The CLI's commands, and its options that take a value, from its own `--help` (run once). */
const cliHelp = once(async (): Promise<{ commands: Set<string>; valued: Set<string> }> => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    'infra/local/cli.ts',
    '--help',
  ]);
  const usage = stdout.split(/^Options:/m)[0] ?? '';
  return {
    commands: new Set([...usage.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((match) => match[1] as string)),
    valued: new Set([...stdout.matchAll(/(--[\w-]+) </g)].map((match) => match[1] as string)),
  };
});

/** The CLI command in `cli -- …` arguments: the first word that is neither an option nor its value. */
async function cliCommandOf(args: string[]): Promise<string | undefined> {
  const { valued } = await cliHelp();
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (!word.startsWith('-')) return word;
    if (valued.has(word)) i++;
  }
  return undefined;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

/** The bench parts `npm run bench` accepts (its `PARTS` list). */
async function benchParts(): Promise<Set<string>> {
  const source = await readFile('bench/main.ts', 'utf8');
  const list = /const PARTS = \[([^\]]*)\]/.exec(source)?.[1] ?? '';
  return new Set([...list.matchAll(/'([^']+)'/g)].map((match) => match[1] as string));
}

function routeMatches(method: string, urlPath: string): boolean {
  const pathOnly = `/${urlPath.split('?')[0] ?? ''}`.replace(/\/$/, '') || '/';
  return ROUTES.some(
    (route) =>
      route.method === method && new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathOnly),
  );
}

/** Why a shown command is fine, or undefined when nothing runs it. */
async function exercised(words: string[], text: string): Promise<string | undefined> {
  const [tool, ...args] = words;
  const elsewhere = ELSEWHERE.find((entry) => entry.command.test(text));
  if (elsewhere) return elsewhere.why;
  if (tool === 'npm') {
    const [verb, ...rest] = args;
    if (verb === undefined) return undefined;
    if (NPM_BUILTINS.has(verb)) return 'an npm command';
    if (verb === 'start' || verb === 'test')
      return packageJson.scripts[verb] ? 'a package.json script' : undefined;
    if (verb !== 'run') return undefined;
    const script = rest.find((word) => !word.startsWith('-'));
    if (script === undefined || !packageJson.scripts[script]) return undefined;
    const scriptArgs = rest.includes('--') ? rest.slice(rest.indexOf('--') + 1) : [];
    if (script === 'cli') {
      const command = await cliCommandOf(scriptArgs);
      if (command !== undefined && !(await cliHelp()).commands.has(command)) return undefined;
    }
    const part = scriptArgs.find((word) => !word.startsWith('-'));
    if (script === 'bench' && part !== undefined && !(await benchParts()).has(part)) return undefined;
    return 'a package.json script';
  }
  if (tool === 'npx')
    return (await declaredBins()).has(args[0] ?? '') ? 'a bin of a declared dependency' : undefined;
  if (tool === 'curl') {
    const url = args.map((word) => API_URL.exec(word)).find((match) => match !== null);
    if (!url) return undefined;
    const methodAt = args.indexOf('-X');
    const sendsData = args.some((word) => ['-d', '--data', '--data-binary'].includes(word));
    const method = methodAt >= 0 ? (args[methodAt + 1] ?? '') : sendsData ? 'POST' : 'GET';
    return routeMatches(method, url[1] ?? '') ? 'a route of functions/routes.ts' : undefined;
  }
  return undefined;
}

describe('commands shown in README.md and docs/', () => {
  it('finds the walkthrough and the deploy commands (the extraction works)', () => {
    const texts = shown.map((command) => command.text);
    expect(texts).toContain('npm run cli -- import samples/seed-partners.csv');
    expect(texts).toContain('npm ci');
    expect(texts.some((text) => text.startsWith('curl -s -X POST localhost:3000/partners'))).toBe(true);
    expect(texts.some((text) => text.startsWith('npx cdk deploy --outputs-file'))).toBe(true);
    expect(texts.some((text) => text.startsWith('aws cognito-idp create-user-pool --pool-name'))).toBe(true);
  });

  it('shows only commands that exist and that something runs', async () => {
    const unexercised: string[] = [];
    for (const { file, words, text } of shown) {
      if ((await exercised(words, text)) === undefined) unexercised.push(`${file}: ${text}`);
    }
    expect(unexercised).toEqual([]);
  });

  it('names only repository files that exist', () => {
    const missing = shown
      .flatMap(({ file, words }) => words.map((word) => ({ file, word: word.replace(/^@/, '') })))
      .filter(({ word }) => /^(samples|docs|test|bench|infra|core|functions)\/[\w./-]+$/.test(word))
      .filter(({ word }) => !existsSync(word))
      .map(({ file, word }) => `${file}: ${word}`);
    expect(missing).toEqual([]);
  });

  it('keeps no entry in its lists of commands run elsewhere that the docs no longer show', () => {
    const stale = ELSEWHERE.filter((entry) => !shown.some(({ text }) => entry.command.test(text)));
    expect(stale.map((entry) => String(entry.command))).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replaceAll(' ', '-');
    const headings = new Map(
      docs.map(({ file, text }) => [
        path.normalize(file),
        new Set([...text.matchAll(/^#+ (.*)$/gm)].map((match) => slug(match[1] ?? ''))),
      ]),
    );
    const broken: string[] = [];
    for (const { file, text } of docs) {
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] ?? '';
        if (/^[a-z]+:/.test(target)) continue;
        const [relative = '', anchor] = target.split('#');
        const resolved =
          relative === '' ? path.normalize(file) : path.normalize(path.join(path.dirname(file), relative));
        if (!existsSync(resolved)) broken.push(`${file}: ${target}`);
        else if (anchor && headings.has(resolved) && !headings.get(resolved)?.has(anchor))
          broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
