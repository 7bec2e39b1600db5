/**
 * The logger a transport writes to: pino's method shape (`logger.warn(obj, msg)`), so a node
 * passes a pino child logger, while this folder depends on no logging package. Rejections are
 * logged through `RateLimitedLog`: a flood of bad frames costs one warning per reason per
 * interval (with the count it stood for), never a line per frame.
 */
export interface TransportLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export const SILENT: TransportLogger = { warn() {}, info() {}, debug() {} };

/** At most one warning per key per `intervalMs`; the next one says how many were held back. */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: TransportLogger,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  warn(key: string, obj: Record<string, unknown>, msg: string): void {
    const t = this.now();
    const seen = this.last.get(key);
    if (seen !== undefined && t - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    this.logger.warn(seen === undefined || seen.suppressed === 0 ? obj : { ...obj, suppressed: seen.suppressed }, msg);
    this.last.set(key, { at: t, suppressed: 0 });
  }
}
