import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_JWT_AUDIENCE, PLACEHOLDER_JWT_ISSUER, readDeployContext } from '#infra/service-app.ts';

const contextOf = (context: Record<string, unknown>) => readDeployContext(new App({ context }));

describe('deploy context', () => {
  it('falls back to placeholders and defaults, and says so', () => {
    expect(contextOf({})).toEqual({
      jwtIssuer: PLACEHOLDER_JWT_ISSUER,
      jwtAudience: [PLACEHOLDER_JWT_AUDIENCE],
      importRetentionDays: 30,
      corsAllowedOrigins: ['*'],
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
      usesPlaceholderJwt: false,
    });
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
});
