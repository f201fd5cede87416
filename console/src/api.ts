// The console's only way to the hub: the public API on the same origin, with the signed-in key. Errors arrive
// as problem+json and are turned into ApiError, whose message and fields the pages show as they are.
import type { Problem } from '../../schemas/problem.ts';
import { clearKey, readKey } from './session.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `The hub answered ${status}`);
  }
  /** "field: message" lines, for errors naming the fields at fault. */
  get fieldErrors(): string[] {
    return (this.problem.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** Called when the hub no longer accepts the key (revoked or expired): the app returns to sign-in. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(callback: () => void) {
  onSignedOut = callback;
}

export async function request(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; key?: string; idempotencyKey?: string } = {},
): Promise<Response> {
  const key = options.key ?? readKey();
  if (!key) throw new ApiError(401, { title: 'Not signed in' });
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    // The key is a bearer credential: never cached, never sent as a cookie or a referrer.
    cache: 'no-store',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
  });
  if (response.ok) return response;
  let problem: Partial<Problem> = {};
  try {
    problem = (await response.json()) as Partial<Problem>;
  } catch {
    // The gateway's own 401/403/413 bodies are {"message": ...}; the status says enough.
  }
  if (!problem.title) problem = { ...problem, title: statusText(response.status) };
  if ((response.status === 401 || response.status === 403) && !options.key && !problem.code) {
    // The gateway refused the key itself (not a handler's 403 on one resource).
    clearKey();
    onSignedOut();
  }
  throw new ApiError(response.status, problem);
}

function statusText(status: number): string {
  if (status === 401 || status === 403) return 'The hub did not accept this API key';
  if (status === 404) return 'Not found, or not visible to you';
  if (status === 413) return 'Too large';
  if (status >= 500) return 'The hub failed to answer; try again';
  return `The hub answered ${status}`;
}

export async function getJson<T>(path: string, query?: Query): Promise<T> {
  return (await request('GET', path, { query })).json() as Promise<T>;
}

/** With `idempotencyKey`, the hub answers a repeat of the same request with the first answer and writes once. */
export async function sendJson<T>(
  method: string,
  path: string,
  body: unknown,
  options: { idempotencyKey?: string } = {},
): Promise<T> {
  return (await request(method, path, { body, ...options })).json() as Promise<T>;
}
