/**
 * A canonical text for plain data: object keys sorted, so two equal values give one key no
 * matter in which order their properties were created (`{ ...s, promised }` and a fresh
 * literal list their keys in different orders; JSON.stringify would call them different and
 * the checker would count one state twice). Arrays keep their order: order is data.
 */
export function canonicalKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(record).sort()) {
        const v = record[k];
        if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalKey(v)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new Error(`synod: cannot fingerprint a ${typeof value}; protocol states are plain data`);
  }
}
