// The `cofund` command line: talks to the hub's API (COFUND_API_URL, COFUND_API_KEY), on a laptop or in AWS.
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { pageOf } from '../schemas/common.ts';
import { DeadLetterViewSchema, ReplayResultSchema } from '../schemas/dead-letter.ts';
import {
  DigestPreferencesSchema,
  DigestPreviewSchema,
  DigestRunSchema,
  DigestViewSchema,
} from '../schemas/digest.ts';
import { GapResponseSchema, PortfolioResponseSchema } from '../schemas/gaps.ts';
import { VisibilitySchema } from '../schemas/grant.ts';
import { DuplicateViewSchema } from '../schemas/organisation.ts';
import { REGIONS, THEMES } from '../schemas/taxonomy.ts';
import { ApiKeyViewSchema, CreatedApiKeySchema, MeSchema } from '../schemas/tenancy.ts';
import { ApiError, createApiClient } from './api-client.ts';
import { formatPreferences, formatRun, formatStatus } from './commands/digest.ts';
import { decide, formatPair, formatQueue, listDuplicates } from './commands/duplicates.ts';
import { runExport } from './commands/export.ts';
import { formatGaps, formatPortfolios } from './commands/gaps.ts';
import { formatImportSummary, runImport } from './commands/import.ts';
import { fetchTaxonomyRules, followUpload, formatUploadStatus } from './commands/uploads.ts';

const program = new Command();
program
  .name('cofund')
  .description(
    'Share grant data through the donor data hub: import and export 360Giving files, review duplicates, find gaps, manage digests and keys.',
  )
  .addOption(
    new Option('--api-url <url>', 'hub API base URL').env('COFUND_API_URL').default('http://localhost:3000'),
  )
  .addOption(new Option('--api-key <key>', 'your API key (cfd_...)').env('COFUND_API_KEY'))
  .showHelpAfterError();

function client() {
  const { apiUrl, apiKey } = program.opts<{ apiUrl: string; apiKey?: string }>();
  if (!apiKey) throw new ApiError(0, 'no_key', 'No API key: set COFUND_API_KEY or pass --api-key.');
  return {
    apiUrl,
    client: createApiClient({
      baseUrl: apiUrl,
      apiKey,
      onRetry: (attempt, reason) => process.stderr.write(`  retrying (attempt ${attempt}) after ${reason}\n`),
    }),
  };
}

const oneOf =
  (allowed: readonly string[], what: string) =>
  (value: string, previous: string[] = []) => {
    if (!allowed.includes(value))
      throw new InvalidArgumentError(`unknown ${what} "${value}"; one of: ${allowed.join(', ')}`);
    return [...previous, value];
  };
const positiveInt = (max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
  return n;
};

program
  .command('whoami')
  .description('show the funder, member and role your key acts as')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const me = await client().client.json(MeSchema, 'GET', '/v1/me');
    if (opts.json) return console.log(JSON.stringify(me, null, 2));
    console.log(
      `${me.member.name} <${me.member.email}>, ${me.principal.role} of ${me.funder.name} (${me.funder.id})`,
    );
    console.log(`collaboratives: ${me.principal.collaboratives.join(', ') || 'none'}`);
  });

program
  .command('import')
  .description(
    'import a 360Giving JSON package, CSV file or .xlsx spreadsheet; re-running it changes nothing, an interrupted run resumes',
  )
  .argument(
    '<file>',
    'a .json (360Giving package), .csv or .xlsx (360Giving column titles, or field paths) file',
  )
  .addOption(
    new Option('--format <format>', 'file format (default: from the extension)').choices([
      'json',
      'csv',
      'xlsx',
    ]),
  )
  .option(
    '--visibility <visibility>',
    'who may see the imported grants: private, hub, public or collaborative:<id>',
    'private',
  )
  .option(
    '--theme <theme>',
    `hub theme for every grant (repeatable): ${THEMES.join(', ')}`,
    oneOf(THEMES, 'theme'),
    [],
  )
  .option(
    '--region <region>',
    `hub region for every grant (repeatable): ${REGIONS.join(', ')}`,
    oneOf(REGIONS, 'region'),
    [],
  )
  .option(
    '--infer-themes',
    'tag themes (and, without --region, regions) from each grant’s classifications, programme, title, description and locations, by the hub’s rules',
  )
  .addOption(
    new Option(
      '--date-order <order>',
      'how to read numeric dates such as 05/03/2014 when the file does not settle it: dmy (day first) or mdy',
    ).choices(['dmy', 'mdy']),
  )
  .option('--wait', 'after the import, wait until the hub has resolved and rolled up every grant it wrote')
  .option('--wait-timeout <seconds>', 'give up waiting after this long', positiveInt(86_400), 1800)
  .option('--batch-size <n>', 'grants per request (max 100)', positiveInt(100), 99)
  .option('--concurrency <n>', 'requests in flight', positiveInt(16), 4)
  .option('--report <path>', 'where to write the JSON report (default: <file>.import-report.json)')
  .option('--restart', 'ignore the checkpoint of an interrupted run and start from the first row')
  .option('--no-progress', 'no progress bar')
  .action(async (file: string, opts: Record<string, unknown>) => {
    const visibility = VisibilitySchema.safeParse(opts.visibility);
    if (!visibility.success)
      throw new ApiError(0, 'bad_option', `--visibility: ${visibility.error.issues[0]?.message}`);
    const { client: api, apiUrl } = client();
    const reportPath = typeof opts.report === 'string' ? opts.report : `${file}.import-report.json`;
    const hub = {
      visibility: visibility.data,
      themes: z.array(z.enum(THEMES)).parse(opts.theme),
      regions: z.array(z.enum(REGIONS)).parse(opts.region),
      inferThemes: opts.inferThemes === true,
    };
    const report = await runImport({
      file,
      ...(typeof opts.format === 'string' ? { format: opts.format } : {}),
      ...(opts.dateOrder === 'dmy' || opts.dateOrder === 'mdy' ? { dateOrder: opts.dateOrder } : {}),
      client: api,
      apiUrl,
      hub: hub.inferThemes ? { ...hub, rules: await fetchTaxonomyRules(api) } : hub,
      batchSize: Number(opts.batchSize),
      concurrency: Number(opts.concurrency),
      reportPath,
      restart: opts.restart === true,
      progress: opts.progress !== false,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    for (const line of formatImportSummary(report)) console.log(line);
    const written = report.created + report.updated;
    if (written > 0 && !report.fatal) {
      const status = await followUpload(api, report.uploadId, {
        wait: opts.wait === true,
        timeoutSeconds: Number(opts.waitTimeout),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      for (const line of formatUploadStatus(status)) console.log(line);
      if (opts.wait === true && !status.done) process.exitCode = 2;
    }
    console.log(`Report: ${reportPath}`);
    if (report.fatal) {
      console.error(`Import stopped: ${report.fatal}`);
      if (report.fatalKind !== 'not-a-grants-file')
        console.error('Run the same command again to resume where it stopped.');
      process.exitCode = 2;
    } else if (report.rejected > 0) {
      process.exitCode ??= 1;
    }
  });

program
  .command('dead-letters')
  .description(
    'stream records the hub set aside after their bounded retries (operator): list them, or replay them after a fix',
  )
  .argument('[action]', 'list (default) or replay')
  .argument('[ids...]', 'for replay: the ids to replay (default: every record set aside)')
  .addOption(
    new Option('--status <status>', 'which records to list')
      .choices(['set-aside', 'retrying', 'replayed'])
      .default('set-aside'),
  )
  .action(async (action: string | undefined, ids: string[], opts: { status: string }) => {
    const api = client().client;
    const list = async (status: string) =>
      (
        await api.json(
          z.object({ items: z.array(DeadLetterViewSchema) }),
          'GET',
          `/v1/dead-letters?status=${status}`,
        )
      ).items;
    if (action === undefined || action === 'list') {
      const items = await list(opts.status);
      if (items.length === 0) console.log(`No stream records ${opts.status}.`);
      for (const d of items) {
        console.log(
          `${d.id}\n  ${d.consumer} · ${d.funderId ?? '?'}/${d.grantId ?? '?'} · ${d.attempts} attempts · ${d.setAsideAt ?? d.lastFailedAt}${d.recordKept ? '' : ' · record too large to keep (replay reads the item as it is now)'}\n  ${d.reason}`,
        );
      }
      return;
    }
    if (action !== 'replay')
      throw new ApiError(0, 'bad_option', `unknown action ${action}: use list or replay`);
    const targets = ids.length > 0 ? ids : (await list('set-aside')).map((d) => d.id);
    if (targets.length === 0) console.log('Nothing to replay: no stream records are set aside.');
    let failed = 0;
    for (const id of targets) {
      const out = await api.json(
        ReplayResultSchema,
        'POST',
        `/v1/dead-letters/${encodeURIComponent(id)}/replay`,
      );
      console.log(
        `${out.outcome === 'replayed' ? 'replayed' : 'still failing'}: ${id}${out.reason ? ` (${out.reason})` : ''}`,
      );
      if (out.outcome !== 'replayed') failed += 1;
    }
    if (failed > 0) process.exitCode = 1;
  });

program
  .command('export')
  .description(
    'export the grants you may see as a 360Giving JSON package or CSV (scope public: open data only)',
  )
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json'))
  .addOption(
    new Option('--scope <scope>', 'visible: all you may see; public: open data only')
      .choices(['visible', 'public'])
      .default('visible'),
  )
  .option('--out <path>', 'output file (default: grants.<format>)')
  .option('--funder <id>', 'only this funder')
  .option('--recipient <orgId>', 'only grants to this organisation id')
  .option('--theme <theme>', 'only this theme')
  .option('--region <region>', 'only this region')
  .option('--visibility <visibility>', 'only this visibility')
  .option('--award-year-from <year>', 'awarded in or after this year')
  .option('--award-year-to <year>', 'awarded in or before this year')
  .action(async (opts: Record<string, string | undefined>) => {
    const format = opts.format === 'csv' ? 'csv' : 'json';
    const result = await runExport({
      client: client().client,
      out: opts.out ?? `grants.${format}`,
      format,
      scope: opts.scope === 'public' ? 'public' : 'visible',
      filters: {
        funder: opts.funder,
        recipient: opts.recipient,
        theme: opts.theme,
        region: opts.region,
        visibility: opts.visibility,
        awardYearFrom: opts.awardYearFrom,
        awardYearTo: opts.awardYearTo,
      },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    console.log(`${result.grants} grants written to ${result.file}`);
    if (result.invalid.length === 0) console.log(`All valid against ${result.schema}`);
    else {
      console.log(`${result.invalid.length} grants do not validate against ${result.schema}:`);
      for (const i of result.invalid.slice(0, 20))
        console.log(`  ${i.id}: ${i.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
      process.exitCode = 1;
    }
  });

const keys = program.command('keys').description('manage API keys');
keys
  .command('list')
  .description('your keys (admins: every key of your funder); secrets are never shown again')
  .action(async () => {
    const out = await client().client.json(z.object({ items: z.array(ApiKeyViewSchema) }), 'GET', '/v1/keys');
    for (const k of out.items) {
      const state = k.revokedAt
        ? `revoked ${k.revokedAt}`
        : Date.parse(k.expiresAt) < Date.now()
          ? 'expired'
          : `expires ${k.expiresAt}`;
      console.log(`${k.keyId}  ${k.memberId.padEnd(24)} ${k.label.padEnd(24)} ${state}`);
    }
  });
keys
  .command('create')
  .description('create a key; it is printed once')
  .option('--label <label>', 'what the key is for', 'cli')
  .option('--expires-in-days <days>', 'lifetime in days (max 365)', positiveInt(365), 90)
  .option('--member <memberId>', 'admins: create it for another member of your funder')
  .action(async (opts: { label: string; expiresInDays: number; member?: string }) => {
    const created = await client().client.json(CreatedApiKeySchema, 'POST', '/v1/keys', {
      body: {
        label: opts.label,
        expiresInDays: opts.expiresInDays,
        ...(opts.member ? { memberId: opts.member } : {}),
      },
    });
    console.log(
      `Key ${created.keyId} for ${created.memberId}, expires ${created.expiresAt}. Store it now, it is not shown again:`,
    );
    console.log(created.apiKey);
  });
keys
  .command('revoke')
  .description('revoke a key at once')
  .argument('<keyId>', 'the key id (16 characters, from `cofund keys list`)')
  .action(async (keyId: string) => {
    const revoked = await client().client.json(
      ApiKeyViewSchema,
      'DELETE',
      `/v1/keys/${encodeURIComponent(keyId)}`,
    );
    console.log(`Key ${revoked.keyId} revoked at ${revoked.revokedAt}.`);
  });

const duplicates = program
  .command('duplicates')
  .description('review candidate duplicate organisations: list, show the evidence, confirm, reject or split');
duplicates
  .command('list', { isDefault: true })
  .description('open pairs involving your records, most money affected first')
  .option('--max <n>', 'show at most this many pairs', positiveInt(10_000), 50)
  .option('--json', 'print JSON')
  .action(async (opts: { max: number; json?: boolean }) => {
    const items = await listDuplicates(client().client, opts.max);
    console.log(opts.json ? JSON.stringify(items, null, 2) : formatQueue(items));
  });
duplicates
  .command('show')
  .description('one pair with its evidence: which features agreed and their weights')
  .argument('<pairId>', 'the pair id (from `cofund duplicates list`)')
  .option('--json', 'print JSON')
  .action(async (pairId: string, opts: { json?: boolean }) => {
    const pair = await client().client.json(
      DuplicateViewSchema,
      'GET',
      `/v1/duplicates/${encodeURIComponent(pairId)}`,
    );
    console.log(opts.json ? JSON.stringify(pair, null, 2) : formatPair(pair));
  });
for (const [decision, description] of [
  ['confirm', 'the two records are one organisation: their organisations merge'],
  ['reject', 'they are different organisations: they are kept apart from now on'],
  ['split', 'take your own record out of the organisation it was linked to'],
] as const) {
  duplicates
    .command(decision)
    .description(`${description} (editor); later automatic runs never undo it`)
    .argument('<pairId>', 'the pair id')
    .option('--note <text>', 'why, for the other funder and the audit log')
    .action(async (pairId: string, opts: { note?: string }) => {
      console.log(formatPair(await decide(client().client, pairId, decision, opts.note)));
    });
}

const year = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1900 || n > 2100)
    throw new InvalidArgumentError('must be a year (1900-2100)');
  return String(n);
};
const single = (allowed: readonly string[], what: string) => (value: string) =>
  oneOf(allowed, what)(value)[0] ?? value;

interface CellFilters {
  theme?: string;
  region?: string;
  yearFrom?: string;
  yearTo?: string;
  json?: boolean;
}
/** The filters `gaps` and `gaps portfolios` share. */
function withCellFilters(command: Command): Command {
  return command
    .addOption(new Option('--theme <theme>', 'only this theme').argParser(single(THEMES, 'theme')))
    .addOption(new Option('--region <region>', 'only this region').argParser(single(REGIONS, 'region')))
    .addOption(new Option('--year-from <year>', 'from this award year').argParser(year))
    .addOption(new Option('--year-to <year>', 'to this award year').argParser(year))
    .option('--json', 'print JSON');
}
/** Query parameters from the options that were given. */
const queryOf = (values: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));

const gaps = withCellFilters(
  program
    .command('gaps')
    .description(
      'where money is missing: totals, funders, concentration and dependent grantees by theme, region, year',
    )
    .option('--collaborative <id>', "only this collaborative's funders (members and pooled funds)")
    .option(
      '--by <dims>',
      'group by these dimensions, comma-separated: theme, region, year ("" for one total)',
      'theme,region',
    ),
).action(async (opts: CellFilters & { collaborative?: string; by: string }) => {
  const query = queryOf({
    groupBy: opts.by,
    theme: opts.theme,
    region: opts.region,
    yearFrom: opts.yearFrom,
    yearTo: opts.yearTo,
    collaborative: opts.collaborative,
  });
  const out = await client().client.json(GapResponseSchema, 'GET', `/v1/gaps?${query}`);
  console.log(opts.json ? JSON.stringify(out, null, 2) : formatGaps(out));
});
withCellFilters(
  gaps
    .command('portfolios')
    .description("each funder's share going to its largest grantee, over the records you may see")
    .option('--funder <id>', 'only this funder'),
).action(async (opts: CellFilters & { funder?: string }) => {
  const query = queryOf({
    funder: opts.funder,
    theme: opts.theme,
    region: opts.region,
    yearFrom: opts.yearFrom,
    yearTo: opts.yearTo,
  });
  const out = await client().client.json(PortfolioResponseSchema, 'GET', `/v1/gaps/portfolios?${query}`);
  console.log(opts.json ? JSON.stringify(out, null, 2) : formatPortfolios(out));
});

const digest = program
  .command('digest')
  .description('your digests: delivery status, a run on demand (--now), a preview, your preferences')
  .option('--now', 'run the digest schedule now (admin: your members; operator: everyone)')
  .option('--json', 'print JSON')
  .action(async (opts: { now?: boolean; json?: boolean }) => {
    const { client: api } = client();
    if (opts.now) {
      const run = await api.json(DigestRunSchema, 'POST', '/v1/digests/runs', { body: {} });
      return console.log(opts.json ? JSON.stringify(run, null, 2) : formatRun(run));
    }
    const page = await api.json(pageOf(DigestViewSchema), 'GET', '/v1/digests?limit=25');
    console.log(opts.json ? JSON.stringify(page, null, 2) : formatStatus(page.items));
  });
digest
  .command('status')
  .description('delivery status of your digests (admins: every member of your funder, or --member)')
  .option('--member <id>', "one member's digests (admin)")
  .option('--json', 'print JSON')
  .action(async (opts: { member?: string; json?: boolean }) => {
    const query = queryOf({ limit: '100', member: opts.member });
    const page = await client().client.json(pageOf(DigestViewSchema), 'GET', `/v1/digests?${query}`);
    console.log(opts.json ? JSON.stringify(page, null, 2) : formatStatus(page.items));
  });
digest
  .command('preview')
  .description('what your next digest would say now (nothing is sent)')
  .option('--html', 'print the HTML instead of the plain text')
  .option('--json', 'print JSON')
  .action(async (opts: { html?: boolean; json?: boolean }) => {
    const out = await client().client.json(DigestPreviewSchema, 'GET', '/v1/digests/preview');
    if (opts.json) return console.log(JSON.stringify(out, null, 2));
    console.log(
      out.empty ? 'Nothing new: your next digest would not be sent.' : opts.html ? out.html : out.text,
    );
  });
digest
  .command('preferences')
  .description('show or change how often and about what you get digests')
  .addOption(new Option('--frequency <f>', 'how often').choices(['daily', 'weekly', 'off']))
  .option('--theme <theme>', `only these themes (repeatable): ${THEMES.join(', ')}`, oneOf(THEMES, 'theme'))
  .option(
    '--region <region>',
    `only these regions (repeatable): ${REGIONS.join(', ')}`,
    oneOf(REGIONS, 'region'),
  )
  .option('--all-themes', 'every theme again')
  .option('--all-regions', 'every region again')
  .action(
    async (opts: {
      frequency?: string;
      theme?: string[];
      region?: string[];
      allThemes?: boolean;
      allRegions?: boolean;
    }) => {
      const changes = {
        ...(opts.frequency ? { frequency: opts.frequency } : {}),
        ...(opts.theme ? { themes: opts.theme } : opts.allThemes ? { themes: [] } : {}),
        ...(opts.region ? { regions: opts.region } : opts.allRegions ? { regions: [] } : {}),
      };
      const api = client().client;
      const out =
        Object.keys(changes).length > 0
          ? await api.json(DigestPreferencesSchema, 'PATCH', '/v1/me/digest-preferences', { body: changes })
          : await api.json(DigestPreferencesSchema, 'GET', '/v1/me/digest-preferences');
      console.log(formatPreferences(out));
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ApiError) {
    console.error(`cofund: ${error.message}`);
    for (const e of error.errors) console.error(`  ${e.field}: ${e.message}`);
  } else {
    console.error(`cofund: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 2;
});
