/**
 * What each route of `functions/routes.ts` takes and answers, for the OpenAPI document: the zod
 * schemas the handlers validate with (query, body) and those of their responses. Typed as a record
 * over every route key, so a route added to `ROUTES` without its description does not compile.
 */

import { IMPORT_DOCS } from './import-docs.ts';
import { LEAD_ROUTE_DOCS } from './lead-docs.ts';
import { MODEL_DOCS } from './model-docs.ts';
import { PARTNER_DOCS } from './partner-docs.ts';
import { PORTAL_DOCS } from './portal-docs.ts';
import type { DescribedRoute, RouteDoc } from './route-doc.ts';
import { RUN_DOCS } from './run-docs.ts';
import { SERVICE_DOCS } from './service-docs.ts';
import { WORKLIST_DOCS } from './worklist-docs.ts';

/** Every route's description, one file per group of routes. */
export const ROUTE_DOCS: Record<DescribedRoute, RouteDoc> = {
  ...SERVICE_DOCS,
  ...PARTNER_DOCS,
  ...RUN_DOCS,
  ...MODEL_DOCS,
  ...IMPORT_DOCS,
  ...WORKLIST_DOCS,
  ...PORTAL_DOCS,
  ...LEAD_ROUTE_DOCS,
};
