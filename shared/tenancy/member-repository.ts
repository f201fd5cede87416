// People of a funder and their API keys (stored by key id, holding only the secret's hash).
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DigestPreferences } from '../../schemas/digest.ts';
import { type ApiKeyRecord, ApiKeyRecordSchema, type Member, MemberSchema } from '../../schemas/tenancy.ts';
import { withCondition } from '../db/conditions.ts';
import { getItem, putIfAbsent } from '../db/items.ts';
import {
  apiKeyIndexKeys,
  apiKeyKey,
  funderKeysPartition,
  funderPartition,
  INDEX,
  MEMBER_PREFIX,
  memberKey,
  memberKeysPrefix,
} from '../db/keys.ts';

export function createMemberRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  return {
    async get(funderId: string, memberId: string): Promise<Member | null> {
      return getItem(doc, tableName, memberKey(funderId, memberId), MemberSchema);
    },

    async create(member: Member): Promise<void> {
      await putIfAbsent(
        doc,
        tableName,
        { ...memberKey(member.funderId, member.id), entity: 'member', ...member },
        `member ${member.id}`,
      );
    },

    async updateRole(funderId: string, memberId: string, role: Member['role'], at: string): Promise<Member> {
      const out = await withCondition(`member ${memberId} missing`, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: memberKey(funderId, memberId),
            UpdateExpression: 'SET #role = :role, updatedAt = :at',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeNames: { '#role': 'role' },
            ExpressionAttributeValues: { ':role': role, ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return MemberSchema.parse(out.Attributes);
    },

    async updateDigestPreferences(
      funderId: string,
      memberId: string,
      digest: DigestPreferences,
      at: string,
    ): Promise<Member> {
      const out = await withCondition(`member ${memberId} missing`, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: memberKey(funderId, memberId),
            UpdateExpression: 'SET digest = :digest, updatedAt = :at, digestChangedAt = :at',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':digest': digest, ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return MemberSchema.parse(out.Attributes);
    },

    async list(funderId: string): Promise<Member[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': funderPartition(funderId), ':prefix': MEMBER_PREFIX },
        }),
      );
      return (out.Items ?? []).map((i) => MemberSchema.parse(i));
    },

    async getKey(keyId: string): Promise<ApiKeyRecord | null> {
      return getItem(doc, tableName, apiKeyKey(keyId), ApiKeyRecordSchema);
    },

    async createKey(key: ApiKeyRecord): Promise<void> {
      await putIfAbsent(
        doc,
        tableName,
        {
          ...apiKeyKey(key.keyId),
          ...apiKeyIndexKeys(key.funderId, key.memberId, key.keyId),
          entity: 'apikey',
          ...key,
        },
        `key ${key.keyId}`,
      );
    },

    /** Revoking twice keeps the first revocation time. */
    async revokeKey(keyId: string, at: string): Promise<ApiKeyRecord> {
      const out = await withCondition(`key ${keyId} missing`, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: apiKeyKey(keyId),
            UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return ApiKeyRecordSchema.parse(out.Attributes);
    },

    async listKeys(funderId: string, memberId?: string): Promise<ApiKeyRecord[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI1,
          KeyConditionExpression: memberId ? 'GSI1PK = :pk AND begins_with(GSI1SK, :prefix)' : 'GSI1PK = :pk',
          ExpressionAttributeValues: {
            ':pk': funderKeysPartition(funderId),
            ...(memberId ? { ':prefix': memberKeysPrefix(memberId) } : {}),
          },
        }),
      );
      return (out.Items ?? []).map((i) => ApiKeyRecordSchema.parse(i));
    },
  };
}
export type MemberRepository = ReturnType<typeof createMemberRepository>;
