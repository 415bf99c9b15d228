#!/usr/bin/env node
// The `canteen` command. TypeScript sources run through tsx's loader so that
// operators and `npm start` need no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
