// First run after `cdk deploy`: creates the hub operator and prints its API key (shown once).
// Usage: TABLE_NAME=<HubTable name> IDEMPOTENCY_TABLE_NAME=<name> AWS_REGION=<region> npx tsx infra/bootstrap-operator.ts [--email you@example.org]
import { parseArgs } from 'node:util';
import { generateApiKey, hashApiKey } from '../shared/auth/api-keys.ts';
import { ConditionFailedError } from '../shared/db/conditions.ts';
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
  const ignoreExisting = async (write: () => Promise<unknown>) => {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  };
  await ignoreExisting(() =>
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
  await ignoreExisting(() =>
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
  const { keyId, apiKey } = generateApiKey();
  await repos.members.createKey({
    keyId,
    funderId: 'hub-operator',
    memberId: 'operator',
    label: 'bootstrap',
    secretHash: hashApiKey(apiKey),
    createdAt: at,
    expiresAt: new Date(Date.now() + Number(values.days) * 86_400_000).toISOString(),
  });
  console.log(`Operator key (shown once, expires in ${values.days} days):\n${apiKey}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
