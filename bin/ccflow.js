#!/usr/bin/env node
'use strict';
// CommonJS shim for `npx ccflow`: compiles the TypeScript CLI on the fly with tsx, then runs it.
require('tsx/cjs/api').register();
const { main } = require('../cli/ccflow.ts');

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
}).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
