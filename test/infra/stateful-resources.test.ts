import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PAGE_TTL_DAYS } from '#core/runs/run-files.ts';
import { TABLE_DEFINITION } from '#core/table.ts';
import { WARM_WRITE_UNITS_PER_SECOND } from '#infra/constructs/stateful-resources.ts';
import { buildTestApp } from './build-app.ts';

describe('stateful resources', () => {
  const { template: stateful } = buildTestApp();

  it('builds the single table from TABLE_DEFINITION: on demand, PITR, TTL, protected and retained', () => {
    stateful.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    stateful.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_DEFINITION.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_DEFINITION.sortKey, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: TABLE_DEFINITION.ttlAttribute, Enabled: true },
        GlobalSecondaryIndexes: Match.absent(),
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      },
    });
  });

  it('keeps the data bucket private, encrypted, TLS-only, logged and retained', () => {
    const buckets = stateful.findResources('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: Match.anyValue() },
    });
    expect(Object.keys(buckets)).toHaveLength(1);
    const [id, bucket] = Object.entries(buckets)[0] ?? [];
    expect(bucket).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      },
    });
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('delivers server access logs through a bucket policy, with ACLs disabled', () => {
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          }),
        ]),
      },
    });
    const owners = Object.values(stateful.findResources('AWS::S3::Bucket')).map(
      (bucket) => bucket.Properties.OwnershipControls,
    );
    expect(owners).toEqual([
      { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    ]);
  });

  it('allows browser PUT and GET through presigned URLs (CORS)', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: ['PUT', 'GET'],
            AllowedOrigins: ['*'],
            ExposedHeaders: ['ETag'],
          }),
        ],
      },
    });
  });

  it('pre-warms the table for the nightly run’s write burst', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      WarmThroughput: { WriteUnitsPerSecond: WARM_WRITE_UNITS_PER_SECOND, ReadUnitsPerSecond: 12_000 },
    });
  });

  it('expires runs/ (a run’s files between its phases) with the ranking pages', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'runs/', ExpirationInDays: PAGE_TTL_DAYS })]),
      },
    });
  });

  it('expires imports/ (uploads and error reports) after the importRetentionDays context', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'imports/', ExpirationInDays: 14, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
  });

  it('defaults the import retention to 30 days and rejects a nonsense value', () => {
    buildTestApp({}).template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'imports/', ExpirationInDays: 30 })]),
      },
    });
    expect(() => buildTestApp({ importRetentionDays: 'soon' })).toThrow(/importRetentionDays/);
  });
});
