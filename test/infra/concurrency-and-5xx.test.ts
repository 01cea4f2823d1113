import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESERVED_CONCURRENCY } from '#infra/service-app.ts';
import type { ServiceFunctionName } from '#infra/service-functions.ts';
import { buildTestApp, DEPLOY_CONTEXT } from './build-app.ts';

function functionOf(template: Template, stackName: string, name: ServiceFunctionName) {
  const found = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `${stackName}-${name}` } }),
  ) as { Properties: Record<string, unknown> }[];
  expect(found, name).toHaveLength(1);
  return found[0]?.Properties ?? {};
}

const defaults = buildTestApp();

describe('reserved concurrency', () => {
  it('reserves concurrency for runs and imports and bounds the query and preview functions by default', () => {
    const { template, stack } = defaults;
    const reserved = (name: ServiceFunctionName) =>
      functionOf(template, stack.stackName, name).ReservedConcurrentExecutions;
    expect(reserved('rescore')).toBe(DEFAULT_RESERVED_CONCURRENCY.rescore);
    expect(reserved('import-csv')).toBe(DEFAULT_RESERVED_CONCURRENCY.importCsv);
    expect(reserved('query-api')).toBe(DEFAULT_RESERVED_CONCURRENCY.queryApi);
    expect(reserved('preview-api')).toBe(DEFAULT_RESERVED_CONCURRENCY.previewApi);
    // The write and console functions share the unreserved pool.
    expect(reserved('ingest-api')).toBeUndefined();
    expect(reserved('web-console')).toBeUndefined();
  });

  it('takes its numbers from the context, and reserves nothing with none (an account with a low limit)', () => {
    const custom = buildTestApp({
      ...DEPLOY_CONTEXT,
      rescoreReservedConcurrency: '3',
      importReservedConcurrency: '4',
      queryReservedConcurrency: '25',
      previewReservedConcurrency: '6',
    });
    const of = (name: ServiceFunctionName) =>
      functionOf(custom.template, custom.stack.stackName, name).ReservedConcurrentExecutions;
    expect([of('rescore'), of('import-csv'), of('query-api'), of('preview-api')]).toEqual([3, 4, 25, 6]);

    const none = buildTestApp({
      ...DEPLOY_CONTEXT,
      rescoreReservedConcurrency: 'none',
      importReservedConcurrency: 'none',
      queryReservedConcurrency: 'none',
      previewReservedConcurrency: 'none',
    });
    expect(
      Object.values(none.template.findResources('AWS::Lambda::Function')).filter(
        (fn) =>
          (fn as { Properties: Record<string, unknown> }).Properties.ReservedConcurrentExecutions !==
          undefined,
      ),
    ).toEqual([]);
  });
});

describe('the 5xx alarm', () => {
  it('fires on any 5xx answer of the HTTP API stage and notifies the alarm topic', () => {
    const { template } = defaults;
    const apis = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    expect(apis).toHaveLength(1);
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: Match.arrayWith([
        { Name: 'ApiId', Value: { Ref: apis[0] } },
        { Name: 'Stage', Value: '$default' },
      ]),
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topics[0] }],
      OKActions: [{ Ref: topics[0] }],
    });
  });
});
