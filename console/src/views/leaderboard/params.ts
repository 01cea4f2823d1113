/** What the leaderboard's address holds: filters, search and the page's cursor. */
import { href, type Route } from '../../route.ts';

export function readParams(route: Route) {
  const get = (name: string) => route.params.get(name) ?? undefined;
  return {
    tier: get('tier'),
    region: get('region'),
    type: get('type'),
    q: get('q'),
    cursor: get('cursor'),
    page: Number(get('page') ?? '1') || 1,
  };
}

export type Params = ReturnType<typeof readParams>;

export function leaderboardHref(params: Partial<Params>): string {
  return href('leaderboard', null, {
    tier: params.tier,
    region: params.region,
    type: params.type,
    q: params.q,
    cursor: params.cursor,
    page: params.page && params.page > 1 ? String(params.page) : undefined,
  });
}
