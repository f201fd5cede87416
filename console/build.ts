// Builds the web console (console/src, Preact) into static files: index.html, one hashed script, one hashed
// stylesheet. Used by `npm start`, by the CDK asset that deploys it to S3 and by `npm run bench` (bundle size).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, buildSync, type Metafile } from 'esbuild';

const CONSOLE_DIR = import.meta.dirname;

export interface ConsoleBuild {
  outDir: string;
  /** Every file written, with its size raw and gzipped (what a browser downloads); chunk-* load on demand. */
  files: Array<{ file: string; bytes: number; gzipBytes: number }>;
  metafile: Metafile;
}

function options(outDir: string): BuildOptions {
  return {
    absWorkingDir: CONSOLE_DIR,
    entryPoints: { app: 'src/main.tsx', styles: 'src/styles.css' },
    outdir: resolve(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    // The CSV libraries are loaded only when an export needs them.
    splitting: true,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    target: ['es2022', 'chrome120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    metafile: true,
    write: true,
    logLevel: 'silent',
  };
}

function finish(outDir: string, metafile: Metafile): ConsoleBuild {
  const outputs = Object.entries(metafile.outputs).map(([p, o]) => ({ file: resolve(CONSOLE_DIR, p), ...o }));
  const script = outputs.find((o) => o.entryPoint === 'src/main.tsx')?.file;
  const styles = outputs.find((o) => o.file.endsWith('.css'))?.file;
  if (!script || !styles) throw new Error('console build: missing the script or the stylesheet');
  const html = readFileSync(resolve(CONSOLE_DIR, 'src/index.html'), 'utf8')
    .replace('%SCRIPT%', `/assets/${basename(script)}`)
    .replace('%STYLES%', `/assets/${basename(styles)}`);
  const indexFile = resolve(outDir, 'index.html');
  writeFileSync(indexFile, html);
  const files = [indexFile, ...outputs.map((o) => o.file)].map((file) => {
    const content = readFileSync(file);
    return {
      file: file.slice(outDir.length + 1),
      bytes: content.length,
      gzipBytes: gzipSync(content).length,
    };
  });
  return { outDir, files, metafile };
}

function prepare(outDir: string) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(resolve(outDir, 'assets'), { recursive: true });
}

export async function buildConsole(outDir: string): Promise<ConsoleBuild> {
  prepare(outDir);
  const result = await build(options(outDir));
  return finish(outDir, result.metafile ?? { inputs: {}, outputs: {} });
}

/** For CDK asset bundling, which is synchronous. */
export function buildConsoleSync(outDir: string): ConsoleBuild {
  prepare(outDir);
  const result = buildSync(options(outDir));
  return finish(outDir, result.metafile ?? { inputs: {}, outputs: {} });
}

export const DEFAULT_CONSOLE_OUT = resolve(CONSOLE_DIR, '..', 'dist', 'console');

/** What a browser downloads to show the first page (the on-demand chunks left out). */
export function firstLoadBytes(built: ConsoleBuild): number {
  return built.files.filter((f) => !f.file.includes('chunk-')).reduce((s, f) => s + f.gzipBytes, 0);
}

export function describeBuild(built: ConsoleBuild): string {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const parts = built.files.map((f) => `${f.file} ${kib(f.gzipBytes)}`);
  return `web console: ${kib(firstLoadBytes(built))} gzipped to first load (${parts.join(', ')})`;
}
