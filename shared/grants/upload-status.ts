// How far the hub has got with an upload's grants: the table stream resolves each grant's recipients (mentions at
// the grant's version) and then rolls them into the gap cells (each mention's applied state). Reads the upload's
// own grants (GSI3) and their mention and gap-state items, never anything else.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Principal } from '../../schemas/tenancy.ts';
import type { UploadStatus } from '../../schemas/upload.ts';
import { batchGetAll, queryAll } from '../db/items.ts';
import { gapStateKey, INDEX, mentionId, mentionKey, uploadPartition } from '../db/keys.ts';
import { NotFoundError } from '../errors.ts';
import { appliedKeyOf } from '../gaps/contribution.ts';
import type { DeadLetterRepository } from '../streams/dead-letter-repository.ts';

const UploadedGrantSchema = z.object({
  grantId: z.string(),
  version: z.number().int(),
  deleted: z.boolean(),
  recipientCount: z.number().int().default(0),
});
const MentionProgressSchema = z.object({
  PK: z.string(),
  SK: z.string(),
  grantVersion: z.number(),
  revision: z.number(),
});
const StateProgressSchema = z.object({ PK: z.string(), appliedKey: z.string() });

export function createUploadStatus(deps: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  deadLetters: Pick<DeadLetterRepository, 'grantsSetAside'>;
}) {
  const { doc, tableName } = deps;

  async function uploadedGrants(funderId: string, uploadId: string) {
    const items = await queryAll(doc, {
      TableName: tableName,
      IndexName: INDEX.GSI3,
      KeyConditionExpression: 'GSI3PK = :pk',
      ExpressionAttributeValues: { ':pk': uploadPartition(funderId, uploadId) },
    });
    return items.map((i) => UploadedGrantSchema.parse(i));
  }

  return {
    /** Only the caller's own funder's uploads: another funder's upload id reads an empty partition. */
    async status(principal: Principal, uploadId: string): Promise<UploadStatus> {
      const funderId = principal.funderId;
      const carried = await uploadedGrants(funderId, uploadId);
      // A mistyped id, another funder's, or an import that wrote nothing: no grant of this funder carries it.
      if (carried.length === 0) {
        throw new NotFoundError(`Upload ${uploadId} (no grant of your funder carries it)`);
      }
      const grants = carried.filter((g) => !g.deleted);
      const mentionIds = grants.flatMap((g) =>
        Array.from({ length: g.recipientCount }, (_, i) => ({
          grant: g,
          index: i,
          id: mentionId(funderId, g.grantId, i),
        })),
      );
      const [mentionItems, stateItems, setAsideGrants] = await Promise.all([
        batchGetAll(
          doc,
          tableName,
          mentionIds.map((m) => mentionKey(funderId, m.grant.grantId, m.index)),
          {
            consistentRead: true,
            attributes: ['grantVersion', 'revision'],
          },
        ),
        batchGetAll(
          doc,
          tableName,
          mentionIds.map((m) => gapStateKey(m.id)),
          {
            consistentRead: true,
            attributes: ['appliedKey'],
          },
        ),
        deps.deadLetters.grantsSetAside(funderId),
      ]);
      const mentions = new Map(
        mentionItems.map((i) => MentionProgressSchema.parse(i)).map((m) => [`${m.PK}|${m.SK}`, m]),
      );
      const states = new Map(
        stateItems.map((i) => StateProgressSchema.parse(i)).map((s) => [s.PK, s.appliedKey]),
      );
      const counts = { resolved: 0, rolledUp: 0, setAside: 0, resolution: 0, rollup: 0 };
      const byGrant = new Map<(typeof grants)[number], typeof mentionIds>();
      for (const m of mentionIds) byGrant.set(m.grant, [...(byGrant.get(m.grant) ?? []), m]);
      for (const grant of grants) {
        const own = byGrant.get(grant) ?? [];
        const found = own.map((m) => {
          const key = mentionKey(funderId, grant.grantId, m.index);
          return { m, mention: mentions.get(`${key.PK}|${key.SK}`) };
        });
        const resolved = found.every(
          (f) => f.mention !== undefined && f.mention.grantVersion >= grant.version,
        );
        const rolledUp =
          resolved &&
          found.every(({ m, mention }) => {
            const applied = states.get(gapStateKey(m.id).PK);
            return (
              mention &&
              applied !== undefined &&
              applied >= appliedKeyOf(mention.grantVersion, mention.revision, false)
            );
          });
        if (rolledUp) {
          counts.resolved += 1;
          counts.rolledUp += 1;
        } else if (setAsideGrants.has(grant.grantId)) {
          counts.setAside += 1;
          if (resolved) counts.resolved += 1;
        } else if (resolved) {
          counts.resolved += 1;
          counts.rollup += 1;
        } else counts.resolution += 1;
      }
      return {
        uploadId,
        funderId,
        grants: grants.length,
        resolved: counts.resolved,
        rolledUp: counts.rolledUp,
        setAside: counts.setAside,
        pending: { resolution: counts.resolution, rollup: counts.rollup },
        done: counts.resolution + counts.rollup === 0,
      };
    },
  };
}
export type UploadStatusService = ReturnType<typeof createUploadStatus>;
