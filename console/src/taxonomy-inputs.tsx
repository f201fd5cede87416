// Form inputs over the hub's dimensions: theme and region filters, award-year ranges, the digest's checkboxes.
import type { Region, Theme } from '../../schemas/taxonomy.ts';
import { REGION_LABELS, REGIONS, THEME_LABELS, THEMES } from './format.ts';
import { Select } from './ui.tsx';

const THEME_OPTIONS = THEMES.map((t): [string, string] => [t, THEME_LABELS[t]]);
const REGION_OPTIONS = REGIONS.map((r): [string, string] => [r, REGION_LABELS[r]]);

/** Theme and region selects named as the API's `theme` and `region` query parameters. */
export function TaxonomyFilters() {
  return (
    <>
      <Select label="Theme" name="theme" initial="" options={[['', 'Any theme'], ...THEME_OPTIONS]} />
      <Select label="Region" name="region" initial="" options={[['', 'Any region'], ...REGION_OPTIONS]} />
    </>
  );
}

function Checks(props: {
  legend: string;
  name: string;
  selected: readonly string[];
  options: ReadonlyArray<readonly [string, string]>;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.options.map(([value, text]) => (
        <label key={value} class="check">
          <input
            type="checkbox"
            name={props.name}
            value={value}
            defaultChecked={props.selected.includes(value)}
          />
          {text}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * Checkboxes named `themes` and `regions`, as the API calls them. For digest preferences none ticked means all
 * (`noneMeansAll`); an ask needs at least one of each.
 */
export function TaxonomyChecks({
  themes,
  regions,
  noneMeansAll = true,
}: {
  themes: Theme[];
  regions: Region[];
  noneMeansAll?: boolean;
}) {
  const hint = noneMeansAll ? ' (none ticked: all)' : ' (at least one)';
  return (
    <>
      <Checks legend={`Themes${hint}`} name="themes" selected={themes} options={THEME_OPTIONS} />
      <Checks legend={`Regions${hint}`} name="regions" selected={regions} options={REGION_OPTIONS} />
    </>
  );
}

/** "Awarded from … to …" years, named as the query parameters of the page's API call. */
export function YearRange({ from, to }: { from: string; to: string }) {
  return (
    <>
      <label>
        Awarded from
        <input name={from} type="number" min="1900" max="2100" inputMode="numeric" placeholder="year" />
      </label>
      <label>
        to
        <input name={to} type="number" min="1900" max="2100" inputMode="numeric" placeholder="year" />
      </label>
    </>
  );
}
