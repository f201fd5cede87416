// GET /v1/taxonomy: the hub's themes and regions and its rules for inferring them from published grants.
import { REGIONS, THEMES } from '../../schemas/taxonomy.ts';
import { route } from '../../shared/http/route.ts';
import { DEFAULT_TAXONOMY_RULES } from '../../shared/taxonomy/inference.ts';

export const handler = route({}, async () => ({
  body: { themes: [...THEMES], regions: [...REGIONS], rules: DEFAULT_TAXONOMY_RULES },
}));
