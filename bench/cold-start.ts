// Cold start: every Lambda entry point (functions/**) bundled as CDK bundles it (esbuild, ESM, minified, the AWS
// SDK left to the runtime), its size and what it is made of from esbuild's metafile, and the time to initialise
// the module (import, top-level code) in a fresh Node process, as a Lambda init phase does before the first event.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { FUNCTION_BUNDLE } from '../infra/bundling.ts';
import { percentile } from './percentile.ts';

const ROOT = resolve(import.meta.dirname, '..');

export interface ColdStartSample {
  entry: string;
  bytes: number;
  /** Largest contributors to the bundle, by package or folder. */
  top: Array<{ origin: string; bytes: number }>;
  initMs: { p50: number; max: number };
}

export interface ColdStartResult {
  node: string;
  runs: number;
  samples: ColdStartSample[];
}

function entries(dir = resolve(ROOT, 'functions')): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? entries(path) : name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

function originOf(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  if (pkg) return pkg;
  return input.split('/').slice(0, 2).join('/');
}

/** The environment a deployed function has, so top-level configuration parses as it would in Lambda. */
const LAMBDA_ENV = {
  PATH: process.env.PATH ?? '',
  TABLE_NAME: 'DonorHubData-HubTable',
  IDEMPOTENCY_TABLE_NAME: 'DonorHubData-IdempotencyTable',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  LOG_LEVEL: 'WARN',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export async function runColdStartBench(options: { runs: number; log: (line: string) => void }) {
  // Inside the repository, so the runtime-provided AWS SDK resolves from node_modules as Lambda's does from its own.
  const out = resolve(ROOT, '.data', 'bench-bundles');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const samples: ColdStartSample[] = [];
  try {
    for (const file of entries()) {
      const entry = relative(ROOT, file);
      const outfile = join(out, entry.replace(/\.ts$/, '.mjs'));
      const result = await build({
        entryPoints: [file],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: FUNCTION_BUNDLE.target,
        minify: FUNCTION_BUNDLE.minify,
        sourcemap: FUNCTION_BUNDLE.sourcemap,
        metafile: true,
        mainFields: FUNCTION_BUNDLE.mainFields,
        banner: { js: FUNCTION_BUNDLE.banner },
        external: FUNCTION_BUNDLE.external,
        logLevel: 'silent',
      });
      const output = Object.entries(result.metafile.outputs).find(([p]) => p.endsWith('.mjs'))?.[1];
      const byOrigin = new Map<string, number>();
      for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
        byOrigin.set(originOf(input), (byOrigin.get(originOf(input)) ?? 0) + bytesInOutput);
      }
      const times: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(outfile).href)}); if (typeof m.handler !== 'function') throw new Error('no handler'); console.log(performance.now() - t);`;
        const printed = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          env: LAMBDA_ENV,
          encoding: 'utf8',
        });
        times.push(Number(printed.trim().split('\n').at(-1)));
      }
      const sample: ColdStartSample = {
        entry,
        bytes: output?.bytes ?? 0,
        top: [...byOrigin.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([origin, bytes]) => ({ origin, bytes })),
        initMs: {
          p50: percentile(
            [...times].sort((a, b) => a - b),
            0.5,
          ),
          max: Math.max(...times),
        },
      };
      samples.push(sample);
      options.log(
        `  ${entry}: ${(sample.bytes / 1024).toFixed(0)} KiB, init p50 ${sample.initMs.p50.toFixed(0)} ms`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return { node: process.version, runs: options.runs, samples } satisfies ColdStartResult;
}
