import { Capture, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildTestApp, DEPLOY_CONTEXT } from './build-app.ts';

describe('HTTP API CORS (corsAllowedOrigins, the same context value as the bucket)', () => {
  it('lets API Gateway answer preflights for the configured origins, with the headers a browser app needs', () => {
    const { template } = buildTestApp({ ...DEPLOY_CONTEXT, corsAllowedOrigins: 'https://crm.example.org' });
    const methods = new Capture();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://crm.example.org'],
        AllowMethods: methods,
        AllowHeaders: ['authorization', 'content-type', 'if-none-match'],
        ExposeHeaders: ['etag', 'link', 'retry-after'],
        MaxAge: 3600,
      },
    });
    expect((methods.asArray() as string[]).sort()).toEqual(['DELETE', 'GET', 'POST', 'PUT']);
    // The bucket's CORS uses the same origins.
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: { CorsConfiguration: Match.anyValue() },
    });
    const rules = Object.values(buckets).flatMap(
      (bucket) =>
        (bucket as { Properties: { CorsConfiguration: { CorsRules: { AllowedOrigins: string[] }[] } } })
          .Properties.CorsConfiguration.CorsRules,
    );
    expect(rules.map((rule) => rule.AllowedOrigins)).toEqual([['https://crm.example.org']]);
  });

  it('allows any origin when the context does not name them', () => {
    const { template } = buildTestApp();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'] }),
    });
  });
});
