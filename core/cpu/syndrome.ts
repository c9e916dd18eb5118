/**
 * The ISS a real EL2 receives for a data abort (ESR_EL2.ISS, EC 0x24): instruction-specific
 * syndrome (ISV, SAS, SSE, SRT, SF, AR) only for single general-register loads and stores
 * without writeback (literal loads and acquire/release included, exclusives not), as the Arm
 * ARM (ESR_EL2.ISS for data aborts) and Xen's MMIO emulation expect.
 */

/** ISS for a data abort caused by the instruction `word`. */
export function dataAbortIss(word: number, write: boolean, dfsc: number, s1ptw: boolean): number {
  let iss = (dfsc & 0x3f) | (write ? 1 << 6 : 0) | (s1ptw ? 1 << 7 : 0);
  if (s1ptw) return iss;
  const v = (word >>> 26) & 1;
  const size = word >>> 30;
  const opc = (word >>> 22) & 3;
  const rt = word & 31;
  let valid = false, ar = false;
  let sizeField = size, opcField = opc;
  if (v === 0 && ((word & 0x3b000000) >>> 0) === 0x39000000) valid = true; // unsigned offset
  else if (v === 0 && ((word & 0x3f000000) >>> 0) === 0x18000000 && (word >>> 30) !== 3) {
    // LDR/LDRSW (literal): opc 00 word, 01 doubleword, 10 signed word to 64 bits.
    valid = true;
    sizeField = word >>> 30 === 1 ? 3 : 2;
    opcField = word >>> 30 === 2 ? 2 : 1;
  } else if (v === 0 && ((word & 0x3b200000) >>> 0) === 0x38000000) {
    valid = ((word >>> 10) & 1) === 0; // unscaled or unprivileged, not pre/post-index
  } else if (v === 0 && ((word & 0x3b200c00) >>> 0) === 0x38200800) valid = true; // register offset
  else if (((word & 0x3f800000) >>> 0) === 0x08800000) {
    valid = true; // LDAR/STLR family
    ar = true;
  }
  if (!valid) return iss;
  const load = ar ? ((word >>> 22) & 1) === 1 : opcField !== 0;
  const signed = !ar && (opcField & 2) !== 0;
  const sf = ar || !load ? sizeField === 3 : signed ? opcField === 2 : sizeField === 3;
  iss |= (1 << 24) | (sizeField << 22) | (signed ? 1 << 21 : 0) | (rt << 16) |
    (sf ? 1 << 15 : 0) | (ar ? 1 << 14 : 0);
  return iss;
}

/** ISS of a trapped MRS/MSR (EC 0x18): Op0, Op2, Op1, CRn, Rt, CRm, Direction (1 = read). */
export function sysregIss(word: number, rt: number, read: boolean): number {
  const op0 = (word >>> 19) & 3, op1 = (word >>> 16) & 7, crn = (word >>> 12) & 15;
  const crm = (word >>> 8) & 15, op2 = (word >>> 5) & 7;
  return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) |
    (read ? 1 : 0);
}
