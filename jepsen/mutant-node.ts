/**
 * A deliberately broken `synod node`, for showing that the Jepsen-style test can fail: the real
 * node process (the compiled dist/ code, the same flags, disk and sockets), with one role of
 * Multi-Paxos swapped for a broken one from the bug zoo, injected from outside the way the zoo
 * injects every mutant (lib/zoo/multipaxos.ts): the node's Multi-Paxos adapter is built as
 * usual, and its protocol replaced by `multiPaxosProtocol(config, mutant.roles)`. Nothing in
 * lib/ has a parameter for it.
 *
 *   node -r ts-node/register/transpile-only jepsen/mutant-node.ts <mutant> node --id 1 ...
 *
 * It reads only compiled modules, so ts-node compiles this one file and the node starts about
 * as fast as `bin/synod.js`.
 */
import * as path from 'node:path';

const dist = path.join(__dirname, '..', 'dist');
/* eslint-disable @typescript-eslint/no-require-imports */
const adapter = require(path.join(dist, 'runtime', 'node', 'adapter.js')) as { multiPaxosAdapter: (config: unknown) => { protocol: unknown } };
const { multiPaxosProtocol } = require(path.join(dist, 'multipaxos', 'node.js')) as { multiPaxosProtocol: (config: unknown, roles: unknown) => unknown };
const { multiPaxosMutant } = require(path.join(dist, 'zoo', 'index.js')) as { multiPaxosMutant: (name: string) => { roles: unknown } | undefined };
const cli = require(path.join(dist, 'cli', 'main.js')) as { main: (argv: readonly string[]) => Promise<number> };
/* eslint-enable @typescript-eslint/no-require-imports */

const [name, ...argv] = process.argv.slice(2);
const mutant = multiPaxosMutant(name ?? '');
if (mutant === undefined) {
  process.stderr.write(`mutant-node: unknown Multi-Paxos mutant ${JSON.stringify(name)}\n`);
  process.exit(2);
}
const real = adapter.multiPaxosAdapter;
adapter.multiPaxosAdapter = (config: unknown) => ({ ...real(config), protocol: multiPaxosProtocol(config, mutant.roles) });
process.stderr.write(`mutant-node: running node with the zoo's ${name}\n`);
cli.main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mutant-node: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 3;
  },
);
