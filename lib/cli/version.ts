/** The version in synod's package.json, found from this file upward (sources and dist/ alike). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

export function synodVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'synod' && typeof pkg.version === 'string') return (cached = pkg.version);
    }
    if (dirname(dir) === dir) return (cached = 'unknown');
  }
}
