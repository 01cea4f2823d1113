import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { USER_MANAGEMENT_ACTIONS } from '#infra/constructs/partner-portal.ts';
import { buildTestApp, DEPLOY_CONTEXT } from './build-app.ts';

const PORTAL_CONTEXT = {
  ...DEPLOY_CONTEXT,
  userPoolId: 'eu-west-1_Example',
  portalCallbackUrls: 'https://partners.example.com/,https://api.example.com/',
};

type Statement = { Action: string | string[]; Resource: unknown };
type Policy = { Properties: { PolicyDocument: { Statement: Statement[] }; Roles: { Ref: string }[] } };

describe('the partner portal on AWS', () => {
  const { template, app } = buildTestApp(PORTAL_CONTEXT);

  it('has its own public app client: authorization code (PKCE), callbacks from context, no attribute writable', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: 'eu-west-1_Example',
      ClientName: 'partner-portal',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid']),
      CallbackURLs: ['https://partners.example.com/', 'https://api.example.com/'],
      WriteAttributes: [],
      EnableTokenRevocation: true,
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'partner-users' });
  });

  it('lets the write function alone create and disable users, in that pool only', () => {
    const policies = template.findResources('AWS::IAM::Policy') as Record<string, Policy>;
    const granting = Object.values(policies).filter((policy) =>
      policy.Properties.PolicyDocument.Statement.some((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('cognito-idp:')),
      ),
    );
    expect(granting).toHaveLength(1);
    const [policy] = granting;
    expect(policy?.Properties.Roles.map((role) => role.Ref).join()).toMatch(/IngestApiRole/);
    const statement = policy?.Properties.PolicyDocument.Statement.find((candidate) =>
      [candidate.Action].flat().some((action) => action.startsWith('cognito-idp:')),
    );
    expect([statement?.Action].flat().sort()).toEqual([...USER_MANAGEMENT_ACTIONS].sort());
    expect(JSON.stringify(statement?.Resource)).toContain('userpool/eu-west-1_Example');
  });

  it('accepts the portal client’s tokens and tells the functions which client is the portal', () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<
      string,
      { Properties: { Environment?: { Variables?: Record<string, unknown> } } }
    >;
    const withPortal = Object.entries(functions)
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.PORTAL_CLIENT_IDS !== undefined)
      .map(([id]) => id);
    expect(withPortal.join()).toMatch(/IngestApi/);
    expect(withPortal.join()).toMatch(/QueryApi/);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: {
        Audience: Match.arrayWith(['partner-scoring-client', Match.objectLike({ Ref: Match.anyValue() })]),
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /me/scorecard',
      AuthorizationType: 'JWT',
    });
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    app.synth();
    const findings = [new AwsSolutionsChecks(app), new ServerlessChecks(app)].flatMap((pack) =>
      pack.validateScope(app).violations.map((violation) => violation.ruleName),
    );
    expect(findings).toEqual([]);
  });

  it('needs callback URLs with a user pool', () => {
    expect(() => buildTestApp({ ...DEPLOY_CONTEXT, userPoolId: 'eu-west-1_Example' })).toThrow(
      /portalCallbackUrls/,
    );
  });
});
