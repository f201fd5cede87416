// How every Lambda function is bundled by esbuild: the CDK construct (constructs/hub-function.ts) deploys with
// these options and the cold-start benchmark (bench/cold-start.ts) measures bundles built with them.
export const FUNCTION_BUNDLE = {
  target: 'node22',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  // The Node 22 runtime ships the AWS SDK v3; one shared copy keeps error classes identical.
  external: ['@aws-sdk/*'],
};
