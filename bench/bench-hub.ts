// The hub's services on a freshly started DynamoDB Local, with its tables, for one benchmark run.
import { ensureTables, tableNames } from '../local/tables.ts';
import { getConfig, resetConfigForTests } from '../shared/config.ts';
import { createDynamoClient } from '../shared/db/client.ts';
import { createServices } from '../shared/services.ts';
import { meterCapacity } from './capacity.ts';

export async function benchServices(endpoint: string, metered: boolean) {
  const names = tableNames('bench');
  Object.assign(process.env, { ...names, DYNAMODB_ENDPOINT: endpoint, AWS_REGION: 'eu-west-1' });
  resetConfigForTests();
  const config = getConfig();
  const client = createDynamoClient(config);
  // Attached before the services build their document client from it (they copy its middleware).
  const meter = metered ? meterCapacity(client) : undefined;
  const services = createServices(config, client);
  await ensureTables(services.client, names);
  await services.ready();
  return { names, config, services, meter };
}
