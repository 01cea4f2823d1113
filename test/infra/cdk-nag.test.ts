import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { expect, it } from 'vitest';
import { buildTestApp } from './build-app.ts';

it('leaves no unacknowledged cdk-nag AwsSolutions or Serverless finding', () => {
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
