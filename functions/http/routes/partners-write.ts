import { NotFoundError } from '#core/errors.ts';
import { type UpsertPartnersDeps, upsertPartners } from '#core/partners/upsert-partners.ts';
import type { PartnerStore } from '#core/ports.ts';
import type { RouteHandler } from '../http-handler.ts';
import { partnerIdParam } from './query-params.ts';

export interface PartnersWriteDeps extends UpsertPartnersDeps {
  partners: UpsertPartnersDeps['partners'] & Pick<PartnerStore, 'delete'>;
}

/** `POST /partners` (upsert one or up to 1,000) and `DELETE /partners/{id}`. */
export function partnersWriteRoutes(
  deps: PartnersWriteDeps,
): Record<'POST /partners' | 'DELETE /partners/{id}', RouteHandler> {
  return {
    'POST /partners': async ({ body }) => ({
      status: 200,
      body: { results: await upsertPartners(deps, body) },
    }),
    'DELETE /partners/{id}': async ({ pathParameters }) => {
      const id = partnerIdParam(pathParameters);
      if (!(await deps.partners.delete(id)))
        throw new NotFoundError(`No partner with id ${JSON.stringify(id)}.`);
      return { status: 204 };
    },
  };
}
