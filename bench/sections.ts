// BENCHMARKS.md is written in sections, each between `<!-- marker -->` and `<!-- /marker -->`, by the script that
// measures it (`npm run bench`, `npm run eval:dedupe`, `npm run tune:matching`): one section is replaced, or added
// at the end, and the rest of the file is left as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const BENCHMARKS_PATH = resolve(import.meta.dirname, '..', 'BENCHMARKS.md');

export function replaceSection(text: string, marker: string, section: string): string {
  const pattern = new RegExp(`<!-- ${marker} -->[\\s\\S]*<!-- /${marker} -->\\n?`);
  return pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}`;
}

/** Rewrites one section of BENCHMARKS.md (`section` includes its markers). */
export function writeSection(marker: string, section: string, path = BENCHMARKS_PATH): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  writeFileSync(path, replaceSection(current, marker, section));
}
