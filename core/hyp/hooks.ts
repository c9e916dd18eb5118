/**
 * Hooks on the hypervisor's trap paths, for scripts and the REPL: `hv.on(kind, handler)`. A
 * handler sees the event as it happens and may observe it, alter it (change an MMIO read's value,
 * a hypercall's result) or refuse it (fail a hypercall with an errno, drop or delay an interrupt,
 * turn an MMIO access into a data abort). Handlers run synchronously, in registration order; the
 * paths check for listeners first, so an unhooked machine pays nothing.
 */
import type { Domain } from "./domain.ts";
import type { Vcpu } from "./vcpu.ts";

/** A hypercall about to run (`result` undefined) or just run (`result` set). */
export interface HypercallHookEvent {
  readonly domain: Domain;
  readonly vcpu: Vcpu;
  readonly nr: number;
  /** "name" or "name/subop", as the vcpu's counters key it. */
  readonly name: string;
  /** x0..x4 as the guest passed them (changing them changes what the handler sees). */
  args: bigint[];
  /** Before: set to a positive Xen errno to fail the call without running it. */
  refuse?: number;
  /** After: the value for x0 (a handler may replace it). */
  result?: bigint;
}

/** A trapped MMIO access, after the device answered. */
export interface MmioHookEvent {
  readonly domain: Domain;
  readonly vcpu: Vcpu;
  /** Guest-physical address. */
  readonly ipa: bigint;
  readonly size: number;
  readonly write: boolean;
  readonly device: string;
  /** The value read (a handler may change what the guest gets) or written. */
  value: bigint;
  /** Set to true to give the guest a data abort instead. */
  abort?: boolean;
}

/** A trapped system register access or instruction (EC 0x18 and friends). */
export interface SysregHookEvent {
  readonly domain: Domain;
  readonly vcpu: Vcpu;
  readonly esr: number;
}

/** A WFI or WFE the vcpu executed (trapped or native). */
export interface WfiHookEvent {
  readonly domain: Domain;
  readonly vcpu: Vcpu;
  readonly kind: "wfi" | "wfe";
  readonly trapped: boolean;
}

/** A virtual interrupt about to be made pending for a vcpu (null vcpu: an SPI). */
export interface IrqHookEvent {
  readonly domain: Domain;
  readonly vcpu: number | null;
  readonly intid: number;
  /**
   * Set to drop the interrupt. A level source (the virtual timer) is looked at again while its
   * vcpu runs, so it comes back to the hook; a vcpu blocked waiting for it stays blocked.
   */
  drop?: boolean;
  /** Set to deliver it this many ns of virtual time later instead. */
  delayNs?: number;
}

/** A fault the hypervisor reflects to the guest (unhandled stage-2 abort, refused trap). */
export interface FaultHookEvent {
  readonly domain: Domain;
  readonly vcpu: Vcpu;
  readonly kind: "dabt" | "iabt" | "undef";
  readonly ipa: bigint;
  readonly esr: number;
}

/** Event type per hook kind. */
export interface HookEvents {
  hypercall: HypercallHookEvent;
  mmio: MmioHookEvent;
  sysreg: SysregHookEvent;
  wfi: WfiHookEvent;
  irq: IrqHookEvent;
  fault: FaultHookEvent;
}

/** The hook kinds. */
export type HookKind = keyof HookEvents;

/** Registered handlers by kind. */
export class Hooks {
  readonly #handlers: { [K in HookKind]: ((e: HookEvents[K]) => void)[] } = {
    hypercall: [],
    mmio: [],
    sysreg: [],
    wfi: [],
    irq: [],
    fault: [],
  };

  /** Adds `handler` for `kind`; returns a function that removes it. */
  on<K extends HookKind>(kind: K, handler: (e: HookEvents[K]) => void): () => void {
    const list = this.#handlers[kind];
    if (list === undefined) throw new Error(`no hook kind "${String(kind)}"`);
    list.push(handler);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** True when `kind` has handlers (the trap paths build no event otherwise). */
  has(kind: HookKind): boolean {
    return this.#handlers[kind].length > 0;
  }

  /** Runs the handlers of `kind` on `e`. */
  emit<K extends HookKind>(kind: K, e: HookEvents[K]): void {
    for (const h of [...this.#handlers[kind]]) h(e);
  }
}
