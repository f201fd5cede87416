// The CLI's HTTP client: bearer key, JSON, retries with backoff on throttling and outages, readable errors.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

const ProblemLike = z.object({
  code: z.string().optional(),
  detail: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Attempts for a request that failed with 429, 5xx or a network error. */
  maxAttempts?: number;
  fetch?: typeof fetch;
  onRetry?: (attempt: number, reason: string) => void;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export function createApiClient(options: ApiClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const maxAttempts = options.maxAttempts ?? 8;
  const doFetch = options.fetch ?? fetch;

  async function request(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    let lastReason = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        options.onRetry?.(attempt, lastReason);
        await sleep(Math.random() * Math.min(10_000, 200 * 2 ** attempt));
      }
      let res: Response;
      try {
        res = await doFetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...init.headers,
          },
          ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        });
      } catch (error) {
        lastReason = error instanceof Error ? `${error.name}: ${error.message}` : 'network error';
        continue;
      }
      if (RETRYABLE.has(res.status) && attempt < maxAttempts) {
        lastReason = `HTTP ${res.status}`;
        await res.body?.cancel();
        continue;
      }
      return res;
    }
    throw new ApiError(
      0,
      'unreachable',
      `${method} ${path} failed after ${maxAttempts} attempts (${lastReason}). Is COFUND_API_URL (${base}) right and the hub running?`,
    );
  }

  async function failure(res: Response, method: string, path: string): Promise<ApiError> {
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const problem = ProblemLike.safeParse(parsed);
    if (!problem.success) {
      return new ApiError(
        res.status,
        `http_${res.status}`,
        `${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`,
      );
    }
    if ((res.status === 401 || res.status === 403) && !problem.data.code) {
      return new ApiError(
        res.status,
        'unauthorised',
        'The API key was refused: it is missing, unknown, expired or revoked (check COFUND_API_KEY).',
      );
    }
    return new ApiError(
      res.status,
      problem.data.code ?? `http_${res.status}`,
      problem.data.detail ?? problem.data.message ?? text,
      problem.data.errors ?? [],
    );
  }

  return {
    /** The response body, checked against the schema the CLI expects. */
    async json<T extends z.ZodType>(
      schema: T,
      method: string,
      path: string,
      init: { body?: unknown; headers?: Record<string, string> } = {},
    ): Promise<z.infer<T>> {
      const res = await request(method, path, init);
      if (!res.ok) throw await failure(res, method, path);
      const body: unknown = await res.json();
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw new ApiError(
          res.status,
          'unexpected_response',
          `${method} ${path} answered in an unexpected shape: ${parsed.error.message}`,
        );
      }
      return parsed.data;
    },
  };
}
export type ApiClient = ReturnType<typeof createApiClient>;
