/**
 * The system register table: every register EL0/EL1 software may access on hvlab's PE, one row
 * each. ID register values describe one coherent ARMv8.0-A CPU (Cortex-A57-like, AArch64 only,
 * FP/AdvSIMD, CRC32; no AES/SHA/LSE/PAN/etc.), so software never finds a feature we lack.
 */
import type { SysRegDef } from "./sysreg_types.ts";
import type { Cpu } from "../cpu.ts";
import { DEBUG_REGS } from "./debug_regs.ts";
import { GIC_CPUIF_REGS } from "./gic_cpuif_regs.ts";

const e = (op0: number, op1: number, crn: number, crm: number, op2: number) => ({
  op0,
  op1,
  crn,
  crm,
  op2,
});
const cntk = (c: Cpu) => c.sysregs.sys[2 * c.sysregs.indexOf("CNTKCTL_EL1")];
const sctlr = (c: Cpu, bit: number) => c.sysregs.sctlrBit(bit);
/** DCZID_EL0: 64-byte blocks; DZP set when DC ZVA is prohibited (EL0 without SCTLR_EL1.DZE). */
const dczid = (c: Cpu) => ID_VALUES.DCZID_EL0 | (c.el === 0 && !sctlr(c, 14) ? 0x10n : 0n);

/** ID register values (see the file comment). */
export const ID_VALUES = {
  MIDR_EL1: 0x411fd070n,
  REVIDR_EL1: 0n,
  /** AArch64 only at EL0..EL2, no EL3; FP and AdvSIMD implemented. */
  ID_AA64PFR0_EL1: 0x0000000000000111n,
  ID_AA64PFR1_EL1: 0n,
  /** Debug v8.0, 6 breakpoints (2 context-aware), 4 watchpoints, no PMU (PMUVer 0), no trace. */
  ID_AA64DFR0_EL1: 0x0000000010305006n,
  ID_AA64DFR1_EL1: 0n,
  ID_AA64AFR0_EL1: 0n,
  ID_AA64AFR1_EL1: 0n,
  /** CRC32 only. */
  ID_AA64ISAR0_EL1: 0x0000000000010000n,
  ID_AA64ISAR1_EL1: 0n,
  /** PARange 48 bits, 16-bit ASIDs, 4 KiB granule only (TGran64 = 0xf, TGran16 = 0). */
  ID_AA64MMFR0_EL1: 0x000000000f000025n,
  ID_AA64MMFR1_EL1: 0n,
  ID_AA64MMFR2_EL1: 0n,
  /** 64-byte lines: IminLine 4, DminLine 4, L1Ip PIPT, CWG/ERG 4. */
  CTR_EL0: 0x8444c004n,
  /** DC ZVA allowed, 64-byte blocks. */
  DCZID_EL0: 0x4n,
  CLIDR_EL1: 0x0a200023n,
} as const;

const id = (
  name: keyof typeof ID_VALUES,
  enc: ReturnType<typeof e>,
  el0: SysRegDef["el0"] = "none",
  trap = "tid3",
): SysRegDef => ({
  name,
  enc,
  ro: true,
  el0,
  el2Trap: trap,
  read: () => ID_VALUES[name],
});

/**
 * Names objdump gives the ID space op0=3 op1=0 CRn=0 CRm=1..3 and the unnamed rest of CRm=4..7
 * (the disassembler prints row names), in (CRm, op2) order.
 */
const ID_SPACE_NAMES = [
  "ID_PFR0_EL1 ID_PFR1_EL1 ID_DFR0_EL1 ID_AFR0_EL1 ID_MMFR0_EL1 ID_MMFR1_EL1 ID_MMFR2_EL1",
  "ID_MMFR3_EL1 ID_ISAR0_EL1 ID_ISAR1_EL1 ID_ISAR2_EL1 ID_ISAR3_EL1 ID_ISAR4_EL1 ID_ISAR5_EL1",
  "ID_MMFR4_EL1 ID_ISAR6_EL1 MVFR0_EL1 MVFR1_EL1 MVFR2_EL1 - ID_PFR2_EL1 ID_DFR1_EL1",
  "ID_MMFR5_EL1 - - - - - ID_AA64ZFR0_EL1 ID_AA64SMFR0_EL1 - - - - - - - - - - - -",
  "ID_AA64ISAR2_EL1 - - - - - - - - - - - - -",
].join(" ").split(" ");

/**
 * AArch32 ID registers and the reserved/unimplemented-feature ID space: RAZ on an AArch64-only
 * PE without SVE/SME (Arm ARM D17.2), trapped by HCR_EL2.TID3 like the named ones.
 */
function razIds(): SysRegDef[] {
  const named = new Set([
    "4_0",
    "4_1",
    "5_0",
    "5_1",
    "5_4",
    "5_5",
    "6_0",
    "6_1",
    "7_0",
    "7_1",
    "7_2",
  ]);
  const rows: SysRegDef[] = [];
  for (let crm = 1; crm <= 7; crm++) {
    for (let op2 = 0; op2 < 8; op2++) {
      if (named.has(`${crm}_${op2}`)) continue;
      const n = ID_SPACE_NAMES[(crm - 1) * 8 + op2];
      rows.push({
        name: n === "-" ? `S3_0_C0_C${crm}_${op2}` : n,
        enc: e(3, 0, 0, crm, op2),
        ro: true,
        el2Trap: "tid3",
        read: () => 0n,
      });
    }
  }
  return rows;
}

/** Every system register of the PE. */
export const SYSREG_TABLE: readonly SysRegDef[] = [
  // PSTATE views.
  {
    name: "NZCV",
    enc: e(3, 3, 4, 2, 0),
    el0: "rw",
    read: (c) => BigInt(c.nzcv),
    write: (c, v) => (c.nzcv = Number(v & 0xf0000000n)),
  },
  {
    name: "DAIF",
    enc: e(3, 3, 4, 2, 1),
    el0: (c) => sctlr(c, 9),
    read: (c) => BigInt(c.daif << 6),
    write: (c, v) => (c.daif = Number((v >> 6n) & 0xfn)),
  },
  { name: "CurrentEL", enc: e(3, 0, 4, 2, 2), ro: true, read: (c) => BigInt(c.el << 2) },
  {
    // Pending interrupts as presented to EL1 (A = SError, I = IRQ, F = FIQ), whatever DAIF says.
    name: "ISR_EL1",
    enc: e(3, 0, 12, 1, 0),
    ro: true,
    read: (c) =>
      BigInt((c.serrorLine ? 0x100 : 0) | (c.irqLine ? 0x80 : 0) | (c.fiqLine ? 0x40 : 0)),
  },
  {
    name: "SPSel",
    enc: e(3, 0, 4, 2, 0),
    read: (c) => BigInt(c.spsel),
    write: (c, v) => c.setMode(c.el, Number(v & 1n)),
  },
  {
    name: "FPCR",
    enc: e(3, 3, 4, 4, 0),
    el0: "rw",
    read: (c) => BigInt(c.fpcr >>> 0),
    // AHP, DN, FZ, RMode, Stride, Len as QEMU's cortex-a57: no FP16 (FZ16 RES0) and no
    // trapped FP exceptions (IDE/IXE/UFE/OFE/DZE/IOE RAZ/WI). Found by the differential tester.
    write: (c, v) => (c.fpcr = Number(v & 0x07f70000n)),
  },
  {
    name: "FPSR",
    enc: e(3, 3, 4, 4, 1),
    el0: "rw",
    read: (c) => BigInt(c.fpsr >>> 0),
    write: (c, v) => (c.fpsr = Number(v & 0xf800009fn)),
  },
  {
    name: "SP_EL0",
    enc: e(3, 0, 4, 1, 0),
    read: (
      c,
    ) => (c.spsel === 0
      ? c.getX(31)
      : (BigInt(c.spBank[1] >>> 0) << 32n) | BigInt(c.spBank[0] >>> 0)),
    write: (c, v) => {
      if (c.spsel === 0) c.setX(31, v);
      else {
        c.spBank[0] = Number(v & 0xffffffffn) | 0;
        c.spBank[1] = Number(v >> 32n) | 0;
      }
    },
  },
  { name: "SPSR_EL1", enc: e(3, 0, 4, 0, 0) },
  { name: "ELR_EL1", enc: e(3, 0, 4, 0, 1) },
  // Translation and system control (VM controls trap with HCR_EL2.TVM/TRVM).
  {
    name: "SCTLR_EL1",
    enc: e(3, 0, 1, 0, 0),
    reset: 0x30d00800n,
    el2Trap: "tvm",
    affectsTranslation: true,
  },
  { name: "ACTLR_EL1", enc: e(3, 0, 1, 0, 1), el2Trap: "tacr" },
  {
    name: "CPACR_EL1",
    enc: e(3, 0, 1, 0, 2),
    writeMask: 0x00300000n,
    // FPEN decides whether FP/SIMD rows trap: part of the translator's mode.
    write: (c) => c.modeChanged(),
  },
  { name: "TTBR0_EL1", enc: e(3, 0, 2, 0, 0), el2Trap: "tvm", affectsTranslation: true },
  { name: "TTBR1_EL1", enc: e(3, 0, 2, 0, 1), el2Trap: "tvm", affectsTranslation: true },
  { name: "TCR_EL1", enc: e(3, 0, 2, 0, 2), el2Trap: "tvm", affectsTranslation: true },
  { name: "AFSR0_EL1", enc: e(3, 0, 5, 1, 0), el2Trap: "tvm" },
  { name: "AFSR1_EL1", enc: e(3, 0, 5, 1, 1), el2Trap: "tvm" },
  { name: "ESR_EL1", enc: e(3, 0, 5, 2, 0), el2Trap: "tvm" },
  { name: "FAR_EL1", enc: e(3, 0, 6, 0, 0), el2Trap: "tvm" },
  { name: "PAR_EL1", enc: e(3, 0, 7, 4, 0) },
  { name: "MAIR_EL1", enc: e(3, 0, 10, 2, 0), el2Trap: "tvm", affectsTranslation: true },
  { name: "AMAIR_EL1", enc: e(3, 0, 10, 3, 0), el2Trap: "tvm" },
  { name: "VBAR_EL1", enc: e(3, 0, 12, 0, 0), writeMask: 0xfffffffffffff800n },
  { name: "CONTEXTIDR_EL1", enc: e(3, 0, 13, 0, 1), el2Trap: "tvm" },
  { name: "TPIDR_EL1", enc: e(3, 0, 13, 0, 4) },
  { name: "TPIDR_EL0", enc: e(3, 3, 13, 0, 2), el0: "rw" },
  { name: "TPIDRRO_EL0", enc: e(3, 3, 13, 0, 3), el0: "r" },
  { name: "CNTKCTL_EL1", enc: e(3, 0, 14, 1, 0), writeMask: 0x3ffn },
  { name: "CSSELR_EL1", enc: e(3, 2, 0, 0, 0), writeMask: 0xfn, el2Trap: "tid2" },
  ...DEBUG_REGS,
  // Identification.
  {
    name: "MIDR_EL1",
    enc: e(3, 0, 0, 0, 0),
    ro: true,
    read: (c) => c.el2 ? c.el2.vpidr : ID_VALUES.MIDR_EL1,
  },
  {
    name: "MPIDR_EL1",
    enc: e(3, 0, 0, 0, 5),
    ro: true,
    read: (c) => c.el2 ? c.el2.vmpidr : c.sysregs.mpidr,
  },
  id("REVIDR_EL1", e(3, 0, 0, 0, 6), "none", "tid1"),
  {
    // GIC (bits [27:24]) = 1 when the PE has a GICv3 system register interface.
    ...id("ID_AA64PFR0_EL1", e(3, 0, 0, 4, 0)),
    read: (c) => ID_VALUES.ID_AA64PFR0_EL1 | (c.gicCpuIf ? 1n << 24n : 0n),
  },
  id("ID_AA64PFR1_EL1", e(3, 0, 0, 4, 1)),
  id("ID_AA64DFR0_EL1", e(3, 0, 0, 5, 0)),
  id("ID_AA64DFR1_EL1", e(3, 0, 0, 5, 1)),
  id("ID_AA64AFR0_EL1", e(3, 0, 0, 5, 4)),
  id("ID_AA64AFR1_EL1", e(3, 0, 0, 5, 5)),
  id("ID_AA64ISAR0_EL1", e(3, 0, 0, 6, 0)),
  id("ID_AA64ISAR1_EL1", e(3, 0, 0, 6, 1)),
  id("ID_AA64MMFR0_EL1", e(3, 0, 0, 7, 0)),
  id("ID_AA64MMFR1_EL1", e(3, 0, 0, 7, 1)),
  id("ID_AA64MMFR2_EL1", e(3, 0, 0, 7, 2)),
  ...razIds(),
  id("CTR_EL0", e(3, 3, 0, 0, 1), (c) => sctlr(c, 15), "tid2"),
  { name: "DCZID_EL0", enc: e(3, 3, 0, 0, 7), ro: true, el0: "r", read: (c) => dczid(c) },
  { name: "AIDR_EL1", enc: e(3, 1, 0, 0, 7), ro: true, el2Trap: "tid1", read: () => 0n },
  id("CLIDR_EL1", e(3, 1, 0, 0, 1), "none", "tid2"),
  {
    name: "CCSIDR_EL1",
    enc: e(3, 1, 0, 0, 0),
    ro: true,
    el2Trap: "tid2",
    // L1D 32 KiB 2-way 64 B lines; L1I 48 KiB 3-way; L2 2 MiB 16-way (Cortex-A57 values).
    read: (c) => {
      const sel = c.sysregs.sys[2 * c.sysregs.indexOf("CSSELR_EL1")] & 0xf;
      return sel === 0 ? 0x701fe00an : sel === 1 ? 0x201fe012n : sel === 2 ? 0x70ffe07an : 0n;
    },
  },
  // Generic timer.
  {
    name: "CNTFRQ_EL0",
    enc: e(3, 3, 14, 0, 0),
    el0: (c, w) => w ? "undef" : (cntk(c) & 3) !== 0,
    read: (c) => BigInt(c.timer.frequency),
    write: (c, v) => (c.timer.frequency = Number(v & 0xffffffffn)),
  },
  {
    name: "CNTPCT_EL0",
    enc: e(3, 3, 14, 0, 1),
    ro: true,
    el2Trap: "el1pcten",
    el0: (c) => (cntk(c) & 1) !== 0,
    read: (c) => c.timer.physCount(),
  },
  {
    name: "CNTVCT_EL0",
    enc: e(3, 3, 14, 0, 2),
    ro: true,
    el0: (c) => (cntk(c) & 2) !== 0,
    read: (c) => c.timer.virtCount(),
  },
  {
    name: "CNTP_TVAL_EL0",
    el2Trap: "el1pcen",
    enc: e(3, 3, 14, 2, 0),
    el0: (c) => (cntk(c) & 0x200) !== 0,
    read: (c) => c.timer.readTval("phys"),
    write: (c, v) => c.timer.writeTval("phys", v),
  },
  {
    name: "CNTP_CTL_EL0",
    el2Trap: "el1pcen",
    enc: e(3, 3, 14, 2, 1),
    el0: (c) => (cntk(c) & 0x200) !== 0,
    read: (c) => BigInt(c.timer.readCtl("phys")),
    write: (c, v) => c.timer.writeCtl("phys", Number(v & 3n)),
  },
  {
    name: "CNTP_CVAL_EL0",
    el2Trap: "el1pcen",
    enc: e(3, 3, 14, 2, 2),
    el0: (c) => (cntk(c) & 0x200) !== 0,
    read: (c) => c.timer.readCval("phys"),
    write: (c, v) => c.timer.writeCval("phys", v),
  },
  {
    name: "CNTV_TVAL_EL0",
    enc: e(3, 3, 14, 3, 0),
    el0: (c) => (cntk(c) & 0x100) !== 0,
    read: (c) => c.timer.readTval("virt"),
    write: (c, v) => c.timer.writeTval("virt", v),
  },
  {
    name: "CNTV_CTL_EL0",
    enc: e(3, 3, 14, 3, 1),
    el0: (c) => (cntk(c) & 0x100) !== 0,
    read: (c) => BigInt(c.timer.readCtl("virt")),
    write: (c, v) => c.timer.writeCtl("virt", Number(v & 3n)),
  },
  {
    name: "CNTV_CVAL_EL0",
    enc: e(3, 3, 14, 3, 2),
    el0: (c) => (cntk(c) & 0x100) !== 0,
    read: (c) => c.timer.readCval("virt"),
    write: (c, v) => c.timer.writeCval("virt", v),
  },
  ...GIC_CPUIF_REGS,
];
