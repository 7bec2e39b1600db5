/**
 * Argument checking shared by every subcommand. A bad argument is a `UsageError`: `main`
 * prints its message on one line and exits 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A whole number within [min, max], or a UsageError naming the option. */
export function integer(option: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} takes a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** A probability in [0, 1]. */
export function probability(option: string, raw: string): number {
  const p = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new UsageError(`${option} takes a probability from 0 to 1, got '${raw}'`);
  }
  return p;
}

/** One of the allowed words. */
export function oneOf<T extends string>(option: string, raw: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === raw);
  if (found === undefined) throw new UsageError(`${option} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return found;
}

/** `1000-1999` or `7`: an inclusive range of seeds. */
export function seedRange(option: string, raw: string): { first: number; last: number } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  if (m === null) throw new UsageError(`${option} takes a seed or a range like 1000-1999, got '${raw}'`);
  const first = integer(option, m[1]!, 0);
  const last = m[2] === undefined ? first : integer(option, m[2], 0);
  if (last < first) throw new UsageError(`${option}: the range ${raw} is empty`);
  return { first, last };
}
