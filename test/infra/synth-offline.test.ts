// `npx cdk synth` as the README says it works: the real CDK CLI, with no AWS credentials, no account, no region
// and no ~/.aws to fall back on, bundling every function with esbuild as a deploy would.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { routes } from '../../shared/http/route-manifest.ts';

const home = mkdtempSync(join(tmpdir(), 'cofund-nohome-'));
const out = mkdtempSync(join(tmpdir(), 'cofund-synth-'));
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

it('synthesises both stacks with no AWS credentials, account or region', () => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|CDK_DEFAULT_|CDK_DEPLOY_)/.test(name)),
  );
  const run = spawnSync(
    'npx',
    ['cdk', 'synth', '--quiet', '--output', out, '--no-notices', '--no-version-reporting'],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...env,
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      encoding: 'utf8',
      timeout: 600_000,
    },
  );
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  const templates = readdirSync(out).filter((f) => f.endsWith('.template.json'));
  expect(templates.sort()).toEqual(['DonorHubApi.template.json', 'DonorHubData.template.json']);
  const api = JSON.parse(readFileSync(join(out, 'DonorHubApi.template.json'), 'utf8'));
  const functions = Object.values(
    api.Resources as Record<string, { Type: string; Metadata?: Record<string, string> }>,
  ).filter((r) => r.Type === 'AWS::Lambda::Function');
  expect(functions.length).toBeGreaterThan(routes.length);
  // Every function was bundled for real: its asset folder (shared when two bundles are identical) has index.mjs.
  for (const fn of functions) {
    const asset = fn.Metadata?.['aws:asset:path'];
    if (asset === undefined) continue; // CDK's own inline helpers (log retention, bucket deployment)
    if (!asset.startsWith('asset.')) continue;
    const dir = join(out, asset);
    expect(
      existsSync(join(dir, 'index.mjs')) ||
        existsSync(join(dir, 'index.js')) ||
        existsSync(join(dir, 'index.py')),
      asset,
    ).toBe(true);
  }
  const bundled = functions.filter((f) => {
    const asset = f.Metadata?.['aws:asset:path'];
    return asset !== undefined && existsSync(join(out, asset, 'index.mjs'));
  });
  // One per route, the authorizer, three stream consumers, the two digest functions and the `$default` route's.
  expect(bundled.length).toBe(routes.length + 7);
}, 660_000);
