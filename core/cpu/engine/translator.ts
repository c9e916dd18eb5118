/**
 * The block translator: decodes straight-line code once and turns the rows' emitted statements
 * into one JavaScript function per block (the second engine is this with blocks of one
 * instruction: single stepping, tracing and the random tester's reference runs).
 */
import type { Decoder } from "../decode/decoder.ts";
import type { EmitCtx, InsnDef } from "../insn/types.ts";
import { H, T } from "../runtime/helpers.ts";
import type { Block } from "./code_cache.ts";

/** Longest block, in instructions. */
export const MAX_BLOCK = 64;

/** What the translator needs about the mode the code will run in. */
export interface TranslateMode {
  /** FP/SIMD accesses are enabled at the current EL (CPACR_EL1.FPEN / CPTR_EL2). */
  readonly fpEnabled: boolean;
  /** Single instruction per block. */
  readonly single: boolean;
  /** The PE's mode key, recorded in the block for its jump cache. */
  readonly key: number;
}

/** Classes whose rows are FP/SIMD instructions (they trap when FP is disabled). */
export function isFpClass(cls: string): boolean {
  return cls.startsWith("fp") || cls.startsWith("simd");
}

function ctxFor(pcLo: number, pcHi: number, word: number, k: number): EmitCtx {
  return {
    pcLo,
    pcHi,
    word,
    k,
    pcPlus(delta: number): [number, number] {
      const lo = (pcLo >>> 0) + delta;
      // delta is at most +-2^33 (ADRP), so one carry/borrow step in each direction suffices.
      const carry = Math.floor(lo / 4294967296);
      return [lo | 0, (pcHi + carry) | 0];
    },
  };
}

/**
 * Translates the block starting at virtual address (pcLo, pcHi). `fetch(k)` returns the k-th
 * word of the block, or undefined past the end of the page.
 */
export function translateBlock(
  decoder: Decoder,
  pcLo: number,
  pcHi: number,
  vpn: number,
  fetch: (k: number) => number | undefined,
  mode: TranslateMode,
): Block {
  const max = mode.single ? 1 : MAX_BLOCK;
  let src = "";
  let n = 0;
  let ended = false;
  while (n < max) {
    const word = fetch(n);
    if (word === undefined) break;
    const e = ctxFor(
      (pcLo + 4 * n) | 0,
      pcHi + (((pcLo >>> 0) + 4 * n) >= 4294967296 ? 1 : 0),
      word,
      n,
    );
    const d = decoder.decode(word);
    n++;
    if (!d) {
      src += `c.ic=${n - 1};c.undefinedInsn(${word >>> 0});`;
      ended = true;
      break;
    }
    const def: InsnDef = d.row.def;
    if (!mode.fpEnabled && isFpClass(def.cls)) {
      src += `c.ic=${n - 1};c.fpTrap();`;
      ended = true;
      break;
    }
    src += def.pure ? `{${def.emit(d.fields, e)}}\n` : `{c.ic=${n - 1};${def.emit(d.fields, e)}}\n`;
    if (def.flow === "branch") {
      ended = true;
      break;
    }
    if (def.flow === "sync") break;
  }
  if (!ended) {
    const next = ctxFor(pcLo, pcHi, 0, 0).pcPlus(4 * n);
    src += `c.pcLo=${next[0]};c.pcHi=${next[1]};`;
  }
  // Bind only the register views the block uses (each is a property load per block run).
  const views = [
    "r=c.x",
    ...["vb", "vh", "vw", "vs", "vd"].map((v) => `${v}=c.${v}`),
    "tR=c.rdTag",
    "pR=c.rdPage",
    "tW=c.wrTag",
    "pW=c.wrPage",
  ]
    .filter((d) => new RegExp(`(?<![.\\w])${d.split("=")[0]}\\b`).test(src));
  const prologue = views.length > 0 ? `const ${views.join(",")};` : "";
  const body = `"use strict";return function(c){${prologue}\n${src}}`;
  let fn: (c: unknown) => void;
  try {
    fn = new Function("H", "T", body)(H, T);
  } catch (err) {
    throw new Error(
      `translator produced invalid code at pc=0x${(pcHi >>> 0).toString(16)}${
        (pcLo >>> 0).toString(16).padStart(8, "0")
      }: ${(err as Error).message}\n${body}`,
    );
  }
  return { fn, n, vpn, pcLo, pcHi, mode: mode.key, live: true };
}
