/**
 * Flag parsing shared by `synod node`, `synod cluster`, `synod client` and `synod status`:
 * addresses, peer lists and the cluster list, each a one-line UsageError when malformed.
 */
import { UsageError } from './args';

/** `127.0.0.1:7001` (or `[::1]:7001`) checked, as given. */
export function address(option: string, raw: string): { text: string; host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(raw.trim());
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 1 && port <= 65535)) throw new UsageError(`${option} takes host:port (port 1-65535), got '${raw}'`);
  return { text: raw.trim(), host: m[1]!, port };
}

/** The same host with another port. */
export function withPort(host: string, port: number): string {
  return `${host}:${port}`;
}

/** `2=127.0.0.1:7002,3=127.0.0.1:7003`: node id -> address. */
export function idAddressList(option: string, raw: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const part of raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = /^(\d+)=(.+)$/.exec(part);
    if (m === null) throw new UsageError(`${option} takes id=host:port,... (like 2=127.0.0.1:7002), got '${part}'`);
    const id = Number(m[1]);
    if (!Number.isSafeInteger(id) || id < 1) throw new UsageError(`${option}: node ids are whole numbers >= 1, got '${m[1]}'`);
    if (out.has(id)) throw new UsageError(`${option} names node ${id} twice`);
    out.set(id, address(option, m[2]!).text);
  }
  return out;
}

/** The client addresses of `--cluster` or `$SYNOD_CLUSTER`. */
export function clusterList(raw: string | undefined): string[] {
  const text = raw ?? process.env.SYNOD_CLUSTER;
  if (text === undefined || text.trim() === '') throw new UsageError('no cluster: pass --cluster host:port,... or set SYNOD_CLUSTER (synod cluster prints the export line)');
  const list = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return list.map((a) => address(raw === undefined ? '$SYNOD_CLUSTER' : '--cluster', a).text);
}
