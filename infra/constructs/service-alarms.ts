import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ServiceAlarmsProps {
  /** Where alarm notifications go by email; none when not given. */
  alarmEmail?: string;
  metricsNamespace: string;
  serviceName: string;
  /** Hours without a `RescoreCompleted` metric before the staleness alarm fires. */
  rescoreStaleHours: number;
}

/** CloudWatch alarms of the service, all notifying one SNS topic. */
export class ServiceAlarms extends Construct {
  readonly topic: sns.Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Partner scoring alarms', enforceSSL: true });
    // The TLS-only topic policy replaces SNS's default one, so CloudWatch needs an explicit allow.
    this.topic.grantPublish(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
    );
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key; alarm messages hold no customer data.',
    });
    if (props.alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'Undeliverable alarm emails show in the topic’s NumberOfNotificationsFailed metric; a queue of them would need an alarm channel of its own.',
      });
    }
    this.action = new SnsAction(this.topic);

    // Powertools adds the `service` dimension to every metric; Sum per hour, one datapoint per hour
    // over the window (CloudWatch allows up to 7 days of evaluation for periods of an hour or more).
    const completed = new cloudwatch.Metric({
      namespace: props.metricsNamespace,
      metricName: 'RescoreCompleted',
      dimensionsMap: { service: props.serviceName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.hours(1),
    });
    this.notify(
      completed.createAlarm(this, 'RescoreOverdue', {
        alarmDescription: `No rescore run completed in ${props.rescoreStaleHours} hours.`,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        threshold: 1,
        evaluationPeriods: props.rescoreStaleHours,
        datapointsToAlarm: props.rescoreStaleHours,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );

    // A write whose audit record could not be stored (`recordAudit`): the record is in the function's
    // error log; docs/audit.md says how to find it.
    this.notify(
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: 'AuditWriteFailed',
        dimensionsMap: { service: props.serviceName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }).createAlarm(this, 'AuditWriteFailed', {
        alarmDescription: 'A write was made but its audit record was not stored: see docs/audit.md.',
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Alarms on any error or throttle of the function in five minutes. */
  watchFunction(name: string, fn: IFunction): void {
    const period = Duration.minutes(5);
    this.notify(
      fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }).createAlarm(this, `${name}Errors`, {
        alarmDescription: `${name}: invocation errors`,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    this.notify(
      fn.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }).createAlarm(this, `${name}Throttles`, {
        alarmDescription: `${name}: throttled invocations`,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * Alarms on any 5xx answer of the HTTP API stage in five minutes (API Gateway's `5xx` metric): the
   * HTTP functions turn their own errors into 500 responses, so Lambda's `Errors` never counts them;
   * a throttled or failed integration answers 5xx too.
   */
  watchHttpApi(name: string, stage: IHttpStage): void {
    this.notify(
      stage
        .metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
        .createAlarm(this, `${name}ServerErrors`, {
          alarmDescription: `${name}: 5xx answers (see the access log's status and integrationError)`,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          threshold: 1,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
  }

  /** Alarms as soon as a dead-letter queue holds a message. */
  watchDeadLetterQueue(name: string, queue: IQueue): void {
    this.notify(
      queue
        .metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        })
        .createAlarm(this, `${name}NotEmpty`, {
          alarmDescription: `${name}: failed events are waiting in the dead-letter queue`,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 0,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
  }

  private notify(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
  }
}
