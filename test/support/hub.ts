// A whole hub for one test file: fresh tables in the shared DynamoDB Local, services, optional local gateway.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AttributeValue, DeleteTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { inject } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server.ts';
import { type StreamPoller, startStreamPoller } from '../../local/stream-poller.ts';
import { ensureTables, tableNames } from '../../local/tables.ts';
import { newApiKey } from '../../shared/auth/api-keys.ts';
import { resetConfigForTests } from '../../shared/config.ts';
import { type ObservedCall, observeDynamoCalls } from '../../shared/db/observe.ts';
import { allows, functionPolicies } from '../../shared/http/iam-policies.ts';
import { getServices, resetServicesForTests, type Services } from '../../shared/services.ts';

export interface TestHub {
  services: Services;
  url: string;
  names: ReturnType<typeof tableNames>;
  request(
    key: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  /** Every item in the main table except audit events, in a stable order. */
  snapshot(): Promise<Array<Record<string, unknown>>>;
  /** The local stream poller when started with `streams: true` (organisation resolution). */
  poller: StreamPoller | undefined;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect response bodies of every shape
  body: any;
  text: string;
}

export async function startTestHub(
  options: {
    server?: boolean;
    streams?: boolean;
    authFailureLimits?: { perSource: string; perKeyId: string };
  } = {},
): Promise<TestHub> {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const names = tableNames(prefix);
  Object.assign(process.env, {
    ...names,
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    AWS_REGION: 'eu-west-1',
    // Every test request comes from 127.0.0.1, and the isolation suites send hundreds of bad keys a minute on
    // purpose: the failure limits are tested on their own (abuse.test.ts) with the defaults.
    AUTH_FAILURES_PER_SOURCE: options.authFailureLimits?.perSource ?? '1000000',
    AUTH_FAILURES_PER_KEY_ID: options.authFailureLimits?.perKeyId ?? '1000000',
  });
  resetConfigForTests();
  resetServicesForTests();
  const services = getServices();
  await ensureTables(services.client, names);
  await services.ready();
  const observed = new Map<string, ObservedCall>();
  const stopObserving = observeDynamoCalls((call) => {
    if (call.fn === null) return;
    const table =
      call.table === names.TABLE_NAME
        ? 'main'
        : call.table === names.IDEMPOTENCY_TABLE_NAME
          ? 'idempotency'
          : call.table;
    const entry = { ...call, table };
    observed.set(JSON.stringify(entry), entry);
  });
  let server: LocalServer | undefined;
  if (options.server) server = await startLocalServer({ port: 0 });
  const url = server?.url ?? '';
  const poller = options.streams ? await startStreamPoller(services.config) : undefined;

  return {
    services,
    url,
    names,
    poller,
    async request(key, method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async snapshot() {
      const items: Array<Record<string, unknown>> = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const out = await services.client.send(
          new ScanCommand({ TableName: names.TABLE_NAME, ExclusiveStartKey: start }),
        );
        for (const raw of out.Items ?? []) {
          const item = unmarshall(raw);
          // What a refused request may write is its own trace: audit events and failed-authentication counters.
          const pk = String(item.PK);
          if (!pk.startsWith('AUDIT#') && !pk.startsWith('AUTHFAIL#')) items.push(item);
        }
        start = out.LastEvaluatedKey;
      } while (start);
      return items.sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));
    },
    async close() {
      await poller?.stop();
      await server?.close();
      stopObserving();
      const dump = process.env.IAM_OBSERVE_DIR;
      if (dump) {
        mkdirSync(dump, { recursive: true });
        writeFileSync(join(dump, `${prefix}.json`), JSON.stringify([...observed.values()]));
      }
      // Least privilege, held to what the code does: every call each function made here is one its IAM policy
      // (shared/http/iam-policies.ts, which CDK deploys) allows.
      const policies = functionPolicies();
      const refused = [...observed.values()].filter((call) => {
        const policy = call.fn ? policies.get(call.fn) : undefined;
        return !policy || !allows(policy, call);
      });
      if (refused.length > 0) {
        throw new Error(
          `calls their IAM policy would refuse:\n${refused.map((c) => `  ${c.fn}: ${c.action} on ${c.table}${c.family ? ` (${c.family}#...)` : ''}${c.index ? ` via ${c.index}` : ''}`).join('\n')}`,
        );
      }
      for (const table of Object.values(names)) {
        await services.client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
      }
    },
  };
}

/** Issues a key straight into the table, for tests that need keys in odd states. */
export async function issueKey(
  services: Services,
  funderId: string,
  memberId: string,
  options: { expiresAt?: string; revokedAt?: string } = {},
): Promise<string> {
  const { apiKey, record } = newApiKey({ funderId, memberId, label: 'test' }, 1);
  await services.repos.members.createKey({
    ...record,
    ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
    ...(options.revokedAt ? { revokedAt: options.revokedAt } : {}),
  });
  return apiKey;
}
