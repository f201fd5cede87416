// Maps between a published 360Giving grant and the hub's grant record: standard fields as they are,
// everything else kept in additionalData on the way in and put back on the way out, so nothing is lost.
import type { GrantInput, Visibility } from '../../schemas/grant.ts';
import type { Region, Theme } from '../../schemas/taxonomy.ts';
import { inferRegions, inferThemes, type TaxonomyRules } from '../taxonomy/inference.ts';
import { STANDARD_FIELDS } from './standard-schema.ts';

export interface HubFields {
  themes?: Theme[];
  regions?: Region[];
  visibility?: Visibility;
  /**
   * Tag themes (when none are given) and regions (when none are given) by the hub's rules, from the grant's
   * classifications, programmes, title, description and locations.
   */
  inferThemes?: boolean;
  /** The hub's inference rules (GET /v1/taxonomy); the shipped defaults when absent. */
  rules?: TaxonomyRules;
}

/** A 360Giving grant as the hub's batch item (not yet validated: the API validates and names fields). */
export function fromPublishedGrant(grant: Record<string, unknown>, hub: HubFields): Record<string, unknown> {
  const standard: Record<string, unknown> = {};
  const additionalData: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(grant)) {
    if (STANDARD_FIELDS.has(field)) standard[field] = value;
    else additionalData[field] = value;
  }
  return {
    ...standard,
    ...(Object.keys(additionalData).length > 0 ? { additionalData } : {}),
    themes:
      hub.themes && hub.themes.length > 0 ? hub.themes : hub.inferThemes ? inferThemes(grant, hub.rules) : [],
    regions:
      hub.regions && hub.regions.length > 0
        ? hub.regions
        : hub.inferThemes
          ? inferRegions(grant, hub.rules)
          : [],
    visibility: hub.visibility ?? 'private',
  };
}

/** The hub's record as a 360Giving grant: extra data back at the top level, hub-only fields left out. */
export function toPublishedGrant(record: GrantInput): Record<string, unknown> {
  const { additionalData, themes: _t, regions: _r, visibility: _v, id, ...standard } = record;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(additionalData ?? {})) {
    if (!STANDARD_FIELDS.has(field)) out[field] = value;
  }
  // Key order of the standard first, as publishers write it.
  return { id, ...standard, ...out };
}
