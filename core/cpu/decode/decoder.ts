/**
 * The decoder built once from the table: rows are bucketed by bits [31:21] (2048 buckets), each
 * bucket keeping only rows whose fixed bits agree with that prefix, in table order. Overlaps are
 * an error unless both rows name the same group (then the earlier row wins, as decodetree).
 */
import { extractFields, type Fields, parsePattern, type Pattern } from "./pattern.ts";
import type { InsnDef } from "../insn/types.ts";

/** A table row with its compiled pattern. */
export interface DecodedRow {
  readonly def: InsnDef;
  readonly pat: Pattern;
  readonly index: number;
}

/** The result of decoding one word. */
export interface Decoded {
  readonly row: DecodedRow;
  readonly fields: Fields;
}

const PREFIX_SHIFT = 21;
const PREFIX_MASK = 0xffe00000;

/** A decoder over a fixed table. */
export class Decoder {
  readonly rows: readonly DecodedRow[];
  readonly #buckets: DecodedRow[][] = [];

  constructor(defs: readonly InsnDef[]) {
    const names = new Set<string>();
    this.rows = defs.map((def, index) => {
      if (names.has(def.name)) throw new Error(`decode table: duplicate row name ${def.name}`);
      names.add(def.name);
      let pat: Pattern;
      try {
        pat = parsePattern(def.pattern);
      } catch (e) {
        throw new Error(`decode table row ${def.name}: ${(e as Error).message}`);
      }
      return { def, pat, index };
    });
    for (let b = 0; b < 1 << (32 - PREFIX_SHIFT); b++) {
      const prefix = (b << PREFIX_SHIFT) >>> 0;
      this.#buckets.push(
        this.rows.filter((r) => ((prefix ^ r.pat.value) & r.pat.mask & PREFIX_MASK) === 0),
      );
    }
  }

  /** Decodes `word`; undefined when no row matches or the matching row says it is unallocated. */
  decode(word: number): Decoded | undefined {
    const bucket = this.#buckets[word >>> PREFIX_SHIFT];
    for (let i = 0; i < bucket.length; i++) {
      const r = bucket[i];
      if (((word & r.pat.mask) >>> 0) === r.pat.value) {
        const fields = extractFields(r.pat, word);
        if (r.def.valid && !r.def.valid(fields)) {
          // Inside a group a rejected row lets later rows of the group try (decodetree).
          if (r.def.group !== undefined) continue;
          return undefined;
        }
        return { row: r, fields };
      }
    }
    return undefined;
  }

  /** Pairs of rows that can match the same word without sharing a group (should be empty). */
  overlaps(): [string, string][] {
    const out: [string, string][] = [];
    const rs = this.rows;
    for (let i = 0; i < rs.length; i++) {
      for (let j = i + 1; j < rs.length; j++) {
        const a = rs[i].pat, b = rs[j].pat;
        if (((a.value ^ b.value) & a.mask & b.mask) !== 0) continue;
        const ga = rs[i].def.group, gb = rs[j].def.group;
        if (ga !== undefined && ga === gb) continue;
        out.push([rs[i].def.name, rs[j].def.name]);
      }
    }
    return out;
  }
}
