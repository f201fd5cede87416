// What a caller sees of an organisation: parts tied by its own readable records, ids that name a record.
import { describe, expect, it } from 'vitest';
import type { StoredMention } from '../../schemas/organisation.ts';
import { anchorsOf, granteeKeysOf, mentionIdOfView, viewIdOf } from '../../shared/organisations/org-view.ts';

type Rec = Pick<
  StoredMention,
  'mentionId' | 'funderId' | 'visibility' | 'grantCreatedAt' | 'link' | 'features' | 'featuresHash'
>;

const rec = (id: string, visibility: string, withMentionId: string | null, name = id): Rec =>
  ({
    mentionId: id,
    funderId: id.split('#')[0] as string,
    visibility,
    grantCreatedAt: `2026-01-0${id.length % 9}T00:00:00.000Z`,
    link: { withMentionId },
    features: { name },
    featuresHash: name,
  }) as unknown as Rec;

const never = () => false;

describe('organisation views', () => {
  it('gives each record id one organisation id, and refuses anything that is not one', () => {
    const id = viewIdOf('osf#g-1#0');
    expect(mentionIdOfView(id)).toBe('osf#g-1#0');
    expect(mentionIdOfView('org_3f2c1d9e-0000-4000-8000-000000000000')).toBeNull();
    expect(mentionIdOfView(`${id}=`)).toBeNull();
    expect(mentionIdOfView(viewIdOf('osf#a#b#0'))).toBeNull();
    expect(mentionIdOfView('org_')).toBeNull();
  });

  it('joins two readable records through a hidden one for nobody but a reader of all three', () => {
    // a (hub) -> h (private to osf) <- b (hub): only the link through h ties a and b.
    const records = [
      rec('mac#a#0', 'hub', 'osf#h#0'),
      rec('osf#h#0', 'private', null),
      rec('nef#b#0', 'hub', 'osf#h#0'),
    ];
    const outsider = anchorsOf(records, (m) => m.visibility !== 'private', never);
    expect(outsider.get('mac#a#0')?.mentionId).not.toBe(outsider.get('nef#b#0')?.mentionId);
    expect(outsider.has('osf#h#0')).toBe(false);
    const owner = anchorsOf(records, () => true, never);
    expect(new Set([...owner.values()].map((m) => m.mentionId)).size).toBe(1);
    // Positive twin: a direct match between the two readable records ties them for everyone.
    const matched = anchorsOf(
      records,
      (m) => m.visibility !== 'private',
      () => true,
    );
    expect(matched.get('mac#a#0')).toBe(matched.get('nef#b#0'));
  });

  it('joins records written the same way, and names a part by its oldest record', () => {
    const records = [rec('mac#a#0', 'hub', null, 'Same'), rec('nef#b#0', 'hub', null, 'Same')];
    const parts = anchorsOf(records, () => true, never);
    expect(parts.get('mac#a#0')).toBe(parts.get('nef#b#0'));
  });

  it('keys grantees per audience, and per funder for its own view', () => {
    const records = [
      rec('osf#p#0', 'private', null),
      rec('osf#q#0', 'hub', 'osf#p#0'),
      rec('mac#r#0', 'hub', 'osf#q#0'),
    ];
    const keys = granteeKeysOf(records, never);
    expect(keys.get('osf#q#0')).toBe(keys.get('mac#r#0'));
    expect(keys.get('osf#p#0')).not.toBe(keys.get('osf#q#0'));
    const own = granteeKeysOf(records, never, (m) => m.funderId);
    expect(own.get('osf#p#0')).toBe(own.get('osf#q#0'));
    expect(own.get('mac#r#0')).not.toBe(own.get('osf#q#0'));
  });
});
