import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterEach, expect, it } from 'vitest';
import { buildTestApp } from './build-app.ts';

const region = process.env.CDK_DEFAULT_REGION;
afterEach(() => {
  if (region === undefined) delete process.env.CDK_DEFAULT_REGION;
  else process.env.CDK_DEFAULT_REGION = region;
});

// The CDK CLI sets CDK_DEFAULT_REGION (us-east-1 without any AWS configuration, as under `npm run synth`):
// findings then name ARNs with the region spelled out, and acknowledgements must match both forms.
it.each([
  ['no region', undefined],
  ['the region the CLI gives', 'us-east-1'],
])('leaves no unacknowledged cdk-nag AwsSolutions or Serverless finding (%s)', (_, cliRegion) => {
  if (cliRegion === undefined) delete process.env.CDK_DEFAULT_REGION;
  else process.env.CDK_DEFAULT_REGION = cliRegion;
  const { app } = buildTestApp();
  // Synthesis resolves the cross-stack references, which name several findings.
  app.synth();
  const findings = [new AwsSolutionsChecks(app), new ServerlessChecks(app)].flatMap((pack) =>
    pack.validateScope(app).violations.map((violation) => ({
      rule: violation.ruleName,
      severity: violation.severity,
      resources: violation.violatingResources.map(
        (resource) => resource.constructPath ?? resource.resourceLogicalId,
      ),
    })),
  );
  expect(findings).toEqual([]);
});
