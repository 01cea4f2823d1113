/**
 * The address is the state: `#/<view>/<id>?filters…`. Views read their parameters from it and
 * change it with `navigate`, so a reload, a bookmark or the back button restores what was shown.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  view: string;
  id: string | null;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = text.split('?', 2);
  const [view = '', ...rest] = path.split('/');
  return {
    view: view || 'leaderboard',
    id: rest.length > 0 ? decodeURIComponent(rest.join('/')) : null,
    params: new URLSearchParams(search),
  };
}

export function href(
  view: string,
  id?: string | null,
  params?: Record<string, string | undefined | null>,
): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const query = search.toString();
  return `#/${view}${id ? `/${encodeURIComponent(id)}` : ''}${query ? `?${query}` : ''}`;
}

export function navigate(target: string, replace = false): void {
  if (replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target.slice(1);
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
