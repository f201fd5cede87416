// Shared building blocks for every request, response and stored shape.
import { z } from 'zod';

/** Lower-case slug used for funder, collaborative and member ids: safe inside keys (no '#'). */
export const SlugSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'must be a lower-case slug (a-z, 0-9, "-")');
export type Slug = z.infer<typeof SlugSchema>;

/** ISO 8601 instant with an offset, as 360Giving uses for date-time fields. */
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });

/** A calendar date (YYYY-MM-DD) or a date-time with offset; both must name a real day. */
export const DateOrDateTimeSchema = z
  .string()
  .refine(isRealDateOrDateTime, 'must be a real date as YYYY-MM-DD or an ISO 8601 date-time with offset');

/** An event's date, which the standard also allows as a year or a year-month (YYYY, YYYY-MM). */
export const PartialDateSchema = z
  .string()
  .refine(
    (v) => /^\d{4}(-(0[1-9]|1[012]))?$/.test(v) || isRealDateOrDateTime(v),
    'must be YYYY, YYYY-MM, a real date as YYYY-MM-DD or an ISO 8601 date-time with offset',
  );

function isRealDateOrDateTime(value: string): boolean {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/.exec(
      value,
    );
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/**
 * A whole number as a query string sends it: decimal digits only ("0x10", "2019e0", " 2019" and "2019.0" are
 * refused, not read as numbers); a number given directly (the CLI, tests) is taken as it is.
 */
export const queryInteger = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d{1,10}$/, 'must be a whole number written in decimal digits')
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max));

export const PageLimitSchema = queryInteger(1, 100).default(25);

export const PageQuerySchema = z.strictObject({
  limit: PageLimitSchema,
  cursor: z.string().min(1).max(2048).optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable(),
  });
