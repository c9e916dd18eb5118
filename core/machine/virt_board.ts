/**
 * A bare-metal board laid out like QEMU's `-M virt` (one PE at EL1, no EL2/EL3): RAM at 1 GiB,
 * GICv2 (or GICv3 with `gic: "v3"`), a PL011 on SPI 1, the generic timer on PPIs 27/30 and PSCI
 * over HVC. Time is virtual: one cycle per retired instruction at `cpuHz`, the counter derived at
 * `counterHz`, and WFI skips straight to the next event in the board's queue.
 */
import { Cpu } from "../cpu/cpu.ts";
import type { CpuState } from "../cpu/cpu_state.ts";
import { a64Decoder } from "../cpu/decode/table.ts";
import { ExcClass } from "../cpu/exceptions.ts";
import { MmioBus } from "../mem/mmio_bus.ts";
import { type MemoryState, PhysMemory } from "../mem/phys_memory.ts";
import { GicV2, type GicV2State } from "../devices/gic_v2.ts";
import { affinityOfMpidr, GICR_STRIDE, GicV3, type GicV3State } from "../devices/gic_v3.ts";
import { CfiFlash, type CfiFlashState } from "../devices/cfi_flash.ts";
import { Pl011, type Pl011State } from "../devices/pl011.ts";
import { Pl031, type Pl031State } from "../devices/pl031.ts";
import type { DeviceLog } from "../devices/register_rows.ts";
import { EventQueue, type EventQueueState } from "../time/event_queue.ts";
import { type ClockConfig, type ClockState, VirtualClock } from "../time/virtual_clock.ts";
import { parseElf } from "./elf.ts";
import { psciCall } from "./psci.ts";
import { RAW_IMAGE_OFFSET, VIRT_IRQ, VIRT_MAP } from "./virt_memory_map.ts";

/** Board configuration (plain data). */
export interface VirtBoardConfig extends ClockConfig {
  /** RAM size in bytes (default 128 MiB). */
  ramSize?: number;
  /** Interrupt controller: "v2" (default) or "v3" (QEMU's gic-version=3 map, no ITS). */
  gic?: "v2" | "v3";
  /**
   * A PL031 RTC at QEMU's address and SPI 2, reading `baseSeconds` at virtual time 0 (default:
   * none; the device tree does not list it yet).
   */
  rtc?: { baseSeconds: number };
  /**
   * The two 64 MiB CFI flash banks at 0 and 64 MiB, holding `images` (used in place; a missing
   * one is erased). Default: none (the device tree does not list them yet).
   */
  flash?: { images?: readonly [Uint8Array?, Uint8Array?] };
}

/** Why `run()` returned. */
export type BoardStopReason =
  /** PSCI SYSTEM_OFF. */
  | "system-off"
  /** PSCI SYSTEM_RESET (the board does not restart by itself). */
  | "system-reset"
  /** PSCI CPU_OFF of the only PE. */
  | "cpu-off"
  /** `maxInstructions` retired. */
  | "limit"
  /** The `until` predicate accepted the console text. */
  | "until"
  /** WFI with no interrupt able to arrive: the PE would sleep forever. */
  | "idle-forever"
  /** A whole run slice took exceptions without retiring an instruction (e.g. unmapped vectors). */
  | "stuck"
  /** A CPU exit the bare board has no handler for (e.g. a debugger breakpoint). */
  | "exit";

/** Options of one `run()`. */
export interface BoardRunOptions {
  maxInstructions: number;
  /** Stops as soon as this returns true for the console text so far. */
  until?: (console: string) => boolean;
}

/** Result of one `run()`. */
export interface BoardRunResult {
  reason: BoardStopReason;
  /** Instructions retired during this run. */
  instructions: number;
  /** The CPU exit kind when `reason` is "exit". */
  exit?: string;
}

/** A message a device or the board logged. */
export interface BoardLogEntry {
  kind: "guest-error" | "unimplemented";
  source: string;
  msg: string;
}

/** Plain-data state of a whole board (`VirtBoard.save()`), restorable into a board of the same config. */
export interface VirtBoardState {
  /** The board's shape: restore refuses a board built differently. */
  config: { ramSize: number; gic: "v2" | "v3"; cpuHz: number; counterHz: number };
  cpu: CpuState;
  mem: MemoryState;
  /** The state of the board's GIC: GicV2State or GicV3State as `config.gic` says. */
  gic: GicV2State | GicV3State;
  uart: Pl011State;
  /** Present exactly when the board has the RTC / the flash banks. */
  rtc?: Pl031State;
  flash?: CfiFlashState[];
  clock: ClockState;
  events: EventQueueState;
  /** Console text so far, bytes typed but not yet in the UART FIFO, and the board's stop latch. */
  console: string;
  rxQueue: number[];
  stopped: BoardStopReason | null;
  /** Exceptions counted when an instruction last retired (stuck detection). */
  excAtProgress: number;
  log: BoardLogEntry[];
}

const STOP_REASONS: Record<BoardStopReason, true> = {
  "system-off": true,
  "system-reset": true,
  "cpu-off": true,
  limit: true,
  until: true,
  "idle-forever": true,
  stuck: true,
  exit: true,
};

const TIMER_EVENT = "timer";
const RTC_EVENT = "rtc-match";
/** Exceptions taken in a row without an instruction retiring before the board calls it stuck. */
const STUCK_EXCEPTIONS = 10_000;
const CPU0 = "cpu0";

/** The board. */
export class VirtBoard {
  readonly mem: PhysMemory = new PhysMemory();
  readonly bus: MmioBus = new MmioBus();
  readonly cpu: Cpu;
  /** The GICv3 of a `gic: "v3"` board, else null. */
  readonly gicV3: GicV3 | null;
  readonly #gicV2: GicV2 | null;
  readonly uart: Pl011;
  /** The PL031 of a board made with `rtc`, else null. */
  readonly rtc: Pl031 | null;
  /** The two flash banks of a board made with `flash`, else empty. */
  readonly flash: readonly CfiFlash[];
  readonly clock: VirtualClock;
  /** RAM size in bytes (RAM starts at VIRT_MAP.ram.base). */
  readonly ramSize: number;
  readonly events: EventQueue = new EventQueue();
  /** Guest errors and unimplemented features met so far. */
  readonly log: BoardLogEntry[] = [];
  #console = "";
  readonly #rxQueue: number[] = [];
  #until: ((console: string) => boolean) | undefined;
  #untilMet = false;
  #stopped: BoardStopReason | null = null;
  #excAtProgress = 0;
  readonly #gicKind: "v2" | "v3";

  constructor(config: VirtBoardConfig = {}) {
    const ramSize = this.ramSize = config.ramSize ?? 128 << 20;
    this.mem.addRam("ram", VIRT_MAP.ram.base, ramSize);
    const log: DeviceLog = {
      guestError: (source, msg) => this.log.push({ kind: "guest-error", source, msg }),
      unimplemented: (source, msg) => this.log.push({ kind: "unimplemented", source, msg }),
    };
    this.cpu = new Cpu({
      mem: this.mem,
      io: (pa, size, write, lo, hi) => this.bus.access(pa, size, write, lo, hi),
      counter: () => this.clock.counter(),
    }, a64Decoder());
    this.clock = new VirtualClock(() => this.cpu.retired, config);
    this.cpu.timer.frequency = this.clock.counterHz;
    const signal = (_cpu: number, irq: boolean, fiq: boolean) => {
      this.cpu.irqLine = irq;
      this.cpu.fiqLine = fiq;
    };
    const gic = config.gic ?? "v2";
    if (gic !== "v2" && gic !== "v3") throw new Error(`VirtBoard: gic "${gic}" (v2 or v3)`);
    this.#gicKind = gic;
    this.gicV3 = gic === "v3"
      ? new GicV3({ signal, log }, { affinities: [affinityOfMpidr(this.cpu.sysregs.mpidr)] })
      : null;
    this.#gicV2 = gic === "v2" ? new GicV2({ signal, log }) : null;
    if (this.gicV3) this.cpu.gicCpuIf = this.gicV3.cpuInterfaces[0];
    const irqs = this.gicV3 ?? this.#gicV2!;
    this.uart = new Pl011("pl011", {
      tx: (b) => this.#consoleByte(b),
      rxReady: () => this.#pumpInput(),
      irq: (level) => irqs.setLevel(VIRT_IRQ.uart, level),
      log,
    });
    this.cpu.timer.onChange = (id, level) => {
      irqs.setLevel(id === "virt" ? VIRT_IRQ.timerVirt : VIRT_IRQ.timerPhys, level);
      // A timer register was written (or time advanced): the deadline may have moved, so the
      // current slice ends at the next block boundary and the board re-arms the timer event.
      this.cpu.requestStop();
    };
    if (this.gicV3) {
      this.bus.map(VIRT_MAP.gicDist.base, VIRT_MAP.gicDist.size, this.gicV3.distributor);
      const size = GICR_STRIDE * this.gicV3.numCpus;
      this.bus.map(VIRT_MAP.gicRedist.base, size, this.gicV3.redistributors);
    } else {
      this.bus.map(VIRT_MAP.gicDist.base, VIRT_MAP.gicDist.size, this.gic.distributor);
      this.bus.map(VIRT_MAP.gicCpu.base, VIRT_MAP.gicCpu.size, this.gic.cpuInterface);
    }
    this.bus.map(VIRT_MAP.uart.base, VIRT_MAP.uart.size, this.uart);
    this.rtc = config.rtc
      ? new Pl031("pl031", {
        nowNs: () => this.#nowNs(),
        irq: (level) => irqs.setLevel(VIRT_IRQ.rtc, level),
        // A new match time: end the slice so the board re-arms its event (as for the timer).
        deadlineChanged: () => this.cpu.requestStop(),
        log,
      }, config.rtc.baseSeconds)
      : null;
    if (this.rtc) this.bus.map(VIRT_MAP.rtc.base, VIRT_MAP.rtc.size, this.rtc);
    const bank = VIRT_MAP.flash.size / 2;
    this.flash = config.flash
      ? [0, 1].map((i) =>
        new CfiFlash(`flash${i}`, { size: bank }, config.flash?.images?.[i], { log })
      )
      : [];
    this.flash.forEach((f, i) => this.bus.map(VIRT_MAP.flash.base + i * bank, bank, f));
  }

  /** The GICv2 of a `gic: "v2"` board (the default); a GICv3 board has `gicV3` instead. */
  get gic(): GicV2 {
    if (!this.#gicV2) throw new Error("VirtBoard: this board has a GICv3 (board.gicV3), no GICv2");
    return this.#gicV2;
  }

  /**
   * The whole board as plain data (CPU, RAM, GIC, UART, clock, event queue, console): call it
   * between runs. Restoring it into a board made with the same config continues identically.
   */
  save(): VirtBoardState {
    return {
      config: this.#config(),
      cpu: this.cpu.save(),
      mem: this.mem.save(),
      gic: this.gicV3 ? this.gicV3.save() : this.gic.save(),
      uart: this.uart.save(),
      ...(this.rtc ? { rtc: this.rtc.save() } : {}),
      ...(this.flash.length ? { flash: this.flash.map((f) => f.save()) } : {}),
      clock: this.clock.save(),
      events: this.events.save(),
      console: this.#console,
      rxQueue: [...this.#rxQueue],
      stopped: this.#stopped,
      excAtProgress: this.#excAtProgress,
      log: this.log.map((e) => ({ ...e })),
    };
  }

  /**
   * Replaces the board's state with `s` (made by `save()` of a board with the same config). On
   * an error (the message names the bad field) the board is left as it was.
   */
  restore(s: VirtBoardState): void {
    const o = s as unknown as Record<string, unknown> | null;
    if (o === null || typeof o !== "object") {
      throw new Error(`board state: ${String(s)} is not an object`);
    }
    const want = this.#config();
    const c = o.config as Record<string, unknown> | null;
    if (c === null || typeof c !== "object") {
      throw new Error(`board state: config ${String(c)} is not an object`);
    }
    for (const k of ["ramSize", "gic", "cpuHz", "counterHz"] as const) {
      if (c[k] !== want[k]) {
        throw new Error(`board state: config.${k} ${String(c[k])} is not this board's ${want[k]}`);
      }
    }
    if ((o.rtc !== undefined) !== (this.rtc !== null)) {
      throw new Error(`board state: rtc ${o.rtc === undefined ? "missing" : "present"}`);
    }
    const fl = o.flash;
    if (
      fl === undefined
        ? this.flash.length > 0
        : !Array.isArray(fl) || fl.length !== this.flash.length
    ) {
      throw new Error(
        `board state: flash ${fl === undefined ? "missing" : "is not this board's banks"}`,
      );
    }
    if (typeof o.console !== "string") {
      throw new Error(`board state: console ${String(o.console)} is not a string`);
    }
    const rx = o.rxQueue;
    if (!Array.isArray(rx) || rx.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
      throw new Error(`board state: rxQueue ${String(rx)} is not a byte array`);
    }
    if (o.stopped !== null && !Object.hasOwn(STOP_REASONS, String(o.stopped))) {
      throw new Error(`board state: stopped ${String(o.stopped)} is not a stop reason`);
    }
    if (!Number.isSafeInteger(o.excAtProgress) || (o.excAtProgress as number) < 0) {
      throw new Error(`board state: excAtProgress ${String(o.excAtProgress)} is not a count`);
    }
    const log = o.log;
    if (
      !Array.isArray(log) || log.some((e) =>
        e === null || typeof e !== "object" ||
        (e.kind !== "guest-error" && e.kind !== "unimplemented") ||
        typeof e.source !== "string" || typeof e.msg !== "string"
      )
    ) throw new Error(`board state: log is not a list of log entries`);
    // Each component checks its own part; if one refuses, put back what the others took.
    const before = this.save();
    try {
      this.#apply(s);
    } catch (e) {
      this.#apply(before);
      throw e;
    }
  }

  #config(): VirtBoardState["config"] {
    const c = this.clock;
    return { ramSize: this.ramSize, gic: this.#gicKind, cpuHz: c.cpuHz, counterHz: c.counterHz };
  }

  #apply(s: VirtBoardState): void {
    this.mem.restore(s.mem);
    this.uart.restore(s.uart);
    if (this.rtc) this.rtc.restore(s.rtc!);
    this.flash.forEach((f, i) => f.restore(s.flash![i]));
    if (this.gicV3) this.gicV3.restore(s.gic as GicV3State);
    else this.gic.restore(s.gic as GicV2State);
    this.clock.restore(s.clock);
    this.events.restore(s.events);
    // Last: it drops translated code made from the old memory, and its interrupt lines are the
    // saved ones whatever the GIC signalled meanwhile.
    this.cpu.restore(s.cpu);
    this.#console = s.console;
    this.#rxQueue.length = 0;
    for (const b of s.rxQueue) this.#rxQueue.push(b);
    this.#stopped = s.stopped;
    this.#excAtProgress = s.excAtProgress;
    this.log.length = 0;
    for (const e of s.log) this.log.push({ kind: e.kind, source: e.source, msg: e.msg });
  }

  /** Everything the guest wrote to the UART (bytes as Latin-1 characters). */
  get console(): string {
    return this.#console;
  }

  /**
   * Loads an ELF executable at its physical addresses and enters it at EL1h with the MMU off,
   * as QEMU does for `-kernel file.elf` (no boot stub, X0 = 0).
   */
  loadElf(bytes: Uint8Array): void {
    const elf = parseElf(bytes);
    for (const s of elf.segments) this.mem.write(Number(s.paddr), s.data);
    this.cpu.pc = elf.entry;
  }

  /**
   * Loads a raw image at RAM base + 0x80000 and enters it there, as QEMU's boot stub does for a
   * raw AArch64 `-kernel` (which then passes the DTB address in X0; hvlab has no DTB yet: 0).
   */
  loadRaw(bytes: Uint8Array): void {
    const at = VIRT_MAP.ram.base + RAW_IMAGE_OFFSET;
    this.mem.write(at, bytes);
    this.cpu.pc = BigInt(at);
  }

  /**
   * Queues bytes for the UART's receiver, as typed on the console. They enter the receive FIFO
   * as it has room (like QEMU's chardev flow control), so none is lost to an overrun.
   */
  input(bytes: Uint8Array | number[] | string): void {
    const list = typeof bytes === "string"
      ? Array.from(bytes, (ch) => ch.charCodeAt(0) & 0xff)
      : bytes;
    for (const b of list) this.#rxQueue.push(b & 0xff);
    this.#pumpInput();
  }

  /** Bytes queued for the UART that have not entered its FIFO yet. */
  get pendingInput(): number {
    return this.#rxQueue.length;
  }

  #pumpInput(): void {
    const n = Math.min(this.uart.rxSpace(), this.#rxQueue.length);
    if (n > 0) this.uart.input(this.#rxQueue.splice(0, n));
  }

  /** Runs the PE until a stop condition; see BoardStopReason. */
  run(opts: BoardRunOptions): BoardRunResult {
    const cpu = this.cpu;
    const start = cpu.retired;
    const limit = start + opts.maxInstructions;
    this.#until = opts.until;
    this.#untilMet = opts.until?.(this.#console) ?? false;
    const done = (reason: BoardStopReason, exit?: string): BoardRunResult => {
      this.#until = undefined;
      return { reason, instructions: cpu.retired - start, ...(exit ? { exit } : {}) };
    };
    for (;;) {
      if (this.#stopped) return done(this.#stopped);
      if (this.#untilMet) return done("until");
      this.#fireDueEvents();
      const left = limit - cpu.retired;
      if (left <= 0) return done("limit");
      const next = this.events.peek();
      const budget = next ? Math.max(1, Math.min(left, next.deadline - this.clock.cycles())) : left;
      const before = cpu.retired;
      const x = cpu.run(budget);
      switch (x.kind) {
        case "budget":
          // Exceptions without any instruction retiring, many times over: a fault that recurs at
          // its own handler (the PE would spin there forever; QEMU would too).
          if (cpu.retired !== before) this.#excAtProgress = cpu.stats.exceptions;
          else if (cpu.stats.exceptions - this.#excAtProgress > STUCK_EXCEPTIONS) {
            return done("stuck");
          }
          break;
        case "hvc":
          this.#psci();
          break;
        case "smc":
          // No EL3 on this board: SMC is UNDEFINED at EL1 (as on QEMU virt without secure).
          cpu.enterException(0, ExcClass.UNKNOWN, 0, 0, 0, false, cpu.pcLo, cpu.pcHi);
          break;
        case "wfi":
        case "wfe":
          if (!this.#idleUntilEvent(x.kind === "wfe")) return done("idle-forever");
          break;
        default:
          return done("exit", x.kind);
      }
    }
  }

  #consoleByte(b: number): void {
    this.#console += String.fromCharCode(b);
    if (this.#until && !this.#untilMet && this.#until(this.#console)) {
      this.#untilMet = true;
      this.cpu.requestStop();
    }
  }

  /** Re-arms the timer event from the generic timer's next deadline and fires due events. */
  #fireDueEvents(): void {
    const cpu = this.cpu;
    cpu.timer.update();
    this.events.cancel(TIMER_EVENT, CPU0);
    const d = cpu.timer.nextDeadline();
    if (d !== undefined && d < 1n << 53n && Number(d) > this.clock.counter()) {
      this.events.schedule(this.clock.cycleOfCount(Number(d)), TIMER_EVENT, CPU0);
    }
    if (this.rtc) {
      // The RTC's match deadline may move with any access, so it is re-read here as the timer's.
      this.events.cancel(RTC_EVENT, "pl031");
      const ns = this.rtc.nextEventNs();
      const at = ns === undefined ? NaN : Math.ceil((ns / 1e9) * this.clock.cpuHz);
      // A match a wrap of the counter away (136 years) is past any run; accesses catch it up.
      if (Number.isSafeInteger(at)) this.events.schedule(at, RTC_EVENT, "pl031");
    }
    const now = this.clock.cycles();
    for (let e = this.events.popDue(now); e; e = this.events.popDue(now)) {
      if (e.kind === TIMER_EVENT) cpu.timer.update();
      else if (e.kind === RTC_EVENT) this.rtc?.tick(this.#nowNs());
    }
  }

  /** Virtual nanoseconds since reset, split so the whole seconds stay exact. */
  #nowNs(): number {
    const c = this.clock.cycles(), hz = this.clock.cpuHz;
    const s = Math.floor(c / hz);
    return s * 1e9 + Math.floor(((c - s * hz) * 1e9) / hz);
  }

  /**
   * WFI/WFE with nothing pending: lets virtual time jump to the next event (for WFE also the
   * next generic-timer event-stream edge). False when nothing could ever wake the PE.
   */
  #idleUntilEvent(wfe: boolean): boolean {
    const cpu = this.cpu;
    if (cpu.irqLine || cpu.fiqLine || cpu.serrorLine) return true;
    this.#fireDueEvents();
    let wake = this.events.peek()?.deadline;
    const edge = wfe ? this.#eventStreamEdge() : undefined;
    if (edge !== undefined && (wake === undefined || edge < wake)) wake = edge;
    if (wake === undefined) return false;
    this.clock.idle(wake - this.clock.cycles());
    return true;
  }

  /**
   * The cycle of the next event-stream edge (CNTKCTL_EL1.EVNTEN): bit EVNTI of the virtual
   * count changing 0->1 (EVNTDIR 0) or 1->0 (EVNTDIR 1) sends an event that ends a WFE.
   */
  #eventStreamEdge(): number | undefined {
    const k = Number(this.cpu.sysregs.get("CNTKCTL_EL1") & 0xffn);
    if (!(k & 4)) return undefined;
    const bit = (k >> 4) & 15, period = 2 ** (bit + 1), phase = k & 8 ? 0 : 2 ** bit;
    const offset = this.cpu.el2?.cntvoff ?? 0;
    const now = this.clock.counter() - offset;
    let c = Math.floor((now - phase) / period) * period + phase;
    while (c <= now) c += period;
    return this.clock.cycleOfCount(c + offset);
  }

  #psci(): void {
    const cpu = this.cpu;
    const fn = Number(cpu.getX(0) & 0xffff_ffffn);
    const out = psciCall(fn, cpu.getX(1), cpu.sysregs.mpidr & 0xff_00ff_ffffn);
    switch (out.kind) {
      case "return":
        cpu.setX(0, BigInt.asUintN(64, BigInt(out.value)));
        return;
      case "system-off":
        this.#stopped = "system-off";
        return;
      case "system-reset":
        this.#stopped = "system-reset";
        return;
      case "cpu-off":
        this.#stopped = "cpu-off";
        return;
    }
  }
}
