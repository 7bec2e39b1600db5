#!/usr/bin/env node
// `npm run build:web`: builds the browser view into dist/web: web/main.ts and the lib/ it imports, bundled by esbuild
// into one script (no network at runtime: nothing is loaded from elsewhere), with index.html,
// style.css and the bug zoo's counterexample traces (web/counterexamples/*.jsonl) inside.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const here = path.join(__dirname, '..', 'web');
const out = path.join(here, '..', 'dist', 'web');

const counterexamples = {
  name: 'counterexamples',
  setup(build) {
    build.onResolve({ filter: /^virtual:counterexamples$/ }, () => ({ path: 'counterexamples', namespace: 'synod' }));
    build.onLoad({ filter: /.*/, namespace: 'synod' }, () => {
      const dir = path.join(here, 'counterexamples');
      const traces = {};
      for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) traces[f.replace(/\.jsonl$/, '')] = fs.readFileSync(path.join(dir, f), 'utf8');
      return { contents: `export const COUNTEREXAMPLES = ${JSON.stringify(traces)};`, loader: 'js', watchFiles: fs.readdirSync(dir).map((f) => path.join(dir, f)) };
    });
  },
};

fs.mkdirSync(out, { recursive: true });
esbuild
  .build({
    entryPoints: [path.join(here, 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    outfile: path.join(out, 'main.js'),
    plugins: [counterexamples],
    logLevel: 'warning',
  })
  .then(() => {
    for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(here, f), path.join(out, f));
    const size = fs.statSync(path.join(out, 'main.js')).size;
    console.log(`web: dist/web built (main.js ${(size / 1024).toFixed(0)} KiB)`);
  })
  .catch(() => process.exit(1));
