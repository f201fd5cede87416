// The README documents what the code does: every route, every theme and region.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REGIONS, THEMES } from '../../schemas/taxonomy.ts';
import { routes } from '../../shared/http/route-manifest.ts';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('lists every route of the API', () => {
    for (const route of routes)
      expect(readme, `${route.method} ${route.path}`).toContain(`${route.method} ${route.path}`);
  });

  it('lists every theme and region of the taxonomy', () => {
    for (const value of [...THEMES, ...REGIONS]) expect(readme).toContain(`\`${value}\``);
  });

  it('gives the two quick-start commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
