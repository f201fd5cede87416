// Local stand-in for API Gateway HTTP API: turns requests into payload-v2 events and calls the SAME
// authorizer and route handlers that AWS runs, with the gateway's own answers for auth failures.
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { asFunction } from '../shared/http/function-scope.ts';
import type { RouteDefinition } from '../shared/http/route-manifest.ts';
import { DEFAULT_ROUTE, matchRoute } from '../shared/http/route-match.ts';

/** API Gateway HTTP APIs accept at most 10 MB; handlers enforce their own smaller limits. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const REPO_ROOT = resolve(import.meta.dirname, '..');

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** What the `$default` route runs, as a route definition of the local gateway. */
const NO_ROUTE: Pick<RouteDefinition, 'method' | 'path' | 'entry' | 'operationId' | 'auth'> = {
  method: 'GET',
  path: '$default',
  entry: DEFAULT_ROUTE.entry,
  operationId: DEFAULT_ROUTE.operationId,
  auth: false,
};

const handlerCache = new Map<string, Promise<Handler>>();

async function loadHandler(entry: string): Promise<Handler> {
  let loading = handlerCache.get(entry);
  if (!loading) {
    loading = import(pathToFileURL(resolve(REPO_ROOT, entry)).href).then(
      (mod: { handler: Handler }) => mod.handler,
    );
    handlerCache.set(entry, loading);
  }
  return loading;
}

function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

async function readRaw(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > GATEWAY_MAX_BODY_BYTES) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Names and values as own properties, as API Gateway's JSON event has them: built through a Map, so a header or
 * query parameter named `__proto__` or `constructor` is a key like any other (and an unknown one is refused).
 */
function ownEntries(entries: Iterable<[string, string]>): Record<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of entries) {
    const known = map.get(name);
    map.set(name, known === undefined ? value : `${known},${value}`);
  }
  return Object.fromEntries(map);
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    pairs.push([name.toLowerCase(), Array.isArray(value) ? value.join(',') : value]);
  }
  return ownEntries(pairs);
}

export interface LocalServerOptions {
  port: number;
  host?: string;
  /** Extra handler for non-API paths (the web console); return false to fall through to 404. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface LocalServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function handleRequest(req: IncomingMessage, res: ServerResponse, options: LocalServerOptions) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  const match = matchRoute(method, url.pathname);
  if (!match && options.fallback && (await options.fallback(req, res))) return;
  const raw = await readRaw(req);
  if (raw === null) {
    send(res, 413, JSON.stringify({ message: 'Request Entity Too Large' }));
    return;
  }
  // No route takes the request: the `$default` route's function answers, with no key asked, as in AWS.
  const definition = match?.definition ?? NO_ROUTE;
  const pathParameters: Record<string, string> = {};
  try {
    for (const [name, value] of match?.rawParameters ?? []) pathParameters[name] = decodeURIComponent(value);
  } catch {
    send(res, 400, JSON.stringify({ message: 'Bad Request' }));
    return;
  }
  // HTTP APIs hand Lambda the path already percent-decoded.
  let rawPath = url.pathname;
  try {
    rawPath = decodeURIComponent(url.pathname);
  } catch {
    // an invalid escape stays as sent
  }
  const headers = flatHeaders(req);
  const queryStringParameters = ownEntries(url.searchParams);
  const requestId = randomUUID();
  const routeKey = match ? `${definition.method} ${definition.path}` : '$default';
  const now = new Date();
  const requestContext = {
    accountId: '000000000000',
    apiId: 'local',
    domainName: headers.host ?? 'localhost',
    domainPrefix: 'localhost',
    http: {
      method,
      path: rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey,
    stage: '$default',
    time: now.toISOString(),
    timeEpoch: now.getTime(),
  };

  let authorizer: { lambda: Record<string, unknown> } | undefined;
  if (definition.auth) {
    // The gateway itself answers 401 when the identity source (Authorization header) is missing.
    if (!headers.authorization) {
      send(res, 401, JSON.stringify({ message: 'Unauthorized' }));
      return;
    }
    const authorize = await loadHandler('functions/authorizer/authorize.ts');
    const authEvent: APIGatewayRequestAuthorizerEventV2 = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${method}${url.pathname}`,
      identitySource: [headers.authorization],
      routeKey,
      rawPath,
      rawQueryString: url.search.slice(1),
      cookies: [],
      headers,
      queryStringParameters,
      requestContext,
      pathParameters,
      stageVariables: {},
    };
    const decision = (await asFunction('authorizer', () =>
      authorize(authEvent, lambdaContext('authorizer', requestId)),
    )) as APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>;
    if (!decision.isAuthorized) {
      send(res, 403, JSON.stringify({ message: 'Forbidden' }));
      return;
    }
    authorizer = { lambda: decision.context };
  }

  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: { ...requestContext, ...(authorizer ? { authorizer } : {}) },
    isBase64Encoded: raw.length > 0 && !isUtf8(raw),
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    // A body that is not valid UTF-8 goes to the handler as bytes (base64), as API Gateway sends binary
    // bodies, so the handler can refuse it instead of reading replacement characters.
    ...(raw.length > 0
      ? isUtf8(raw)
        ? { body: raw.toString('utf8') }
        : { body: raw.toString('base64') }
      : {}),
  };
  const handler = await loadHandler(definition.entry);
  const result = (await asFunction(definition.operationId, () =>
    handler(event, lambdaContext(definition.operationId, requestId)),
  )) as APIGatewayProxyStructuredResultV2;
  const responseHeaders: Record<string, string> = { 'apigw-requestid': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) responseHeaders[name] = String(value);
  res.writeHead(result.statusCode ?? 200, responseHeaders);
  res.end(result.body ?? '');
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const server = createServer((req, res) => {
    handleRequest(req, res, options).catch((error: unknown) => {
      // The equivalent of a Lambda crash: API Gateway answers 500 without details.
      console.error('local gateway: handler crashed', error);
      if (!res.headersSent) send(res, 500, JSON.stringify({ message: 'Internal Server Error' }));
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host ?? '127.0.0.1', () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
