// What each deployed function may do in DynamoDB: the actions it uses and, where it touches only a few key families,
// the partition keys it may touch (dynamodb:LeadingKeys). CDK builds each role from this (infra/stacks/api-stack.ts),
// and every test hub checks that each call a function makes through the local gateway, stream poller or digest
// queue is one its policy allows (test/support/hub.ts), so the policy and the code cannot drift apart unnoticed.
import { STREAM_CONSUMERS } from '../streams/event-sources.ts';
import { type RouteDefinition, routes } from './route-manifest.ts';

export type DynamoAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem';

export interface FunctionPolicy {
  /** Actions on the main table and its indexes. */
  main: DynamoAction[];
  /**
   * When set, every main-table action is limited to items whose partition key starts with one of these families
   * (`AUDIT`, `FUNDER`...): the function touches nothing else. Only for functions that query no index.
   */
  families?: string[];
  /** Actions on the idempotency table (routes that take an Idempotency-Key). */
  idempotency: DynamoAction[];
  /** Appending audit events and making the hub secret (PutItem on AUDIT# and HUB# only): every function. */
  auditAppend: true;
  /** Further actions allowed only on some key families (the authorizer counts failures under AUTHFAIL#). */
  scoped?: Array<{ actions: DynamoAction[]; families: string[] }>;
}

const READ: DynamoAction[] = ['GetItem', 'BatchGetItem', 'Query'];
const WRITE: DynamoAction[] = [...READ, 'PutItem', 'UpdateItem', 'ConditionCheckItem'];
/** Powertools idempotency: it gets, puts, updates and deletes its own records, never scans. */
const IDEMPOTENCY: DynamoAction[] = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'];
/** Every function reads the hub secret (HUB#SECRET, for cursors and noise) and appends audit events. */
const ALWAYS = ['HUB', 'AUDIT'];

/**
 * Functions that delete items (memberships and invitations; a duplicate decision's superseded pair; the claim on
 * an identifier a funder no longer has).
 */
const DELETES = new Set([
  'updateFunder',
  'removeCollaborativeMember',
  'acceptInvitation',
  'declineInvitation',
  'decideDuplicate',
  'replayDeadLetter',
]);

/** Functions that touch only these key families (and HUB, AUDIT), with no index query. */
const FAMILIES: Record<string, string[]> = {
  listAudit: ['AUDIT'],
  getMe: ['FUNDER'],
  getFunder: ['FUNDER'],
  updateFunder: ['FUNDER'],
  updateMember: ['FUNDER'],
  getDigestPreferences: ['FUNDER'],
  updateDigestPreferences: ['FUNDER'],
  getGrant: ['GRANT'],
  listGrantVersions: ['GRANT'],
  listDeadLetters: ['DEADLETTER'],
  revokeKey: ['APIKEY'],
  // The unauthenticated unsubscribe link: the member's digest state and the member, nothing else.
  unsubscribeDigest: ['DIGEST', 'FUNDER'],
  // The page behind the link's GET checks the link (the same two reads) before it shows the button.
  showUnsubscribe: ['DIGEST', 'FUNDER'],
  RecordChanges: ['FEED', 'DEADLETTER'],
  RollUpGaps: ['GAPSTATE', 'GAP', 'DEADLETTER'],
};

/** The unauthenticated functions that check an unsubscribe link, and count refused ones per source. */
const LINK_CHECKERS = new Set(['unsubscribeDigest', 'showUnsubscribe']);

/** Functions held to fewer actions than their kind has. */
const ACTIONS: Record<string, DynamoAction[]> = {
  // The unauthenticated link: read the member's digest state and the member, turn its digests off.
  unsubscribeDigest: ['GetItem', 'UpdateItem'],
  showUnsubscribe: ['GetItem'],
};

/** The policy of a route's function, by its operationId. */
export function routePolicy(
  route: Pick<RouteDefinition, 'operationId' | 'access' | 'idempotent'>,
): FunctionPolicy {
  const byKind =
    route.access === 'write'
      ? [...WRITE, ...(DELETES.has(route.operationId) ? ['DeleteItem' as const] : [])]
      : READ;
  return withFamilies(route.operationId, {
    main: ACTIONS[route.operationId] ?? byKind,
    idempotency: route.idempotent ? IDEMPOTENCY : [],
    auditAppend: true,
    // A refused link counts as a failed authentication of its source, as a refused key does in the authorizer.
    ...(LINK_CHECKERS.has(route.operationId)
      ? { scoped: [{ actions: ['UpdateItem' as const], families: ['AUTHFAIL'] }] }
      : {}),
  });
}

function withFamilies(name: string, policy: FunctionPolicy): FunctionPolicy {
  const families = FAMILIES[name];
  return families ? { ...policy, families: [...families, ...ALWAYS] } : policy;
}

/** Every function the stacks deploy, by the name the local runtime runs it as (function-scope.ts). */
export function functionPolicies(): Map<string, FunctionPolicy> {
  const out = new Map<string, FunctionPolicy>();
  for (const route of routes) out.set(route.operationId, routePolicy(route));
  out.set('authorizer', {
    main: READ,
    idempotency: [],
    auditAppend: true,
    scoped: [{ actions: ['UpdateItem'], families: ['AUTHFAIL'] }],
  });
  for (const consumer of STREAM_CONSUMERS) {
    out.set(
      consumer.constructId,
      withFamilies(consumer.constructId, { main: WRITE, idempotency: [], auditAppend: true }),
    );
  }
  out.set('deliverDigest', { main: WRITE, idempotency: [], auditAppend: true });
  out.set('startDigestRun', { main: READ, idempotency: [], auditAppend: true });
  return out;
}

/** Whether a policy allows one call (as test/support/hub.ts observes it). */
export function allows(
  policy: FunctionPolicy,
  call: { table: 'main' | 'idempotency' | string; action: string; family: string | null },
): boolean {
  if (call.table === 'idempotency') return policy.idempotency.includes(call.action as DynamoAction);
  if (call.table !== 'main') return false;
  if (call.action === 'PutItem' && call.family !== null && ALWAYS.includes(call.family)) return true;
  const scoped = policy.scoped?.some(
    (s) =>
      s.actions.includes(call.action as DynamoAction) &&
      call.family !== null &&
      s.families.includes(call.family),
  );
  if (scoped) return true;
  if (!policy.main.includes(call.action as DynamoAction)) return false;
  if (!policy.families) return true;
  // A call whose partition is not known here (a batch) cannot be held to families: such functions have none.
  return call.family !== null && policy.families.includes(call.family);
}
