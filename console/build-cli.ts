// `npm run build:console [-- <out dir>]`: builds the console and prints its size.
import { resolve } from 'node:path';
import { buildConsole, DEFAULT_CONSOLE_OUT, describeBuild } from './build.ts';

const built = await buildConsole(resolve(process.argv[2] ?? DEFAULT_CONSOLE_OUT));
console.log(`${describeBuild(built)}\nwritten to ${built.outDir}`);
