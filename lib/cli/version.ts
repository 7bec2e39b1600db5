/** The version in synod's package.json, found from this file upward (sources and dist/ alike). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The version in the package.json of synod at or above `from`, read when the command runs. */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'synod' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`synod: no package.json of synod above ${from}`);
  }
}

let cached: string | undefined;

/** This installation's version, read once. */
export function synodVersion(): string {
  cached ??= packageVersion();
  return cached;
}
