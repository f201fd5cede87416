// Data quality warnings in the spirit of 360Giving's data quality tool (lib360dataquality): things a publisher
// should look at that do not stop a grant being imported. Each check has a stable code and a heading; the
// importer counts every finding and keeps examples (row, id, field, value). Thresholds follow that tool:
// planned dates over 12 years ahead, actual dates over 5, any date over 25 years ago, titles over 140 characters,
// charity numbers of 6-7 digits, company numbers of 8 letters or digits.
import { normalizeIdentifier } from '../organisations/identifiers.ts';

export interface QualityFinding {
  code: QualityCode;
  field: string;
  value: unknown;
}

export const QUALITY_CHECKS = {
  zero_amount: 'an amount awarded of 0 (say why in the description)',
  negative_amount: 'a negative amount awarded (a returned or reduced grant): it counts as negative in totals',
  funding_org_unrecognised_prefix:
    'a Funding Org:Identifier that does not draw from a register of org-id.guide',
  recipient_org_unrecognised_prefix:
    'a Recipient Org:Identifier that does not draw from a register of org-id.guide',
  recipient_charity_number_invalid:
    'a Recipient Org:Charity Number that does not look like a UK charity number',
  recipient_company_number_invalid: 'a Recipient Org:Company Number that does not look like a company number',
  org_id_invalid: 'a GB-CHC- or GB-COH- organisation identifier whose number does not look valid',
  org_id_unexpected_chars: 'an organisation identifier with a line break in it',
  grant_id_unexpected_chars: 'a grant identifier with a line break or stray whitespace in it',
  more_than_one_funding_org: 'more than one funding organisation identifier in the file',
  funding_org_name_with_new_id: 'a Funding Org:Name that appears with more than one identifier',
  looks_like_email: 'text that looks like an e-mail address (personal data?)',
  planned_start_after_end: 'a Planned Dates:Start Date after its End Date',
  actual_start_after_end: 'an Actual Dates:Start Date after its End Date',
  far_future_planned_dates: 'Planned Dates over 12 years in the future',
  far_future_actual_dates: 'Actual Dates over 5 years in the future',
  far_past_dates: 'dates over 25 years ago',
  award_date_in_future: 'an Award Date in the future',
  award_date_after_file_date: "an Award Date after the file's date (its latest Last Modified)",
  recipient_individual_with_dei: 'a grant to an individual with DEI information (must not be shared)',
  individual_geocode_looks_like_postcode:
    'a grant to an individual whose beneficiary geocode looks like a postcode',
  recipient_individual_without_details: 'a grant to an individual without To Individuals Details',
  recipient_org_360g_prefix:
    "a Recipient Org:Identifier starting '360G-' (use a charity or company number where there is one)",
  funding_org_360g_prefix: "a Funding Org:Identifier starting '360G-'",
  no_recipient_charity_or_company_number:
    'a recipient organisation with neither a charity nor a company number',
  incomplete_recipient_org: 'a recipient organisation without a postcode or location',
  no_grant_programme: 'no Grant Programme',
  no_beneficiary_location: 'no beneficiary location',
  title_equals_description: 'a title and a description that are the same',
  title_too_long: 'a title longer than 140 characters',
  no_last_modified: 'no Last Modified date',
  no_data_source: 'no Data Source',
  no_planned_duration: 'no Planned Dates:Duration',
  duplicate_id_in_file: 'a grant id that an earlier row of the file already used (the later row is refused)',
  replaced_in_hub:
    'a grant id the hub already held with other content (this row replaced it as a new version)',
} as const;
export type QualityCode = keyof typeof QUALITY_CHECKS;

const EMAIL = /[\w.-]+@[\w.-]+\.[\w.-]+/;
const POSTCODE = /^\s*[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\s*$/i;

const asArray = (v: unknown): Array<Record<string, unknown>> =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object') : [];
const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const present = (v: unknown) =>
  v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

/** Whether an org id draws from the org-id register (or is a funder's own 360G- id). */
function recognisedPrefix(id: string): boolean {
  const parsed = normalizeIdentifier(id);
  return parsed !== null && (parsed.registered || parsed.scheme === '360G');
}

const charityNumberLooksValid = (n: string) => {
  const digits = /^[a-z]{2}/i.test(n) ? n.slice(2) : n;
  return /^\d{6,7}$/.test(digits.trim());
};
const companyNumberLooksValid = (n: string) => /^\w{8}$/.test(n);

/** Dates compare as their first 10 characters (YYYY, YYYY-MM and YYYY-MM-DD sort as text). */
const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : undefined);

export interface QualityContext {
  /** YYYY-MM-DD of today. */
  today: string;
  /** YYYY-MM-DD of the file: its latest Last Modified, when it has one. */
  fileDate?: string | undefined;
}

function yearsFrom(dayIso: string, years: number): string {
  const [y, rest] = [Number(dayIso.slice(0, 4)), dayIso.slice(4)];
  return `${String(y + years).padStart(4, '0')}${rest}`;
}

function organisationFindings(grant: Record<string, unknown>, out: QualityFinding[]) {
  const add = (code: QualityCode, field: string, value: unknown) => out.push({ code, field, value });
  for (const [kind, list] of [
    ['funding', asArray(grant.fundingOrganization)],
    ['recipient', asArray(grant.recipientOrganization)],
  ] as const) {
    const key = kind === 'funding' ? 'fundingOrganization' : 'recipientOrganization';
    list.forEach((org, i) => {
      const id = text(org.id);
      const at = `${key}.${i}`;
      if (id) {
        if (!recognisedPrefix(id)) add(`${kind}_org_unrecognised_prefix`, `${at}.id`, id);
        if (/^360g/i.test(id)) add(`${kind}_org_360g_prefix`, `${at}.id`, id);
        if (/\n/.test(id)) add('org_id_unexpected_chars', `${at}.id`, id);
        const upper = id.toUpperCase();
        if (
          (upper.startsWith('GB-CHC-') && !charityNumberLooksValid(id.slice(7))) ||
          (upper.startsWith('GB-COH-') && !companyNumberLooksValid(id.slice(7)))
        )
          add('org_id_invalid', `${at}.id`, id);
      }
      if (kind !== 'recipient') return;
      const charity = org.charityNumber === undefined ? undefined : String(org.charityNumber);
      const company = org.companyNumber === undefined ? undefined : String(org.companyNumber);
      if (charity !== undefined && !charityNumberLooksValid(charity))
        add('recipient_charity_number_invalid', `${at}.charityNumber`, charity);
      if (company !== undefined && !companyNumberLooksValid(company))
        add('recipient_company_number_invalid', `${at}.companyNumber`, company);
      if (!present(charity) && !present(company)) add('no_recipient_charity_or_company_number', at, org.name);
      const located = asArray(org.location).some((l) => present(l.geoCode) && present(l.geoCodeType));
      if (!present(org.postalCode) && !located) add('incomplete_recipient_org', at, org.name);
    });
  }
}

function dateFindings(grant: Record<string, unknown>, ctx: QualityContext, out: QualityFinding[]) {
  const add = (code: QualityCode, field: string, value: unknown) => out.push({ code, field, value });
  const award = day(grant.awardDate);
  const far = {
    planned: yearsFrom(ctx.today, 12),
    actual: yearsFrom(ctx.today, 5),
    past: yearsFrom(ctx.today, -25),
  };
  if (award) {
    if (award > ctx.today) add('award_date_in_future', 'awardDate', grant.awardDate);
    else if (ctx.fileDate && award > ctx.fileDate)
      add('award_date_after_file_date', 'awardDate', grant.awardDate);
    if (award < far.past) add('far_past_dates', 'awardDate', grant.awardDate);
  }
  for (const [key, limit, futureCode, orderCode] of [
    ['plannedDates', far.planned, 'far_future_planned_dates', 'planned_start_after_end'],
    ['actualDates', far.actual, 'far_future_actual_dates', 'actual_start_after_end'],
  ] as const) {
    asArray(grant[key]).forEach((event, i) => {
      const start = day(event.startDate);
      const end = day(event.endDate);
      if (start && end && start > end)
        add(orderCode, `${key}.${i}.startDate`, `${event.startDate} > ${event.endDate}`);
      for (const [name, value] of [
        ['startDate', start],
        ['endDate', end],
      ] as const) {
        if (!value) continue;
        if (value > limit) add(futureCode, `${key}.${i}.${name}`, event[name]);
        // A year or year-month compares by its start.
        if (value.padEnd(10, '-01') < far.past) add('far_past_dates', `${key}.${i}.${name}`, event[name]);
      }
    });
  }
}

function findEmails(value: unknown, path: string, out: QualityFinding[]) {
  if (typeof value === 'string') {
    if (!/email/.test(path) && EMAIL.test(value)) out.push({ code: 'looks_like_email', field: path, value });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) findEmails(v, `${path}.${i}`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) findEmails(v, path ? `${path}.${k}` : k, out);
  }
}

/** The findings of one grant (as the standard wants it, after conversion). */
export function qualityFindings(grant: Record<string, unknown>, ctx: QualityContext): QualityFinding[] {
  const out: QualityFinding[] = [];
  const add = (code: QualityCode, field: string, value: unknown) => out.push({ code, field, value });
  const amount = grant.amountAwarded;
  if (amount === 0) add('zero_amount', 'amountAwarded', amount);
  if (typeof amount === 'number' && amount < 0) add('negative_amount', 'amountAwarded', amount);
  organisationFindings(grant, out);
  dateFindings(grant, ctx, out);
  findEmails(grant, '', out);
  const individual = grant.recipientIndividual !== undefined;
  if (individual) {
    if ('project' in grant) add('recipient_individual_with_dei', 'project', '(DEI fields)');
    if (!('toIndividualsDetails' in grant))
      add('recipient_individual_without_details', 'toIndividualsDetails', null);
    asArray(grant.beneficiaryLocation).forEach((l, i) => {
      if (typeof l.geoCode === 'string' && POSTCODE.test(l.geoCode))
        add('individual_geocode_looks_like_postcode', `beneficiaryLocation.${i}.geoCode`, l.geoCode);
    });
  }
  if (!present(grant.grantProgramme)) add('no_grant_programme', 'grantProgramme', null);
  if (!present(grant.beneficiaryLocation)) add('no_beneficiary_location', 'beneficiaryLocation', null);
  const title = text(grant.title);
  if (title !== undefined && title === grant.description) add('title_equals_description', 'title', title);
  if (title !== undefined && title.length > 140) add('title_too_long', 'title', title);
  if (!present(grant.dateModified)) add('no_last_modified', 'dateModified', null);
  if (!present(grant.dataSource)) add('no_data_source', 'dataSource', null);
  if (asArray(grant.plannedDates)[0]?.duration === undefined)
    add('no_planned_duration', 'plannedDates.0.duration', null);
  return out;
}

/** Checks over the whole file: funding organisation identifiers and the names they go with. */
export class FileQuality {
  private readonly fundingIds = new Set<string>();
  private readonly idsByName = new Map<string, Set<string>>();

  observe(grant: Record<string, unknown>): QualityFinding[] {
    const out: QualityFinding[] = [];
    asArray(grant.fundingOrganization).forEach((org, i) => {
      const id = text(org.id);
      const name = text(org.name);
      if (!id) return;
      if (!this.fundingIds.has(id)) {
        this.fundingIds.add(id);
        if (this.fundingIds.size > 1)
          out.push({ code: 'more_than_one_funding_org', field: `fundingOrganization.${i}.id`, value: id });
      }
      if (!name) return;
      const ids = this.idsByName.get(name) ?? new Set<string>();
      if (ids.size > 0 && !ids.has(id))
        out.push({
          code: 'funding_org_name_with_new_id',
          field: `fundingOrganization.${i}.id`,
          value: `${name}: ${id}`,
        });
      ids.add(id);
      this.idsByName.set(name, ids);
    });
    return out;
  }
}
