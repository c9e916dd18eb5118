/**
 * The saved state of one PE (`Cpu.save()` / `Cpu.restore()`): everything that can influence what
 * the PE does next, as plain data (typed arrays, numbers, bigints, strings). Caches (TLBs, the
 * jump cache, translated code) are not state: restore drops them. The stage-2 translation is
 * the hypervisor's object: the state names it by VMID and the owner hands it back on restore.
 */
import type { ExitKind } from "./exit.ts";
import { checkGenericTimerState, type GenericTimerState } from "./generic_timer.ts";
import { checkHwDebugState, type HwDebugState } from "./hw_debug.ts";
import type { Watchpoint } from "./cpu.ts";

/** PSTATE fields (each as the Cpu keeps it). */
export interface PstateState {
  n: number;
  z: number;
  c: number;
  v: number;
  el: number;
  spsel: number;
  daif: number;
  ss: number;
  il: number;
}

/** The EL2 controls without the stage-2 object (named by its VMID). */
export interface El2State {
  hcr: bigint;
  tfp: boolean;
  cntvoff: number;
  /** CNTHCTL_EL2, or null when the hypervisor leaves it absent (both bits set). */
  cnthctl: number | null;
  vmpidr: bigint;
  vpidr: bigint;
  /** VMID of the attached stage-2 translation, or null when none is attached. */
  stage2Vmid: number | null;
}

/** One UNDEFINED-encoding counter of `Cpu.stats.undefined`. */
export interface UndefinedCount {
  /** The encoding as 8 hex digits (the map key). */
  word: string;
  count: number;
  pc: bigint;
  cls: string;
}

/** Plain-data state of a Cpu. */
export interface CpuState {
  /** MPIDR_EL1 of the PE the state was saved from (identity: restore refuses another). */
  mpidr: bigint;
  /** X0-X30 and the live SP as lo/hi int32 pairs (64 values). */
  x: Int32Array;
  /** Banked SP_EL0 and SP_EL1, lo/hi (4 values). */
  spBank: Int32Array;
  /** V0-V31 as 128 int32 words. */
  vregs: Int32Array;
  pcLo: number;
  pcHi: number;
  pstate: PstateState;
  fpcr: number;
  fpsr: number;
  /** Names of the system register rows, in storage order (the layout `sysregs` follows). */
  sysregNames: string[];
  /** System register storage, lo/hi per row. */
  sysregs: Int32Array;
  timer: GenericTimerState;
  hwDebug: HwDebugState;
  /** Exclusive monitor: reserved physical address (-1: none) and size. */
  exAddr: number;
  exSize: number;
  eventRegister: boolean;
  irqLine: boolean;
  fiqLine: boolean;
  serrorLine: boolean;
  retired: number;
  el2: El2State | null;
  /** The last exit record (the owner may not have handled it yet). */
  exit: { kind: ExitKind; esr: number; far: bigint; ipa: bigint; imm: number };
  /** Visible counters: exceptions taken (the board's stuck detection uses it) and UNDEFINEDs. */
  stats: { exceptions: number; undefined: UndefinedCount[] };
  /** Debugger stops: breakpoints, watchpoints, and the markers that let a run resume past one. */
  debug: {
    breakpoints: bigint[];
    watchpoints: Watchpoint[];
    bpResume: number;
    wpResume: number;
  };
}

/** Exit kinds (a record, so the compiler notices a kind added to ExitKind). */
const EXIT_KINDS: Record<ExitKind, true> = {
  budget: true,
  hvc: true,
  smc: true,
  wfi: true,
  wfe: true,
  dabt: true,
  iabt: true,
  sysreg: true,
  breakpoint: true,
  watchpoint: true,
  step: true,
};

const U64_MAX = (1n << 64n) - 1n;

function fail(field: string, v: unknown, want: string): never {
  const shown = typeof v === "bigint"
    ? `${v}n`
    : typeof v === "string"
    ? JSON.stringify(v.slice(0, 40))
    : Array.isArray(v)
    ? `array(${v.length})`
    : v !== null && typeof v === "object"
    ? (v.constructor?.name ?? "object")
    : String(v);
  throw new Error(`cpu state: ${field} ${shown} is not ${want}`);
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v)) {
    fail(field, v, "an object");
  }
  return v as Record<string, unknown>;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(field, v, `an integer in ${min}..${max}`);
  }
  return v;
}

function u64(v: unknown, field: string): bigint {
  if (typeof v !== "bigint" || v < 0n || v > U64_MAX) fail(field, v, "a 64-bit bigint");
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") fail(field, v, "a boolean");
  return v;
}

function i32s(v: unknown, field: string, len: number): Int32Array {
  if (!(v instanceof Int32Array) || v.length !== len) fail(field, v, `an Int32Array(${len})`);
  return v;
}

function arr(v: unknown, field: string, maxLen: number): unknown[] {
  if (!Array.isArray(v) || v.length > maxLen) fail(field, v, `an array of at most ${maxLen}`);
  return v;
}

/**
 * Checks that `s` is a CpuState for a PE with MPIDR `mpidr` and system register rows `names`;
 * throws an Error naming the first bad field and its value.
 */
export function checkCpuState(
  s: unknown,
  mpidr: bigint,
  names: readonly string[],
): asserts s is CpuState {
  const o = obj(s, "state");
  if (u64(o.mpidr, "mpidr") !== mpidr) fail("mpidr", o.mpidr, `this PE's 0x${mpidr.toString(16)}`);
  i32s(o.x, "x", 64);
  i32s(o.spBank, "spBank", 4);
  i32s(o.vregs, "vregs", 128);
  int(o.pcLo, "pcLo", -(2 ** 31), 2 ** 31 - 1);
  int(o.pcHi, "pcHi", -(2 ** 31), 2 ** 31 - 1);
  const p = obj(o.pstate, "pstate");
  for (const k of ["n", "z", "c", "v", "spsel", "ss", "il", "el"] as const) {
    int(p[k], `pstate.${k}`, 0, 1);
  }
  int(p.daif, "pstate.daif", 0, 15);
  int(o.fpcr, "fpcr", -(2 ** 31), 2 ** 32 - 1);
  int(o.fpsr, "fpsr", -(2 ** 31), 2 ** 32 - 1);
  const saved = arr(o.sysregNames, "sysregNames", names.length);
  if (saved.length !== names.length || saved.some((n, i) => n !== names[i])) {
    const i = names.findIndex((n, k) => saved[k] !== n);
    fail(`sysregNames[${i}]`, saved[i], `${JSON.stringify(names[i])} (another register layout)`);
  }
  i32s(o.sysregs, "sysregs", 2 * names.length);
  checkGenericTimerState(o.timer, "cpu state: timer");
  checkHwDebugState(o.hwDebug, "cpu state: hwDebug");
  int(o.exAddr, "exAddr", -1, Number.MAX_SAFE_INTEGER);
  int(o.exSize, "exSize", 0, 4096);
  for (const k of ["eventRegister", "irqLine", "fiqLine", "serrorLine"] as const) bool(o[k], k);
  int(o.retired, "retired", 0, Number.MAX_SAFE_INTEGER);
  if (o.el2 !== null) {
    const e = obj(o.el2, "el2");
    u64(e.hcr, "el2.hcr");
    bool(e.tfp, "el2.tfp");
    int(e.cntvoff, "el2.cntvoff", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (e.cnthctl !== null) int(e.cnthctl, "el2.cnthctl", 0, 2 ** 32 - 1);
    u64(e.vmpidr, "el2.vmpidr");
    u64(e.vpidr, "el2.vpidr");
    if (e.stage2Vmid !== null) int(e.stage2Vmid, "el2.stage2Vmid", 0, 2 ** 32 - 1);
  }
  const x = obj(o.exit, "exit");
  if (typeof x.kind !== "string" || !Object.hasOwn(EXIT_KINDS, x.kind)) {
    fail("exit.kind", x.kind, "an exit kind");
  }
  int(x.esr, "exit.esr", 0, 2 ** 32 - 1);
  u64(x.far, "exit.far");
  u64(x.ipa, "exit.ipa");
  int(x.imm, "exit.imm", 0, 0xffff);
  const st = obj(o.stats, "stats");
  int(st.exceptions, "stats.exceptions", 0, Number.MAX_SAFE_INTEGER);
  const words = new Set<string>();
  arr(st.undefined, "stats.undefined", 1 << 20).forEach((u, i) => {
    const at = `stats.undefined[${i}]`;
    const e = obj(u, at);
    if (typeof e.word !== "string" || !/^[0-9a-f]{8}$/.test(e.word) || words.has(e.word)) {
      fail(`${at}.word`, e.word, "a new 8-digit hex encoding");
    }
    words.add(e.word);
    int(e.count, `${at}.count`, 1, Number.MAX_SAFE_INTEGER);
    u64(e.pc, `${at}.pc`);
    if (typeof e.cls !== "string" || e.cls.length > 40) fail(`${at}.cls`, e.cls, "a class name");
  });
  const d = obj(o.debug, "debug");
  arr(d.breakpoints, "debug.breakpoints", 1 << 16).forEach((b, i) =>
    u64(b, `debug.breakpoints[${i}]`)
  );
  arr(d.watchpoints, "debug.watchpoints", 1 << 16).forEach((w, i) => {
    const e = obj(w, `debug.watchpoints[${i}]`);
    const start = u64(e.start, `debug.watchpoints[${i}].start`);
    // end = start + length may pass 2^64 for a range at the top of the address space.
    if (typeof e.end !== "bigint" || e.end < start || e.end > 2n * U64_MAX) {
      fail(`debug.watchpoints[${i}].end`, e.end, "a bigint at or above start");
    }
    bool(e.read, `debug.watchpoints[${i}].read`);
    bool(e.write, `debug.watchpoints[${i}].write`);
  });
  int(d.bpResume, "debug.bpResume", -1, Number.MAX_SAFE_INTEGER);
  int(d.wpResume, "debug.wpResume", -1, Number.MAX_SAFE_INTEGER);
}
