/**
 * Hypercalls declared as data (ARCHITECTURE.md practice 8): number, name, who may call, and the
 * sub-ops with their handlers. The dispatcher, the per-call counters and the REPL's help all come
 * from these rows. A handler returns the value for x0 or throws XenError; the dispatcher turns
 * the error into -errno, so no guest value escapes as a host exception.
 */
import type { Domain } from "../domain.ts";
import type { GuestVirt } from "../guest_virt.ts";
import type { Vcpu } from "../vcpu.ts";
import type { HypervisorServices } from "../services.ts";

/** What a handler gets: the caller and the hypervisor's services. */
export interface HypercallContext {
  readonly hv: HypervisorServices;
  readonly domain: Domain;
  readonly vcpu: Vcpu;
  /** The caller's guest-virtual memory (argument structures are guest virtual addresses). */
  readonly guest: GuestVirt;
}

/** A handler: arguments x0..x4 (as unsigned 64-bit), result for x0 (negative = -errno). */
export type HypercallHandler = (ctx: HypercallContext, args: readonly bigint[]) => bigint | number;

/** One sub-op of a multiplexed hypercall: the command is in x0, the rest as for the hypercall. */
export interface SubOpDef {
  readonly cmd: number;
  readonly name: string;
  readonly run: HypercallHandler;
  /** Only privileged domains may call it (others get -EPERM). */
  readonly privileged?: boolean;
}

/** One hypercall. */
export interface HypercallDef {
  readonly nr: number;
  readonly name: string;
  /** A one-line description for the REPL's help. */
  readonly doc: string;
  /** Multiplexed on x0 (masked with `cmdMask`, default all 32 bits)... */
  readonly subops?: readonly SubOpDef[];
  readonly cmdMask?: number;
  /** The errno of a sub-op not in `subops` (default ENOSYS; ARM's vcpu_op uses EINVAL). */
  readonly unknownErrno?: number;
  /** ...or one handler. */
  readonly run?: HypercallHandler;
}

/** A table of hypercalls by number. */
export class HypercallTable {
  readonly #byNr = new Map<number, HypercallDef>();
  readonly #subs = new Map<number, Map<number, SubOpDef>>();

  constructor(defs: readonly HypercallDef[]) {
    for (const d of defs) {
      if (this.#byNr.has(d.nr)) throw new Error(`hypercall table: ${d.name} reuses number ${d.nr}`);
      if ((d.subops === undefined) === (d.run === undefined)) {
        throw new Error(`hypercall table: ${d.name} needs exactly one of subops and run`);
      }
      this.#byNr.set(d.nr, d);
      if (d.subops) {
        const m = new Map<number, SubOpDef>();
        for (const s of d.subops) {
          if (m.has(s.cmd)) throw new Error(`hypercall table: ${d.name}/${s.name} reuses ${s.cmd}`);
          m.set(s.cmd, s);
        }
        this.#subs.set(d.nr, m);
      }
    }
  }

  /** The row of hypercall `nr`. */
  get(nr: number): HypercallDef | undefined {
    return this.#byNr.get(nr);
  }

  /** Every row, by number. */
  get rows(): HypercallDef[] {
    return [...this.#byNr.values()].sort((a, b) => a.nr - b.nr);
  }

  /**
   * Resolves hypercall `nr` with x0 = `x0` to its handler and a counter key ("memory_op" or
   * "memory_op/add_to_physmap"); `unknown` names what was not found (the result is -ENOSYS, or
   * the row's `unknownErrno`).
   */
  resolve(nr: number, x0: bigint): {
    key: string;
    run?: HypercallHandler;
    privileged?: boolean;
    unknown?: string;
    errno?: number;
  } {
    const d = this.#byNr.get(nr);
    if (d === undefined) return { key: `#${nr}`, unknown: `hypercall ${nr}` };
    if (d.run) return { key: d.name, run: d.run };
    const cmd = Number(x0 & BigInt(d.cmdMask ?? 0xffff_ffff));
    const s = this.#subs.get(nr)!.get(cmd);
    if (s === undefined) {
      return {
        key: `${d.name}/#${cmd}`,
        unknown: `${d.name} sub-op ${cmd}`,
        errno: d.unknownErrno,
      };
    }
    return { key: `${d.name}/${s.name}`, run: s.run, privileged: s.privileged };
  }
}
