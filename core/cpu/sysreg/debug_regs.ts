/**
 * Self-hosted debug registers of the PE (ID_AA64DFR0_EL1: DebugVer v8.0, 6 breakpoints of which
 * 2 context-aware, 4 watchpoints, no PMU): MDSCR, the OS lock and double lock, breakpoint and
 * watchpoint value/control registers, claim tags, and the debug communications channel (DCC).
 * No external debugger is ever attached: data written to DBGDTRTX stays there (TXfull stays 1)
 * and DBGDTRRX never fills, which is what software like Linux's hvc_dcc probes for.
 */
import type { SysRegDef } from "./sysreg_types.ts";
import type { Cpu } from "../cpu.ts";

const e = (op0: number, op1: number, crn: number, crm: number, op2: number) => ({
  op0,
  op1,
  crn,
  crm,
  op2,
});

/** Breakpoints and watchpoints implemented (must match ID_AA64DFR0_EL1 BRPs/WRPs). */
export const NUM_BRPS = 6;
export const NUM_WRPS = 4;

const lo = (c: Cpu, name: string) => c.sysregs.sys[2 * c.sysregs.indexOf(name)];
const setLo = (c: Cpu, name: string, v: number) => {
  c.sysregs.sys[2 * c.sysregs.indexOf(name)] = v;
};
/** EL0 access to the DCC registers: allowed unless MDSCR_EL1.TDCC (then a trap to EL1). */
const dccEl0 = (c: Cpu) => ((lo(c, "MDSCR_EL1") >>> 12) & 1) === 0;
const TXFULL = 1 << 29;
/** Writes that change which breakpoints, watchpoints or steps are armed. */
const rearm = (c: Cpu) => c.hwDebug.recompute(c);
const RXFULL = 1 << 30;

function bpRows(): SysRegDef[] {
  const rows: SysRegDef[] = [];
  for (let n = 0; n < NUM_BRPS; n++) {
    // DBGBVR: VA[48:2] (or context ID) with bits [63:49] a sign extension; BCR: E, PMC, BAS, HMC,
    // SSC, LBN, BT.
    rows.push({ name: `DBGBVR${n}_EL1`, enc: e(2, 0, 0, n, 4), writeMask: 0xfffffffffffffffcn });
    rows.push({
      name: `DBGBCR${n}_EL1`,
      enc: e(2, 0, 0, n, 5),
      writeMask: 0x00ff_e1e7n,
      write: rearm,
    });
  }
  for (let n = 0; n < NUM_WRPS; n++) {
    rows.push({ name: `DBGWVR${n}_EL1`, enc: e(2, 0, 0, n, 6), writeMask: 0xfffffffffffffffcn });
    rows.push({
      name: `DBGWCR${n}_EL1`,
      enc: e(2, 0, 0, n, 7),
      writeMask: 0x1f1f_ffffn,
      write: rearm,
    });
  }
  return rows;
}

/** The debug register rows. */
export const DEBUG_REGS: readonly SysRegDef[] = [
  // SS, ERR, TDCC, KDE, MDE are writable; the rest of MDSCR_EL1 reads as zero here.
  { name: "MDSCR_EL1", enc: e(2, 0, 0, 2, 2), writeMask: 0xb041n, write: rearm },
  { name: "MDCCINT_EL1", enc: e(2, 0, 0, 2, 0), writeMask: 0x60000000n },
  { name: "OSDTRRX_EL1", enc: e(2, 0, 0, 0, 2), writeMask: 0xffffffffn },
  { name: "OSDTRTX_EL1", enc: e(2, 0, 0, 3, 2), writeMask: 0xffffffffn },
  { name: "OSECCR_EL1", enc: e(2, 0, 0, 6, 2), writeMask: 0xffffffffn },
  { name: "MDRAR_EL1", enc: e(2, 0, 1, 0, 0), ro: true, read: () => 0n },
  {
    name: "OSLAR_EL1",
    enc: e(2, 0, 1, 0, 4),
    wo: true,
    read: () => 0n,
    write: (c, v) => {
      setLo(c, "OSLSR_EL1", 0x8 | (Number(v & 1n) << 1));
      rearm(c);
    },
  },
  // OSLM = 0b10 (OS lock implemented), OSLK set at cold reset.
  { name: "OSLSR_EL1", enc: e(2, 0, 1, 1, 4), ro: true, reset: 0xan },
  { name: "OSDLR_EL1", enc: e(2, 0, 1, 3, 4), writeMask: 1n, write: rearm },
  { name: "DBGPRCR_EL1", enc: e(2, 0, 1, 4, 4), writeMask: 1n },
  {
    name: "DBGCLAIMSET_EL1",
    enc: e(2, 0, 7, 8, 6),
    // Reads show which claim tags are implemented (all eight); writes of 1 set tags.
    read: () => 0xffn,
    write: (c, v) => setLo(c, "DBGCLAIMCLR_EL1", lo(c, "DBGCLAIMCLR_EL1") | Number(v & 0xffn)),
  },
  {
    name: "DBGCLAIMCLR_EL1",
    enc: e(2, 0, 7, 9, 6),
    writeMask: 0n,
    write: (c, v) => setLo(c, "DBGCLAIMCLR_EL1", lo(c, "DBGCLAIMCLR_EL1") & ~Number(v & 0xffn)),
  },
  // Non-secure invasive and non-invasive debug implemented and enabled; no Secure state.
  { name: "DBGAUTHSTATUS_EL1", enc: e(2, 0, 7, 14, 6), ro: true, read: () => 0xfn },
  ...bpRows(),
  // Debug communications channel; MDCCSR_EL0 shows TXfull/RXfull.
  { name: "MDCCSR_EL0", enc: e(2, 3, 0, 1, 0), ro: true, el0: dccEl0 },
  {
    name: "DBGDTR_EL0",
    enc: e(2, 3, 0, 4, 0),
    el0: dccEl0,
    write: (c) => setLo(c, "MDCCSR_EL0", lo(c, "MDCCSR_EL0") | TXFULL),
  },
  {
    // Reads are DBGDTRRX_EL0 (never full: reads 0), writes DBGDTRTX_EL0 (sets TXfull).
    name: "DBGDTRRX_EL0",
    enc: e(2, 3, 0, 5, 0),
    el0: dccEl0,
    read: (c) => {
      setLo(c, "MDCCSR_EL0", lo(c, "MDCCSR_EL0") & ~RXFULL);
      return 0n;
    },
    write: (c) => setLo(c, "MDCCSR_EL0", lo(c, "MDCCSR_EL0") | TXFULL),
  },
];
