// The table stream's consumers and how their event sources behave: the CDK stack builds each Lambda event source
// mapping from this, and the local stream poller follows the same settings (batch size, bisect on error, retries,
// on-failure destination), so a record that fails behaves the same on a laptop as in AWS.
import type { StreamConsumerName } from '../../schemas/dead-letter.ts';
import { MENTION_CHANGE_FILTER } from '../gaps/mention-changes.ts';
import { GRANT_CHANGE_FILTER } from '../organisations/grant-changes.ts';

export interface StreamConsumerConfig {
  name: StreamConsumerName;
  /** CDK construct ids, kept from earlier deployments so a deployed queue (and what it parked) stays. */
  constructId: string;
  queueId: string;
  entry: string;
  description: string;
  /** Lambda event filter (only matching records reach the function). */
  filter: object;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  parallelizationFactor: number;
  /** A batch whose function fails as a whole (a crash, a timeout) is split in two and each half retried. */
  bisectBatchOnFunctionError: boolean;
  /** Lambda's retries of a failing record before the on-failure queue gets it: the backstop. */
  maxRetryAttempts: number;
  /**
   * The consumer's own bound: failed attempts of one record before it sets the record aside in the dead-letter
   * store (with its reason and an audit event) and goes on. Below maxRetryAttempts, so it comes first.
   */
  recordAttempts: number;
  /** What the on-failure queue's alarm says. */
  parked: string;
}

const common = {
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  parallelizationFactor: 4,
  bisectBatchOnFunctionError: true,
  maxRetryAttempts: 10,
  recordAttempts: 3,
} as const;

export const STREAM_CONSUMERS: readonly StreamConsumerConfig[] = [
  {
    ...common,
    name: 'resolve-organisations',
    constructId: 'ResolveOrganisations',
    queueId: 'ResolverDeadLetters',
    entry: 'functions/streams/resolve-organisations.ts',
    description: 'Resolves recipient organisations of changed grants from the table stream',
    filter: GRANT_CHANGE_FILTER,
    parked: 'Grant changes could not be resolved to organisations and were parked; replay them',
  },
  {
    ...common,
    name: 'roll-up-gaps',
    constructId: 'RollUpGaps',
    queueId: 'RollUpGapsDeadLetters',
    entry: 'functions/streams/roll-up-gaps.ts',
    description: 'Keeps the gap rollup cells current from mention changes on the table stream',
    filter: MENTION_CHANGE_FILTER,
    parked: 'Mention changes could not be rolled up into gap cells and were parked; replay them',
  },
  {
    ...common,
    name: 'record-changes',
    constructId: 'RecordChanges',
    queueId: 'RecordChangesDeadLetters',
    entry: 'functions/streams/record-changes.ts',
    description: 'Records each new grant version in the change feed digests read',
    filter: GRANT_CHANGE_FILTER,
    parked: 'Grant changes could not be written to the digest change feed and were parked; replay them',
  },
];

export function streamConsumer(name: StreamConsumerName): StreamConsumerConfig {
  const found = STREAM_CONSUMERS.find((c) => c.name === name);
  if (!found) throw new Error(`no stream consumer ${name}`);
  return found;
}

type Pattern = ReadonlyArray<string | { prefix: string }>;

/** Lambda's event filter, as far as these filters use it: exact strings and prefixes of S values. */
export function matchesFilter(filter: object, record: unknown): boolean {
  const walk = (pattern: unknown, value: unknown): boolean => {
    if (Array.isArray(pattern)) {
      return (pattern as Pattern).some((p) =>
        typeof p === 'string' ? value === p : typeof value === 'string' && value.startsWith(p.prefix),
      );
    }
    if (pattern && typeof pattern === 'object') {
      if (!value || typeof value !== 'object') return false;
      return Object.entries(pattern).every(([k, p]) => walk(p, (value as Record<string, unknown>)[k]));
    }
    return false;
  };
  return walk(filter, record);
}
