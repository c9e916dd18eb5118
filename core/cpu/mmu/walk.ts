/**
 * The stage-1 translation table walk of the EL1&0 regime (ARMv8.0, 4 KiB granule), as the Arm
 * ARM's AArch64.TranslationTableWalk describes it: TTBR0/TTBR1 selection by VA bit 55, TnSZ
 * input sizes, top-byte-ignore, EPDn, table/block/page descriptors, hierarchical APTable /
 * UXNTable / PXNTable, output address size checks against TCR_EL1.IPS, the access flag.
 *
 * The walk never raises a stage-1 fault itself: it reports the fault status in the result so
 * that both memory accesses (which raise it) and AT (which writes PAR_EL1) can use it. Stage-2
 * faults on descriptor fetches are exits to the hypervisor, as on hardware, even for AT.
 */
import type { Cpu } from "../cpu.ts";

/** Fault status codes (the DFSC/IFSC encodings, add the level for the level-specific ones). */
export const FSC = {
  ADDR_SIZE: 0x00,
  TRANSLATION: 0x04,
  ACCESS_FLAG: 0x08,
  PERMISSION: 0x0c,
  EXT_ABORT_WALK: 0x14,
} as const;

/** Result of one walk; one object per MMU, reused (no allocation per TLB miss). */
export interface WalkResult {
  /** -1 on success, else the fault status code (level included). */
  fault: number;
  /** Output address (an IPA when stage 2 is enabled). */
  oa: number;
  /** Level of the leaf descriptor, or of the fault. */
  level: number;
  /** Effective AP[2:1] after APTable: bit 1 = read-only, bit 0 = EL0 access. */
  ap: number;
  /** Effective execute-never for EL0 and for EL1 (after UXNTable/PXNTable). */
  uxn: boolean;
  pxn: boolean;
  /** The leaf's AttrIndx, SH and nG. */
  attrIndx: number;
  sh: number;
  ng: boolean;
}

/** A fresh result record. */
export function newWalkResult(): WalkResult {
  return {
    fault: -1,
    oa: 0,
    level: 0,
    ap: 0,
    uxn: false,
    pxn: false,
    attrIndx: 0,
    sh: 0,
    ng: false,
  };
}

/** Output address size in bits for TCR_EL1.IPS (reserved values act as the PE's 48 bits). */
const IPS_BITS = [32, 36, 40, 42, 44, 48, 48, 48];

/** Mask of bits [hiBit:loBit] of a 32-bit word (empty when hiBit < loBit). */
function bitRange(loBit: number, hiBit: number): number {
  if (hiBit < loBit) return 0;
  const width = hiBit - loBit + 1;
  return width >= 32 ? -1 : (((1 << width) - 1) << loBit) | 0;
}

/** True when VA bits [top:from] (top 55 or 63, 25 <= from) all equal bit 55 given as `sel`. */
export function vaTopBitsOk(
  lo: number,
  hi: number,
  from: number,
  top: number,
  sel: number,
): boolean {
  const hm = bitRange(Math.max(from - 32, 0), top - 32);
  if ((hi & hm) !== (sel ? hm : 0)) return false;
  if (from >= 32) return true;
  const lm = bitRange(from, 31);
  return (lo & lm) === (sel ? lm : 0);
}

/** True when 48-bit physical address `pa` has bits set at or above `bits`. */
function exceeds(pa: number, bits: number): boolean {
  return bits < 48 && pa >= 2 ** bits;
}

/**
 * Walks the EL1&0 stage-1 tables for VA (lo, hi). `fetchDesc(ipa)` must return the descriptor's
 * low half and leave the high half in `hiOut[0]` (it performs stage 2 of the walk), or return
 * null when the address is not RAM (a synchronous external abort on the walk).
 */
export function walkStage1(
  c: Cpu,
  lo: number,
  hi: number,
  res: WalkResult,
  fetchDesc: (pa: number, hiOut: Int32Array) => number | null,
  hiOut: Int32Array,
): void {
  const s = c.sysregs;
  const [tcrLo, tcrHi] = s.getPair("TCR_EL1");
  const sel = (hi >>> 23) & 1;
  const tbi = sel ? (tcrHi >>> 6) & 1 : (tcrHi >>> 5) & 1;
  // T0SZ/T1SZ outside 16..39 act as the nearest legal value (as QEMU does).
  const tsz = Math.min(39, Math.max(16, sel ? (tcrLo >>> 16) & 0x3f : tcrLo & 0x3f));
  const vaBits = 64 - tsz;
  const epd = sel ? (tcrLo >>> 23) & 1 : (tcrLo >>> 7) & 1;
  res.fault = -1;
  res.level = 0;
  if (!vaTopBitsOk(lo, hi, vaBits, tbi ? 55 : 63, sel) || epd) {
    res.fault = FSC.TRANSLATION;
    return;
  }
  const oaBits = IPS_BITS[tcrHi & 7];
  const [tbLo, tbHi] = s.getPair(sel ? "TTBR1_EL1" : "TTBR0_EL1");
  const ttbr = (tbHi & 0xffff) * 4294967296 + (tbLo >>> 0);
  if (exceeds(ttbr, oaBits)) {
    res.fault = FSC.ADDR_SIZE;
    return;
  }
  // VA bits below 48 as an exact double; index bits of each level come from it.
  const va = (hi & 0xffff) * 4294967296 + (lo >>> 0);
  let level = 4 - Math.ceil((vaBits - 12) / 9);
  let width = vaBits - (12 + 9 * (3 - level));
  // The initial table is aligned to its own size (at least 64 bytes).
  const tableBytes = Math.max(64, 8 * 2 ** width);
  let table = ttbr - (ttbr % tableBytes);
  let ap = 1, uxn = false, pxn = false;
  for (;;) {
    const shift = 12 + 9 * (3 - level);
    const index = Math.floor(va / 2 ** shift) % 2 ** width;
    const dLo = fetchDesc(table + 8 * index, hiOut);
    res.level = level;
    if (dLo === null) {
      res.fault = FSC.EXT_ABORT_WALK + level;
      return;
    }
    const dHi = hiOut[0];
    const type = dLo & 3;
    if ((type & 1) === 0 || (type === 1 && (level === 0 || level === 3))) {
      res.fault = FSC.TRANSLATION + level;
      return;
    }
    const addr = (dHi & 0xffff) * 4294967296 + ((dLo & 0xfffff000) >>> 0);
    if (type === 3 && level < 3) {
      // Table descriptor: APTable[1] (bit 62) removes write, APTable[0] (bit 61) EL0 access.
      if (exceeds(addr, oaBits)) {
        res.fault = FSC.ADDR_SIZE + level;
        return;
      }
      if ((dHi >>> 30) & 1) ap |= 2;
      if ((dHi >>> 29) & 1) ap &= 2;
      if ((dHi >>> 28) & 1) uxn = true;
      if ((dHi >>> 27) & 1) pxn = true;
      table = addr;
      level++;
      width = 9;
      continue;
    }
    // Block (levels 1-2) or page (level 3).
    const blockBytes = 2 ** shift;
    const base = addr - (addr % blockBytes);
    if (exceeds(base, oaBits)) {
      res.fault = FSC.ADDR_SIZE + level;
      return;
    }
    if (((dLo >>> 10) & 1) === 0) {
      res.fault = FSC.ACCESS_FLAG + level;
      return;
    }
    const dAp = (dLo >>> 6) & 3;
    let eff = dAp;
    if (ap & 2) eff |= 2;
    if ((ap & 1) === 0) eff &= 2;
    res.ap = eff;
    res.uxn = uxn || ((dHi >>> 22) & 1) === 1;
    res.pxn = pxn || ((dHi >>> 21) & 1) === 1;
    res.attrIndx = (dLo >>> 2) & 7;
    res.sh = (dLo >>> 8) & 3;
    res.ng = ((dLo >>> 11) & 1) === 1;
    res.oa = base + (va % blockBytes);
    return;
  }
}

/**
 * Permission check of a successful walk for an access of kind `acc` (0 read, 1 write, 2 exec)
 * with EL0 permissions when `el0`, SCTLR_EL1.WXN = `wxn` (AArch64.CheckS1Permission of v8.0).
 * There is no PAN; EL0 execution depends on UXN only (execute-only pages exist); a region
 * writable at EL0 is never executable at EL1.
 */
export function permits(res: WalkResult, acc: number, el0: boolean, wxn: boolean): boolean {
  const ap = res.ap;
  const userW = ap === 1;
  if (acc === 2) {
    if (el0) return !res.uxn && !(wxn && userW);
    return !res.pxn && !(wxn && (ap & 2) === 0) && !userW;
  }
  if (el0 && (ap & 1) === 0) return false;
  return acc === 0 || (el0 ? userW : (ap & 2) === 0);
}
