// `npm run rebuild:gaps`: moves every gap cell to today's rollup rules (README "Co-investment gaps", rebuilding).
// Run by the operator: locally against the DynamoDB Local that `npm start` prints, in AWS with the operator's
// credentials and the stack's HubTableName output. Safe while the hub runs, resumable, and a no-op when repeated.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import cliProgress from 'cli-progress';
import { tableNames } from '../local/tables.ts';
import { resetConfigForTests } from '../shared/config.ts';
import { rebuildGapCells } from '../shared/gaps/gap-rebuild.ts';
import { logger } from '../shared/logger.ts';
import { getServices, resetServicesForTests } from '../shared/services.ts';

const USAGE = `Usage: npm run rebuild:gaps -- (--endpoint <url> | --table <name>) [--region <region>] [--segments 4]

Re-applies every resolved mention's contribution to the gap cells under this version's rules (private-money
noise, FX rates, what counts once), for cells rolled up by an older version. Runs while the hub serves; each
mention moves conditionally on its applied state, so it can be stopped and run again, and a second run changes
nothing.
  --endpoint <url>  DynamoDB Local (the "DynamoDB Local on ..." line of npm start); table cofund-local-hub
  --table <name>    the hub table in AWS (the data stack's HubTableName output); AWS credentials as usual
  --region <region> AWS region (default AWS_REGION, else eu-west-1)
  --segments <n>    parallel scan segments, 1 to 64 (default 4)
`;

function fail(message: string): never {
  console.error(`rebuild:gaps: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main() {
  let flags: { endpoint?: string; table?: string; region?: string; segments?: string; help?: boolean };
  try {
    flags = parseArgs({
      options: {
        endpoint: { type: 'string' },
        table: { type: 'string' },
        region: { type: 'string' },
        segments: { type: 'string', default: '4' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  if (!flags.endpoint && !flags.table) fail('give --endpoint (DynamoDB Local) or --table (AWS)');
  if (flags.endpoint && !URL.canParse(flags.endpoint)) fail(`--endpoint "${flags.endpoint}" is not a URL`);
  const segments = Number(flags.segments);
  if (!Number.isInteger(segments) || segments < 1 || segments > 64) {
    fail(`--segments "${flags.segments}" must be a whole number from 1 to 64`);
  }
  const table = flags.table ?? tableNames('cofund-local').TABLE_NAME;
  Object.assign(process.env, {
    TABLE_NAME: table,
    // Not used by the rebuild; the configuration asks for it.
    IDEMPOTENCY_TABLE_NAME: process.env.IDEMPOTENCY_TABLE_NAME ?? `${table}-idempotency`,
    AWS_REGION: flags.region ?? process.env.AWS_REGION ?? 'eu-west-1',
    ...(flags.endpoint ? { DYNAMODB_ENDPOINT: flags.endpoint } : {}),
  });
  if (!process.env.LOG_LEVEL) logger.setLogLevel('WARN');
  resetConfigForTests();
  resetServicesForTests();
  const services = getServices();

  const described = await services.client.send(new DescribeTableCommand({ TableName: table }));
  const approxItems = described.Table?.ItemCount ?? 0;
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          format:
            'rebuilding |{bar}| {value} of about {total} items | {mentions} mentions: {refreshed} refreshed, {unchanged} unchanged, {skipped} left to the stream, {failed} failed',
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(Math.max(1, approxItems), 0, { mentions: 0, refreshed: 0, unchanged: 0, skipped: 0, failed: 0 });
  const started = Date.now();
  const report = await rebuildGapCells({
    scan: (segment, total) => services.repos.resolution.scanMentions(segment, total),
    rollup: services.gapRollup,
    segments,
    onProgress: (p) => bar?.update(Math.min(p.scanned, Math.max(1, approxItems)), { ...p }),
  });
  bar?.stop();
  console.log(
    `Gap cells rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s: ${report.scanned} items read, ` +
      `${report.mentions} mentions: ${report.refreshed} refreshed, ${report.unchanged} already current, ` +
      `${report.skipped} left to the stream (not applied yet, or changed since), ${report.failed} failed.`,
  );
  for (const f of report.failures) console.log(`  failed ${f}`);
  if (report.failed > 0) {
    console.log('Run it again once the cause is fixed: mentions already refreshed are left as they are.');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`rebuild:gaps: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
