import { useEffect, useState } from 'react';

/**
 * Hash routing (#/pupils?q=…): the server serves one index.html at /admin/,
 * and the browser's back/forward and bookmarks work without a router library.
 */
export interface Route { page: string; params: URLSearchParams }

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [page = '', query = ''] = h.split('?');
  return { page, params: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(page: string, params?: Record<string, string>): void {
  const q = params ? new URLSearchParams(params).toString() : '';
  location.hash = `#/${page}${q ? `?${q}` : ''}`;
}
