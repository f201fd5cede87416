// Which route of the manifest a request names, as API Gateway HTTP API picks it: the most specific path wins.
// The local gateway serves from it, and the `$default` route's function uses it to tell an unknown path from a
// known path asked with a method it does not have.
import { type RouteDefinition, routes } from './route-manifest.ts';

interface CompiledRoute {
  definition: RouteDefinition;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
}

function compile(definition: RouteDefinition): CompiledRoute {
  const names: string[] = [];
  const segments = definition.path.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        names.push(param[1]);
        return '/([^/]+)';
      }
      return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    })
    .join('');
  return {
    definition,
    pattern: new RegExp(`^${source}$`),
    names,
    literalSegments: segments.filter((s) => !s.startsWith('{')).length,
  };
}

/** The `$default` route: what answers a request no route takes (infra deploys it; the local gateway runs it). */
export const DEFAULT_ROUTE = {
  entry: 'functions/no-route/no-route.ts',
  operationId: 'noRoute',
  description: '$default: answers requests no route takes',
} as const;

const compiled = routes.map(compile).sort((a, b) => b.literalSegments - a.literalSegments);

export interface RouteMatch {
  definition: RouteDefinition;
  /** Path parameters as sent (still percent-encoded), by name. */
  rawParameters: Array<[string, string]>;
}

/** The route a method and path (as sent, not decoded) name, if any. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const route of compiled) {
    if (route.definition.method !== method) continue;
    const found = route.pattern.exec(path);
    if (found)
      return {
        definition: route.definition,
        rawParameters: route.names.map((name, i) => [name, found[i + 1] ?? '']),
      };
  }
  return undefined;
}

/** The methods some route has for this path (for a 405's Allow header); empty when no route has the path. */
export function methodsFor(path: string): string[] {
  return [...new Set(compiled.filter((r) => r.pattern.test(path)).map((r) => r.definition.method))].sort();
}
