import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtAuthorizer, type JwtAuthorizer } from '#infra/local/jwt-authorizer.ts';
import { type LocalIssuer, startLocalIssuer } from '#infra/local/local-issuer.ts';

// The claim checks the route × identity matrix (test/local/local-auth.test.ts) does not reach.
let issuer: LocalIssuer;
let authorize: JwtAuthorizer;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startLocalIssuer('127.0.0.1', 0);
  authorize = createJwtAuthorizer({ issuer: issuer.issuer, audience: [issuer.clientId], keys: issuer.keys });
});
afterAll(() => issuer.stop());

const access = (claims: Record<string, unknown> = {}) =>
  issuer.sign({
    client_id: issuer.clientId,
    token_use: 'access',
    scope: 'partners/read',
    iss: issuer.issuer,
    iat: now(),
    exp: now() + 600,
    ...claims,
  });

describe('the local JWT authorizer (API Gateway’s checks)', () => {
  it('takes the token with or without the Bearer prefix', async () => {
    const token = await access();
    expect((await authorize(`Bearer ${token}`, ['partners/read'])).allowed).toBe(true);
    expect((await authorize(token, ['partners/read'])).allowed).toBe(true);
  });

  it('refuses with 401 a token not yet valid, issued in the future, or for another audience', async () => {
    for (const token of [
      await access({ nbf: now() + 600 }),
      await access({ iat: now() + 600 }),
      await access({ client_id: 'another-client' }),
      await access({ aud: 'another-client' }),
      'not-a-jwt',
    ]) {
      const decision = await authorize(`Bearer ${token}`, ['partners/read']);
      expect(decision).toMatchObject({ allowed: false, status: 401, body: { message: 'Unauthorized' } });
    }
  });

  it('reads aud before client_id, and scopes from scope or scp', async () => {
    const withAud = await access({ aud: issuer.clientId, client_id: 'another-client' });
    expect((await authorize(withAud, ['partners/read'])).allowed).toBe(true);
    const scp = await access({ scope: undefined, scp: ['partners/write'] });
    expect((await authorize(scp, ['partners/write'])).allowed).toBe(true);
    expect(await authorize(scp, ['partners/read'])).toMatchObject({ allowed: false, status: 403 });
  });
});
