#!/usr/bin/env node
// The `synod` command. It runs the TypeScript sources directly (transpile-only: `npm test`
// type-checks them), so what runs is always what is checked in.
'use strict';
const path = require('node:path');
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
require('../lib/cli/main').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`synod: ${error instanceof Error ? error.stack : String(error)}\n`); process.exitCode = 3; },
);
