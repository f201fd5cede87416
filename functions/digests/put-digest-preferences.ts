// PATCH /v1/me/digest-preferences: change your frequency (daily, weekly, off), themes or regions.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ body: true }, async ({ ctx, body }) => ({
  body: await getServices().digests.updatePreferences(ctx, body),
}));
