// Every HTTP route once: CDK deploys from it, the local server serves from it, OpenAPI documents it.
import { z } from 'zod';
import { AuditEventSchema, ListAuditQuerySchema } from '../../schemas/audit.ts';
import { PageQuerySchema, pageOf } from '../../schemas/common.ts';
import {
  BatchGrantItemSchema,
  BatchUpsertResponseSchema,
  CountGrantsQuerySchema,
  GrantVersionViewSchema,
  GrantViewSchema,
  GrantWriteResultSchema,
  ListGrantsQuerySchema,
  MAX_BATCH_GRANTS,
  PutGrantRequestSchema,
} from '../../schemas/grant.ts';
import {
  CollaborativeMemberParamsSchema,
  CollaborativeParamsSchema,
  FunderParamsSchema,
  GrantParamsSchema,
  KeyParamsSchema,
  MemberParamsSchema,
} from '../../schemas/params.ts';
import {
  ApiKeyViewSchema,
  CollaborativeViewSchema,
  CreateApiKeyRequestSchema,
  CreateCollaborativeRequestSchema,
  CreatedApiKeySchema,
  CreateFunderRequestSchema,
  CreateMemberRequestSchema,
  FunderSchema,
  MeSchema,
  MemberSchema,
  UpdateFunderRequestSchema,
  UpdateMemberRequestSchema,
} from '../../schemas/tenancy.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway path template, e.g. /v1/grants/{funderId}/{grantId}. */
  path: string;
  /** Handler module relative to the repository root; exports `handler`. */
  entry: string;
  operationId: string;
  summary: string;
  tag: string;
  auth: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  successStatus: number;
  idempotent?: boolean;
  /**
   * Access to the table: least privilege per function. Every function may also append audit events
   * (denials are audited on every route), limited by IAM to the AUDIT# partitions.
   */
  access: 'read' | 'write';
}

const BatchRequestDoc = z.object({ grants: z.array(BatchGrantItemSchema).min(1).max(MAX_BATCH_GRANTS) });
const DeletedDoc = z.object({ outcome: z.literal('deleted'), version: z.number().int() });

export const routes: RouteDefinition[] = [
  { method: 'GET', path: '/v1/me', entry: 'functions/me/get-me.ts', operationId: 'getMe', summary: 'Who this key acts as', tag: 'tenancy', auth: true, response: MeSchema, successStatus: 200, access: 'read' },
  { method: 'GET', path: '/v1/funders', entry: 'functions/funders/list-funders.ts', operationId: 'listFunders', summary: 'List funders', tag: 'tenancy', auth: true, query: PageQuerySchema, response: pageOf(FunderSchema), successStatus: 200, access: 'read' },
  { method: 'POST', path: '/v1/funders', entry: 'functions/funders/create-funder.ts', operationId: 'createFunder', summary: 'Create a funder (hub operator)', tag: 'tenancy', auth: true, body: CreateFunderRequestSchema, response: FunderSchema, successStatus: 201, idempotent: true, access: 'write' },
  { method: 'GET', path: '/v1/funders/{funderId}', entry: 'functions/funders/get-funder.ts', operationId: 'getFunder', summary: 'Get a funder', tag: 'tenancy', auth: true, params: FunderParamsSchema, response: FunderSchema, successStatus: 200, access: 'read' },
  { method: 'PATCH', path: '/v1/funders/{funderId}', entry: 'functions/funders/update-funder.ts', operationId: 'updateFunder', summary: 'Update a funder, e.g. mark it exiting (hub operator)', tag: 'tenancy', auth: true, params: FunderParamsSchema, body: UpdateFunderRequestSchema, response: FunderSchema, successStatus: 200, access: 'write' },
  { method: 'GET', path: '/v1/collaboratives', entry: 'functions/collaboratives/list-collaboratives.ts', operationId: 'listCollaboratives', summary: 'List collaboratives with members and sub-funds', tag: 'tenancy', auth: true, response: z.object({ items: z.array(CollaborativeViewSchema) }), successStatus: 200, access: 'read' },
  { method: 'POST', path: '/v1/collaboratives', entry: 'functions/collaboratives/create-collaborative.ts', operationId: 'createCollaborative', summary: 'Create a collaborative (hub operator)', tag: 'tenancy', auth: true, body: CreateCollaborativeRequestSchema, response: CollaborativeViewSchema, successStatus: 201, idempotent: true, access: 'write' },
  { method: 'GET', path: '/v1/collaboratives/{collaborativeId}', entry: 'functions/collaboratives/get-collaborative.ts', operationId: 'getCollaborative', summary: 'Get a collaborative', tag: 'tenancy', auth: true, params: CollaborativeParamsSchema, response: CollaborativeViewSchema, successStatus: 200, access: 'read' },
  { method: 'PUT', path: '/v1/collaboratives/{collaborativeId}/members/{funderId}', entry: 'functions/collaboratives/put-collaborative-member.ts', operationId: 'addCollaborativeMember', summary: 'Add a member funder (secretariat admin)', tag: 'tenancy', auth: true, params: CollaborativeMemberParamsSchema, response: z.object({ outcome: z.enum(['created', 'unchanged']), collaborative: CollaborativeViewSchema }), successStatus: 201, access: 'write' },
  { method: 'DELETE', path: '/v1/collaboratives/{collaborativeId}/members/{funderId}', entry: 'functions/collaboratives/delete-collaborative-member.ts', operationId: 'removeCollaborativeMember', summary: 'Remove a member funder (secretariat admin)', tag: 'tenancy', auth: true, params: CollaborativeMemberParamsSchema, response: CollaborativeViewSchema, successStatus: 200, access: 'write' },
  { method: 'GET', path: '/v1/members', entry: 'functions/members/list-members.ts', operationId: 'listMembers', summary: "List your funder's members (admin)", tag: 'tenancy', auth: true, response: z.object({ items: z.array(MemberSchema) }), successStatus: 200, access: 'read' },
  { method: 'POST', path: '/v1/members', entry: 'functions/members/create-member.ts', operationId: 'createMember', summary: 'Add a member to your funder (admin)', tag: 'tenancy', auth: true, body: CreateMemberRequestSchema, response: MemberSchema, successStatus: 201, idempotent: true, access: 'write' },
  { method: 'PATCH', path: '/v1/members/{memberId}', entry: 'functions/members/update-member.ts', operationId: 'updateMember', summary: "Change a member's role (admin)", tag: 'tenancy', auth: true, params: MemberParamsSchema, body: UpdateMemberRequestSchema, response: MemberSchema, successStatus: 200, access: 'write' },
  { method: 'GET', path: '/v1/keys', entry: 'functions/keys/list-keys.ts', operationId: 'listKeys', summary: 'List API keys (yours; admins: the funder’s)', tag: 'keys', auth: true, response: z.object({ items: z.array(ApiKeyViewSchema) }), successStatus: 200, access: 'read' },
  { method: 'POST', path: '/v1/keys', entry: 'functions/keys/create-key.ts', operationId: 'createKey', summary: 'Create an API key (shown once)', tag: 'keys', auth: true, body: CreateApiKeyRequestSchema, response: CreatedApiKeySchema, successStatus: 201, access: 'write' },
  { method: 'DELETE', path: '/v1/keys/{keyId}', entry: 'functions/keys/revoke-key.ts', operationId: 'revokeKey', summary: 'Revoke an API key', tag: 'keys', auth: true, params: KeyParamsSchema, response: ApiKeyViewSchema, successStatus: 200, access: 'write' },
  { method: 'GET', path: '/v1/grants', entry: 'functions/grants/list-grants.ts', operationId: 'listGrants', summary: 'List grants you may see', tag: 'grants', auth: true, query: ListGrantsQuerySchema, response: pageOf(GrantViewSchema), successStatus: 200, access: 'read' },
  { method: 'GET', path: '/v1/grants/count', entry: 'functions/grants/count-grants.ts', operationId: 'countGrants', summary: 'Count grants you may see', tag: 'grants', auth: true, query: CountGrantsQuerySchema, response: z.object({ count: z.number().int() }), successStatus: 200, access: 'read' },
  { method: 'POST', path: '/v1/grants/batch', entry: 'functions/grants/batch-upsert-grants.ts', operationId: 'batchUpsertGrants', summary: `Create or replace up to ${MAX_BATCH_GRANTS} of your grants`, tag: 'grants', auth: true, body: BatchRequestDoc, response: BatchUpsertResponseSchema, successStatus: 200, idempotent: true, access: 'write' },
  { method: 'GET', path: '/v1/grants/{funderId}/{grantId}', entry: 'functions/grants/get-grant.ts', operationId: 'getGrant', summary: 'Get a grant', tag: 'grants', auth: true, params: GrantParamsSchema, response: GrantViewSchema, successStatus: 200, access: 'read' },
  { method: 'PUT', path: '/v1/grants/{funderId}/{grantId}', entry: 'functions/grants/put-grant.ts', operationId: 'putGrant', summary: 'Create or replace one of your grants (If-Match: version)', tag: 'grants', auth: true, params: GrantParamsSchema, body: PutGrantRequestSchema, response: GrantWriteResultSchema, successStatus: 200, idempotent: true, access: 'write' },
  { method: 'DELETE', path: '/v1/grants/{funderId}/{grantId}', entry: 'functions/grants/delete-grant.ts', operationId: 'deleteGrant', summary: 'Delete one of your grants (history is kept)', tag: 'grants', auth: true, params: GrantParamsSchema, response: DeletedDoc, successStatus: 200, access: 'write' },
  { method: 'GET', path: '/v1/grants/{funderId}/{grantId}/versions', entry: 'functions/grants/list-grant-versions.ts', operationId: 'listGrantVersions', summary: 'Version history of one of your grants', tag: 'grants', auth: true, params: GrantParamsSchema, response: z.object({ items: z.array(GrantVersionViewSchema) }), successStatus: 200, access: 'read' },
  { method: 'GET', path: '/v1/audit', entry: 'functions/audit/list-audit.ts', operationId: 'listAudit', summary: "Your funder's audit log (admin)", tag: 'audit', auth: true, query: ListAuditQuerySchema, response: pageOf(AuditEventSchema), successStatus: 200, access: 'read' },
  { method: 'GET', path: '/v1/openapi.json', entry: 'functions/openapi/get-openapi.ts', operationId: 'getOpenApi', summary: 'This document', tag: 'meta', auth: false, response: z.record(z.string(), z.unknown()), successStatus: 200, access: 'read' },
];
