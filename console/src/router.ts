// Hash routes (#/grants, #/organisations/org_...): the console is static files, so every page is one URL that
// S3 and the local server both answer with index.html. Nothing secret ever goes in the hash.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  params: string[];
}

function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? 'grants', params: parts.slice(1) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parse(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function href(page: string, ...params: string[]): string {
  return `#/${[page, ...params].map(encodeURIComponent).join('/')}`;
}

export function navigate(page: string, ...params: string[]) {
  location.hash = href(page, ...params);
}
