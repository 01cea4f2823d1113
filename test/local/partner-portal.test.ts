import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeKey } from '#functions/routes.ts';
import { matchRoute } from '#infra/local/http-gateway.ts';
import { type LocalIssuer, startLocalIssuer } from '#infra/local/local-issuer.ts';
import { type LocalStack, startLocalStack } from '#infra/local/local-stack.ts';
import { readLocalSettings } from '#infra/local/settings.ts';
import { assertDocumentedResponse } from '#test/support/api-document.ts';

// The partner portal through `npm start` with LOCAL_AUTH=1: tampering, bad input, revocation, the
// scorecard's content, the local issuer's sign-in, refresh and persistence across a restart.

let dataDir: string;
let stack: LocalStack;
let issuer: LocalIssuer;
let vendor: string;

const settings = () =>
  readLocalSettings({
    PORT: '0',
    DATA_DIR: dataDir,
    LOCAL_AUTH: '1',
    RESCORE_CRON: '0 2 31 2 *',
    SHUTDOWN_GRACE_MS: '2000',
  });

async function call(
  method: string,
  route: string,
  token: string | undefined,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  const body = text === '' ? undefined : /json/.test(contentType) ? JSON.parse(text) : text;
  const match = matchRoute(method, new URL(route, stack.apiUrl).pathname);
  if (!match) throw new Error(`no route for ${method} ${route}`);
  const key = routeKey(match.route);
  assertDocumentedResponse(key, { status: response.status, headers: { 'content-type': contentType }, body });
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field.
  return { status: response.status, body: body as any };
}

async function rescore() {
  const { body } = await call('POST', '/rescore', vendor);
  for (;;) {
    const run = await call('GET', `/runs/${body.runId}`, vendor);
    if (run.body.status === 'completed') return body.runId as string;
    if (run.body.status === 'failed') throw new Error(JSON.stringify(run.body));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function passwordGrant(email: string, password: string, clientId = issuer.portalClientId) {
  const response = await fetch(issuer.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: email, password, client_id: clientId }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function invite(partner: string, email: string, role: 'viewer' | 'admin') {
  const invited = await call('POST', `/partners/${partner}/users`, vendor, { body: { email, role } });
  expect(invited.status, JSON.stringify(invited.body)).toBe(201);
  const tokens = await passwordGrant(email, invited.body.localPassword);
  expect(tokens.status).toBe(200);
  return {
    userId: invited.body.userId as string,
    password: invited.body.localPassword as string,
    token: tokens.body.access_token as string,
  };
}

let admin: Awaited<ReturnType<typeof invite>>;
let other: Awaited<ReturnType<typeof invite>>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'partner-portal-'));
  stack = await startLocalStack(settings(), { info: () => {}, error: () => {} });
  issuer = stack.issuer as LocalIssuer;
  vendor = await issuer.accessToken(['partners/read', 'partners/write']);
  const partners = Array.from({ length: 24 }, (_, i) => ({
    id: `p${String(i).padStart(2, '0')}`,
    name: `Partner ${i}`,
    metrics: {
      sales: 100 + i * 13.7,
      transactions: 5 + i,
      reputation: 50 + (i % 7),
      communicationFrequency: i % 3,
    },
  }));
  await call('POST', '/partners', vendor, { body: { partners } });
  await rescore();
  await call('POST', '/partners', vendor, { body: { id: 'p03', metrics: { sales: 290 } } });
  await rescore();
  admin = await invite('p03', 'admin@p03.example', 'admin');
  other = await invite('p17', 'admin@p17.example', 'admin');
});

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the scorecard', () => {
  it('is the caller’s own, with points out of their maximum and nothing of the population', async () => {
    const { status, body } = await call('GET', '/me/scorecard', admin.token);
    expect(status).toBe(200);
    const own = await call('GET', '/partners/p03', vendor);
    expect(body).toMatchObject({
      partnerId: 'p03',
      name: 'Partner 3',
      tier: own.body.score.tier,
      provisional: false,
    });
    expect(body.score).toBe(Math.floor(own.body.score.value * 10 + 1e-9) / 10);
    expect(body.runId).toBe(own.body.score.runId);
    // 24 partners: a band, never the rank or the count.
    expect(body.percentileBand).toMatch(/^(top (10|25|50)%|bottom 50%)$/);
    for (const metric of body.metrics) {
      expect(Object.keys(metric).sort()).toEqual(['group', 'maxPoints', 'metric', 'points', 'value']);
      expect(Math.round(metric.points * 10) / 10).toBe(metric.points);
      expect(metric.points).toBeLessThanOrEqual(metric.maxPoints);
    }
    expect(body.metrics.find((metric: { metric: string }) => metric.metric === 'sales').value).toBe(290);
    const rooms = body.workOn.map((item: { pointsAvailable: number }) => item.pointsAvailable);
    expect(rooms).toEqual([...rooms].sort((a, b) => b - a));
    const text = JSON.stringify(body);
    for (const word of [
      'rank',
      'percentile"',
      'normalized',
      'min',
      'max"',
      'mean',
      'partners"',
      'breakdown',
    ]) {
      expect(text).not.toContain(`"${word.replace('"', '')}"`);
    }
    if (body.nextTier) expect(body.nextTier.pointsNeeded).toBeGreaterThan(0);
    expect(body.marginToDemotion).toBeGreaterThanOrEqual(0);
  });

  it('has a history with a band and a tier per run, paged by a cursor that holds no partner', async () => {
    const first = await call('GET', '/me/scorecard/history?limit=1', admin.token);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0]).toEqual({
      runId: expect.any(String),
      scoredAt: expect.any(String),
      score: expect.any(Number),
      tier: expect.any(String),
      percentileBand: expect.any(String),
    });
    const second = await call(
      'GET',
      `/me/scorecard/history?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      admin.token,
    );
    expect(second.body.items[0].runId).not.toBe(first.body.items[0].runId);
    const vendorHistory = await call('GET', '/partners/p03/history', vendor);
    expect([first.body.items[0].runId, second.body.items[0].runId]).toEqual(
      vendorHistory.body.items.map((item: { runId: string }) => item.runId),
    );
  });
});

describe('tampering changes nothing: the caller’s own data or 404', () => {
  it('ignores a partner id in the query, a header or the body', async () => {
    const plain = await call('GET', '/me/scorecard', admin.token);
    for (const attempt of [
      call('GET', '/me/scorecard?partnerId=p17', admin.token),
      call('GET', '/me/scorecard?partnerId=p17&id=p17', admin.token, {
        headers: { 'x-partner-id': 'p17', 'partner-id': 'p17' },
      }),
      call('GET', '/me?partnerId=p17', admin.token),
    ]) {
      const { status, body } = await attempt;
      expect(status).toBe(200);
      expect(body.partnerId).toBe('p03');
      expect(JSON.stringify(body)).not.toContain('p17');
    }
    expect((await call('GET', '/me/scorecard?partnerId=p17', admin.token)).body).toEqual(plain.body);
    const invited = await call('POST', '/me/users', admin.token, {
      body: { email: 'new@p03.example', role: 'viewer', partnerId: 'p17' },
    });
    expect(invited.status).toBe(201);
    expect(invited.body.partnerId).toBe('p03');
    const others = await call('GET', '/me/users', other.token);
    expect(others.body.items.map((user: { email: string }) => user.email)).toEqual(['admin@p17.example']);
  });

  it('pages the caller’s own history with another partner’s cursor', async () => {
    const theirs = await call('GET', '/me/scorecard/history?limit=1', other.token);
    const mine = await call('GET', '/me/scorecard/history?limit=5', admin.token);
    const withTheirCursor = await call(
      'GET',
      `/me/scorecard/history?limit=5&cursor=${encodeURIComponent(theirs.body.nextCursor)}`,
      admin.token,
    );
    expect(withTheirCursor.status).toBe(200);
    expect(withTheirCursor.body.items).toEqual(mine.body.items.slice(1));
  });

  it('answers 404 for another partner’s user on /me/users/{userId}, which keeps working', async () => {
    const refused = await call('DELETE', `/me/users/${other.userId}`, admin.token);
    expect(refused.status).toBe(404);
    expect((await call('GET', '/me', other.token)).status).toBe(200);
    expect((await call('DELETE', `/me/users/${admin.userId}`, admin.token)).status).toBe(409);
  });

  it('keeps an email to one partner: 409 from another, 409 again from the same', async () => {
    const elsewhere = await call('POST', '/partners/p05/users', vendor, {
      body: { email: 'ADMIN@p03.example', role: 'viewer' },
    });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.detail).not.toMatch(/Partner 3|\bp03\b(?!\.example)/);
    expect(
      (
        await call('POST', '/partners/p03/users', vendor, {
          body: { email: 'admin@p03.example', role: 'viewer' },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await call('POST', '/partners/nobody/users', vendor, {
          body: { email: 'x@y.example', role: 'viewer' },
        })
      ).status,
    ).toBe(404);
  });
});

describe('bad input of the portal routes: 400 with the failing path', () => {
  it.each([
    [{}, ['/email', '/role']],
    [{ email: 'not-an-address', role: 'viewer' }, ['/email']],
    [{ email: `${'a'.repeat(250)}@x.example`, role: 'viewer' }, ['/email']],
    [{ email: 'ok@x.example', role: 'owner' }, ['/role']],
    [{ email: 42, role: 'admin' }, ['/email']],
    [[], ['/']],
  ])('POST /partners/{id}/users %j', async (body, paths) => {
    const { status, body: problem } = await call('POST', '/partners/p01/users', vendor, { body });
    expect(status).toBe(400);
    expect(problem.errors.map((error: { path: string }) => error.path).sort()).toEqual(paths);
  });

  it('checks the query and path parameters', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc']) {
      const { status, body } = await call('GET', `/me/scorecard/history?${query}`, admin.token);
      expect(status).toBe(400);
      expect(body.errors[0].path).toBe('/query/limit');
    }
    const forged = await call('GET', '/me/scorecard/history?cursor=eyJ4IjoxfQ.forged', admin.token);
    expect(forged.status).toBe(400);
    expect(forged.body.errors[0].path).toBe('/query/cursor');
    const badBody = await call('POST', '/me/users', admin.token, { body: '{"email":' });
    expect(badBody.status).toBe(400);
    expect((await call('DELETE', `/partners/p03/users/${'u'.repeat(200)}`, vendor)).status).toBe(404);
    expect((await call('GET', `/partners/${'x'.repeat(129)}/users`, vendor)).status).toBe(400);
  });
});

describe('revocation and sessions', () => {
  it('shuts a revoked user out at its next request, and its refresh token stops working', async () => {
    const viewer = await invite('p03', 'leaving@p03.example', 'viewer');
    const grant = await passwordGrant('leaving@p03.example', viewer.password);
    expect((await call('GET', '/me/users', viewer.token)).status).toBe(403);
    expect((await call('GET', '/me/scorecard', viewer.token)).status).toBe(200);
    expect((await call('DELETE', `/me/users/${viewer.userId}`, admin.token)).status).toBe(204);
    expect((await call('GET', '/me/scorecard', viewer.token)).status).toBe(403);
    const refreshed = await fetch(issuer.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: grant.body.refresh_token ?? '',
        client_id: issuer.portalClientId,
      }),
    });
    expect(refreshed.status).toBe(400);
    expect((await passwordGrant('leaving@p03.example', viewer.password)).status).toBe(400);
    const listed = await call('GET', '/partners/p03/users', vendor);
    expect(listed.body.items.find((user: { userId: string }) => user.userId === viewer.userId)).toMatchObject(
      { status: 'revoked' },
    );
  });

  it('signs in through the sign-in page (authorization code with PKCE), refreshes, and revokes on sign-out', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = `${stack.apiUrl}/`;
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: issuer.portalClientId,
      redirect_uri: redirectUri,
      state: 'st4te',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const signInPage = await fetch(`${issuer.issuer}/oauth2/authorize?${params}`);
    expect(signInPage.status).toBe(200);
    expect(await signInPage.text()).toContain('<form method="post" action="/login">');
    const wrong = await fetch(`${issuer.issuer}/login`, {
      method: 'POST',
      body: new URLSearchParams({
        ...Object.fromEntries(params),
        username: 'admin@p03.example',
        password: 'nope',
      }),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${issuer.issuer}/login`, {
      method: 'POST',
      body: new URLSearchParams({
        ...Object.fromEntries(params),
        username: 'admin@p03.example',
        password: admin.password,
      }),
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    const back = new URL(login.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st4te');
    const exchange = (verifierSent: string) =>
      fetch(issuer.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: issuer.portalClientId,
          code: back.searchParams.get('code') ?? '',
          redirect_uri: redirectUri,
          code_verifier: verifierSent,
        }),
      });
    const tokens = (await (await exchange(verifier)).json()) as Record<string, string>;
    expect((await call('GET', '/me', tokens.access_token)).body.partnerId).toBe('p03');
    // A code is good once.
    expect((await exchange(verifier)).status).toBe(400);
    const refresh = (token: string) =>
      fetch(issuer.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: token,
          client_id: issuer.portalClientId,
        }),
      });
    const refreshed = await refresh(tokens.refresh_token ?? '');
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('access-control-allow-origin')).toBe('*');
    const fresh = (await refreshed.json()) as Record<string, string>;
    expect((await call('GET', '/me/scorecard', fresh.access_token)).status).toBe(200);
    await fetch(`${issuer.issuer}/oauth2/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: tokens.refresh_token ?? '', client_id: issuer.portalClientId }),
    });
    expect((await refresh(tokens.refresh_token ?? '')).status).toBe(400);
  });

  it('refuses a sign-in without PKCE or with a foreign redirect', async () => {
    const base = {
      response_type: 'code',
      client_id: issuer.portalClientId,
      redirect_uri: `${stack.apiUrl}/`,
    };
    expect((await fetch(`${issuer.issuer}/oauth2/authorize?${new URLSearchParams(base)}`)).status).toBe(400);
    const foreign = new URLSearchParams({
      ...base,
      redirect_uri: 'https://evil.example/',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    expect((await fetch(`${issuer.issuer}/oauth2/authorize?${foreign}`)).status).toBe(400);
  });

  it('signs the channel team in through the console’s client: vendor routes yes, /me no', async () => {
    expect(stack.channelUser?.email).toBe('channel@example.com');
    const channel = await passwordGrant(
      stack.channelUser?.email ?? '',
      stack.channelUser?.password ?? '',
      issuer.consoleClientId,
    );
    expect(channel.status).toBe(200);
    expect((await call('GET', '/rankings', channel.body.access_token)).status).toBe(200);
    expect((await call('GET', '/me', channel.body.access_token)).status).toBe(403);
  });

  it('keeps users in DATA_DIR across a restart of the issuer', async () => {
    await stack.stop();
    // The handlers of a stopped stack keep their clients in this process: the issuer alone restarts here
    // (test/local/local-stack.test.ts restarts whole stacks in child processes).
    const again = await startLocalIssuer('127.0.0.1', 0, { dataDir: path.join(dataDir, 'issuer') });
    try {
      const response = await fetch(again.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'admin@p03.example',
          password: admin.password,
          client_id: again.portalClientId,
        }),
      });
      expect(response.status).toBe(200);
      const { access_token: token } = (await response.json()) as { access_token: string };
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({
        sub: admin.userId,
        'cognito:groups': ['partner-users'],
        client_id: 'local-portal',
      });
      expect(again.users.byEmail('leaving@p03.example')?.enabled).toBe(false);
    } finally {
      await again.stop();
    }
  });
});
