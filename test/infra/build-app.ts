import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildServiceApp } from '#infra/service-app.ts';

/** Context of a real deployment; tests that check the placeholder defaults pass `{}`. */
export const DEPLOY_CONTEXT = {
  jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
  jwtAudience: 'partner-scoring-client',
  alarmEmail: 'oncall@example.com',
  importRetentionDays: 14,
};

/** The service app as `infra/app.ts` builds it, without bundling (the template is what we test). */
export function buildTestApp(context: Record<string, unknown> = DEPLOY_CONTEXT) {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = buildServiceApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}
