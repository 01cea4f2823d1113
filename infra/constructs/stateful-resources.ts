import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PAGE_TTL_DAYS, RUNS_PREFIX } from '#core/runs/run-files.ts';
import { TABLE_DEFINITION } from '#core/table.ts';

/**
 * Write units per second the table serves from the first second of the nightly run (a new on-demand
 * table serves 4,000 at first). Sized for the run's write phases at 10M partners (docs/runs.md,
 * "Scale"); warm throughput is raised once and never falls back, so the charge is one-time.
 */
export const WARM_WRITE_UNITS_PER_SECOND = 15_000;

export interface StatefulResourcesProps {
  /** Days after which uploaded CSV files and their error reports (under `imports/`) expire. */
  importRetentionDays: number;
  /** Origins allowed to PUT/GET through presigned URLs from a browser. */
  corsAllowedOrigins: string[];
}

/**
 * Where the data lives: the single table and the import bucket. Retained (and the table
 * deletion-protected) when the stack is deleted or a change would replace them.
 */
export class StatefulResources extends Construct {
  readonly table: dynamodb.TableV2;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StatefulResourcesProps) {
    super(scope, id);
    // Log delivery through a bucket policy, so both buckets can keep ACLs disabled (read where the
    // buckets are created, so setting it on this construct is enough).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE_DEFINITION.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_DEFINITION.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_DEFINITION.ttlAttribute,
      globalSecondaryIndexes: TABLE_DEFINITION.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(index.sortKey ? { sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
      })),
      billing: dynamodb.Billing.onDemand(),
      warmThroughput: { writeUnitsPerSecond: WARM_WRITE_UNITS_PER_SECOND, readUnitsPerSecond: 12_000 },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the data bucket’s server access logs; logging it would recurse.',
    });

    this.bucket = new s3.Bucket(this, 'Data', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'data-bucket/',
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
          allowedOrigins: props.corsAllowedOrigins,
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        // Uploaded CSV files and the error reports written beside them.
        { id: 'expire-imports', prefix: 'imports/', expiration: Duration.days(props.importRetentionDays) },
        // A run's files (snapshot, scored parts, places): the next run reads the places of this one.
        { id: 'expire-runs', prefix: RUNS_PREFIX, expiration: Duration.days(PAGE_TTL_DAYS) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
