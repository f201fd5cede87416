// Storage of the gap rollups: cells (one item per award year x theme x region, with one attribute per funder and
// visibility), beside them one item per grantee of a cell (one attribute per funder and visibility), and, per
// mention, the contribution it has applied. A contribution moves in one transaction with
// its cells, conditional on the state that was read, so a re-delivered or raced stream record never counts twice.
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type CellContribution,
  type RollupState,
  RollupStateSchema,
  StoredCellSchema,
} from '../../schemas/gaps.ts';
import { withCondition } from '../db/conditions.ts';
import { batchGetAll } from '../db/items.ts';
import {
  gapCellKey,
  gapCellPrefix,
  gapGranteeKey,
  gapGranteePrefix,
  gapStateKey,
  gapYearPartition,
  gapYearsKey,
} from '../db/keys.ts';
import { YEAR_TOTAL } from './contribution.ts';

/** DynamoDB transactions take at most 100 actions: the state plus at most 99 cell and grantee items. */
export const MAX_ITEMS_PER_CHANGE = 99;
const ROLLUP_ATTRIBUTE = /^[angpqu]\|/;
const GRANTEE_ATTRIBUTE = /^g\|([^|]+)\|/;

export interface StoredCell {
  year: number;
  theme: string;
  region: string;
  /** Rollup attribute name (see contribution.ts) -> cents or count; zeros left out. */
  values: Record<string, number>;
}

/** One update per item: the cell's own figures, and each grantee's figures in its own item. */
function itemUpdates(delta: CellContribution[]) {
  const updates: Array<{
    key: ReturnType<typeof gapCellKey>;
    cell: CellContribution['cell'];
    values: Record<string, number>;
    grantee?: string;
  }> = [];
  for (const { cell, values } of delta) {
    const own: Record<string, number> = {};
    const grantees = new Map<string, Record<string, number>>();
    for (const [name, value] of Object.entries(values)) {
      const orgId = GRANTEE_ATTRIBUTE.exec(name)?.[1];
      if (orgId === undefined) own[name] = value;
      else grantees.set(orgId, { ...grantees.get(orgId), [name]: value });
    }
    if (Object.keys(own).length > 0) updates.push({ key: gapCellKey(cell), cell, values: own });
    for (const [orgId, figures] of grantees) {
      updates.push({ key: gapGranteeKey(cell, orgId), cell, values: figures, grantee: orgId });
    }
  }
  return updates;
}

export interface RollupMeter {
  read: number;
  write: number;
}

export function createGapRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  const knownYears = new Set<number>();

  return {
    async readState(mentionId: string): Promise<RollupState | null> {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: gapStateKey(mentionId), ConsistentRead: true }),
      );
      return out.Item ? RollupStateSchema.parse(out.Item) : null;
    },

    /**
     * Moves a mention's contribution: the state item (conditional on the applied key that was read) and the
     * change to every cell, all or nothing. Throws ConditionFailedError when another run got there first.
     */
    async apply(next: RollupState, previousKey: string | null, delta: CellContribution[]): Promise<void> {
      const updates = itemUpdates(delta);
      if (updates.length > MAX_ITEMS_PER_CHANGE) {
        throw new Error(`a change touching ${updates.length} gap items exceeds one transaction`);
      }
      for (const { cell } of delta) await ensureYear(cell.year);
      await withCondition(`rollup state of ${next.mentionId}`, () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...gapStateKey(next.mentionId), entity: 'gap-state', ...next },
                  ...(previousKey === null
                    ? { ConditionExpression: 'attribute_not_exists(PK)' }
                    : {
                        ConditionExpression: 'appliedKey = :previous',
                        ExpressionAttributeValues: { ':previous': previousKey },
                      }),
                },
              },
              ...updates.map(({ key, cell, values, grantee }) => {
                const names: Record<string, string> = {};
                const vals: Record<string, NativeAttributeValue> = {
                  ':year': cell.year,
                  ':theme': cell.theme,
                  ':region': cell.region,
                  ':entity': grantee === undefined ? 'gap-cell' : 'gap-grantee',
                };
                const adds = Object.entries(values).map(([name, value], i) => {
                  names[`#v${i}`] = name;
                  vals[`:v${i}`] = value;
                  return `#v${i} :v${i}`;
                });
                return {
                  Update: {
                    TableName: tableName,
                    Key: key,
                    UpdateExpression: `SET #year = :year, theme = :theme, #region = :region, entity = :entity ADD ${adds.join(', ')}`,
                    ExpressionAttributeNames: { ...names, '#year': 'year', '#region': 'region' },
                    ExpressionAttributeValues: vals,
                  },
                };
              }),
            ],
          }),
        ),
      );
    },

    async readYears(meter?: RollupMeter): Promise<number[]> {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: gapYearsKey(),
          ...(meter ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
        }),
      );
      if (meter) meter.read += out.ConsumedCapacity?.CapacityUnits ?? 0;
      const years = out.Item?.years;
      return years instanceof Set ? [...years].map(Number).sort((a, b) => a - b) : [];
    },

    /** Every cell of one award year (of one theme, if given): at most (themes + 1) x (regions + 1) items. */
    async cellsOfYear(year: number, theme?: string, meter?: RollupMeter): Promise<StoredCell[]> {
      return queryYear(year, gapCellPrefix(theme), meter);
    },

    /** Each year's total item (one count per funder and visibility): how far each funder's data reaches. */
    async yearTotals(years: number[], meter?: RollupMeter): Promise<StoredCell[]> {
      const items = await batchGetAll(
        doc,
        tableName,
        years.map((year) => gapCellKey({ year, theme: YEAR_TOTAL, region: YEAR_TOTAL })),
        meter
          ? {
              onConsumed: (units) => {
                meter.read += units;
              },
            }
          : {},
      );
      return items.map(parseCell);
    },

    /** The grantee items of one award year (of one theme): one per grantee and cell, as StoredCell figures. */
    async granteesOfYear(year: number, theme?: string, meter?: RollupMeter): Promise<StoredCell[]> {
      return queryYear(year, gapGranteePrefix(theme), meter);
    },
  };

  async function queryYear(year: number, prefix: string, meter?: RollupMeter): Promise<StoredCell[]> {
    const cells: StoredCell[] = [];
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': gapYearPartition(year), ':prefix': prefix },
          ExclusiveStartKey: startKey,
          ...(meter ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
        }),
      );
      if (meter) meter.read += out.ConsumedCapacity?.CapacityUnits ?? 0;
      for (const item of out.Items ?? []) cells.push(parseCell(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return cells;
  }

  /** The years item is written only the first time this process sees a year (a set add is idempotent). */
  async function ensureYear(year: number): Promise<void> {
    if (knownYears.has(year)) return;
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: gapYearsKey(),
        UpdateExpression: 'ADD years :year SET entity = :entity',
        ExpressionAttributeValues: { ':year': new Set([String(year)]), ':entity': 'gap-years' },
      }),
    );
    knownYears.add(year);
  }
}
export type GapRepository = ReturnType<typeof createGapRepository>;

function parseCell(item: Record<string, NativeAttributeValue>): StoredCell {
  const { year, theme, region } = StoredCellSchema.parse(item);
  const values: Record<string, number> = {};
  for (const [name, raw] of Object.entries(item)) {
    if (!ROLLUP_ATTRIBUTE.test(name)) continue;
    // A sum past 2^53 (over $90 trillion in cents) comes back as a bigint: read to the nearest double rather
    // than refuse the whole year's figures (DynamoDB itself keeps 38 digits).
    const value = typeof raw === 'bigint' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`gap cell ${year}/${theme}/${region}: ${name} is not a number`);
    }
    if (value !== 0) values[name] = value;
  }
  return { year, theme, region, values };
}
