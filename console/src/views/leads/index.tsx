/**
 * "Leads": the queue of leads with their status and deadlines, the audit of the period and the
 * distribution policy; `#/leads/<leadId>` shows one lead and the decisions behind its offers.
 */
import type { ActiveModel } from '../../api.ts';
import type { Route } from '../../route.ts';
import { DistributionAuditPanel } from './audit.tsx';
import { LeadDetail } from './detail.tsx';
import { PolicyEditor } from './policy.tsx';
import { LeadQueue } from './queue.tsx';

export function Leads({ route, model }: { route: Route; model: ActiveModel | undefined }) {
  if (route.id) return <LeadDetail leadId={route.id} />;
  return (
    <div class="stack">
      <LeadQueue route={route} />
      <DistributionAuditPanel />
      <PolicyEditor model={model} />
    </div>
  );
}
