/**
 * One AArch64 processing element running EL0 and EL1 code, with EL2 provided by TypeScript:
 * `run(budget)` executes translated blocks until the budget is spent or something needs the
 * hypervisor or board (an Exit, like KVM_RUN). The PE depends only on a small environment.
 */
import type { Decoder } from "./decode/decoder.ts";
import { CpuRegs } from "./state.ts";
import { type Exit, type ExitKind, newExit } from "./exit.ts";
import type { El2Controls } from "./el2.ts";
import { HCR } from "./el2.ts";
import { type Block, CodeCache } from "./engine/code_cache.ts";
import { type Tlb, tlbIndex, vpnOf } from "./engine/tlb.ts";
import { type TlbSet, TlbSets } from "./engine/tlb_sets.ts";
import { translateBlock } from "./engine/translator.ts";
import type { PhysMemory } from "../mem/phys_memory.ts";
import type { MmioAccess, MmioOutcome } from "../mem/mmio_bus.ts";
import { PAGE_SIZE } from "../mem/phys_memory.ts";
import { Mmu } from "./mmu/mmu.ts";
import { SysRegs } from "./sysreg/sysregs.ts";
import { ExcClass } from "./exceptions.ts";
import { dataAbortIss } from "./syndrome.ts";
import { GenericTimer } from "./generic_timer.ts";
import { HwDebug } from "./hw_debug.ts";
import type { GicCpuInterface } from "./gic_cpu_interface.ts";
import { checkCpuState, type CpuState } from "./cpu_state.ts";
import type { Stage2 } from "./el2.ts";

/** The PE's view of the rest of the board. */
export interface CpuEnv {
  /** Guest-physical RAM. */
  readonly mem: PhysMemory;
  /** An access to a physical address outside RAM (a device). */
  io(
    pa: number,
    size: 1 | 2 | 4 | 8,
    write: boolean,
    lo: number,
    hi: number,
  ): MmioAccess & { outcome: MmioOutcome };
  /** The system counter (CNTPCT) now, in counter ticks. */
  counter(): number;
  /** SEV executed: the board sets the event register of its other PEs (optional). */
  sendEvent?(): void;
  /**
   * A TLBI ...IS (inner shareable broadcast) ran on this PE: the board applies it to its other
   * PEs (`Mmu.invalidateAll`, or `Mmu.invalidateVa` for the page at (lo, hi)). Optional: a board
   * with one PE has nobody to tell.
   */
  broadcastTlbi?(all: boolean, lo: number, hi: number): void;
}

/** Exceptions without progress after which run() returns, so callers can detect a stuck PE. */
const MAX_FAULTS_PER_RUN = 10_000;

/** Entries in the per-PE jump cache (PC -> block), a power of two minus one. */
const JUMP_CACHE_MASK = 4095;

/** Thrown (as a value) by generated code when an exception was taken: the block stops. */
export const TAKEN = Symbol("exception taken");
/** Thrown when the PE must exit to the hypervisor/board. */
export const EXIT = Symbol("exit");

/** Static configuration of a PE. */
export interface CpuConfig {
  /** MPIDR_EL1 affinity value (Aff0..Aff3 packed as the register). */
  mpidr?: bigint;
  /** Shared translated code (one per board). */
  code?: CodeCache;
}

/** Counters a user can read to see what the PE did that it should not have needed to. */
export interface CpuStats {
  /** UNDEFINED encodings executed, by encoding (hex) -> count. */
  undefined: Map<string, { count: number; pc: bigint; cls: string }>;
  exceptions: number;
  blocksCompiled: number;
  tlbMisses: number;
}

/** One AArch64 PE. */
export class Cpu extends CpuRegs {
  readonly env: CpuEnv;
  readonly decoder: Decoder;
  readonly code: CodeCache;
  readonly mmu: Mmu;
  readonly sysregs: SysRegs;
  readonly timer: GenericTimer;
  /** Breakpoints, watchpoints and software step as the guest programs them. */
  readonly hwDebug: HwDebug = new HwDebug();
  /** EL2 controls; null when no hypervisor is attached (bare-metal board, EL1 top). */
  el2: El2Controls | null = null;
  /** The GICv3 CPU interface behind the ICC_* registers; null without one (they are UNDEFINED). */
  gicCpuIf: GicCpuInterface | null = null;
  readonly exit: Exit = newExit();
  readonly stats: CpuStats = {
    undefined: new Map(),
    exceptions: 0,
    blocksCompiled: 0,
    tlbMisses: 0,
  };

  /** Instructions retired since reset. */
  retired = 0;
  /** Index of the executing instruction within the current block (set by generated code). */
  ic = 0;
  /** Start of the executing block. */
  blkLo = 0;
  blkHi = 0;
  /** High half of the last 64-bit load. */
  hi = 0;
  /** Interrupt inputs as presented to EL1 (physical on a bare board, virtual under a hypervisor). */
  irqLine = false;
  fiqLine = false;
  serrorLine = false;
  /** Set by WFE/SEV. */
  eventRegister = false;
  /** Debugger: stop before executing these PCs (bigint addresses). */
  readonly breakpoints = new Set<bigint>();
  /** Debugger: stop before an access touching [start, end) of the given kinds (virtual addresses). */
  readonly watchpoints: Watchpoint[] = [];
  /** Instruction-level trace hook: called before every instruction (forces single stepping). */
  traceHook: ((c: Cpu) => void) | null = null;

  /** Exclusive monitor: physical address and size of the reservation, or -1. */
  exAddr = -1;
  exSize = 0;

  #retireOnTaken = 0;
  #stopRequested = false;
  // Software TLBs per translation context, access kind and EL.
  readonly #tlbSets = new TlbSets();
  #tlb: TlbSet = this.#tlbSets.select("reset");
  #tlbKey = "reset";
  #rdT: Tlb;
  #wrT: Tlb;
  /** The current EL's read and write TLB arrays, for the inline fast paths of generated code. */
  rdTag: Float64Array;
  rdPage: (DataView | null)[];
  wrTag: Float64Array;
  wrPage: (DataView | null)[];
  #exT: Tlb;
  #blockMode = 0;
  readonly #jumpCache: (Block | undefined)[] = new Array(JUMP_CACHE_MASK + 1).fill(undefined);

  constructor(env: CpuEnv, decoder: Decoder, config: CpuConfig = {}) {
    super();
    this.env = env;
    this.decoder = decoder;
    this.code = config.code ?? new CodeCache();
    this.code.onNewCodePage.push((pfn) => this.#tlbSets.flushWritesTo(pfn));
    // Translated blocks need nothing when a shared page splits: the copy has their bytes.
    env.mem.addViewCache(this.#tlbSets);
    this.mmu = new Mmu(this);
    this.sysregs = new SysRegs(this, config.mpidr ?? 0x80000000n);
    this.timer = new GenericTimer(this);
    this.#rdT = this.#tlb.rd[1];
    this.#wrT = this.#tlb.wr[1];
    this.#exT = this.#tlb.ex[1];
    this.rdTag = this.#rdT.tag;
    this.rdPage = this.#rdT.page;
    this.wrTag = this.#wrT.tag;
    this.wrPage = this.#wrT.page;
    this.reset();
  }

  /** Architectural reset: EL1h, all interrupts masked, MMU off, PC 0. */
  reset(): void {
    this.x.fill(0);
    this.vw.fill(0);
    this.spBank.fill(0);
    this.pcLo = this.pcHi = 0;
    this.n =
      this.z =
      this.c =
      this.v =
        0;
    this.el = 1;
    this.spsel = 1;
    this.daif = 0xf;
    this.fpcr = this.fpsr = 0;
    this.exAddr = -1;
    this.sysregs.reset();
    // The OS lock is set again at reset: nothing is armed.
    this.hwDebug.active = this.hwDebug.watching = false;
    this.flushTlb();
    this.translationContextChanged();
    this.modeChanged();
  }

  // ---------------------------------------------------------------- snapshots

  /** Everything that can influence execution, as plain data (see cpu_state.ts). */
  save(): CpuState {
    const el2 = this.el2;
    return {
      mpidr: this.sysregs.mpidr,
      x: this.x.slice(),
      spBank: this.spBank.slice(),
      vregs: this.vw.slice(),
      pcLo: this.pcLo,
      pcHi: this.pcHi,
      pstate: {
        n: this.n,
        z: this.z,
        c: this.c,
        v: this.v,
        el: this.el,
        spsel: this.spsel,
        daif: this.daif,
        ss: this.ss,
        il: this.il,
      },
      fpcr: this.fpcr,
      fpsr: this.fpsr,
      sysregNames: this.sysregs.rows.map((r) => r.name),
      sysregs: this.sysregs.sys.slice(),
      timer: this.timer.save(),
      hwDebug: this.hwDebug.save(),
      exAddr: this.exAddr,
      exSize: this.exSize,
      eventRegister: this.eventRegister,
      irqLine: this.irqLine,
      fiqLine: this.fiqLine,
      serrorLine: this.serrorLine,
      retired: this.retired,
      el2: el2 === null ? null : {
        hcr: el2.hcr,
        tfp: el2.tfp,
        cntvoff: el2.cntvoff,
        cnthctl: el2.cnthctl ?? null,
        vmpidr: el2.vmpidr,
        vpidr: el2.vpidr,
        stage2Vmid: el2.stage2?.vmid ?? null,
      },
      exit: { ...this.exit },
      stats: {
        exceptions: this.stats.exceptions,
        undefined: [...this.stats.undefined].map(([word, u]) => ({ word, ...u })),
      },
      debug: {
        breakpoints: [...this.breakpoints],
        watchpoints: this.watchpoints.map((w) => ({ ...w })),
        bpResume: this.#bpResume,
        wpResume: this.#wpResume,
      },
    };
  }

  /**
   * Replaces the PE's state with `s` (made by `save()` of a PE with the same MPIDR). Everything
   * is checked first: on an error nothing changes. With EL2 state, the stage-2 translation is
   * `stage2` when given, else the one already attached; its VMID must be the saved one. Existing
   * EL2 controls are updated in place (their owner keeps its reference). Cached translations and
   * translated code are dropped, so restore memory first or along with the PE.
   */
  restore(s: CpuState, stage2?: Stage2 | null): void {
    checkCpuState(s, this.sysregs.mpidr, this.sysregs.rows.map((r) => r.name));
    const s2 = stage2 !== undefined ? stage2 : (this.el2?.stage2 ?? null);
    if (s.el2 !== null && (s2?.vmid ?? null) !== s.el2.stage2Vmid) {
      throw new Error(
        `cpu state: el2.stage2Vmid ${s.el2.stage2Vmid} needs a stage 2 with that VMID (have ${
          s2?.vmid ?? null
        })`,
      );
    }
    this.x.set(s.x);
    this.spBank.set(s.spBank);
    this.vw.set(s.vregs);
    this.pcLo = s.pcLo;
    this.pcHi = s.pcHi;
    const p = s.pstate;
    this.n = p.n;
    this.z = p.z;
    this.c = p.c;
    this.v = p.v;
    this.el = p.el;
    this.spsel = p.spsel;
    this.daif = p.daif;
    this.ss = p.ss;
    this.il = p.il;
    this.fpcr = s.fpcr;
    this.fpsr = s.fpsr;
    this.sysregs.sys.set(s.sysregs);
    this.timer.restore(s.timer);
    this.hwDebug.restore(s.hwDebug);
    this.exAddr = s.exAddr;
    this.exSize = s.exSize;
    this.eventRegister = s.eventRegister;
    this.irqLine = s.irqLine;
    this.fiqLine = s.fiqLine;
    this.serrorLine = s.serrorLine;
    this.retired = s.retired;
    if (s.el2 === null) this.el2 = null;
    else {
      const e: El2Controls = this.el2 ??
        (this.el2 = { hcr: 0n, tfp: false, cntvoff: 0, stage2: null, vmpidr: 0n, vpidr: 0n });
      e.hcr = s.el2.hcr;
      e.tfp = s.el2.tfp;
      e.cntvoff = s.el2.cntvoff;
      if (s.el2.cnthctl === null) delete e.cnthctl;
      else e.cnthctl = s.el2.cnthctl;
      e.vmpidr = s.el2.vmpidr;
      e.vpidr = s.el2.vpidr;
      e.stage2 = s2;
    }
    Object.assign(this.exit, s.exit);
    this.stats.exceptions = s.stats.exceptions;
    this.stats.undefined.clear();
    for (const u of s.stats.undefined) {
      this.stats.undefined.set(u.word, { count: u.count, pc: u.pc, cls: u.cls });
    }
    this.breakpoints.clear();
    for (const b of s.debug.breakpoints) this.breakpoints.add(b);
    this.watchpoints.splice(
      0,
      this.watchpoints.length,
      ...s.debug.watchpoints.map((w) => ({
        start: w.start,
        end: w.end,
        read: w.read,
        write: w.write,
      })),
    );
    this.#bpResume = s.debug.bpResume;
    this.#wpResume = s.debug.wpResume;
    this.mmu.invalidateAll();
    this.code.clear();
    this.translationContextChanged();
    this.modeChanged();
  }

  // ---------------------------------------------------------------- modes

  /** Moves to exception level `el` with stack pointer selection `spsel`, banking SP. */
  setMode(el: number, spsel: number): void {
    const cur = this.#spBankIndex();
    this.spBank[cur] = this.x[62];
    this.spBank[cur + 1] = this.x[63];
    this.el = el;
    this.spsel = spsel;
    const nxt = this.#spBankIndex();
    this.x[62] = this.spBank[nxt];
    this.x[63] = this.spBank[nxt + 1];
    this.modeChanged();
  }

  #spBankIndex(): number {
    return this.el === 0 || this.spsel === 0 ? 0 : 2;
  }

  /** Recomputes what depends on EL and on FP enables; call after changing either. */
  modeChanged(): void {
    const el = this.el;
    this.#rdT = this.#tlb.rd[el];
    this.#wrT = this.#tlb.wr[el];
    this.#exT = this.#tlb.ex[el];
    this.rdTag = this.#rdT.tag;
    this.rdPage = this.#rdT.page;
    this.wrTag = this.#wrT.tag;
    this.wrPage = this.#wrT.page;
    this.#blockMode = el | (this.fpEnabled() ? 2 : 0);
  }

  /** True when FP/SIMD instructions may execute at the current EL without trapping. */
  fpEnabled(): boolean {
    if (this.el2?.tfp) return false;
    const fpen = this.sysregs.cpacrFpen();
    return fpen === 3 || (fpen === 1 && this.el === 1);
  }

  /** Drops every cached translation, in every context (TLBI ALL/ASID, stage-2 changes). */
  flushTlb(): void {
    this.#jumpCache.fill(undefined);
    this.#tlbSets.flush();
  }

  /** Drops cached translations of one virtual page in every context (TLBI by VA). */
  flushTlbPage(vpn: number): void {
    this.#jumpCache.fill(undefined);
    this.#tlbSets.flushPage(vpn);
  }

  /**
   * Drops cached translations of the page at `lo` under any top byte, in every context (TLBI by
   * VA with TBI: Linux sets TBI1, so every kernel TLBI VAE1 would otherwise flush everything).
   */
  flushTlbAliases(lo: number): void {
    this.#jumpCache.fill(undefined);
    this.#tlbSets.flushSlot(lo);
  }

  /**
   * Selects the TLB set of the current translation context (after writes to TTBRn, TCR, SCTLR,
   * MAIR or a stage-2/VMID change) instead of flushing: see engine/tlb_sets.ts.
   */
  translationContextChanged(): void {
    const s = this.sysregs;
    const key = [
      ...s.getPair("TTBR0_EL1"),
      ...s.getPair("TTBR1_EL1"),
      ...s.getPair("TCR_EL1"),
      ...s.getPair("MAIR_EL1"),
      s.getPair("SCTLR_EL1")[0],
      this.el2?.stage2?.vmid ?? -1,
      (this.el2?.hcr ?? 0n) & HCR.VM,
    ].join(",");
    if (key === this.#tlbKey) return;
    this.#tlbKey = key;
    this.#tlb = this.#tlbSets.select(key);
    this.#jumpCache.fill(undefined);
    this.modeChanged();
  }

  // ---------------------------------------------------------------- running

  /** Asks a running `run()` to return at the next block boundary (from hooks or devices). */
  requestStop(): void {
    this.#stopRequested = true;
  }

  /**
   * Runs until `budget` instructions have retired or an exit. Each exception taken also uses one
   * unit of budget, so a PE stuck in a recursive fault still returns.
   */
  run(budget: number): Exit {
    const stopAt = this.retired + budget;
    let faults = 0;
    // Exceptions taken since an instruction last retired.
    let faultStreak = 0, streakAt = this.retired;
    this.#stopRequested = false;
    const single = this.traceHook !== null || this.breakpoints.size > 0 || this.hwDebug.active;
    for (;;) {
      if (this.retired + faults >= stopAt || this.#stopRequested) return this.#exitWith("budget");
      // A fault recurring at its own handler retires nothing: hand control back to the caller.
      if (faultStreak > MAX_FAULTS_PER_RUN) return this.#exitWith("budget");
      if (this.irqLine || this.fiqLine || this.serrorLine) this.#checkInterrupts();
      this.ic = 0;
      this.blkLo = this.pcLo;
      this.blkHi = this.pcHi;
      try {
        if (single) {
          if (
            this.breakpoints.size > 0 && this.breakpoints.has(this.pc) &&
            this.retired !== this.#bpResume
          ) {
            this.#bpResume = this.retired;
            return this.#exitWith("breakpoint");
          }
          this.traceHook?.(this);
          if (this.hwDebug.active) this.hwDebug.beforeInsn(this);
        }
        // PSTATE.IL (set by an illegal exception return): the next instruction traps, EC 0x0e.
        if (this.il) this.raiseSync(ExcClass.ILLEGAL_STATE, 0, 0, 0, false);
        const blk = this.#lookup(single || stopAt - this.retired < 64);
        blk.fn(this);
        this.retired += blk.n;
      } catch (e) {
        if (e === TAKEN) {
          this.retired += this.ic + this.#retireOnTaken;
          if (this.#retireOnTaken === 0) {
            faults++;
            if (this.retired !== streakAt) {
              streakAt = this.retired;
              faultStreak = 0;
            }
            faultStreak++;
          }
          continue;
        }
        if (e === EXIT) {
          this.retired += this.ic + this.#retireOnTaken;
          return this.exit;
        }
        throw e;
      }
    }
  }

  #bpResume = -1;
  #wpResume = -1;

  /** Adds a watchpoint on `len` bytes at virtual address `va`; accesses there go the slow way. */
  addWatchpoint(va: bigint, len: number, kind: "read" | "write" | "access" = "write"): Watchpoint {
    const w = { start: va, end: va + BigInt(len), read: kind !== "write", write: kind !== "read" };
    this.watchpoints.push(w);
    this.flushTlb();
    return w;
  }

  /** Removes a watchpoint added by addWatchpoint. */
  removeWatchpoint(w: Watchpoint): void {
    const i = this.watchpoints.indexOf(w);
    if (i >= 0) this.watchpoints.splice(i, 1);
  }

  /** Exits with "watchpoint" (PC at the instruction, access not done) when one is hit. */
  #checkWatch(lo: number, hi: number, size: number, write: boolean): void {
    if (this.retired + this.ic === this.#wpResume) return;
    const va = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    for (const w of this.watchpoints) {
      if ((write ? w.write : w.read) && va < w.end && va + BigInt(size) > w.start) {
        this.#wpResume = this.retired + this.ic;
        this.exitTrap("watchpoint", 0, false, va);
      }
    }
  }

  /** True when a watchpoint lies on the virtual page of (lo, hi): its accesses must stay slow. */
  #pageWatched(lo: number, hi: number): boolean {
    const page = (BigInt(hi >>> 0) << 32n) | BigInt((lo & ~0xfff) >>> 0);
    return this.watchpoints.some((w) => w.start < page + 4096n && w.end > page);
  }

  /** Executes exactly one instruction (or takes one pending interrupt). */
  step(): Exit {
    const saved = this.traceHook;
    this.traceHook = saved ?? (() => {});
    try {
      return this.run(1);
    } finally {
      this.traceHook = saved;
    }
  }

  #exitWith(kind: ExitKind): Exit {
    const x = this.exit;
    x.kind = kind;
    x.esr = 0;
    x.far = 0n;
    x.ipa = 0n;
    x.imm = 0;
    return x;
  }

  #lookup(single: boolean): Block {
    const lo = this.pcLo, hi = this.pcHi;
    const mode = this.#blockMode | (single ? 4 : 0);
    // Jump cache: the last block seen at this PC, valid while TLBs are not flushed.
    const ji = (lo >>> 2) & JUMP_CACHE_MASK;
    const j = this.#jumpCache[ji];
    if (j !== undefined && j.pcLo === lo && j.pcHi === hi && j.mode === mode && j.live) return j;
    return this.#lookupMiss(lo, hi, mode, ji, single);
  }

  // Kept apart from #lookup: its fetch closure captures locals, and V8 allocates the captured
  // context on entry to the function, which on the hit path cost a heap allocation per block.
  #lookupMiss(lo: number, hi: number, mode: number, ji: number, single: boolean): Block {
    if ((lo & 3) !== 0) this.pcAlignmentFault();
    const vpn = vpnOf(lo, hi);
    const t = this.#exT;
    const i = tlbIndex(lo);
    let pfn: number;
    let page: DataView;
    if (t.tag[i] === vpn) {
      pfn = t.pfn[i];
      page = t.page[i]!;
    } else {
      pfn = this.#translateFetch(lo, hi);
      const p = this.env.mem.readPage(pfn);
      if (!p) return this.#fetchFromNonRam(lo, hi, pfn);
      page = p;
      t.fill(vpn, pfn, page);
      if (this.env.mem.isShared(pfn)) this.#tlbSets.noteShared(pfn, t);
    }
    const key = ((lo & 0xfff) >>> 2) | (mode << 10);
    const cp = this.code.page(pfn);
    const b = cp.get(key);
    if (b !== undefined && b.vpn === vpn) {
      this.#jumpCache[ji] = b;
      return b;
    }
    const off0 = lo & 0xfff;
    const nb = translateBlock(
      this.decoder,
      lo,
      hi,
      vpn,
      (k) => (off0 + 4 * k < PAGE_SIZE ? page.getUint32(off0 + 4 * k, true) : undefined),
      { fpEnabled: (mode & 2) !== 0, single, key: mode },
    );
    cp.set(key, nb);
    this.#jumpCache[ji] = nb;
    this.stats.blocksCompiled++;
    return nb;
  }

  #translateFetch(lo: number, hi: number): number {
    this.stats.tlbMisses++;
    return Math.floor(this.mmu.translate(lo, hi, 2, this.el === 0) / PAGE_SIZE);
  }

  #fetchFromNonRam(lo: number, hi: number, pfn: number): never {
    // Instruction fetch from a device or from nothing: synchronous external abort on fetch.
    void pfn;
    this.raiseSync(this.el === 0 ? ExcClass.IABT_LOWER : ExcClass.IABT_SAME, 0x10, lo, hi, true);
  }

  // ---------------------------------------------------------------- memory (called by generated code)

  /** Unsigned byte load. */
  ld8(lo: number, hi: number): number {
    const t = this.#rdT, i = tlbIndex(lo);
    if (t.tag[i] === vpnOf(lo, hi)) return t.page[i]!.getUint8(lo & 0xfff);
    return this.loadSlow(lo, hi, 1, false);
  }

  /** Unsigned halfword load. */
  ld16(lo: number, hi: number): number {
    const t = this.#rdT, i = tlbIndex(lo), off = lo & 0xfff;
    if (t.tag[i] === vpnOf(lo, hi) && off <= 4094) return t.page[i]!.getUint16(off, true);
    return this.loadSlow(lo, hi, 2, false);
  }

  /** Word load (int32). */
  ld32(lo: number, hi: number): number {
    const t = this.#rdT, i = tlbIndex(lo), off = lo & 0xfff;
    if (t.tag[i] === vpnOf(lo, hi) && off <= 4092) return t.page[i]!.getInt32(off, true);
    return this.loadSlow(lo, hi, 4, false);
  }

  /** Doubleword load: returns the low half; the high half is left in `c.hi`. */
  ld64(lo: number, hi: number): number {
    const t = this.#rdT, i = tlbIndex(lo), off = lo & 0xfff;
    if (t.tag[i] === vpnOf(lo, hi) && off <= 4088) {
      const p = t.page[i]!;
      this.hi = p.getInt32(off + 4, true);
      return p.getInt32(off, true);
    }
    return this.loadSlow(lo, hi, 8, false);
  }

  /** Byte store. */
  st8(lo: number, hi: number, v: number): void {
    const t = this.#wrT, i = tlbIndex(lo);
    if (t.tag[i] === vpnOf(lo, hi)) t.page[i]!.setUint8(lo & 0xfff, v);
    else this.storeSlow(lo, hi, 1, v, 0, false);
  }

  /** Halfword store. */
  st16(lo: number, hi: number, v: number): void {
    const t = this.#wrT, i = tlbIndex(lo), off = lo & 0xfff;
    if (t.tag[i] === vpnOf(lo, hi) && off <= 4094) t.page[i]!.setUint16(off, v, true);
    else this.storeSlow(lo, hi, 2, v, 0, false);
  }

  /** Word store. */
  st32(lo: number, hi: number, v: number): void {
    const t = this.#wrT, i = tlbIndex(lo), off = lo & 0xfff;
    if (t.tag[i] === vpnOf(lo, hi) && off <= 4092) t.page[i]!.setInt32(off, v, true);
    else this.storeSlow(lo, hi, 4, v, 0, false);
  }

  /** Doubleword store of (vl, vh). */
  st64(lo: number, hi: number, vl: number, vh: number): void {
    const t = this.#wrT, i = tlbIndex(lo), off = lo & 0xfff;
    if (t.tag[i] === vpnOf(lo, hi) && off <= 4088) {
      const p = t.page[i]!;
      p.setInt32(off, vl, true);
      p.setInt32(off + 4, vh, true);
    } else this.storeSlow(lo, hi, 8, vl, vh, false);
  }

  /**
   * Load of `size` bytes with every check (page crossing, MMIO, faults). `unpriv` makes an EL1
   * access use EL0 permissions (LDTR). Returns the low 32 bits (int32 for size 4 and 8,
   * unsigned for 1 and 2); for size 8 the high half goes to `c.hi`.
   */
  loadSlow(lo: number, hi: number, size: 1 | 2 | 4 | 8, unpriv: boolean): number {
    const off = lo & 0xfff;
    const asEl0 = unpriv || this.el === 0;
    if (off + size > PAGE_SIZE) {
      // Crossing pages: translate both first so a fault leaves nothing half done.
      let vL = 0, vH = 0;
      for (let b = 0; b < size; b++) {
        const [bl, bh] = addLo(lo, hi, b);
        const byte = this.loadSlow(bl, bh, 1, unpriv) & 0xff;
        if (b < 4) vL |= byte << (8 * b);
        else vH |= byte << (8 * (b - 4));
      }
      this.hi = vH;
      return size === 1 || size === 2 ? vL >>> 0 : vL | 0;
    }
    this.stats.tlbMisses++;
    if (this.hwDebug.watching) this.hwDebug.checkWatch(this, lo, hi, size, false);
    const watched = this.hwDebug.watching ||
      (this.watchpoints.length > 0 && this.#pageWatched(lo, hi));
    if (watched) this.#checkWatch(lo, hi, size, false);
    const pa = this.mmu.translate(lo, hi, 0, asEl0);
    const pfn = Math.floor(pa / PAGE_SIZE);
    const page = this.env.mem.readPage(pfn);
    if (page) {
      if (!unpriv && !watched) {
        this.#rdT.fill(vpnOf(lo, hi), pfn, page);
        if (this.env.mem.isShared(pfn)) this.#tlbSets.noteShared(pfn, this.#rdT);
      }
      const o = pa & 0xfff;
      switch (size) {
        case 1:
          return page.getUint8(o);
        case 2:
          return page.getUint16(o, true);
        case 4:
          return page.getInt32(o, true);
        default:
          this.hi = page.getInt32(o + 4, true);
          return page.getInt32(o, true);
      }
    }
    const a = this.env.io(pa, size, false, 0, 0);
    if (a.outcome !== "done") this.#externalAbort(lo, hi, false);
    this.hi = a.valueHi | 0;
    return size === 1 || size === 2 ? a.value >>> 0 : a.value | 0;
  }

  /** Store with every check; see loadSlow. */
  storeSlow(
    lo: number,
    hi: number,
    size: 1 | 2 | 4 | 8,
    vl: number,
    vh: number,
    unpriv: boolean,
  ): void {
    const off = lo & 0xfff;
    const asEl0 = unpriv || this.el === 0;
    if (off + size > PAGE_SIZE) {
      const [l2, h2] = addLo(lo, hi, size - 1);
      this.mmu.translate(lo, hi, 1, asEl0);
      this.mmu.translate(l2, h2, 1, asEl0);
      for (let b = 0; b < size; b++) {
        const [bl, bh] = addLo(lo, hi, b);
        const byte = b < 4 ? (vl >>> (8 * b)) & 0xff : (vh >>> (8 * (b - 4))) & 0xff;
        this.storeSlow(bl, bh, 1, byte, 0, unpriv);
      }
      return;
    }
    this.stats.tlbMisses++;
    if (this.hwDebug.watching) this.hwDebug.checkWatch(this, lo, hi, size, true);
    const watched = this.hwDebug.watching ||
      (this.watchpoints.length > 0 && this.#pageWatched(lo, hi));
    if (watched) this.#checkWatch(lo, hi, size, true);
    const pa = this.mmu.translate(lo, hi, 1, asEl0);
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pa >= this.exAddr && pa < this.exAddr + this.exSize) this.exAddr = -1;
    const page = this.env.mem.writePage(pfn);
    if (page) {
      if (this.code.hasCode(pfn)) this.code.invalidatePage(pfn);
      else if (!unpriv && !watched) this.#wrT.fill(vpnOf(lo, hi), pfn, page);
      const o = pa & 0xfff;
      switch (size) {
        case 1:
          page.setUint8(o, vl);
          return;
        case 2:
          page.setUint16(o, vl, true);
          return;
        case 4:
          page.setInt32(o, vl, true);
          return;
        default:
          page.setInt32(o, vl, true);
          page.setInt32(o + 4, vh, true);
          return;
      }
    }
    const a = this.env.io(pa, size, true, vl >>> 0, vh >>> 0);
    if (a.outcome !== "done") this.#externalAbort(lo, hi, true);
  }

  #externalAbort(lo: number, hi: number, write: boolean): never {
    const ec = this.el === 0 ? ExcClass.DABT_LOWER : ExcClass.DABT_SAME;
    this.raiseSync(ec, 0x10 | (write ? 1 << 6 : 0), lo, hi, true);
  }

  // ---------------------------------------------------------------- exceptions

  /**
   * Takes a synchronous exception to EL1 for the executing instruction (PC = block start + 4*ic)
   * with syndrome (ec, iss); sets FAR_EL1 when `setFar`. Never returns.
   */
  raiseSync(ec: number, iss: number, farLo: number, farHi: number, setFar: boolean): never {
    const [pl, ph] = addLo(this.blkLo, this.blkHi, 4 * this.ic);
    this.enterException(0, ec, iss, farLo, farHi, setFar, pl, ph);
    this.#retireOnTaken = 0;
    throw TAKEN;
  }

  /** Takes an exception that completes the instruction (SVC, HVC to EL1...): returns to `next`. */
  raiseAfter(ec: number, iss: number): never {
    const [nl, nh] = addLo(this.blkLo, this.blkHi, 4 * this.ic + 4);
    this.enterException(0, ec, iss, 0, 0, false, nl, nh);
    this.#retireOnTaken = 1;
    throw TAKEN;
  }

  /**
   * Exception entry to EL1: `kind` 0 sync, 1 IRQ, 2 FIQ, 3 SError. Saves PSTATE in SPSR_EL1 and
   * the return address in ELR_EL1, masks DAIF, selects SP_EL1 and jumps to VBAR_EL1 + offset.
   */
  enterException(
    kind: number,
    ec: number,
    iss: number,
    farLo: number,
    farHi: number,
    setFar: boolean,
    retLo: number,
    retHi: number,
  ): void {
    this.stats.exceptions++;
    const s = this.sysregs;
    s.setPair("SPSR_EL1", this.spsr(), 0);
    s.setPair("ELR_EL1", retLo, retHi);
    if (kind === 0) {
      s.setPair("ESR_EL1", ((ec << 26) | (1 << 25) | (iss & 0x1ffffff)) | 0, 0);
      if (setFar) s.setPair("FAR_EL1", farLo, farHi);
    }
    const vecOff = (this.el === 0 ? 0x400 : this.spsel ? 0x200 : 0) + kind * 0x80;
    this.daif = 0xf;
    this.ss = 0;
    this.il = 0;
    this.exAddr = -1;
    this.setMode(1, 1);
    const [vl, vh] = s.getPair("VBAR_EL1");
    const [tl, th] = addLo(vl & ~0x7ff, vh, vecOff);
    this.pcLo = tl;
    this.pcHi = th;
  }

  /** PSTATE as an SPSR value (AArch64 format). */
  spsr(): number {
    return (this.nzcv | (this.ss << 21) | (this.il << 20) | (this.daif << 6) | (this.el << 2) |
      (this.el === 1 ? this.spsel : 0)) | 0;
  }

  /** ERET from EL1: restores PSTATE from SPSR_EL1 and PC from ELR_EL1 (called by generated code). */
  eret(): void {
    const s = this.sysregs;
    const spsr = s.getPair("SPSR_EL1")[0];
    const [el, el2] = s.getPair("ELR_EL1");
    const m = spsr & 0x1f;
    let il = (spsr >>> 20) & 1;
    let newEl = 1, newSp = 1;
    if (m === 0) newEl = 0, newSp = 0;
    else if (m === 4) newSp = 0;
    else if (m !== 5) {
      // Illegal return (AArch32 or a higher EL): PSTATE.IL set, EL unchanged.
      il = 1;
      newEl = this.el;
      newSp = this.spsel;
    }
    this.nzcv = spsr;
    this.daif = (spsr >>> 6) & 0xf;
    this.ss = (spsr >>> 21) & 1;
    this.il = il;
    this.exAddr = -1;
    this.setMode(newEl, newSp);
    // An ERET to AArch64 with ELR misaligned is taken as a PC alignment fault at fetch.
    this.pcLo = el;
    this.pcHi = el2;
  }

  /** PC alignment fault at fetch (EC 0x22). */
  pcAlignmentFault(): never {
    this.raiseSync(ExcClass.PC_ALIGN, 0, this.pcLo, this.pcHi, true);
  }

  /** Data abort with DFSC 0x21 (alignment fault) at VA (lo, hi): exclusives, LDAR/STLR. */
  alignmentFault(lo: number, hi: number, write: boolean): never {
    const ec = this.el === 0 ? ExcClass.DABT_LOWER : ExcClass.DABT_SAME;
    this.raiseSync(ec, 0x21 | (write ? 1 << 6 : 0), lo, hi, true);
  }

  /** Physical address of a data access at VA (lo, hi) (the exclusive monitor works on these). */
  physAddr(lo: number, hi: number, write: boolean): number {
    const t = write ? this.#wrT : this.#rdT, i = tlbIndex(lo);
    if (t.tag[i] === vpnOf(lo, hi)) return t.pfn[i] * PAGE_SIZE + (lo & 0xfff);
    return this.mmu.translate(lo, hi, write ? 1 : 0, this.el === 0);
  }

  #checkInterrupts(): void {
    // Priority: SError, FIQ, IRQ (as QEMU's arm_cpu_exec_interrupt).
    let kind = -1;
    if (this.serrorLine && !(this.daif & 4)) kind = 3;
    else if (this.fiqLine && !(this.daif & 1)) kind = 2;
    else if (this.irqLine && !(this.daif & 2)) kind = 1;
    if (kind < 0) return;
    if (kind === 3) this.serrorLine = false;
    this.enterException(kind, 0, 0, 0, 0, false, this.pcLo, this.pcHi);
  }

  /** Executing an unallocated or unimplemented encoding: counted, then UNDEFINED (EC 0). */
  undefinedInsn(word: number): never {
    const key = word.toString(16).padStart(8, "0");
    const [pl, ph] = addLo(this.blkLo, this.blkHi, 4 * this.ic);
    const pc = (BigInt(ph >>> 0) << 32n) | BigInt(pl >>> 0);
    const prev = this.stats.undefined.get(key);
    if (prev) prev.count++;
    else this.stats.undefined.set(key, { count: 1, pc, cls: classifyUnallocated(word) });
    this.raiseSync(ExcClass.UNKNOWN, 0, 0, 0, false);
  }

  /** FP/SIMD access while disabled: to EL2 when CPTR_EL2.TFP, else EC 0x07 to EL1. */
  fpTrap(): never {
    const iss = (1 << 24) | (0xe << 20);
    if (this.el2?.tfp) this.exitTrap("sysreg", (ExcClass.FP << 26) | (1 << 25) | iss);
    this.raiseSync(ExcClass.FP, iss, 0, 0, false);
  }

  /**
   * Leaves the run loop with an exit; `after` = the instruction completed (HVC), else PC stays at
   * the instruction (trapped SMC/WFI/sysreg, stage-2 abort).
   */
  exitTrap(kind: ExitKind, esr: number, after = false, far = 0n, ipa = 0n, imm = 0): never {
    const [pl, ph] = addLo(this.blkLo, this.blkHi, 4 * this.ic + (after ? 4 : 0));
    this.pcLo = pl;
    this.pcHi = ph;
    const x = this.exit;
    x.kind = kind;
    x.esr = esr >>> 0;
    x.far = far;
    x.ipa = ipa;
    x.imm = imm;
    this.#retireOnTaken = after ? 1 : 0;
    throw EXIT;
  }

  /** True when the hypervisor traps the HCR_EL2 bit `bit`. */
  hcrTraps(bit: bigint): boolean {
    return this.el2 !== null && (this.el2.hcr & bit) !== 0n;
  }

  /** SVC #imm (generated code). */
  svc(imm: number): never {
    this.raiseAfter(ExcClass.SVC64, imm);
  }

  /** HVC #imm: to the hypervisor from EL1; UNDEFINED at EL0. */
  hvc(imm: number): never {
    if (this.el === 0) this.undefinedInsn(0xd4000002 | (imm << 5));
    this.exitTrap("hvc", (ExcClass.HVC64 << 26) | (1 << 25) | imm, true, 0n, 0n, imm);
  }

  /**
   * SMC #imm: UNDEFINED at EL0. At EL1 under a hypervisor it traps only with HCR_EL2.TSC (there
   * is no EL3, so it is UNDEFINED otherwise); on a bare board it goes to the board, which plays
   * the firmware. PC stays at the SMC.
   */
  smc(imm: number): never {
    const word = 0xd4000003 | (imm << 5);
    if (this.el === 0 || (this.el2 !== null && !this.hcrTraps(HCR.TSC))) this.undefinedInsn(word);
    this.exitTrap("smc", (ExcClass.SMC64 << 26) | (1 << 25) | imm, false, 0n, 0n, imm);
  }

  /** SEV: sets this PE's event register and signals the other PEs through the board. */
  sev(): void {
    this.eventRegister = true;
    this.env.sendEvent?.();
  }

  /**
   * WFI (generated code; ends the block). As in the Arm ARM's pseudocode, the EL0 and EL2 traps
   * apply only when the PE would wait: with an interrupt pending WFI completes at once.
   */
  wfi(): void {
    if (this.irqLine || this.fiqLine || this.serrorLine) return;
    // ISS: CV = 1, COND = 0xe, TI = 0 (WFI) / 1 (WFE).
    if (this.el === 0 && !this.sysregs.sctlrBit(16)) {
      this.raiseSync(ExcClass.WFX, 0x1e00000, 0, 0, false);
    }
    if (this.hcrTraps(HCR.TWI)) {
      this.exitTrap("wfi", (ExcClass.WFX << 26) | (1 << 25) | (0xe << 20) | (1 << 24));
    }
    this.exitTrap("wfi", 0, true);
  }

  /**
   * WFE (generated code; ends the block). A set event register is consumed and WFE completes;
   * only a WFE that would wait is subject to the EL0 and EL2 traps (Arm ARM pseudocode).
   */
  wfe(): void {
    if (this.eventRegister) {
      this.eventRegister = false;
      return;
    }
    if (this.el === 0 && !this.sysregs.sctlrBit(18)) {
      this.raiseSync(ExcClass.WFX, 0x1e00001, 0, 0, false);
    }
    if (this.hcrTraps(HCR.TWE)) {
      this.exitTrap("wfe", (ExcClass.WFX << 26) | (1 << 25) | (1 << 24) | (0xe << 20) | 1);
    }
    if (this.irqLine || this.fiqLine || this.serrorLine) return;
    this.exitTrap("wfe", 0, true);
  }

  /** Stage-2 data abort: exit to the hypervisor with the syndrome of the faulting instruction. */
  stage2DataAbort(
    vaLo: number,
    vaHi: number,
    ipa: number,
    write: boolean,
    dfsc: number,
    s1ptw: boolean,
  ): never {
    const [pl, ph] = addLo(this.blkLo, this.blkHi, 4 * this.ic);
    const page = this.#fetchWordAt(pl, ph);
    const iss = dataAbortIss(page, write, dfsc, s1ptw);
    const ec = this.el === 0 ? ExcClass.DABT_LOWER : ExcClass.DABT_LOWER; // lower EL from EL2's view
    this.exitTrap(
      "dabt",
      (ec << 26) | (1 << 25) | iss,
      false,
      (BigInt(vaHi >>> 0) << 32n) | BigInt(vaLo >>> 0),
      BigInt(ipa),
    );
  }

  #fetchWordAt(lo: number, hi: number): number {
    const t = this.#exT, i = tlbIndex(lo);
    if (t.tag[i] === vpnOf(lo, hi)) return t.page[i]!.getUint32(lo & 0xfff, true);
    const pfn = Math.floor(this.mmu.translate(lo, hi, 2, this.el === 0) / PAGE_SIZE);
    return this.env.mem.readPage(pfn)?.getUint32(lo & 0xfff, true) ?? 0;
  }

  /**
   * Guest-physical address of `va` for debuggers and tools, with the current EL's translation:
   * no fault is raised and no architectural state changes; undefined when `va` is unmapped.
   */
  debugTranslate(va: bigint): number | undefined {
    const ipa = this.probeStage1(va, 0, this.el === 0, false);
    if (ipa < 0) return undefined;
    const el2 = this.el2;
    if (el2 === null || (el2.hcr & HCR.VM) === 0n || el2.stage2 === null) return ipa;
    const e = el2.stage2.lookup(Math.floor(ipa / PAGE_SIZE));
    return e === undefined ? undefined : e.pfn * PAGE_SIZE + (ipa % PAGE_SIZE);
  }

  /**
   * Stage-1 translation of `va` (EL1&0 regime) for an access of kind `acc` with EL0's
   * permissions when `el0` (checked only when `checkPerms`), without side effects: the IPA, or -1
   * when it does not translate. A stage-2 fault while walking (which would exit to the
   * hypervisor) is undone and reported as -1.
   */
  probeStage1(va: bigint, acc: number, el0: boolean, checkPerms: boolean): number {
    const v = BigInt.asUintN(64, va);
    const lo = Number(v & 0xffffffffn) | 0, hi = Number(v >> 32n) | 0;
    const pcLo = this.pcLo, pcHi = this.pcHi, exit = { ...this.exit };
    try {
      return this.mmu.stage1(lo, hi, acc, el0, checkPerms);
    } catch (e) {
      if (e !== EXIT) throw e;
      this.pcLo = pcLo;
      this.pcHi = pcHi;
      Object.assign(this.exit, exit);
      return -1;
    }
  }

  /** Reads a word of guest virtual memory for tools; undefined when unmapped or not RAM. */
  peek32(va: bigint): number | undefined {
    const pa = this.debugTranslate(va);
    if (pa === undefined) return undefined;
    return this.env.mem.readPage(Math.floor(pa / PAGE_SIZE))?.getUint32(pa % PAGE_SIZE, true);
  }
}

/** A debugger watchpoint: virtual range [start, end) and the access kinds that stop. */
export interface Watchpoint {
  start: bigint;
  end: bigint;
  read: boolean;
  write: boolean;
}

/** (lo, hi) + small non-negative delta, as int32 halves. */
export function addLo(lo: number, hi: number, delta: number): [number, number] {
  const s = (lo >>> 0) + delta;
  return [s | 0, s >= 4294967296 ? (hi + 1) | 0 : hi];
}

/** Coarse class of an undecodable word by its op0 field (bits 28:25), for the UNDEFINED report. */
export function classifyUnallocated(word: number): string {
  const op0 = (word >>> 25) & 0xf;
  if ((op0 & 0xe) === 0x8) return "dp_imm";
  if ((op0 & 0xe) === 0xa) return "branch_sys";
  if ((op0 & 0x5) === 0x4) return "ldst";
  if ((op0 & 0x7) === 0x5) return "dp_reg";
  if ((op0 & 0x7) === 0x7) return "simd_fp";
  return op0 === 0 ? "reserved" : op0 === 2 ? "sve" : "unallocated";
}
