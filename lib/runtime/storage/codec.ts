/**
 * How a value becomes the payload of one record and back. The log frames and checksums the
 * bytes; the codec only says what they mean. The default is JSON in UTF-8: a protocol's change
 * (a ballot {round, node}, a slot, an entry, a command) is plain data, so JSON keeps it as is
 * and a reader can inspect a record with any tool.
 */

export interface Codec<T> {
  encode(value: T): Uint8Array;
  /** Throws an Error that says what is wrong when the bytes are not a value of T. */
  decode(bytes: Uint8Array): T;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON in UTF-8. `check`, if given, returns what is wrong with a decoded value (or null), so a
 * record written by another program is refused with a sentence instead of folded blindly.
 */
export function jsonCodec<T>(check?: (value: unknown) => string | null): Codec<T> {
  return {
    encode(value: T): Uint8Array {
      const text = JSON.stringify(value);
      if (text === undefined) throw new Error(`synod: cannot encode ${typeof value} as JSON`);
      return Buffer.from(text, 'utf8');
    },
    decode(bytes: Uint8Array): T {
      const value: unknown = JSON.parse(utf8.decode(bytes));
      const problem = check === undefined ? null : check(value);
      if (problem !== null) throw new Error(problem);
      return value as T;
    },
  };
}
