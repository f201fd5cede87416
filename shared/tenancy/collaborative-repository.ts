// Collaboratives and their member funders: membership edges are indexed both ways.
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Collaborative,
  CollaborativeSchema,
  type Membership,
  MembershipSchema,
} from '../../schemas/tenancy.ts';
import { createdUnlessExists } from '../db/conditions.ts';
import { getItem, putIfAbsent } from '../db/items.ts';
import {
  COLLABS_PARTITION,
  collaborativeIndexKeys,
  collaborativeKey,
  funderMembershipsPartition,
  INDEX,
  MEMBERSHIP_PREFIX,
  membershipIndexKeys,
  membershipKey,
} from '../db/keys.ts';

export function createCollaborativeRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  return {
    async get(collaborativeId: string): Promise<Collaborative | null> {
      return getItem(doc, tableName, collaborativeKey(collaborativeId), CollaborativeSchema);
    },

    async create(collaborative: Collaborative): Promise<void> {
      await putIfAbsent(
        doc,
        tableName,
        {
          ...collaborativeKey(collaborative.id),
          ...collaborativeIndexKeys(collaborative.id),
          entity: 'collaborative',
          ...collaborative,
        },
        `collaborative ${collaborative.id}`,
      );
    },

    async list(): Promise<Collaborative[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': COLLABS_PARTITION },
        }),
      );
      return (out.Items ?? []).map((i) => CollaborativeSchema.parse(i));
    },

    /** Returns false when the funder was already a member: adding twice changes nothing. */
    async addMember(membership: Membership): Promise<boolean> {
      return createdUnlessExists(() =>
        putIfAbsent(
          doc,
          tableName,
          {
            ...membershipKey(membership.collaborativeId, membership.funderId),
            ...membershipIndexKeys(membership.collaborativeId, membership.funderId),
            entity: 'membership',
            ...membership,
          },
          'membership',
        ),
      );
    },

    /** Returns false when the funder was not a member. */
    async removeMember(collaborativeId: string, funderId: string): Promise<boolean> {
      const out = await doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: membershipKey(collaborativeId, funderId),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes !== undefined;
    },

    async listMembers(collaborativeId: string): Promise<Membership[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: {
            ':pk': collaborativeKey(collaborativeId).PK,
            ':prefix': MEMBERSHIP_PREFIX,
          },
        }),
      );
      return (out.Items ?? []).map((i) => MembershipSchema.parse(i));
    },

    async listMembershipsOf(funderId: string): Promise<Membership[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': funderMembershipsPartition(funderId) },
        }),
      );
      return (out.Items ?? []).map((i) => MembershipSchema.parse(i));
    },
  };
}
export type CollaborativeRepository = ReturnType<typeof createCollaborativeRepository>;
