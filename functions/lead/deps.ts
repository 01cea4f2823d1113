import type { AuditStore } from '#core/audit/audit-log.ts';
import type { DistributionDeps } from '#core/leads/distribution.ts';
import type { EventSink } from '#core/ports.ts';

/** What the lead workflow's steps need; tests pass their own. */
export interface LeadWorkflowDeps extends DistributionDeps {
  events: EventSink;
  audit: AuditStore;
}

/** The workflow's own principal in the audit trail. */
export const WORKFLOW_PRINCIPAL = { subject: 'lead-workflow', clientId: null };
