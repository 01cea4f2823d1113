import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The service's one logger; handlers append keys such as `runId` and `importId`. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'partner-scoring' });

/** The service's one metrics emitter (CloudWatch embedded metric format). */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'PartnerScoring',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'partner-scoring',
  // Its own warnings (such as "no metrics to publish") go through the structured logger and its level.
  logger,
});
