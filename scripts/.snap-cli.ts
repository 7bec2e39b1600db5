import { main } from '../lib/cli/main';
void (async () => {
  const code = await main(process.argv.slice(2), { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) });
  process.stdout.write(`exit ${code}\n`);
})();
