// Fuzzing every route (OWASP API4/API8): fast-check generates requests (path values, query strings, bodies,
// headers and keys of every role) and the hub must never answer 5xx, and a request it rejects (4xx) must leave
// every item of the table as it was (audit events aside: denials are recorded by design).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLocalDigestQueue } from '../../local/digest-queue.ts';
import { createOutboxMailer } from '../../local/outbox-mailer.ts';
import { useDigestTransport } from '../../shared/digests/transport.ts';
import { type RouteDefinition, routes } from '../../shared/http/route-manifest.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, keyOf, seedGrants, type World } from '../support/world.ts';

/** Requests across all routes in one `npm test` (FUZZ_REQUESTS to change it). */
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const PER_ROUTE = Math.ceil(TOTAL / routes.length);

let hub: TestHub;
let world: World;
const outbox = mkdtempSync(join(tmpdir(), 'cofund-fuzz-'));
const counts = { requests: 0, serverErrors: 0, rejected: 0, accepted: 0, checkedUnchanged: 0 };

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
  await seedGrants(hub.services, world, 'osf');
  await seedGrants(hub.services, world, 'macarthur');
  // As under `npm start`: digest runs go to an in-process queue and an outbox folder.
  useDigestTransport({
    queue: createLocalDigestQueue({ maxAttempts: 1, retryDelayMs: 10 }),
    mailer: createOutboxMailer({ dir: outbox, from: 'digests@fuzz.local' }),
  });
}, 120_000);
afterAll(async () => {
  useDigestTransport(undefined);
  await hub?.close();
  rmSync(outbox, { recursive: true, force: true });
});

/** Strings that break naive parsers: empty, huge, unicode, separators, encodings, numbers out of range. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '-1',
    '0',
    '1e309',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '%00',
    '../../etc/passwd',
    '#',
    'osf#PRIVATE',
    '__proto__',
    'collaborative:epim',
    'private',
    'osf',
    'macarthur',
    'osf-private',
    'org_00000000-0000-0000-0000-000000000000',
    'opp_00000000-0000-0000-0000-000000000000',
    '0123456789abcdef01234567',
    'x'.repeat(5000),
    // Issue 18's shapes: dot segments, prototype names, forged and foreign cursors, text that is not text,
    // bidirectional controls, absurd instants.
    '.',
    '..',
    'constructor',
    'prototype',
    'eyJ2IjoxLCJmIjoib3NmIiwicSI6IngiLCJzIjowLCJrIjpudWxsfQ.c2lnbmF0dXJl',
    'eyJ2IjoxLCJmIjoib3NmIiwicSI6IngiLCJzIjowLCJrIjpudWxsfQ',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    'Open \u202eSociety',
    '\u2066x\u2069',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ),
  fc.integer().map(String),
);

/** HTTP header values are printable ASCII (anything else never leaves the client). */
const headerValue = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
  fc.constantFrom('"1"', '*', 'W/"1"', '0', '-1', 'x'.repeat(5000)),
);

function fieldsOf(schema: z.ZodType | undefined): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function requestArbitrary(route: RouteDefinition) {
  const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  const queryNames = [...fieldsOf(route.query), 'x', 'limit', 'cursor', '__proto__'];
  const bodyNames = [...fieldsOf(route.body), 'funderId', 'version', 'visibility', 'role', 'extra'];
  const members = Object.entries(world.keys).flatMap(([funder, roles]) =>
    Object.keys(roles).map((role) => keyOf(world, funder, role)),
  );
  const jsonBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.constantFrom(...bodyNames), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
    // A valid grant with one field replaced: reaches the deepest validation.
    fc
      .record({
        field: fc.constantFrom(...Object.keys(grantBody('g'))),
        value: fc.jsonValue({ maxDepth: 2 }),
      })
      .map(({ field, value }) => ({ ...grantBody('fuzz-g'), [field]: value })),
    fc.record({ grants: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }) }),
    // A valid grant with hostile text in a name or title, or nested past the stated depth.
    fc
      .record({ text: nasty, where: fc.constantFrom('title', 'recipient', 'funding', 'programme') })
      .map(({ text, where }) => {
        const g = grantBody('fuzz-t');
        if (where === 'title') return { ...g, title: text };
        if (where === 'recipient') return { ...g, recipientOrganization: [{ id: 'GB-CHC-1', name: text }] };
        if (where === 'funding') return { ...g, fundingOrganization: [{ id: 'GB-CHC-2', name: text }] };
        return { ...g, grantProgramme: [{ title: text }] };
      }),
    fc.integer({ min: 10, max: 40 }).map((depth) => ({
      ...grantBody('fuzz-deep'),
      additionalData: JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    })),
    fc.record({
      grants: fc.array(
        fc.constantFrom(
          grantBody('fuzz-b1'),
          { ...grantBody('fuzz-b2'), title: 'a\u0000' },
          { ...grantBody('..') },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  );
  return fc.record({
    key: fc.option(fc.constantFrom(...members, 'cfd_0000000000000000_forged'), { freq: 8 }),
    path: fc.tuple(...pathNames.map(() => nasty)),
    query: fc.dictionary(fc.constantFrom(...queryNames), nasty, { maxKeys: 4 }),
    body:
      route.method === 'GET' || route.method === 'DELETE'
        ? fc.constant(undefined)
        : fc.oneof(
            jsonBody.map((b) => JSON.stringify(b)),
            fc.constantFrom('', '{', 'null', '[]', '"x"', '{"a":', '\u0000'),
            nasty,
          ),
    headers: fc.record(
      {
        'idempotency-key': headerValue,
        'if-match': headerValue,
        'content-type': fc.constantFrom('application/json', 'text/plain', 'application/xml', ''),
      },
      { requiredKeys: [] },
    ),
  });
}

/**
 * A path segment as a hostile client would send it: percent-encoded UTF-8, and a lone surrogate (which has no
 * UTF-8) as the three bytes a careless encoder writes for it (ED A0 80 for U+D800), which are not UTF-8 either.
 */
function encodeSegment(value: string): string {
  return Array.from(value, (ch) => {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff)
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    return encodeURIComponent(ch);
  }).join('');
}

function urlOf(route: RouteDefinition, values: string[], query: Record<string, string>): string {
  let i = 0;
  const path = route.path.replace(/\{\w+\}/g, () => encodeSegment(values[i++] ?? '') || '%20');
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}

describe('fuzzing every route', () => {
  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: never 5xx, and a rejected request changes nothing',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(route), async (req) => {
          const writes = route.method !== 'GET';
          const before = writes ? JSON.stringify(await hub.snapshot()) : '';
          const res = await hub.request(
            req.key,
            route.method,
            urlOf(route, req.path, req.query),
            req.body,
            Object.fromEntries(Object.entries(req.headers).filter(([, v]) => v !== undefined)) as Record<
              string,
              string
            >,
          );
          counts.requests++;
          if (res.status >= 500) counts.serverErrors++;
          expect(
            res.status,
            `${route.method} ${route.path} answered ${res.status}: ${res.text.slice(0, 300)}`,
          ).toBeLessThan(500);
          if (res.status >= 400) {
            counts.rejected++;
            if (writes) {
              expect(JSON.stringify(await hub.snapshot()), 'a rejected request changed the table').toBe(
                before,
              );
              counts.checkedUnchanged++;
            }
          } else counts.accepted++;
        }),
        { numRuns: PER_ROUTE, seed: Number(process.env.FUZZ_SEED ?? 20261123) },
      );
    },
    300_000,
  );

  it(`sent at least ${TOTAL.toLocaleString('en-GB')} requests in all`, () => {
    expect(counts.requests).toBeGreaterThanOrEqual(TOTAL);
    // Most generated requests are rejected; some must get through, or the fuzzer only exercised the edges.
    expect(counts.accepted).toBeGreaterThan(0);
    expect(counts.checkedUnchanged).toBeGreaterThan(TOTAL / 10);
    console.log(`fuzz: ${JSON.stringify(counts)}`);
    // For BENCHMARKS.md (`npm run bench` runs this file and reports the counts).
    mkdirSync(resolve('test-results'), { recursive: true });
    writeFileSync(resolve('test-results/fuzz-counts.json'), `${JSON.stringify(counts, null, 2)}\n`);
  });
});
