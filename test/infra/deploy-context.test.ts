import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESERVED_CONCURRENCY,
  PLACEHOLDER_JWT_AUDIENCE,
  PLACEHOLDER_JWT_ISSUER,
  readDeployContext,
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
      }).reservedConcurrency,
    ).toEqual({ rescore: 2, queryApi: 20 });
    expect(
      contextOf({
        rescoreReservedConcurrency: 'none',
        importReservedConcurrency: 'none',
        queryReservedConcurrency: 'none',
      }).reservedConcurrency,
    ).toEqual({});
  });

  it.each([0, -1, 1.5, 'many'])('rejects a reserved concurrency of %s', (value) => {
    expect(() => contextOf({ queryReservedConcurrency: value })).toThrow(/queryReservedConcurrency.*none/);
  });
});
