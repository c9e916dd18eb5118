/**
 * Address translation for the PE: stage 1 (EL1&0 regime, from SCTLR_EL1/TCR_EL1/TTBRn_EL1) and
 * stage 2 (the hypervisor's p2m, when HCR_EL2.VM). Faults are raised on the PE: stage-1 faults
 * as synchronous exceptions to EL1, stage-2 faults as exits to the hypervisor.
 */
import type { Cpu } from "../cpu.ts";
import { HCR, S2_R, S2_W, S2_X } from "../el2.ts";
import { ExcClass } from "../exceptions.ts";
import { PAGE_SIZE } from "../../mem/phys_memory.ts";
import { vpnOf } from "../engine/tlb.ts";
import { FSC, newWalkResult, permits, vaTopBitsOk, type WalkResult, walkStage1 } from "./walk.ts";

/** Access kinds. */
export const ACC_READ = 0;
export const ACC_WRITE = 1;
export const ACC_EXEC = 2;

/** Physical address size the PE implements (ID_AA64MMFR0_EL1.PARange = 0b0101, 48 bits). */
export const PA_BITS = 48;

/** The PE's MMU. */
export class Mmu {
  readonly #cpu: Cpu;

  constructor(cpu: Cpu) {
    this.#cpu = cpu;
  }

  /** The last walk's result (AT reads attributes from it). */
  readonly result: WalkResult = newWalkResult();
  readonly #hiOut = new Int32Array(1);
  readonly #blocks = new Set<number>();
  #walkVaLo = 0;
  #walkVaHi = 0;
  #walkAcc = 0;
  readonly #fetchDesc = (pa: number, hiOut: Int32Array): number | null => {
    // Descriptor fetches go through stage 2 (a fault there is an S1PTW exit to EL2).
    const p = this.stage2(pa, this.#walkVaLo, this.#walkVaHi, this.#walkAcc, true);
    const page = this.#cpu.env.mem.readPage(Math.floor(p / PAGE_SIZE));
    if (!page) return null;
    const o = p % PAGE_SIZE;
    hiOut[0] = page.getInt32(o + 4, true);
    return page.getInt32(o, true);
  };

  /**
   * Translates VA (int32 halves) for an access of kind `acc` with EL0 permissions when `el0`;
   * returns the physical address or raises the fault (never returns then).
   */
  translate(lo: number, hi: number, acc: number, el0: boolean): number {
    const ipa = this.stage1(lo, hi, acc, el0, true);
    if (ipa < 0) this.stage1Fault(lo, hi, acc, this.result.fault, false);
    return this.stage2(ipa, lo, hi, acc, false);
  }

  /**
   * Stage-1 translation only, for accesses, cache maintenance (`checkPerms` false: only
   * translation, address size and access flag faults) and AT. Returns the IPA, or -1 with the
   * fault status in `result.fault`.
   */
  stage1(lo: number, hi: number, acc: number, el0: boolean, checkPerms: boolean): number {
    const c: Cpu = this.#cpu;
    const r = this.result;
    if (!c.sysregs.sctlrBit(0)) {
      // MMU off: flat mapping; VA bits above the PA size (below an ignored top byte) must be 0.
      const tcrHi = c.sysregs.getPair("TCR_EL1")[1];
      const tbi = (hi >>> 23) & 1 ? (tcrHi >>> 6) & 1 : (tcrHi >>> 5) & 1;
      r.level = 0;
      if (!vaTopBitsOk(lo, hi, PA_BITS, tbi ? 55 : 63, 0)) {
        r.fault = FSC.ADDR_SIZE;
        return -1;
      }
      r.fault = -1;
      r.oa = (hi & 0xffff) * 4294967296 + (lo >>> 0);
      return r.oa;
    }
    this.#walkVaLo = lo;
    this.#walkVaHi = hi;
    this.#walkAcc = acc;
    walkStage1(c, lo, hi, r, this.#fetchDesc, this.#hiOut);
    if (r.fault >= 0) return -1;
    // Remember blocks cached as 4 KiB TLB entries: a TLBI by VA inside one must drop them all.
    // Keyed without VA bits 63-56, so a TLBI by any (TBI-)alias finds the block.
    if (r.level < 3) this.#blocks.add(blockKey(r.level, vpnOf(lo, hi & 0xff_ffff)));
    if (checkPerms && !permits(r, acc, el0, c.sysregs.sctlrBit(19))) {
      r.fault = FSC.PERMISSION + r.level;
      return -1;
    }
    return r.oa;
  }

  /** TLBI VMALLE1/ASIDE1 and friends: drops every cached translation. */
  invalidateAll(): void {
    this.#blocks.clear();
    this.#cpu.flushTlb();
  }

  /**
   * TLBI by VA (lo, hi): drops the page's translations in every ASID. When the page lies in a
   * cached block mapping everything is dropped instead; when the top byte is ignored, the TLB
   * slot the page's tagged aliases share (the slot index does not use VA bits 63-56).
   */
  invalidateVa(lo: number, hi: number): void {
    const c: Cpu = this.#cpu;
    const vpn = vpnOf(lo, hi);
    const tcrHi = c.sysregs.getPair("TCR_EL1")[1];
    const tbi = (hi >>> 23) & 1 ? (tcrHi >>> 6) & 1 : (tcrHi >>> 5) & 1;
    const untagged = vpnOf(lo, hi & 0xff_ffff);
    if (this.#blocks.has(blockKey(1, untagged)) || this.#blocks.has(blockKey(2, untagged))) {
      this.invalidateAll();
    } else if (tbi) c.flushTlbAliases(lo);
    else c.flushTlbPage(vpn);
  }

  /** Stage-2 translation of `ipa` when the hypervisor enables it. */
  stage2(ipa: number, vaLo: number, vaHi: number, acc: number, s1ptw: boolean): number {
    const c: Cpu = this.#cpu;
    const el2 = c.el2;
    if (el2 === null || (el2.hcr & HCR.VM) === 0n || el2.stage2 === null) return ipa;
    const ipfn = Math.floor(ipa / PAGE_SIZE);
    const e = el2.stage2.lookup(ipfn);
    const need = s1ptw || acc === ACC_READ ? S2_R : acc === ACC_WRITE ? S2_W : S2_X;
    if (e === undefined || (e.perms & need) === 0) {
      // Translation fault level 3 for unmapped pages, permission fault level 3 otherwise.
      const fsc = e === undefined ? 0x07 : 0x0f;
      if (acc === ACC_EXEC) {
        c.exitTrap(
          "iabt",
          (ExcClass.IABT_LOWER << 26) | (1 << 25) | fsc | (s1ptw ? 1 << 7 : 0),
          false,
          (BigInt(vaHi >>> 0) << 32n) | BigInt(vaLo >>> 0),
          BigInt(ipa),
        );
      }
      // A walk only reads descriptors (no hardware AF/dirty updates in v8.0): WnR = 0 then.
      c.stage2DataAbort(vaLo, vaHi, ipa, acc === ACC_WRITE && !s1ptw, fsc, s1ptw);
    }
    return e.pfn * PAGE_SIZE + (ipa % PAGE_SIZE);
  }

  /**
   * Raises a stage-1 data or instruction abort to EL1 with fault status `fsc`; `cm` marks a
   * cache maintenance or AT instruction (ISS.CM, reported with WnR = 1).
   */
  stage1Fault(lo: number, hi: number, acc: number, fsc: number, cm: boolean): never {
    const c: Cpu = this.#cpu;
    const lower = c.el === 0;
    if (acc === ACC_EXEC) {
      c.raiseSync(lower ? ExcClass.IABT_LOWER : ExcClass.IABT_SAME, fsc, lo, hi, true);
    }
    c.raiseSync(
      lower ? ExcClass.DABT_LOWER : ExcClass.DABT_SAME,
      fsc | (acc === ACC_WRITE || cm ? 1 << 6 : 0) | (cm ? 1 << 8 : 0),
      lo,
      hi,
      true,
    );
  }
}

/** Identifies the level-1 or level-2 block holding virtual page `vpn`. */
function blockKey(level: number, vpn: number): number {
  return level * 2 ** 44 + Math.floor(vpn / 2 ** (9 * (3 - level)));
}
