/**
 * Address translation for the PE: stage 1 (EL1&0 regime, from SCTLR_EL1/TCR_EL1/TTBRn_EL1) and
 * stage 2 (the hypervisor's p2m, when HCR_EL2.VM). Faults are raised on the PE: stage-1 faults
 * as synchronous exceptions to EL1, stage-2 faults as exits to the hypervisor.
 */
import type { Cpu } from "../cpu.ts";
import { HCR, S2_R, S2_W, S2_X } from "../el2.ts";
import { ExcClass } from "../exceptions.ts";
import { PAGE_SIZE } from "../../mem/phys_memory.ts";

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

  /**
   * Translates VA (int32 halves) for an access of kind `acc` with EL0 permissions when `el0`;
   * returns the physical address or raises the fault (never returns then).
   */
  translate(lo: number, hi: number, acc: number, el0: boolean): number {
    const c: Cpu = this.#cpu;
    let ipa: number;
    if (c.sysregs.sctlrBit(0)) {
      ipa = this.walkStage1(lo, hi, acc, el0);
    } else {
      // MMU off: flat mapping; addresses beyond the PA size give an address size fault (level 0).
      if ((hi >>> 0) >= 1 << (PA_BITS - 32)) this.stage1Fault(lo, hi, acc, 0x00);
      ipa = (hi >>> 0) * 4294967296 + (lo >>> 0);
    }
    return this.stage2(ipa, lo, hi, acc, false);
  }

  /** Stage-2 translation of `ipa` when the hypervisor enables it. */
  stage2(ipa: number, vaLo: number, vaHi: number, acc: number, s1ptw: boolean): number {
    const c: Cpu = this.#cpu;
    const el2 = c.el2;
    if (el2 === null || (el2.hcr & HCR.VM) === 0n || el2.stage2 === null) return ipa;
    const ipfn = Math.floor(ipa / PAGE_SIZE);
    const e = el2.stage2.lookup(ipfn);
    const need = acc === ACC_READ ? S2_R : acc === ACC_WRITE ? S2_W : S2_X;
    if (e === undefined || (e.perms & need) === 0) {
      // Translation fault level 3 for unmapped pages, permission fault level 3 otherwise.
      const fsc = e === undefined ? 0x07 : 0x0f;
      if (acc === ACC_EXEC) {
        c.exitTrap(
          "iabt",
          (ExcClass.IABT_LOWER << 26) | (1 << 25) | fsc,
          false,
          (BigInt(vaHi >>> 0) << 32n) | BigInt(vaLo >>> 0),
          BigInt(ipa),
        );
      }
      c.stage2DataAbort(vaLo, vaHi, ipa, acc === ACC_WRITE, fsc, s1ptw);
    }
    return e.pfn * PAGE_SIZE + (ipa % PAGE_SIZE);
  }

  /** Stage-1 table walk (4 KiB granule); see walk.ts. */
  walkStage1(lo: number, hi: number, acc: number, el0: boolean): number {
    void lo, hi, acc, el0;
    throw new Error("stage-1 translation: not yet implemented");
  }

  /** Raises a stage-1 data or instruction abort to EL1 with fault status `fsc`. */
  stage1Fault(lo: number, hi: number, acc: number, fsc: number): never {
    const c: Cpu = this.#cpu;
    const lower = c.el === 0;
    if (acc === ACC_EXEC) {
      c.raiseSync(lower ? ExcClass.IABT_LOWER : ExcClass.IABT_SAME, fsc, lo, hi, true);
    }
    c.raiseSync(
      lower ? ExcClass.DABT_LOWER : ExcClass.DABT_SAME,
      fsc | (acc === ACC_WRITE ? 1 << 6 : 0),
      lo,
      hi,
      true,
    );
  }
}
