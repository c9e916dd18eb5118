/**
 * The REPL's hypervisor lab: a Hypervisor with domains, run in the background in short slices so
 * the prompt stays responsive, with virtual time paced to at most wall-clock time (an idle guest
 * costs nothing; a busy one runs as fast as the host allows, up to real time). Foreground run
 * control (`runFor`, `runUntil`, `step`) stops the background run, runs in virtual time and
 * reports progress on long runs. The machine can be swapped for another (a restored snapshot, a
 * fork): `replaceMachine`.
 */
import { buildDomain, type BuiltDomain } from "../core/hyp/builder/domain_builder.ts";
import type { DomainConfig } from "../core/hyp/builder/domain_config.ts";
import {
  type GuestInitrd,
  type GuestKernel,
  probeGuestKernel,
} from "../core/hyp/builder/guest_image.ts";
import type { Domain } from "../core/hyp/domain.ts";
import { type HvStopReason, Hypervisor } from "../core/hyp/hypervisor.ts";
import { forkMachine } from "../core/hyp/machine_snapshot.ts";
import type { Vcpu } from "../core/hyp/vcpu.ts";
import { DOMU_GUEST_IMAGE } from "./domu_guest.ts";
import { parseDuration } from "./duration.ts";

/** Wall-clock length of one background slice, ms (keeps the prompt responsive). */
const SLICE_WALL_MS = 25;
/** Virtual time one background slice may cover at most, ns. */
const SLICE_VIRT_NS = 10_000_000;
/** Virtual time the background run may fall behind the wall clock before the backlog is dropped. */
const MAX_BACKLOG_NS = 100_000_000;

/** The DomainConfig of the built-in domU (vpl011 console, so typed keys reach the guest). */
export function domuLabConfig(name = "lab"): DomainConfig {
  return {
    name,
    type: "pvh",
    memory: 16,
    maxmem: 16,
    vcpus: 1,
    maxvcpus: 1,
    kernel: "domu_lab.Image",
    kernelFormat: "auto",
    cmdline: "console=ttyAMA0",
    vuart: "sbsa_uart",
    gicVersion: "v2",
    onPoweroff: "preserve",
    onReboot: "preserve",
    onCrash: "preserve",
    onWatchdog: "preserve",
  };
}

/** How a foreground run ended. */
export interface LabRunResult {
  reason: HvStopReason;
  /** Virtual ns the run covered. */
  ns: number;
  /** Wall-clock ms it took. */
  wallMs: number;
}

/** A domain's host-side parts and configuration, as the lab shows them. */
export type LabDomain = Omit<BuiltDomain, "layout"> & { config: DomainConfig };

/** A hypervisor plus background and foreground run control. */
export class HvLab {
  #hv: Hypervisor;
  /** Called after `replaceMachine` with the new machine and the old one. */
  readonly onMachineChange: ((hv: Hypervisor, old: Hypervisor) => void)[] = [];
  /** Called when a background run stops at a breakpoint, watchpoint or step. */
  onDebugStop: ((v: Vcpu | null) => void) | undefined;
  /** Called when a background run stops because the hypervisor panicked (it stays stopped). */
  onPanic: (() => void) | undefined;
  /** Where progress of long foreground runs goes (default: stderr, one rewritten line). */
  progress: (line: string | null) => void = writeProgress;
  /** Foreground runs report progress once they took this much wall time, ms. */
  progressAfterMs = 1000;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wallStart = 0;
  #virtStart = 0;
  /** Why the last background slice stopped, when it was not a plain limit. */
  lastStop: HvStopReason | undefined;

  constructor(hv: Hypervisor) {
    this.#hv = hv;
  }

  /** The machine (replaceMachine swaps it). */
  get hv(): Hypervisor {
    return this.#hv;
  }

  /** Every domain with its host-side parts (from the machine, so a restored one has them too). */
  get built(): Map<number, LabDomain> {
    const out = new Map<number, LabDomain>();
    for (const [id, d] of this.#hv.domains) {
      const rt = this.#hv.runtimes.get(id);
      if (rt === undefined) continue;
      out.set(id, {
        domain: d,
        runtime: rt,
        console: rt.backends.console,
        vpl011: rt.backends.vpl011,
        config: d.config,
      });
    }
    return out;
  }

  /**
   * Makes `hv` the lab's machine (a restored snapshot, a fork) and returns the old one. A
   * background run stops at its slice boundary and continues on `hv`, paced from its own virtual
   * time; `onMachineChange` listeners move what they hold over.
   */
  replaceMachine(hv: Hypervisor): Hypervisor {
    const wasRunning = this.running;
    this.pause();
    const old = this.#hv;
    this.#hv = hv;
    this.lastStop = undefined;
    for (const f of this.onMachineChange) f(hv, old);
    if (wasRunning) this.resume();
    return old;
  }

  /** A new, stopped lab on an independent copy of this machine (a what-if experiment). */
  fork(): HvLab {
    const f = new HvLab(forkMachine(this.#hv));
    f.progress = this.progress;
    f.progressAfterMs = this.progressAfterMs;
    return f;
  }

  /** The default lab: 2 pCPUs and the built-in domU "lab" (domain 1). Builds in milliseconds. */
  static defaultLab(): HvLab {
    const lab = new HvLab(new Hypervisor({ pcpus: 2 }));
    lab.build(domuLabConfig(), {
      kernel: probeGuestKernel("domu_lab.Image", DOMU_GUEST_IMAGE, "auto"),
    });
    return lab;
  }

  /** Builds and starts a domain from `cfg` and validated `images`. */
  build(
    cfg: DomainConfig,
    images: { kernel: GuestKernel; initrd?: GuestInitrd },
  ): BuiltDomain & { config: DomainConfig } {
    return { ...buildDomain(this.hv, cfg, images), config: cfg };
  }

  /** Domain `id` or named `id` (a Domain passes through); throws naming it when there is none. */
  domain(id: number | string | Domain): Domain {
    if (typeof id === "object") return id;
    const d = typeof id === "number"
      ? this.hv.domains.get(id)
      : [...this.hv.domains.values()].find((x) => x.name === id);
    if (d === undefined) {
      const ids = [...this.hv.domains.values()].map((x) => `${x.id} "${x.name}"`).join(", ");
      throw new Error(
        `no domain ${typeof id === "string" ? `"${id}"` : id} (domains: ${ids || "none"})`,
      );
    }
    return d;
  }

  /** Vcpu `n` of domain `d`; throws naming both when there is none. */
  vcpu(d: number | string | Domain, n = 0): Vcpu {
    const dom = this.domain(d);
    const v = dom.vcpus[n];
    if (v === undefined) {
      throw new Error(`domain ${dom.id} has no vcpu ${n} (it has ${dom.vcpus.length})`);
    }
    return v;
  }

  /** True while the machine runs in the background. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts (or continues) background running. */
  resume(): void {
    if (this.#timer !== undefined) return;
    this.#wallStart = performance.now();
    this.#virtStart = this.hv.nowNs();
    const tick = () => {
      const started = performance.now();
      const wallNs = (started - this.#wallStart) * 1e6;
      let behind = wallNs - (this.hv.nowNs() - this.#virtStart);
      if (behind > MAX_BACKLOG_NS) {
        // Too slow to keep up (or nothing could run): drop the backlog instead of bursting.
        this.#virtStart += behind - MAX_BACKLOG_NS;
        behind = MAX_BACKLOG_NS;
      }
      let wait = 10;
      if (behind > 0) {
        const r = this.hv.run({
          maxCycles: this.hv.nsToCycles(Math.min(behind, SLICE_VIRT_NS)),
          until: () => performance.now() - started > SLICE_WALL_MS,
        });
        if (r.reason === "debug") {
          this.#timer = undefined;
          this.lastStop = r.reason;
          this.onDebugStop?.(this.hv.stoppedVcpu);
          return;
        }
        // A panicked machine never runs again: stop instead of retrying at once forever.
        if (r.reason === "panic") {
          this.#timer = undefined;
          this.lastStop = r.reason;
          this.onPanic?.();
          return;
        }
        // Nothing can run (all shut down, paused or idle forever): look again later.
        if (r.reason === "all-shutdown" || r.reason === "idle-forever") {
          this.lastStop = r.reason;
          wait = 50;
        } else wait = 0;
      }
      this.#timer = setTimeout(tick, wait);
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops background running (at the current slice boundary). */
  pause(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Runs virtual time `d` (ns, or a string such as "10ms") in the foreground (background run
   * stopped meanwhile).
   */
  runFor(d: number | string): LabRunResult {
    return this.#foreground(parseDuration(d), undefined);
  }

  /** Runs until `until()` holds or `limit` of virtual time (ns or "10ms") passed. */
  runUntil(until: () => boolean, limit: number | string): LabRunResult {
    return this.#foreground(parseDuration(limit), until);
  }

  /**
   * Executes `n` instructions of vcpu `v`, the rest of the machine running alongside it in virtual
   * time; stops early after `limitNs` of virtual time (a vcpu that stays blocked). Returns how
   * many instructions ran. The hypervisor has no single-vcpu step: a trace hook on the vcpu's PE
   * counts its instructions and asks the hypervisor to stop after the n-th (a PE with a trace
   * hook runs one instruction per block, so it stops exactly there; an HVC or trap in between is
   * handled by the hypervisor as usual).
   */
  step(v: Vcpu, n: number, limitNs = 1e9): { executed: number; result: LabRunResult } {
    if (!Number.isInteger(n) || n < 1) throw new Error(`step: bad count ${n}`);
    const d = this.hv.domains.get(v.domainId);
    // Such a vcpu cannot run: stepping it would only run everything else until the limit.
    if (v.runstate.state === "offline" || v.paused || d?.state !== "running") {
      const why = v.runstate.state === "offline" ? "offline" : d?.state ?? "gone";
      throw new Error(`vcpu ${v.domainId}.${v.id} is ${v.paused ? "paused" : why}: cannot step it`);
    }
    const cpu = v.cpu;
    const saved = cpu.traceHook;
    let executed = 0;
    cpu.traceHook = (c) => {
      saved?.(c);
      if (++executed >= n) this.hv.requestStop();
    };
    try {
      const result = this.#foreground(limitNs, () => executed >= n);
      return { executed, result };
    } finally {
      cpu.traceHook = saved;
    }
  }

  #foreground(limitNs: number, until: (() => boolean) | undefined): LabRunResult {
    const wasRunning = this.running;
    this.pause();
    const hv = this.hv;
    const t0 = performance.now(), ns0 = hv.nowNs();
    const limit = hv.nsToCycles(limitNs);
    let done = 0, reason: HvStopReason = "limit", shown = false;
    try {
      while (done < limit) {
        const sliceStart = performance.now();
        const before = hv.cycles;
        const r = hv.run({
          maxCycles: limit - done,
          until: () => (until?.() ?? false) || performance.now() - sliceStart > 100,
        });
        done += Math.max(hv.cycles - before, r.cycles);
        reason = r.reason;
        if (r.reason === "until" && !(until?.() ?? false)) {
          reason = "limit";
          const wall = performance.now() - t0;
          if (wall >= this.progressAfterMs) {
            shown = true;
            this.progress(
              `running: ${((hv.nowNs() - ns0) / 1e6).toFixed(1)} of ${
                (limitNs / 1e6).toFixed(1)
              } ms virtual, ${(wall / 1000).toFixed(1)} s wall`,
            );
          }
          continue;
        }
        // A step's requestStop ends the run as "stopped" with its count reached.
        if (r.reason === "stopped" && until?.()) reason = "until";
        break;
      }
    } finally {
      if (shown) this.progress(null);
      if (wasRunning) this.resume();
    }
    return { reason, ns: hv.nowNs() - ns0, wallMs: performance.now() - t0 };
  }
}

/** Default progress output: one stderr line rewritten in place, cleared at the end. */
function writeProgress(line: string | null): void {
  const enc = new TextEncoder();
  Deno.stderr.writeSync(enc.encode(line === null ? "\r\x1b[K" : `\r\x1b[K${line}`));
}
