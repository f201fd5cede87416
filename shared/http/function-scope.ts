// Which deployed function the current code runs as: in AWS each function is its own process; locally one process
// runs them all, so the local gateway, stream poller and digest queue mark each invocation with the function it
// stands for. Tests use it to check that every DynamoDB call a function makes is one its IAM role allows.
import { AsyncLocalStorage } from 'node:async_hooks';

export const functionScope = new AsyncLocalStorage<string>();

/** Runs an invocation as the named function (an operationId, 'authorizer', a stream consumer's construct id...). */
export function asFunction<T>(name: string, run: () => T): T {
  return functionScope.run(name, run);
}
