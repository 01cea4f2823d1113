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
 * fails, and a row that disagrees with the route table's scope fails on the responses. `partner`:
 * any partner user; `partner admin`: a partner user with the admin role.
 */
type Access = 'open' | 'read' | 'write' | 'partner' | 'partner admin';
const ACCESS: Record<string, Access> = {
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
  'POST /partners/{id}/users': 'write',
  'GET /partners/{id}/users': 'read',
  'DELETE /partners/{id}/users/{userId}': 'write',
  'GET /me': 'partner',
  'GET /me/scorecard': 'partner',
  'GET /me/scorecard/history': 'partner',
  'GET /me/users': 'partner admin',
  'POST /me/users': 'partner admin',
  'DELETE /me/users/{userId}': 'partner admin',
  'GET /distribution/policy': 'read',
  'PUT /distribution/policy': 'write',
  'GET /distribution/audit': 'read',
  'POST /leads': 'write',
  'GET /leads': 'read',
  'GET /leads/{leadId}': 'read',
  'POST /leads/{leadId}/assign': 'write',
  'GET /me/offers': 'partner',
  'POST /me/offers/{offerId}/accept': 'partner',
  'POST /me/offers/{offerId}/decline': 'partner',
};

type Identity =
  | 'none'
  | 'expired'
  | 'wrong issuer'
  | 'other key'
  | 'ID token'
  | 'read'
  | 'write only'
  | 'write'
  | 'partner viewer'
  | 'partner admin'
  | 'revoked partner user'
  | 'partner via vendor client'
  | 'other partner user';
const IDENTITIES: Identity[] = [
  'none',
  'expired',
  'wrong issuer',
  'other key',
  'ID token',
  'read',
  'write only',
  'write',
  'partner viewer',
  'partner admin',
  'revoked partner user',
  'partner via vendor client',
  'other partner user',
];
const VENDOR: Identity[] = ['read', 'write only', 'write'];
/** The partner users invited with the admin role (the others are viewers, or revoked). */
const PARTNER_ADMINS: Identity[] = ['partner admin', 'partner via vendor client', 'other partner user'];
/** Partner users whose tokens come from the portal's app client: no vendor scope at all. */
const PORTAL_USERS: Identity[] = [
  'partner viewer',
  'partner admin',
  'revoked partner user',
  'other partner user',
];

/**
 * Who answers an identity on a route: API Gateway's JWT authorizer (`401` / `403` with its own body),
 * the function's authorisation (`fn 401` / `fn 403`, problem+json), or `pass` to the route's handler.
 */
function expected(access: Access, identity: Identity): 401 | 403 | 'fn 401' | 'fn 403' | 'pass' {
  if (access === 'open') return 'pass';
  if (['none', 'expired', 'wrong issuer', 'other key'].includes(identity)) return 401;
  if (access === 'partner' || access === 'partner admin') {
    // Behind the authorizer without a scope: the function admits partner users with an active membership.
    if (identity === 'ID token') return 'fn 401';
    if (VENDOR.includes(identity)) return 'fn 403';
    if (identity === 'revoked partner user') return 'fn 403';
    if (access === 'partner admin' && !PARTNER_ADMINS.includes(identity)) return 'fn 403';
    return 'pass';
  }
  // An ID token is valid (its aud is the app client), but carries no scope; so do portal tokens.
  if (identity === 'ID token' || PORTAL_USERS.includes(identity)) return 403;
  // Scopes belong to the app client: the vendor's client gave this partner user the vendor's
  // scopes, and the function turns it away.
  if (identity === 'partner via vendor client') return 'fn 403';
  if (identity === 'write') return 'pass';
  if (identity === 'read') return access === 'read' ? 'pass' : 403;
  return access === 'write' ? 'pass' : 403;
}

/** A partner no partner user may ever see anything of: its id, name and score are searched for in every answer. */
const CANARY = { id: 'CANARY-7Q2', name: 'Canary Quokka Holdings' };
let canaryScore = '';

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
  await setUpPartnerUsers();
});

/** Partners (the canary among them), a completed run, and partner users signed in by the password grant. */
async function setUpPartnerUsers() {
  const write = tokens.get('write') as string;
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as Record<string, unknown>;
  };
  const metrics = (i: number) => ({
    sales: 10 + i * 7,
    transactions: i * 3,
    reputation: 40 + (i % 4),
    commonCustomers: i,
  });
  await call('POST', '/partners', {
    partners: [
      {
        id: CANARY.id,
        name: CANARY.name,
        metrics: { sales: 57.3, transactions: 11.1, reputation: 41.7, commonCustomers: 7.3 },
      },
      { id: 'OWN', name: 'Own Partner', metrics: metrics(3) },
      { id: 'OTHER', name: 'Other Partner', metrics: metrics(5) },
      ...Array.from({ length: 20 }, (_, i) => ({ id: `filler-${i}`, metrics: metrics(i) })),
    ],
  });
  const { runId } = await call('POST', '/rescore');
  for (;;) {
    const run = await call('GET', `/runs/${runId}`);
    if (run.status === 'completed') break;
    if (run.status === 'failed') throw new Error(`run failed: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const canary = (await call('GET', `/partners/${CANARY.id}`)) as { score: { value: number } };
  canaryScore = String(canary.score.value);
  // Long enough that no other number of an answer holds it by chance.
  if (!/\.\d{5,}/.test(canaryScore))
    throw new Error(`pick canary metrics with a less round score than ${canaryScore}`);
  const signIn = async (partner: string, email: string, role: string, clientId = issuer.portalClientId) => {
    const user = await call('POST', `/partners/${partner}/users`, { email, role });
    const response = await fetch(issuer.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        username: email,
        password: String(user.localPassword),
        client_id: clientId,
      }),
    });
    if (!response.ok) throw new Error(`password grant for ${email}: ${response.status}`);
    return {
      userId: String(user.userId),
      token: ((await response.json()) as { access_token: string }).access_token,
    };
  };
  tokens.set('partner viewer', (await signIn('OWN', 'viewer@own.example', 'viewer')).token);
  tokens.set('partner admin', (await signIn('OWN', 'admin@own.example', 'admin')).token);
  tokens.set(
    'partner via vendor client',
    (await signIn('OWN', 'side-door@own.example', 'admin', issuer.consoleClientId)).token,
  );
  tokens.set('other partner user', (await signIn('OTHER', 'admin@other.example', 'admin')).token);
  const revoked = await signIn('OWN', 'gone@own.example', 'admin');
  tokens.set('revoked partner user', revoked.token);
  await call('DELETE', `/partners/OWN/users/${revoked.userId}`);
}

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
      const partnerRoute = access === 'partner' || access === 'partner admin';
      expect(route.scope, routeKey(route)).toBe(
        access === 'open' || partnerRoute ? null : access === 'read' ? 'partners/read' : 'partners/write',
      );
      expect('partner' in route && route.partner === true, routeKey(route)).toBe(partnerRoute);
    }
  });

  it.each(ROUTES.map((route) => [routeKey(route), route] as const))('%s', async (key, route) => {
    const access = ACCESS[key];
    if (!access) throw new Error(`add ${key} to ACCESS`);
    for (const identity of IDENTITIES) {
      const response = await request(route, identity);
      const outcome = expected(access, identity);
      const cell = `${key} as ${identity}`;
      if (outcome === 'pass') {
        expect([401, 403], `${cell}: ${JSON.stringify(response.body)}`).not.toContain(response.status);
      } else if (outcome === 'fn 401' || outcome === 'fn 403') {
        expect(response.status, `${cell}: ${JSON.stringify(response.body)}`).toBe(
          outcome === 'fn 401' ? 401 : 403,
        );
        expect(response.headers['content-type'], cell).toBe('application/problem+json');
      } else {
        expect(response.status, cell).toBe(outcome);
        expect(response.body).toEqual({ message: outcome === 401 ? 'Unauthorized' : 'Forbidden' });
        if (outcome === 403) expect(response.headers['www-authenticate']).toContain(`scope="${route.scope}"`);
      }
      // The vendor sees every partner; nobody else ever sees anything of the canary.
      if (!VENDOR.includes(identity)) {
        const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');
        for (const secret of [CANARY.id, CANARY.name, canaryScore]) expect(text, cell).not.toContain(secret);
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
