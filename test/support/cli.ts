// Runs the `cofund` bin as a user would, against a test hub's local gateway.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export async function runCofund(url: string, args: string[], key?: string) {
  const child = spawn(process.execPath, [resolve('bin/cofund.mjs'), ...args], {
    env: {
      ...process.env,
      COFUND_API_URL: url,
      COFUND_API_KEY: key ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}
