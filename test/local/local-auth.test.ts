import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteSpec, routeKey } from '#functions/routes.ts';
import type { LocalIssuer } from '#infra/local/local-issuer.ts';
import { type LocalStack, startLocalStack } from '#infra/local/local-stack.ts';
import { readLocalSettings } from '#infra/local/settings.ts';
import { assertDocumentedResponse } from '#test/support/api-document.ts';

/**
 * Who may call each route, stated here on its own: a route added to `ROUTES` without its row here
 * fails, and a row that disagrees with the route table's scope fails on the responses.
 */
const ACCESS: Record<string, 'open' | 'read' | 'write'> = {
  'GET /health': 'open',
  'GET /openapi.json': 'open',
  'GET /docs': 'open',
  'GET /': 'open',
  'GET /assets/{file}': 'open',
  'POST /partners': 'write',
  'GET /partners': 'read',
  'GET /partners/{id}': 'read',
  'DELETE /partners/{id}': 'write',
  'GET /partners/{id}/history': 'read',
  'GET /rankings': 'read',
  'POST /rescore': 'write',
  'GET /runs': 'read',
  'GET /runs/latest': 'read',
  'GET /runs/{runId}': 'read',
  'GET /runs/{runId}/movers': 'read',
  'GET /model': 'read',
  'PUT /model': 'write',
  'GET /model/versions': 'read',
  'POST /model/versions/{version}/activate': 'write',
  'POST /model/preview': 'write',
  'POST /imports': 'write',
  'GET /imports': 'read',
  'GET /imports/{importId}': 'read',
  'GET /worklist': 'read',
  'GET /worklist/config': 'read',
  'PUT /worklist/config': 'write',
  'POST /worklist/{itemId}/actions': 'write',
  'GET /quality/latest': 'read',
  'GET /quality/{runId}/checks/{check}/failures': 'read',
  'GET /audit': 'read',
};

type Identity =
  | 'none'
  | 'expired'
  | 'wrong issuer'
  | 'other key'
  | 'ID token'
  | 'read'
  | 'write only'
  | 'write';
const IDENTITIES: Identity[] = [
  'none',
  'expired',
  'wrong issuer',
  'other key',
  'ID token',
  'read',
  'write only',
  'write',
];

/** What API Gateway's JWT authorizer answers for an identity on a route, or `pass` to the function. */
function expected(access: 'open' | 'read' | 'write', identity: Identity): 401 | 403 | 'pass' {
  if (access === 'open') return 'pass';
  if (['none', 'expired', 'wrong issuer', 'other key'].includes(identity)) return 401;
  // An ID token is valid (its aud is the app client), but carries no scope.
  if (identity === 'ID token') return 403;
  if (identity === 'write') return 'pass';
  if (identity === 'read') return access === 'read' ? 'pass' : 403;
  return access === 'write' ? 'pass' : 403;
}

let dataDir: string;
let stack: LocalStack;
let issuer: LocalIssuer;
const tokens = new Map<Identity, string | undefined>();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'local-auth-'));
  const settings = readLocalSettings({
    PORT: '0',
    DATA_DIR: dataDir,
    LOCAL_AUTH: '1',
    RESCORE_CRON: '0 2 31 2 *',
    SHUTDOWN_GRACE_MS: '2000',
  });
  stack = await startLocalStack(settings, { info: () => {}, error: () => {} });
  if (!stack.issuer) throw new Error('LOCAL_AUTH=1 started no issuer');
  issuer = stack.issuer;

  const now = Math.floor(Date.now() / 1000);
  const cognitoAccess = {
    sub: issuer.clientId,
    token_use: 'access',
    scope: 'partners/read partners/write',
    client_id: issuer.clientId,
    iss: issuer.issuer,
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
  };
  const otherKey = await generateKeyPair('RS256');
  tokens.set('none', undefined);
  tokens.set('expired', await issuer.sign({ ...cognitoAccess, iat: now - 7200, exp: now - 3600 }));
  tokens.set(
    'wrong issuer',
    await issuer.sign({ ...cognitoAccess, iss: 'https://issuer.example.com/other' }),
  );
  tokens.set(
    'other key',
    await new SignJWT(cognitoAccess)
      .setProtectedHeader({ alg: 'RS256', kid: 'other' })
      .sign(otherKey.privateKey),
  );
  tokens.set(
    'ID token',
    await issuer.sign({
      sub: randomUUID(),
      aud: issuer.clientId,
      token_use: 'id',
      'cognito:username': 'alice',
      email: 'alice@example.com',
      iss: issuer.issuer,
      iat: now,
      exp: now + 600,
      auth_time: now,
    }),
  );
  tokens.set('read', await issuer.accessToken(['partners/read']));
  tokens.set('write only', await issuer.accessToken(['partners/write']));
  tokens.set('write', await issuer.accessToken(['partners/read', 'partners/write']));
});

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function request(route: RouteSpec, identity: Identity) {
  const url = `${stack.apiUrl}${route.path.replace(/\{\w+\}/g, 'x')}`;
  const token = tokens.get(identity);
  const response = await fetch(url, {
    method: route.method,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  const received = {
    status: response.status,
    headers: {
      'content-type': contentType,
      'www-authenticate': response.headers.get('www-authenticate') ?? '',
    },
    body: text === '' ? undefined : /json/.test(contentType) ? JSON.parse(text) : text,
  };
  assertDocumentedResponse(routeKey(route), received);
  return received;
}

describe('LOCAL_AUTH=1: every route × every identity, as API Gateway’s JWT authorizer answers', () => {
  it('has an access row for every route of the route table, matching its scope', () => {
    for (const route of ROUTES as readonly RouteSpec[]) {
      const access = ACCESS[routeKey(route)];
      expect(access, `add ${routeKey(route)} to ACCESS`).toBeDefined();
      expect(route.scope, routeKey(route)).toBe(
        access === 'open' ? null : access === 'read' ? 'partners/read' : 'partners/write',
      );
    }
  });

  it.each(ROUTES.map((route) => [routeKey(route), route] as const))('%s', async (key, route) => {
    const access = ACCESS[key];
    if (!access) throw new Error(`add ${key} to ACCESS`);
    for (const identity of IDENTITIES) {
      const response = await request(route, identity);
      const outcome = expected(access, identity);
      if (outcome === 'pass') {
        expect([401, 403], `${key} as ${identity}: ${JSON.stringify(response.body)}`).not.toContain(
          response.status,
        );
      } else {
        expect(response.status, `${key} as ${identity}`).toBe(outcome);
        expect(response.body).toEqual({ message: outcome === 401 ? 'Unauthorized' : 'Forbidden' });
        if (outcome === 403) expect(response.headers['www-authenticate']).toContain(`scope="${route.scope}"`);
      }
    }
  });
});

describe('LOCAL_AUTH=1: who wrote is the token’s subject and client', () => {
  it('in the audit trail and in the access log; a refused request is logged with the authorizer’s reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sign({
      sub: 'alice-0001',
      token_use: 'access',
      scope: 'partners/read partners/write',
      client_id: issuer.clientId,
      iss: issuer.issuer,
      iat: now,
      exp: now + 600,
    });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const upsert = await fetch(`${stack.apiUrl}/partners`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: 'audited-1', metrics: { sales: 1 } }),
    });
    expect(upsert.status).toBe(200);
    const audit = await fetch(`${stack.apiUrl}/audit?target=partner%2Faudited-1`, { headers });
    expect(audit.status).toBe(200);
    const page = (await audit.json()) as { items: unknown[] };
    expect(page.items).toEqual([
      expect.objectContaining({ action: 'partner.upsert', subject: 'alice-0001', clientId: issuer.clientId }),
    ]);
    const refused = await fetch(`${stack.apiUrl}/audit`);
    expect(refused.status).toBe(401);

    // The gateway writes a request's line once its answer is sent: wait for both lines.
    const lines = await accessLines(
      (all) =>
        all.some((line) => line.routeKey === 'POST /partners' && line.subject === 'alice-0001') &&
        all.some((line) => line.routeKey === 'GET /audit' && line.status === 401),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        routeKey: 'POST /partners',
        status: 200,
        subject: 'alice-0001',
        clientId: issuer.clientId,
      }),
    );
    expect(lines.findLast((line) => line.routeKey === 'GET /audit' && line.status === 401)).toMatchObject({
      subject: null,
      authorizerError: expect.stringContaining('invalid_token'),
    });
  });
});

/** The lines of the gateway's access log, once `ready` holds for them (or after 5 s). */
async function accessLines(ready: (lines: Record<string, unknown>[]) => boolean) {
  let lines: Record<string, unknown>[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = await readFile(path.join(dataDir, 'access.ndjson'), 'utf8').catch(() => '');
    lines = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    if (ready(lines)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return lines;
}

describe('the local issuer', () => {
  it('publishes its discovery document and the JWKS whose key signs its tokens', async () => {
    const discovery = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
    };
    expect(discovery).toMatchObject({ issuer: issuer.issuer, token_endpoint: issuer.tokenUrl });
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string; kty: string }[] };
    const kid = JSON.parse(
      Buffer.from((tokens.get('read') ?? '').split('.')[0] ?? '', 'base64url').toString(),
    );
    expect(jwks.keys.map((key) => key.kid)).toContain(kid.kid);
    expect(jwks.keys[0]?.kty).toBe('RSA');
  });

  it('issues Cognito-shaped access tokens by the client-credentials flow', async () => {
    const basic = Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64');
    const response = await fetch(issuer.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=partners%2Fread',
    });
    expect(response.status).toBe(200);
    const {
      access_token: token,
      token_type: type,
      expires_in: expiresIn,
    } = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect({ type, expiresIn }).toEqual({ type: 'Bearer', expiresIn: 3600 });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ client_id: issuer.clientId, token_use: 'access', scope: 'partners/read' });
    expect(claims.aud).toBeUndefined();
    const rankings = await fetch(`${stack.apiUrl}/rankings`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rankings.status).toBe(200);

    const wrongSecret = await fetch(issuer.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${issuer.clientId}:nope`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(wrongSecret.status).toBe(401);
  });
});

/** Runs `npm run cli -- …`'s entry against the stack, without any token of the environment. */
function cli(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, API_URL: stack.apiUrl, NO_COLOR: '1' };
  delete env.API_TOKEN;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/local/cli.ts', ...args],
      { env, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('the CLI against a stack that checks tokens', () => {
  it('names the missing token and scope, logs in by client credentials, then sends the token', async () => {
    const anonymous = await cli('rank');
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('GET /rankings: 401 Unauthorized');
    expect(anonymous.stderr).toContain('needs a token with the scope partners/read');

    const login = await cli(
      'login',
      '--token-url',
      issuer.tokenUrl,
      '--client-id',
      issuer.clientId,
      '--client-secret',
      issuer.clientSecret,
      '--scope',
      'partners/read',
    );
    expect(login.code).toBe(0);
    const token = /^API_TOKEN=(\S+)$/m.exec(login.stdout)?.[1] ?? '';
    expect(token).not.toBe('');

    const ranked = await cli('rank', '--token', token);
    expect(ranked.code).toBe(0);
    // The matrix above started runs with the write token; either way the ranking is shown.
    expect(ranked.stdout).toMatch(/No completed run yet|run run-/);

    const refused = await cli('rescore', '--token', token);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('POST /rescore: 403 Forbidden');
    expect(refused.stderr).toContain('lacks the scope partners/write');

    const badLogin = await cli(
      'login',
      '--token-url',
      issuer.tokenUrl,
      '--client-id',
      issuer.clientId,
      '--client-secret',
      'wrong',
    );
    expect(badLogin.code).toBe(1);
    expect(badLogin.stderr).toContain('401 invalid_client');
  });
});
