// POST /v1/dead-letters/{deadLetterId}/replay: the consumer runs on a record set aside once more (operator).
import { z } from 'zod';
import { DeadLetterIdSchema } from '../../schemas/dead-letter.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route(
  { params: z.strictObject({ deadLetterId: DeadLetterIdSchema }) },
  async ({ ctx, params }) => ({ body: await getServices().deadLetters.replay(ctx, params.deadLetterId) }),
);
