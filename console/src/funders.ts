// Funder names for ids shown on every page: one read of GET /v1/funders per session, shared by the pages.
import type { z } from 'zod';
import type { FunderSchema } from '../../schemas/tenancy.ts';
import { getJson } from './api.ts';
import { useLoad } from './ui.tsx';

type Funder = z.infer<typeof FunderSchema>;

let cached: Promise<Funder[]> | null = null;

async function loadAll(): Promise<Funder[]> {
  const all: Funder[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Funder[]; nextCursor: string | null } = await getJson('/v1/funders', {
      limit: 100,
      cursor,
    });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export function useFunders(): { list: Funder[]; name: (id: string) => string } {
  const { data } = useLoad(() => {
    cached ??= loadAll().catch((error: unknown) => {
      cached = null;
      throw error;
    });
    return cached;
  }, []);
  const list = data ?? [];
  return { list, name: (id) => list.find((f) => f.id === id)?.name ?? id };
}

/** After sign-out another key may see other funders. */
export function forgetFunders() {
  cached = null;
}
