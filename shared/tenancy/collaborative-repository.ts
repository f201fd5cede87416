// Collaboratives and their member funders: membership edges are indexed both ways.
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Collaborative,
  CollaborativeSchema,
  type Invitation,
  InvitationSchema,
  type Membership,
  MembershipSchema,
} from '../../schemas/tenancy.ts';
import { createdUnlessExists, isConditionFailure } from '../db/conditions.ts';
import { getItem, putIfAbsent } from '../db/items.ts';
import {
  COLLABS_PARTITION,
  collaborativeIndexKeys,
  collaborativeKey,
  funderInvitationsPartition,
  funderMembershipsPartition,
  INDEX,
  invitationIndexKeys,
  invitationKey,
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

    async getMembership(collaborativeId: string, funderId: string): Promise<Membership | null> {
      return getItem(doc, tableName, membershipKey(collaborativeId, funderId), MembershipSchema);
    },

    /** Returns false when the funder was already invited (inviting twice changes nothing). */
    async invite(invitation: Invitation): Promise<boolean> {
      return createdUnlessExists(() =>
        putIfAbsent(
          doc,
          tableName,
          {
            ...invitationKey(invitation.collaborativeId, invitation.funderId),
            ...invitationIndexKeys(invitation.collaborativeId, invitation.funderId),
            entity: 'invitation',
            ...invitation,
          },
          'invitation',
        ),
      );
    },

    async getInvitation(collaborativeId: string, funderId: string): Promise<Invitation | null> {
      return getItem(doc, tableName, invitationKey(collaborativeId, funderId), InvitationSchema);
    },

    async listInvitationsOf(funderId: string): Promise<Invitation[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': funderInvitationsPartition(funderId) },
        }),
      );
      return (out.Items ?? []).map((i) => InvitationSchema.parse(i));
    },

    /**
     * The invitation becomes a membership in one transaction (the invitation must still be there, the membership
     * must not): false when there was no invitation to accept (withdrawn, declined, or accepted already).
     */
    async acceptInvitation(membership: Membership): Promise<boolean> {
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: tableName,
                  Key: invitationKey(membership.collaborativeId, membership.funderId),
                  ConditionExpression: 'attribute_exists(PK)',
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...membershipKey(membership.collaborativeId, membership.funderId),
                    ...membershipIndexKeys(membership.collaborativeId, membership.funderId),
                    entity: 'membership',
                    ...membership,
                  },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    /** Returns false when there was no such invitation. */
    async removeInvitation(collaborativeId: string, funderId: string): Promise<boolean> {
      const out = await doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: invitationKey(collaborativeId, funderId),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes !== undefined;
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
