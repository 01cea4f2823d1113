import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  type ConsoleSignIn,
  type PartnerPortal,
  type ReservedConcurrency,
  ServiceResources,
} from './constructs/service-resources.ts';
import { StatefulResources } from './constructs/stateful-resources.ts';

export interface PartnerScoringStackProps extends StackProps {
  jwtIssuer: string;
  jwtAudience: string[];
  alarmEmail?: string;
  importRetentionDays: number;
  corsAllowedOrigins: string[];
  consoleSignIn?: ConsoleSignIn;
  /** Reserved concurrency per function (none reserved where unset). */
  reservedConcurrency?: ReservedConcurrency;
  partnerPortal?: PartnerPortal;
}

/**
 * The whole service in one stack, so that `npx cdk deploy` (no stack name, no `--all`) deploys it:
 * the stateful resources, retained on deletion, and the service resources that receive them.
 */
export class PartnerScoringStack extends Stack {
  readonly data: StatefulResources;
  readonly service: ServiceResources;

  constructor(scope: Construct, id: string, props: PartnerScoringStackProps) {
    super(scope, id, props);
    this.data = new StatefulResources(this, 'Data', {
      importRetentionDays: props.importRetentionDays,
      corsAllowedOrigins: props.corsAllowedOrigins,
    });
    this.service = new ServiceResources(this, 'Service', {
      table: this.data.table,
      bucket: this.data.bucket,
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
      corsAllowedOrigins: props.corsAllowedOrigins,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
      ...(props.consoleSignIn ? { consoleSignIn: props.consoleSignIn } : {}),
      ...(props.reservedConcurrency ? { reservedConcurrency: props.reservedConcurrency } : {}),
      ...(props.partnerPortal ? { partnerPortal: props.partnerPortal } : {}),
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.service.http.stage.url,
      description: 'Base URL of the HTTP API; the web console opens at this address',
    });
    new CfnOutput(this, 'BucketName', {
      value: this.data.bucket.bucketName,
      description: 'Upload CSV files under imports/ to import them',
    });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.service.eventBus.eventBusName });
    if (this.service.portalClientId) {
      new CfnOutput(this, 'PortalClientId', {
        value: this.service.portalClientId,
        description: 'App client of the partner portal (authorization code with PKCE)',
      });
    }
  }
}
