// The security and fault suites' results for BENCHMARKS.md: the same test files `npm test` runs, run once more
// with vitest's JSON reporter, then counted (attack cases and leaks, fuzzed requests and 5xx, fault tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';

const ROOT = resolve(import.meta.dirname, '..');
const MATRIX = 'test/e2e/tenant-matrix.test.ts';
const FUZZ = 'test/e2e/fuzz.test.ts';

/** The suites proving security and fault tolerance, with what each covers. */
export const PROOF_SUITES: ReadonlyArray<{ file: string; what: string; kind: 'security' | 'faults' }> = [
  { file: MATRIX, what: 'cross-tenant attacks, each with its positive twin', kind: 'security' },
  {
    file: 'test/e2e/owasp.test.ts',
    what: 'OWASP API Top 10 items the other suites do not cover',
    kind: 'security',
  },
  {
    file: 'test/e2e/isolation.test.ts',
    what: 'keys, roles, lists, counts, cursors across funders',
    kind: 'security',
  },
  { file: FUZZ, what: 'generated requests on every route', kind: 'security' },
  {
    file: 'test/integration/faults.test.ts',
    what: 'imports with 10%, 50%, 100% of calls throttled',
    kind: 'faults',
  },
  {
    file: 'test/e2e/import-faults.test.ts',
    what: 'throttling, unprocessed keys, timeouts through the CLI; the CLI killed and resumed',
    kind: 'faults',
  },
  {
    file: 'test/unit/grant-service-faults.test.ts',
    what: 'lost races, partial batches, timeouts in batch writes',
    kind: 'faults',
  },
  {
    file: 'test/integration/resolution-faults.test.ts',
    what: 'resolution throttled at 10%, 50%, 100%, cancelled transactions, the process killed mid-run',
    kind: 'faults',
  },
  {
    file: 'test/integration/gap-rollup.test.ts',
    what: 'rollups throttled at 10%, 50%, 100%, cancelled transactions, repeated and stale deliveries',
    kind: 'faults',
  },
  {
    file: 'test/integration/digest-faults.test.ts',
    what: 'digests throttled at 10%, 50%, 100%, failed finishing transactions',
    kind: 'faults',
  },
  {
    file: 'test/unit/stream-order.test.ts',
    what: 'stream batches kept in order after a failure',
    kind: 'faults',
  },
  {
    file: 'test/integration/poison-records.test.ts',
    what: 'poison stream records (unparseable, failing the handler, too large) set aside; the rest as a clean run',
    kind: 'faults',
  },
  {
    file: 'test/unit/stream-delivery.test.ts',
    what: "the local poller's delivery as Lambda's mapping: retries, bisect, on-failure destination",
    kind: 'faults',
  },
  { file: 'test/integration/concurrency.test.ts', what: 'concurrent writers', kind: 'faults' },
];

const ReportSchema = z.object({
  testResults: z.array(
    z.object({
      name: z.string(),
      startTime: z.number(),
      endTime: z.number(),
      assertionResults: z.array(z.object({ title: z.string(), status: z.string() })),
    }),
  ),
});

const FuzzCountsSchema = z.object({
  requests: z.number(),
  serverErrors: z.number(),
  rejected: z.number(),
  accepted: z.number(),
  checkedUnchanged: z.number(),
});

export interface SuiteResult {
  file: string;
  what: string;
  kind: 'security' | 'faults';
  tests: number;
  passed: number;
  failed: number;
  seconds: number;
}

export interface ProofsResult {
  suites: SuiteResult[];
  matrix: { cases: number; leaks: number };
  fuzz: z.infer<typeof FuzzCountsSchema>;
}

export function runProofs(log: (line: string) => void): ProofsResult {
  const dir = mkdtempSync(join(tmpdir(), 'cofund-proofs-'));
  const out = join(dir, 'results.json');
  const fuzzCounts = resolve(ROOT, 'test-results/fuzz-counts.json');
  rmSync(fuzzCounts, { force: true });
  try {
    log(`running ${PROOF_SUITES.length} security and fault suites with vitest...`);
    // A failing test makes vitest exit non-zero: the failures are counted from the report, not thrown here.
    spawnSync(
      process.execPath,
      [
        resolve(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        ...PROOF_SUITES.map((s) => s.file),
        '--reporter=json',
        `--outputFile=${out}`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (!existsSync(out)) throw new Error('vitest wrote no report: see the errors above');
    const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    const suites = PROOF_SUITES.map((suite) => {
      const found = report.testResults.find((r) => relative(ROOT, r.name) === suite.file);
      const results = found?.assertionResults ?? [];
      return {
        ...suite,
        tests: results.length,
        passed: results.filter((r) => r.status === 'passed').length,
        failed: results.filter((r) => r.status !== 'passed').length,
        seconds: found ? (found.endTime - found.startTime) / 1000 : 0,
      };
    });
    const matrixCases =
      report.testResults
        .find((r) => relative(ROOT, r.name) === MATRIX)
        ?.assertionResults.filter((r) => !r.title.startsWith('has at least')) ?? [];
    if (!existsSync(fuzzCounts))
      throw new Error(`${FUZZ} wrote no counts: did it fail before its last test?`);
    return {
      suites,
      matrix: {
        cases: matrixCases.length,
        leaks: matrixCases.filter((r) => r.status !== 'passed').length,
      },
      fuzz: FuzzCountsSchema.parse(JSON.parse(readFileSync(fuzzCounts, 'utf8'))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
