// The official 360Giving grant schema, as shipped in ./standard (CC BY 4.0, 360Giving).

import packageSchema from './standard/360-giving-package-schema.json' with { type: 'json' };
import grantSchema from './standard/360-giving-schema.json' with { type: 'json' };

export interface JsonSchemaNode {
  type?: string | string[];
  title?: string;
  $ref?: string;
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
  rollUp?: string[];
}

export const GRANT_SCHEMA: Record<string, unknown> = grantSchema;
export const PACKAGE_SCHEMA: Record<string, unknown> = packageSchema;

const definitions: Record<string, JsonSchemaNode> = grantSchema.$defs;
export const GRANT_PROPERTIES: Record<string, JsonSchemaNode> = grantSchema.properties;

/** Top-level fields the standard defines; anything else a publisher adds is extra data. */
export const STANDARD_FIELDS: ReadonlySet<string> = new Set(Object.keys(GRANT_PROPERTIES));

/** Follows a local `#/$defs/...` reference. */
export function resolveNode(node: JsonSchemaNode): JsonSchemaNode {
  if (!node.$ref) return node;
  const name = node.$ref.split('/').pop() ?? '';
  const target = definitions[name];
  if (!target) throw new Error(`unknown $ref ${node.$ref}`);
  return { ...target, ...(node.title ? { title: node.title } : {}) };
}
