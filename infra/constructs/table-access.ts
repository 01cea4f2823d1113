import * as iam from 'aws-cdk-lib/aws-iam';
import { AUDIT_PK_PREFIX } from '#core/keys.ts';

/**
 * What a function may do with the audit items of the table (`AUDIT#…` partition keys): nothing,
 * `append` new ones (PutItem only: the write functions), or `read` them (the query function).
 */
export type AuditAccess = 'none' | 'append' | 'read';

/** Item actions on audit keys denied to every function: audit items are never changed nor deleted (TTL expires them). */
const AUDIT_NEVER = ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const AUDIT_READS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const AUDIT_DENIED: Record<AuditAccess, string[]> = {
  none: [...AUDIT_NEVER, 'dynamodb:PutItem', ...AUDIT_READS],
  append: [...AUDIT_NEVER, ...AUDIT_READS],
  read: [...AUDIT_NEVER, 'dynamodb:PutItem'],
};

/**
 * The Denies every function with table access gets on `resources` (the table and its indexes): the
 * audit actions `audit` does not allow, on the `dynamodb:LeadingKeys` of `AUDIT#…` (no Allow
 * overrides them), and Scan outright.
 */
export function tableDenials(audit: AuditAccess, resources: string[]): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: `AuditItems${audit === 'none' ? 'NoAccess' : audit === 'append' ? 'AppendOnly' : 'ReadOnly'}`,
      effect: iam.Effect.DENY,
      actions: AUDIT_DENIED[audit],
      resources,
      conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${AUDIT_PK_PREFIX}*`] } },
    }),
    new iam.PolicyStatement({
      sid: 'NoTableScan',
      effect: iam.Effect.DENY,
      actions: ['dynamodb:Scan'],
      resources,
    }),
  ];
}
