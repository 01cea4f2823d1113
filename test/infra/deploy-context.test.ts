import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RESERVED_CONCURRENCY,
  DEPLOY_CONTEXT_KEYS,
  PLACEHOLDER_JWT_AUDIENCE,
  PLACEHOLDER_JWT_ISSUER,
  RESERVED_CONCURRENCY_CONTEXT,
  readDeployContext,
  readDeployContextFile,
} from '#infra/service-app.ts';

const contextOf = (context: Record<string, unknown>) => readDeployContext(new App({ context }));

describe('deploy context', () => {
  it('falls back to placeholders and defaults, and says so', () => {
    expect(contextOf({})).toEqual({
      jwtIssuer: PLACEHOLDER_JWT_ISSUER,
      jwtAudience: [PLACEHOLDER_JWT_AUDIENCE],
      importRetentionDays: 30,
      corsAllowedOrigins: ['*'],
      reservedConcurrency: DEFAULT_RESERVED_CONCURRENCY,
      usesPlaceholderJwt: true,
    });
  });

  it('reads -c values (strings) and cdk.json values (arrays, numbers)', () => {
    expect(
      contextOf({
        jwtIssuer: 'https://issuer.example.org',
        jwtAudience: 'crm, reporting',
        alarmEmail: 'ops@example.org',
        importRetentionDays: '7',
        corsAllowedOrigins: ['https://crm.example.org'],
      }),
    ).toEqual({
      jwtIssuer: 'https://issuer.example.org',
      jwtAudience: ['crm', 'reporting'],
      alarmEmail: 'ops@example.org',
      importRetentionDays: 7,
      corsAllowedOrigins: ['https://crm.example.org'],
      reservedConcurrency: DEFAULT_RESERVED_CONCURRENCY,
      usesPlaceholderJwt: false,
    });
  });

  it("reads the console's sign-in: its client joins the audiences, the domain must be an https origin", () => {
    const base = { jwtIssuer: 'https://issuer.example.org', jwtAudience: 'crm' };
    expect(
      contextOf({
        ...base,
        consoleClientId: 'console-1',
        consoleAuthDomain: 'https://team.auth.example.org',
      }),
    ).toMatchObject({
      jwtAudience: ['crm', 'console-1'],
      consoleSignIn: {
        clientId: 'console-1',
        domain: 'https://team.auth.example.org',
        scopes: 'openid partners/read partners/write',
      },
    });
    expect(
      contextOf({
        ...base,
        consoleClientId: 'console-1',
        consoleAuthDomain: 'https://team.auth.example.org',
        consoleScopes: 'openid partners/read',
      }).consoleSignIn?.scopes,
    ).toBe('openid partners/read');
    expect(() => contextOf({ ...base, consoleClientId: 'console-1' })).toThrow(/consoleAuthDomain/);
    expect(() =>
      contextOf({
        ...base,
        consoleClientId: 'console-1',
        consoleAuthDomain: 'https://team.example.org/login',
      }),
    ).toThrow(/no path/);
  });

  it('warns when only one of issuer and audience is given, or the audience is blank', () => {
    expect(contextOf({ jwtIssuer: 'https://issuer.example.org' }).usesPlaceholderJwt).toBe(true);
    expect(contextOf({ jwtIssuer: 'https://issuer.example.org', jwtAudience: ' , ' })).toMatchObject({
      jwtAudience: [PLACEHOLDER_JWT_AUDIENCE],
      usesPlaceholderJwt: true,
    });
  });

  it.each([0, -3, 2.5, 'a month'])('rejects importRetentionDays = %s', (days) => {
    expect(() => contextOf({ importRetentionDays: days })).toThrow(/importRetentionDays/);
  });

  it('reads reserved concurrency per function: a number, or none for an account with a low limit', () => {
    expect(
      contextOf({
        rescoreReservedConcurrency: '2',
        importReservedConcurrency: 'none',
        queryReservedConcurrency: 20,
        previewReservedConcurrency: '4',
      }).reservedConcurrency,
    ).toEqual({ rescore: 2, queryApi: 20, previewApi: 4 });
    expect(
      contextOf({
        rescoreReservedConcurrency: 'none',
        importReservedConcurrency: 'none',
        queryReservedConcurrency: 'none',
        previewReservedConcurrency: 'none',
      }).reservedConcurrency,
    ).toEqual({});
  });

  it.each([0, -1, 1.5, 'many'])('rejects a reserved concurrency of %s', (value) => {
    expect(() => contextOf({ queryReservedConcurrency: value })).toThrow(/queryReservedConcurrency.*none/);
  });
});

describe('deploy context file (deploy.context.json)', () => {
  const dirs: string[] = [];
  const fileWith = async (text: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'deploy-context-'));
    dirs.push(dir);
    const file = path.join(dir, 'deploy.context.json');
    await writeFile(file, text);
    return file;
  };
  afterEach(async () => {
    delete process.env.CDK_CONTEXT_JSON;
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('keeps alarmEmail on a redeploy whose -c sets other keys only; -c wins where both set a key', async () => {
    const file = await fileWith(
      JSON.stringify({
        jwtIssuer: 'https://issuer.example.org',
        jwtAudience: 'crm',
        alarmEmail: 'ops@example.org',
      }),
    );
    // What the CDK CLI hands the app for `-c jwtAudience=crm,console-1`.
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ jwtAudience: 'crm,console-1' });
    const context = readDeployContext(new App({ context: await readDeployContextFile(file) }));
    expect(context).toMatchObject({
      jwtIssuer: 'https://issuer.example.org',
      jwtAudience: ['crm', 'console-1'],
      alarmEmail: 'ops@example.org',
      usesPlaceholderJwt: false,
    });
  });

  it('is optional, and refuses unknown keys (a misspelt setting), non-objects and bad JSON', async () => {
    expect(await readDeployContextFile(path.join(tmpdir(), 'no-such-dir', 'deploy.context.json'))).toEqual(
      {},
    );
    await expect(readDeployContextFile(await fileWith('{"alarmEmial":"ops@example.org"}'))).rejects.toThrow(
      /unknown setting\(s\) alarmEmial; the settings are jwtIssuer/,
    );
    await expect(readDeployContextFile(await fileWith('["a"]'))).rejects.toThrow(/one JSON object/);
    await expect(readDeployContextFile(await fileWith('{"jwtIssuer":'))).rejects.toThrow(/not valid JSON/);
  });

  it('knows every key readDeployContext reads', async () => {
    const source = await import('node:fs/promises').then((fs) => fs.readFile('infra/service-app.ts', 'utf8'));
    const read = [
      ...[...source.matchAll(/get\('(\w+)'\)/g)].map((match) => match[1]),
      ...Object.values(RESERVED_CONCURRENCY_CONTEXT),
    ];
    expect(new Set(read)).toEqual(new Set(DEPLOY_CONTEXT_KEYS));
  });
});
