// Writes N realistic generated 360Giving grants to a JSON package, streaming (no N grants in memory).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { seededRandom } from '../tools/seeded-random.ts';

const THEMES = ['asylum', 'detention', 'labour migration', 'integration', 'legal aid', 'destitution'];
const PLACES = ['London', 'Manchester', 'Glasgow', 'Cardiff', 'Belfast', 'Leeds', 'Bristol', 'Birmingham'];

export async function generateGrantsFile(
  path: string,
  count: number,
  funderPrefix = '360G-BENCH',
): Promise<void> {
  const random = seededRandom(2026);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
  const out = createWriteStream(path);
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write('{"grants":[\n');
  for (let i = 0; i < count; i++) {
    const theme = pick(THEMES);
    const place = pick(PLACES);
    const org = Math.floor(random() * 5000);
    const year = 2010 + Math.floor(random() * 15);
    const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
    const grant = {
      id: `${funderPrefix}-${String(i).padStart(7, '0')}`,
      title: `${theme[0]?.toUpperCase()}${theme.slice(1)} project in ${place}`,
      description: `A grant towards ${theme} work with people seeking asylum and migrants in ${place}, including advice, casework and community support over ${1 + Math.floor(random() * 3)} years.`,
      currency: 'GBP',
      amountAwarded: 1000 * (5 + Math.floor(random() * 200)),
      awardDate: `${year}-${month}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      plannedDates: [{ duration: 12 * (1 + Math.floor(random() * 3)) }],
      recipientOrganization: [
        {
          id: `GB-CHC-${1_000_000 + org}`,
          name: `${place} ${theme} network ${org}`,
          postalCode: 'AB1 2CD',
          charityNumber: String(1_000_000 + org),
        },
      ],
      fundingOrganization: [{ id: 'GB-CHC-1000147', name: 'Benchmark Foundation' }],
      grantProgramme: [{ code: 'MIG', title: 'Migration and asylum' }],
      beneficiaryLocation: [{ name: place, countryCode: 'GB' }],
      dataSource: 'https://example.org/grants.json',
      'Internal Ref': `BM-${i}`,
    };
    await write(`${i === 0 ? '' : ',\n'}${JSON.stringify(grant)}`);
  }
  await write('\n]}\n');
  out.end();
  await once(out, 'finish');
}
