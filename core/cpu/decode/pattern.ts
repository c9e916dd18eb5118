/**
 * Encoding patterns in the style of QEMU's decodetree: space-separated tokens from bit 31 down to
 * bit 0. A token of `0`, `1` and `x` characters is fixed (or don't-care) bits; a token `name:N`
 * is an N-bit field. Example: `"sf:1 0 0 100010 sh:1 imm12:12 rn:5 rd:5"`.
 */

/** A field's position inside the 32-bit word. */
export interface FieldSpec {
  name: string;
  lsb: number;
  width: number;
}

/** A compiled pattern: the word matches when `(word & mask) === value`. */
export interface Pattern {
  source: string;
  mask: number;
  value: number;
  fields: FieldSpec[];
}

/** Decoded fields of one instruction, by name (always unsigned). */
export type Fields = Record<string, number>;

/** Parses a pattern string; throws naming the pattern when the bits do not add up to 32. */
export function parsePattern(source: string): Pattern {
  let bit = 32;
  let mask = 0;
  let value = 0;
  const fields: FieldSpec[] = [];
  for (const tok of source.trim().split(/\s+/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*):(\d+)$/.exec(tok);
    if (m) {
      const width = Number(m[2]);
      bit -= width;
      fields.push({ name: m[1], lsb: bit, width });
      continue;
    }
    if (!/^[01x]+$/.test(tok)) throw new Error(`pattern "${source}": bad token "${tok}"`);
    for (const ch of tok) {
      bit--;
      if (ch === "x") continue;
      mask |= 1 << bit;
      if (ch === "1") value |= 1 << bit;
    }
  }
  if (bit !== 0) throw new Error(`pattern "${source}": covers ${32 - bit} bits, not 32`);
  return { source, mask: mask >>> 0, value: value >>> 0, fields };
}

/** Extracts every field of `p` from `word`. */
export function extractFields(p: Pattern, word: number): Fields {
  const f: Fields = {};
  for (const s of p.fields) {
    f[s.name] = s.width === 32 ? word >>> 0 : (word >>> s.lsb) & ((1 << s.width) - 1);
  }
  return f;
}
