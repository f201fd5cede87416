// The middy stack every HTTP handler is built with: principal, parsing, idempotency, problem+json errors.
import { isUtf8 } from 'node:buffer';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { z } from 'zod';
import { textProblem } from '../../schemas/storable.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import type { AuditContext } from '../audit/audit-service.ts';
import { isTransient } from '../db/conditions.ts';
import {
  AppError,
  type FieldError,
  MalformedJsonError,
  PayloadTooLargeError,
  shownValue,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.ts';
import { logger } from '../logger.ts';
import { getServices } from '../services.ts';
import { parseOrThrow } from '../validation.ts';
import { type AuthorizerContext, principalFromContext } from './authorizer-context.ts';
import { json, noContent, problem, text } from './responses.ts';

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface RouteSpec<P extends z.ZodType = z.ZodAny, Q extends z.ZodType = z.ZodAny> {
  params?: P;
  query?: Q;
  /** Whether the route reads a JSON body; any other route rejects one. */
  body?: boolean;
  maxBodyBytes?: number;
  /** Replays of the same Idempotency-Key return the first response (writes only). */
  idempotent?: boolean;
}

export interface RouteInput<P, Q> {
  principal: Principal;
  ctx: AuditContext;
  params: P;
  query: Q;
  body: unknown;
  headers: Record<string, string | undefined>;
}

export interface RouteOutput {
  status?: number;
  body?: unknown;
  /** A body that is not JSON (e.g. CSV), sent as it is with `contentType`. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

class UnauthenticatedError extends AppError {
  constructor() {
    super(
      401,
      'unauthenticated',
      'Unauthenticated',
      'Send a valid API key as `Authorization: Bearer <key>`.',
    );
  }
}

/** A body sent as bytes, read as UTF-8 only if it is UTF-8: half a character is refused, not replaced. */
function utf8Text(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const replaced = bytes.toString('utf8');
  const at = Buffer.byteLength(replaced.slice(0, replaced.indexOf('\uFFFD')), 'utf8');
  const shown = [...bytes.subarray(at, at + 4)].map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
  throw new ValidationError([
    {
      field: 'body',
      message: `is not UTF-8 text: bytes at offset ${at} are no character`,
      value: shown.join(' '),
    },
  ]);
}

function readBody(event: HttpEvent, spec: { body?: boolean; maxBodyBytes?: number }): unknown {
  const raw = event.body
    ? event.isBase64Encoded
      ? utf8Text(Buffer.from(event.body, 'base64'))
      : event.body
    : '';
  const limit = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (Buffer.byteLength(raw, 'utf8') > limit) throw new PayloadTooLargeError(limit);
  if (!spec.body) {
    if (raw.trim().length > 0)
      throw new ValidationError([{ field: 'body', message: 'this route takes no body' }]);
    return undefined;
  }
  const sent = event.headers['content-type'] ?? '';
  const [contentType, ...parameters] = sent.split(';').map((part) => part.trim().toLowerCase());
  // JSON is UTF-8 (RFC 8259): a body declared in another charset would be read as something it is not.
  const charsets = parameters
    .filter((p) => p.startsWith('charset='))
    .map((p) => p.slice(8).replace(/^"|"$/g, ''));
  const utf8 = charsets.length <= 1 && charsets.every((c) => c === 'utf-8' || c === 'utf8');
  if (contentType !== 'application/json' || !utf8) throw new UnsupportedMediaTypeError(sent);
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new MalformedJsonError(error instanceof Error ? error.message : 'not JSON');
  }
}

/** Errors become problem+json; denials are audited; anything unexpected is a 500 that leaks nothing. */
function problemDetails(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      const instance = request.event.rawPath;
      if (error instanceof AppError) {
        const principal = principalFromContext(request.event.requestContext.authorizer?.lambda);
        if (error.denial && principal) {
          await getServices()
            .audit.recordDenied(
              { principal, requestId: request.event.requestContext.requestId },
              error.denial,
              { asNotFound: error.status === 404 },
            )
            .catch((auditError: unknown) => logger.error('audit of denial failed', { error: auditError }));
        }
        request.response = problem(error, instance);
        return;
      }
      const name = error instanceof Error ? error.name : 'unknown';
      if (name === 'IdempotencyValidationError') {
        request.response = problem(
          new AppError(
            422,
            'idempotency_key_reused',
            'Idempotency-Key reused',
            'This Idempotency-Key was already used for a different request (another route, path or body).',
            {
              errors: [
                {
                  field: 'idempotency-key',
                  message: 'was already used with a different route, path or body',
                },
              ],
            },
          ),
          instance,
        );
        return;
      }
      if (name === 'IdempotencyAlreadyInProgressError') {
        request.response = problem(
          new AppError(
            409,
            'request_in_progress',
            'Request in progress',
            'A request with this Idempotency-Key is still running.',
          ),
          instance,
        );
        return;
      }
      if (isTransient(error)) {
        request.response = problem(
          new AppError(
            503,
            'temporarily_unavailable',
            'Temporarily unavailable',
            'The store was busy; retry shortly. Nothing was written.',
          ),
          instance,
        );
        request.response.headers = { ...request.response.headers, 'retry-after': '1' };
        return;
      }
      logger.error('unhandled error', {
        error,
        path: instance,
        requestId: request.event.requestContext.requestId,
      });
      request.response = problem(
        new AppError(500, 'internal_error', 'Internal error', 'Something went wrong; nothing was leaked.'),
        instance,
      );
    },
  };
}

/**
 * Powertools' idempotency middleware for the current services. Resolved per call, not at import, so a
 * process that swaps its services (the local gateway's tests and benchmarks) never talks to a stale table.
 */
function idempotency(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const byClient = new WeakMap<object, middy.MiddlewareObj<HttpEvent, HttpResult>>();
  const current = () => {
    const { config, client } = getServices();
    let middleware = byClient.get(client);
    if (!middleware) {
      middleware = makeHandlerIdempotent({
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: config.IDEMPOTENCY_TABLE_NAME,
          awsSdkV3Client: client,
        }),
        // One namespace for every function (in AWS each route group is its own function): the same key sent to
        // another route is recognised, and refused, wherever it lands.
        keyPrefix: 'cofund',
        config: new IdempotencyConfig({
          // Scoped by funder and member: two callers choosing the same key never share a stored response.
          eventKeyJmesPath:
            'headers."idempotency-key" && [requestContext.authorizer.lambda.funderId, requestContext.authorizer.lambda.memberId, headers."idempotency-key"]',
          // The same key with another route, path, query or body (byte for byte) is a 422 (IETF Idempotency-Key draft), never the first
          // request's answer.
          payloadValidationJmesPath: '[requestContext.routeKey, rawPath, rawQueryString, body]',
          expiresAfterSeconds: config.IDEMPOTENCY_TTL_SECONDS,
        }),
      });
      byClient.set(client, middleware);
    }
    return middleware;
  };
  return {
    before: (request) => current().before?.(request),
    after: (request) => current().after?.(request),
    // A request refused for reusing a key (another body, route or path; or still in progress) must leave the first
    // request's record alone: Powertools' onError would delete it, and the next reuse would then run as new.
    onError: (request) => {
      const name = request.error instanceof Error ? request.error.name : '';
      if (name === 'IdempotencyValidationError' || name === 'IdempotencyAlreadyInProgressError') return;
      return current().onError?.(request);
    },
  };
}

/** What a replayed response says where the first one showed an API key. */
export const API_KEY_ALREADY_SHOWN =
  'shown once, in the first response to this request; a replay does not show it again (create a new key if it was lost)';

/**
 * No plaintext API key is ever stored in an idempotency record: before the response is saved, each `apiKey` in it
 * is taken out (redactApiKeys, inside the idempotency middleware); once it is saved, the first caller gets its
 * response back whole (restoreApiKeys, outside it). A replay is answered from the record, where the keys are not.
 */
function redactApiKeys(firstBodies: WeakMap<object, string>): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const redact = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(redact);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value)) {
      if (name === 'apiKey' && typeof v === 'string') {
        out.apiKey = null;
        out.apiKeyShown = API_KEY_ALREADY_SHOWN;
      } else {
        out[name] = redact(v);
      }
    }
    return out;
  };
  return {
    after: (request) => {
      const response = request.response;
      if (!response || typeof response.body !== 'string' || !response.body.includes('"apiKey"')) return;
      firstBodies.set(request.event, response.body);
      request.response = { ...response, body: JSON.stringify(redact(JSON.parse(response.body))) };
    },
  };
}

function restoreApiKeys(firstBodies: WeakMap<object, string>): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    after: (request) => {
      const first = firstBodies.get(request.event);
      if (first !== undefined && request.response) request.response = { ...request.response, body: first };
    },
  };
}

export function route<P extends z.ZodType = z.ZodAny, Q extends z.ZodType = z.ZodAny>(
  spec: RouteSpec<P, Q>,
  fn: (input: RouteInput<z.infer<P>, z.infer<Q>>) => Promise<RouteOutput>,
) {
  const stack = middy<HttpEvent, HttpResult, Error, Context>().use(problemDetails());
  if (spec.idempotent) {
    stack.use({
      before: (request) => {
        const key = request.event.headers['idempotency-key'];
        if (key !== undefined && !/^[\x21-\x7e]{8,128}$/.test(key)) {
          throw new ValidationError([
            { field: 'idempotency-key', message: 'must be 8-128 visible ASCII characters' },
          ]);
        }
      },
    });
    const firstBodies = new WeakMap<object, string>();
    stack.use(restoreApiKeys(firstBodies));
    stack.use(idempotency());
    stack.use(redactApiKeys(firstBodies));
  }
  return stack.handler(async (event: HttpEvent): Promise<HttpResult> => {
    const principal = principalFromContext(event.requestContext.authorizer?.lambda);
    if (!principal) throw new UnauthenticatedError();
    refuseBrokenText(event.pathParameters ?? {}, 'path');
    refuseBrokenText(event.queryStringParameters ?? {}, 'query');
    refuseBrokenEncoding(event.rawQueryString ?? '');
    const params = parseOptional(spec.params, event.pathParameters ?? {}, 'path');
    const query = parseOptional(spec.query, event.queryStringParameters ?? {}, 'query');
    const body = readBody(event, spec);
    await getServices().ready();
    const out = await fn({
      principal,
      ctx: { principal, requestId: event.requestContext.requestId },
      params,
      query,
      body,
      headers: event.headers,
    });
    if (out.status === 204) return noContent();
    if (out.raw !== undefined) {
      return text(out.status ?? 200, out.raw, out.contentType ?? 'text/plain; charset=utf-8', out.headers);
    }
    return json(out.status ?? 200, out.body ?? {}, out.headers);
  });
}

const NOTHING = z.strictObject({});

/** NUL or half a character in a path or query value: a 400 naming it, whatever the route's schema says. */
function refuseBrokenText(values: Record<string, string | undefined>, prefix: string): void {
  const errors = Object.entries(values).flatMap(([name, value]) => {
    const problem = value === undefined ? null : textProblem(value, false);
    const shown = shownValue(value);
    return problem
      ? [{ field: `${prefix}.${name}`, message: problem, ...(shown ? { value: shown } : {}) }]
      : [];
  });
  if (errors.length > 0) throw new ValidationError(errors);
}

/**
 * Percent-encoding that is no UTF-8 ("%ED%A0%80", half a character; "%E2%82"): the parsed parameters already carry
 * replacement characters for it, so the raw query string is what can tell. A 400 naming the parameter.
 */
function refuseBrokenEncoding(rawQuery: string): void {
  const errors: FieldError[] = [];
  for (const piece of rawQuery.split('&')) {
    if (!piece) continue;
    const [name = '', value = ''] = piece.split(/=(.*)/s);
    const decoded = (text: string) => {
      try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        return null;
      }
    };
    const field = decoded(name) ?? name;
    if (decoded(name) === null || decoded(value) === null) {
      errors.push({
        field: `query.${field}`,
        message: 'is not percent-encoded UTF-8 text',
        value: piece.slice(0, 200),
      });
    }
  }
  if (errors.length > 0) throw new ValidationError(errors);
}

/** Parses with the route's schema; a route without one accepts no parameters at all. */
function parseOptional<T extends z.ZodType>(
  schema: T | undefined,
  value: unknown,
  prefix: string,
): z.infer<T> {
  if (schema) return parseOrThrow(schema, value, prefix);
  parseOrThrow(NOTHING, value, prefix);
  // Only reached for routes whose generic is the default; nothing was sent, so an empty object is the value.
  return {} as z.infer<T>;
}

/** Reads an optional `If-Match: "3"` (or 3) header as a version number. */
export function ifMatchVersion(headers: Record<string, string | undefined>): number | undefined {
  const raw = headers['if-match'];
  if (raw === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,10})"?$/.exec(raw.trim());
  if (!match)
    throw new ValidationError([{ field: 'if-match', message: 'must be a version number such as "3"' }]);
  return Number(match[1]);
}

/**
 * A route anyone may call (no API key): only the unsubscribe link, whose token is its own proof. Any body
 * (a one-click unsubscribe posts a form) is size-checked and ignored.
 */
export function publicRoute<Q extends z.ZodType>(
  spec: { query: Q },
  fn: (input: { query: z.infer<Q>; method: string; source: string }) => Promise<RouteOutput>,
) {
  return middy<HttpEvent, HttpResult, Error, Context>()
    .use(problemDetails())
    .handler(async (event: HttpEvent): Promise<HttpResult> => {
      const raw = event.body ?? '';
      if (raw.length > DEFAULT_MAX_BODY_BYTES) throw new PayloadTooLargeError(DEFAULT_MAX_BODY_BYTES);
      refuseBrokenText(event.queryStringParameters ?? {}, 'query');
      const query = parseOrThrow(spec.query, event.queryStringParameters ?? {}, 'query');
      const out = await fn({
        query,
        method: event.requestContext.http.method,
        source: event.requestContext.http.sourceIp || 'unknown',
      });
      return text(
        out.status ?? 200,
        out.raw ?? '',
        out.contentType ?? 'text/html; charset=utf-8',
        out.headers,
      );
    });
}
