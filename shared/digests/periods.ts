// Digest periods: a member gets at most one digest per period, so the period id is the exactly-once key.
import type { DigestFrequency } from '../../schemas/digest.ts';

const DAY_MS = 86_400_000;

/** D2026-11-23 for daily, W2026-48 (ISO 8601 week, UTC) for weekly. */
export function periodOf(frequency: Exclude<DigestFrequency, 'off'>, at: Date): string {
  const day = at.toISOString().slice(0, 10);
  if (frequency === 'daily') return `D${day}`;
  // ISO weeks belong to the year of their Thursday; week 1 holds the year's first Thursday.
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (at.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(midnight + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `W${year}-${String(week).padStart(2, '0')}`;
}

/** How far back a member's first digest looks: one period. */
export function periodLengthMs(frequency: Exclude<DigestFrequency, 'off'>): number {
  return frequency === 'daily' ? DAY_MS : 7 * DAY_MS;
}

/** The UTC days from `from` to `to` inclusive, as YYYY-MM-DD (the feed is partitioned by day). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(from.slice(0, 10)); t <= Date.parse(to.slice(0, 10)); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
