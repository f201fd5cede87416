// First run after `cdk deploy`: creates the hub operator and prints its API key (shown once).
// Usage: TABLE_NAME=<HubTable name> IDEMPOTENCY_TABLE_NAME=<name> AWS_REGION=<region> npx tsx infra/bootstrap-operator.ts [--email you@example.org]
import { parseArgs } from 'node:util';
import { newApiKey } from '../shared/auth/api-keys.ts';
import { createdUnlessExists } from '../shared/db/conditions.ts';
import { getServices } from '../shared/services.ts';

const { values } = parseArgs({
  options: {
    email: { type: 'string', default: 'operator@example.org' },
    days: { type: 'string', default: '30' },
  },
});

async function main() {
  const { repos } = getServices();
  const at = new Date().toISOString();
  await createdUnlessExists(() =>
    repos.funders.create({
      id: 'hub-operator',
      name: 'Hub operator',
      kind: 'operator',
      identifiers: [],
      status: 'active',
      createdAt: at,
      updatedAt: at,
    }),
  );
  await createdUnlessExists(() =>
    repos.members.create({
      id: 'operator',
      funderId: 'hub-operator',
      name: 'Hub operator',
      email: values.email,
      role: 'operator',
      createdAt: at,
      updatedAt: at,
    }),
  );
  const { apiKey, record } = newApiKey(
    { funderId: 'hub-operator', memberId: 'operator', label: 'bootstrap' },
    Number(values.days),
  );
  await repos.members.createKey(record);
  console.log(`Operator key (shown once, expires in ${values.days} days):\n${apiKey}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
