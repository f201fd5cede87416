// The versioned yearly FX table the gap rollups convert with: US dollars per unit of each currency, one
// annual average per year. A new table is a new version, named in every gap response; the cells hold converted
// amounts, so a new table means rebuilding them.

export const FX_TABLE = {
  version: 'fx-2025-01',
  reportingCurrency: 'USD',
  source:
    'US Federal Reserve Board, statistical release G.5A "Foreign Exchange Rates (Annual)": annual averages of ' +
    'daily noon buying rates in New York, USD per unit of currency (transcribed, 4 decimals)',
  /** Years after the last published year use the last published rate (marked provisional in responses). */
  ratesToUsd: {
    GBP: {
      2000: 1.5156,
      2001: 1.4396,
      2002: 1.5024,
      2003: 1.634,
      2004: 1.833,
      2005: 1.8204,
      2006: 1.8434,
      2007: 2.002,
      2008: 1.8545,
      2009: 1.5661,
      2010: 1.5466,
      2011: 1.6047,
      2012: 1.5849,
      2013: 1.5649,
      2014: 1.6475,
      2015: 1.5283,
      2016: 1.3554,
      2017: 1.2889,
      2018: 1.3348,
      2019: 1.2769,
      2020: 1.2837,
      2021: 1.3757,
      2022: 1.2369,
      2023: 1.2435,
      2024: 1.2781,
    },
    EUR: {
      2000: 0.9232,
      2001: 0.8952,
      2002: 0.9454,
      2003: 1.1321,
      2004: 1.2438,
      2005: 1.2449,
      2006: 1.2563,
      2007: 1.3711,
      2008: 1.4726,
      2009: 1.3935,
      2010: 1.3262,
      2011: 1.3931,
      2012: 1.2859,
      2013: 1.3281,
      2014: 1.3297,
      2015: 1.1096,
      2016: 1.1072,
      2017: 1.1301,
      2018: 1.1817,
      2019: 1.1194,
      2020: 1.141,
      2021: 1.183,
      2022: 1.0534,
      2023: 1.0813,
      2024: 1.082,
    },
  } as Record<string, Record<number, number>>,
} as const;

export type FxConversion =
  | { converted: true; cents: number; provisional: boolean }
  | { converted: false; reason: string };

/** An amount in its currency, converted to US cents at the award year's average. */
export function toUsdCents(amount: number, currency: string, year: number): FxConversion {
  if (currency === 'USD') return { converted: true, cents: Math.round(amount * 100), provisional: false };
  const table = FX_TABLE.ratesToUsd[currency];
  if (!table) return { converted: false, reason: `no ${currency} rates in ${FX_TABLE.version}` };
  const years = Object.keys(table).map(Number);
  const first = Math.min(...years);
  const last = Math.max(...years);
  if (year < first) return { converted: false, reason: `no ${currency} rate before ${first}` };
  const rate = table[Math.min(year, last)];
  if (rate === undefined) return { converted: false, reason: `no ${currency} rate for ${year}` };
  return { converted: true, cents: Math.round(amount * rate * 100), provisional: year > last };
}
