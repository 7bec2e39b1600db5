#!/usr/bin/env node
// Rewrites the generated mapping table in README.md from lib/raft/mapping.ts.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
const { mappingMarkdown } = require('../lib/raft/mapping');

const file = path.join(__dirname, '..', 'README.md');
const readme = fs.readFileSync(file, 'utf8');
const pattern = /<!-- map:begin -->\n[\s\S]*?<!-- map:end -->/;
if (!pattern.test(readme)) throw new Error('README.md has no <!-- map:begin --> ... <!-- map:end --> section');
fs.writeFileSync(file, readme.replace(pattern, () => `<!-- map:begin -->\n${mappingMarkdown()}\n<!-- map:end -->`));
console.log('README.md: mapping table rewritten');
