// Funder profiles: one item per funder, listed through the FUNDERS index partition.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type Funder, FunderSchema } from '../../schemas/tenancy.ts';
import { ConditionFailedError } from '../db/conditions.ts';
import { batchGetAll, getItem } from '../db/items.ts';
import {
  FUNDERS_PARTITION,
  funderIdentifierKey,
  funderIndexKeys,
  funderKey,
  INDEX,
  subFundIndexKeys,
  subFundsPartition,
} from '../db/keys.ts';
import { canonicalIdentifier } from '../organisations/identifiers.ts';

export interface PageResult<T> {
  items: T[];
  lastKey: Record<string, unknown> | undefined;
}

/** Another funder already holds this registered identifier. */
export class IdentifierTakenError extends Error {
  constructor(
    readonly identifier: string,
    readonly heldBy: string,
  ) {
    super(`identifier ${identifier} is held by funder ${heldBy}`);
    this.name = 'IdentifierTakenError';
  }
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Identifiers compared as the hub compares a grant's funding organisation with its funder. */
export const claimOf = canonicalIdentifier;

export function createFunderRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;

  /** Claims an identifier for a funder: absent, or already that funder's. */
  const claimPut = (identifier: string, funderId: string): TransactItem => ({
    Put: {
      TableName: tableName,
      Item: { ...funderIdentifierKey(identifier), entity: 'funder-identifier', identifier, funderId },
      ConditionExpression: 'attribute_not_exists(PK) OR funderId = :me',
      ExpressionAttributeValues: { ':me': funderId },
    },
  });

  /**
   * One transaction: the funder item first, then `claims` in order. A failed claim is IdentifierTakenError
   * (naming who holds it), a failed funder condition ConditionFailedError(`what`).
   */
  async function transact(items: TransactItem[], what: string, claims: string[]): Promise<void> {
    try {
      await doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const taken = claims.findIndex((_, i) => reasons[i + 1]?.Code === 'ConditionalCheckFailed');
      if (taken >= 0) {
        const identifier = claims[taken] as string;
        const holder = await doc.send(
          new GetCommand({
            TableName: tableName,
            Key: funderIdentifierKey(identifier),
            ConsistentRead: true,
          }),
        );
        throw new IdentifierTakenError(identifier, String(holder.Item?.funderId ?? 'another funder'));
      }
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new ConditionFailedError(what);
      throw error;
    }
  }

  return {
    async get(funderId: string): Promise<Funder | null> {
      return getItem(doc, tableName, funderKey(funderId), FunderSchema);
    },

    /**
     * Which funder holds each of these identifiers (canonical forms) now, from the claims, read consistently: a
     * funder created or changed a moment ago already counts. Identifiers nobody has claimed are absent.
     */
    async holdersOf(identifiers: string[]): Promise<Map<string, string>> {
      const unique = [...new Set(identifiers)];
      if (unique.length === 0) return new Map();
      const items = await batchGetAll(doc, tableName, unique.map(funderIdentifierKey), {
        consistentRead: true,
        attributes: ['identifier', 'funderId'],
      });
      return new Map(items.map((i) => [String(i.identifier), String(i.funderId)]));
    },

    /**
     * Creates the funder and claims each of its identifiers, all or nothing: ConditionFailedError when the id is
     * taken, IdentifierTakenError when another funder holds one of the identifiers.
     */
    async create(funder: Funder): Promise<void> {
      const claims = [...new Set(funder.identifiers.map(claimOf))];
      await transact(
        [
          {
            Put: {
              TableName: tableName,
              Item: {
                ...funderKey(funder.id),
                ...funderIndexKeys(funder.id),
                ...(funder.subFundOf ? subFundIndexKeys(funder.subFundOf, funder.id) : {}),
                entity: 'funder',
                ...funder,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          ...claims.map((c) => claimPut(c, funder.id)),
        ],
        `funder ${funder.id} exists`,
        claims,
      );
    },

    /**
     * Changes a funder's profile. New identifiers are claimed, and dropped ones released, in the same transaction,
     * conditional on the identifiers read (a concurrent change is read again): IdentifierTakenError when another
     * funder holds one; ConditionFailedError when the funder does not exist.
     */
    async update(
      funderId: string,
      changes: Partial<Pick<Funder, 'name' | 'identifiers' | 'status'>>,
      at: string,
    ): Promise<Funder> {
      for (let attempt = 0; ; attempt++) {
        const current = await getItem(doc, tableName, funderKey(funderId), FunderSchema, true);
        if (!current) throw new ConditionFailedError(`funder ${funderId} missing`);
        const next: Funder = {
          ...current,
          ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
          updatedAt: at,
        };
        const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
        const values: Record<string, unknown> = { ':updatedAt': at };
        const sets = ['#updatedAt = :updatedAt'];
        for (const [field, value] of Object.entries(changes)) {
          if (value === undefined) continue;
          names[`#${field}`] = field;
          values[`:${field}`] = value;
          sets.push(`#${field} = :${field}`);
        }
        const keep = new Set(next.identifiers.map(claimOf));
        const released = [...new Set(current.identifiers.map(claimOf))].filter((c) => !keep.has(c));
        // Every identifier kept or added is claimed (funders made before claims existed get theirs now).
        const claims = changes.identifiers ? [...keep] : [];
        try {
          await transact(
            [
              {
                Update: {
                  TableName: tableName,
                  Key: funderKey(funderId),
                  UpdateExpression: `SET ${sets.join(', ')}`,
                  ConditionExpression: 'updatedAt = :read',
                  ExpressionAttributeNames: names,
                  ExpressionAttributeValues: { ...values, ':read': current.updatedAt },
                },
              },
              ...claims.map((c) => claimPut(c, funderId)),
              ...released.map(
                (c): TransactItem => ({
                  Delete: {
                    TableName: tableName,
                    Key: funderIdentifierKey(c),
                    ConditionExpression: 'attribute_not_exists(PK) OR funderId = :me',
                    ExpressionAttributeValues: { ':me': funderId },
                  },
                }),
              ),
            ],
            `funder ${funderId} changed since read`,
            claims,
          );
          return next;
        } catch (error) {
          // Changed by another request since it was read: read it again (a few times).
          if (!(error instanceof ConditionFailedError) || attempt >= 3) throw error;
        }
      }
    },

    async list(limit: number, startKey?: Record<string, unknown>): Promise<PageResult<Funder>> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': FUNDERS_PARTITION },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      return { items: (out.Items ?? []).map((i) => FunderSchema.parse(i)), lastKey: out.LastEvaluatedKey };
    },

    async listSubFunds(collaborativeId: string): Promise<Funder[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI2,
          KeyConditionExpression: 'GSI2PK = :pk',
          ExpressionAttributeValues: { ':pk': subFundsPartition(collaborativeId) },
        }),
      );
      return (out.Items ?? []).map((i) => FunderSchema.parse(i));
    },
  };
}
export type FunderRepository = ReturnType<typeof createFunderRepository>;
