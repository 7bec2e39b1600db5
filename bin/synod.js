#!/usr/bin/env node
// The `synod` command. It runs the compiled code in dist/ (`npm run build`; `npm ci` and
// `npm pack` build it through the `prepare` script), so it starts without compiling anything.
'use strict';
const path = require('node:path');

let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(path.join('dist', 'cli', 'main.js'))) {
    process.stderr.write('synod: the compiled code is missing (dist/cli/main.js): run `npm run build` first\n');
    process.exit(3);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`synod: ${error instanceof Error ? error.stack : String(error)}\n`); process.exitCode = 3; },
);
