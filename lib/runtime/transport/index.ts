/**
 * The node-to-node transport: TCP frames (frame.ts) with HMAC-SHA256 under a cluster secret,
 * messages validated against per-type schemas (schemas/, validate.ts), and an in-process hub
 * with the same interface for tests (memory.ts). docs/transport.md describes the wire format
 * and every rejection reason.
 */
export { TcpTransport, backoffDelay, parseAddress } from './tcp';
export type { BackoffOptions, HostPort, TcpTransportOptions, TcpTransportStats } from './tcp';
export { MemoryNetwork, MemoryTransport } from './memory';
export type { MemoryNetworkOptions } from './memory';
export { multiPaxosMessage, raftMessage, messageValidator } from './validate';
export type { MessageValidator, Validation } from './validate';
export {
  CODEC_VERSION,
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  MIN_FRAME_LENGTH,
  REJECT_REASONS,
  clusterSecret,
  encodeFrame,
} from './frame';
export type { Decoded, DecoderOptions, RejectReason } from './frame';
export { decodeMessage, encodeMessage } from './codec';
export { Receiver } from './receiver';
export type { Received, ReceiverOptions } from './receiver';
export type { PayloadResult } from './codec';
export { RateLimitedLog, SILENT } from './log';
export type { TransportLogger } from './log';
export { MULTIPAXOS_SCHEMAS, RAFT_SCHEMAS, multiPaxosSchemas, raftSchemas, NodeOpSchema } from './schemas';
export type { NodeOp } from './schemas';
