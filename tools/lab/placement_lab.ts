/**
 * The device-model placement lab (issue 6): the same PL011 (the domU's vpl011, Linux's
 * amba-pl011 driver on ttyAMA0) served from each placement — in the hypervisor, as an EL0 app,
 * by a stub domain, by a device model in a privileged domain through the ioreq ABI — and what
 * each costs and risks, measured, not written down:
 * - latency of each UART register access, from its trap to the vcpu running past it
 *   (hv.mmioProbe), mean and tail;
 * - console throughput: bytes the guest printed per virtual second of its boot;
 * - CPU time charged to whom: the guest's own running time, the hypervisor's work on its behalf,
 *   and the device-model domain's running time;
 * - blast radius: a separate run with a ticking guest, a bystander domain and the device model
 *   made to crash, and what is still alive and making progress afterwards.
 */
import type { BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import type { Placement } from "../../core/hyp/dm/placement.ts";
import type { Domain } from "../../core/hyp/domain.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { DOMU_GUEST_IMAGE } from "../../repl/domu_guest.ts";
import { labConfig } from "./hyp_lab.ts";
import { table } from "../scenario/report.ts";
import { spawnStubdom } from "../../core/hyp/builder/stubdom.ts";
import { ioreq, STATE_IOREQ_NONE } from "../../core/hyp/abi/dm_op.ts";
import { abiField, writeAbiField } from "../../core/hyp/abi/layout.ts";
import { waitingForIoreq } from "../../core/hyp/ioreq/ioreq_wait.ts";

/** The vpl011's window in a domU (GUEST_PL011_BASE, one page). */
export const UART_BASE = 0x2200_0000;
const UART_SIZE = 0x1000;
/** Virtual time of a blast-radius run after the fault (ms). */
const BLAST_MS = 20;

/**
 * How a placement is set up around a domain whose vpl011 placement is already in its config:
 * out-of-hypervisor placements start their device-model domain here and return it.
 */
export interface PlacementSetup {
  placement: Placement;
  label: string;
  /** Starts the device model for `target` (null: it runs inline, nothing to start). */
  start(hv: Hypervisor, target: Domain): Domain | null;
  /** Makes the device model crash (an injected fault in it, or its domain crashed). */
  crash(hv: Hypervisor, target: Domain, dm: Domain | null): void;
  /** Makes the device model hang (an injected fault in it, or its domain paused). */
  hang(hv: Hypervisor, target: Domain, dm: Domain | null): void;
  /**
   * Makes the device model misbehave: a model in the trap path runs wild (an exception out of
   * it, as an access outside its window would be); one in another domain answers a pending
   * request with a state going backwards (a bad ioreq), as a buggy or hostile QEMU might.
   */
  misbehave(hv: Hypervisor, target: Domain, dm: Domain | null): void;
}

/**
 * What a misbehaving device model in domain `dm` does to `target`: once the target's vcpu 0
 * waits on a request, its slot's state is set back to NONE and the model's port to the target is
 * signalled, as if the model had written that and sent the event.
 */
function badIoreqAnswer(hv: Hypervisor, target: Domain, dm: Domain): void {
  const v = target.vcpus[0];
  hv.run({ maxCycles: hv.nsToCycles(5e6), until: () => waitingForIoreq(target, v) });
  if (!waitingForIoreq(target, v)) throw new Error(`domain ${target.id} made no request`);
  const s = target.ioreq.servers.find((x) => x?.emulator === dm.id);
  if (!s) throw new Error(`domain ${dm.id} runs no ioreq server of ${target.id}`);
  writeAbiField(hv.mem.writePage(s.ioreqMfn)!, 0, abiField(ioreq, "state"), STATE_IOREQ_NONE);
  let port = 1;
  for (; port < 4096; port++) {
    const c = dm.evtchn.channel(port);
    if (
      c?.state === "interdomain" && c.remoteDom === target.id && c.remotePort === s.vcpuPorts[0]
    ) {
      break;
    }
  }
  if (port === 4096) throw new Error(`domain ${dm.id} has no port bound to ${target.id}'s`);
  dm.evtchn.send(port);
}

function placedUart(hv: Hypervisor, target: Domain, label: string) {
  const placed = hv.runtimes.get(target.id)?.backends.vpl011Placed;
  if (!placed) throw new Error(`${label}: domain ${target.id} has no placed vpl011`);
  return placed;
}

/** The inline placements: the model is the target's PlacedDevice. */
export function inlineSetup(placement: "hypervisor" | "el0", label: string): PlacementSetup {
  return {
    placement,
    label,
    start: () => null,
    crash: (hv, target) => {
      placedUart(hv, target, label).state.fault = "crash";
    },
    hang: (hv, target) => {
      placedUart(hv, target, label).state.fault = "hang";
    },
    misbehave: (hv, target) => {
      placedUart(hv, target, label).state.fault = "crash";
    },
  };
}

/**
 * The C PL011 model (guests/stubdom, `kernel`) in a stub domain privileged over the target only.
 * Its crash: the stub domain crashes (its ioreq server answers no more).
 */
export function stubdomSetup(kernel: Uint8Array): PlacementSetup {
  return {
    placement: "stubdom",
    label: "stub domain",
    start: (hv, target) => spawnStubdom(hv, { target, kernel }).domain,
    crash: (hv, _target, dm) => hv.shutdown(dm!, "crash"),
    hang: (hv, _target, dm) => hv.pauseDomain(dm!),
    misbehave: (hv, target, dm) => badIoreqAnswer(hv, target, dm!),
  };
}

/**
 * The same C model behind an ioreq server in a privileged domain (dom0's role, or a driver
 * domain's): started as a toolstack starts QEMU for a guest, the guest paused until it serves.
 */
export function dom0Setup(kernel: Uint8Array): PlacementSetup {
  return {
    placement: "ioreq",
    label: "ioreq server in dom0",
    start: (hv, target) =>
      spawnStubdom(hv, { target, kernel, privileged: true, name: "dom0-dm" }).domain,
    crash: (hv, _target, dm) => hv.shutdown(dm!, "crash"),
    hang: (hv, _target, dm) => hv.pauseDomain(dm!),
    misbehave: (hv, target, dm) => badIoreqAnswer(hv, target, dm!),
  };
}

/** What one placement measured booting Linux. */
export interface PlacementBoot {
  setup: PlacementSetup;
  ok: boolean;
  consoleBytes: number;
  virtualNs: number;
  latencyNs: { n: number; mean: number; p99: number; max: number };
  /** Guest running time, hypervisor time on its behalf, device-model domain running time (ns). */
  cpu: { guestNs: number; hypNs: number; dmNs: number };
  tail: string;
}

/** The faults the lab injects. */
export type DmFault = "crash" | "hang" | "misbehave";

/** What a fault of the device model took down. */
export interface BlastResult {
  setup: PlacementSetup;
  fault: DmFault;
  panicked: boolean;
  target: "crashed" | "hung" | "runs";
  bystander: "dead" | "runs";
}

function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/**
 * Boots the Linux domU `build(hv, overrides)` makes (console on ttyAMA0, vpl011 placed per
 * `setup`) to poweroff, measuring the placement.
 */
export async function bootWithPlacement(
  setup: PlacementSetup,
  build: (hv: Hypervisor, over: Partial<DomainConfig>) => Promise<BuiltDomain>,
  opts: { maxVirtualS?: number; marker?: string } = {},
): Promise<PlacementBoot> {
  const hv = new Hypervisor({ pcpus: 2 });
  const target = (await build(hv, { vuartPlacement: setup.placement })).domain;
  const dm = setup.start(hv, target);
  hv.mmioProbe = { domid: target.id, base: UART_BASE, size: UART_SIZE, samplesNs: [] };
  const r = hv.run({ maxCycles: hv.nsToCycles((opts.maxVirtualS ?? 10) * 1e9) });
  const text = hv.console(target.id).text + (dm === null ? "" : hv.console(dm.id).text);
  const xs = hv.mmioProbe.samplesNs;
  const hypCycles = target.vcpus.reduce((t, v) => t + v.hypCycles, 0);
  const ok = r.reason === "all-shutdown" || (dm !== null && !target.alive);
  return {
    setup,
    ok: ok && target.shutdownReason === "poweroff" &&
      (opts.marker === undefined || text.includes(opts.marker)),
    consoleBytes: text.length,
    virtualNs: hv.nowNs(),
    latencyNs: {
      n: xs.length,
      mean: xs.length === 0 ? 0 : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length),
      p99: percentile(xs, 0.99),
      max: xs.length === 0 ? 0 : Math.max(...xs),
    },
    cpu: {
      guestNs: target.vcpus.reduce((t, v) => t + v.runstate.timeNs[0], 0) -
        hv.cyclesToNs(hypCycles),
      hypNs: hv.cyclesToNs(hypCycles),
      dmNs: dm === null ? 0 : dm.vcpus.reduce((t, v) => t + v.runstate.timeNs[0], 0),
    },
    tail: text.slice(-1500),
  };
}

/** The REPL's ticking guest (a line per virtual ms over its vpl011) as domain `name`. */
export function ticker(hv: Hypervisor, name: string, placement: Placement): BuiltDomain {
  const cfg = {
    ...labConfig(name),
    kernel: "domu_lab.Image",
    kernelFormat: "auto" as const,
    vuart: "sbsa_uart" as const,
    vuartPlacement: placement,
  };
  return buildDomain(hv, cfg, { kernel: probeGuestKernel(cfg.kernel, DOMU_GUEST_IMAGE, "auto") });
}

/**
 * A ticking target served per `setup` and a bystander (in-hypervisor UART) run 5 ms; then the
 * device model crashes and the machine runs BLAST_MS more: who is still alive and printing.
 */
export function blastRadius(setup: PlacementSetup, fault: DmFault): BlastResult {
  const hv = new Hypervisor({ pcpus: 2 });
  const target = ticker(hv, "target", setup.placement).domain;
  const bystander = ticker(hv, "bystander", "hypervisor").domain;
  const dm = setup.start(hv, target);
  const ms = hv.nsToCycles(1e6);
  hv.run({ maxCycles: 5 * ms });
  const printed = (d: Domain) =>
    hv.console(d.id).text.length +
    (d === target && dm !== null ? hv.console(dm.id).text.length : 0);
  const before = { target: printed(target), bystander: printed(bystander) };
  setup[fault](hv, target, dm);
  const r = hv.run({ maxCycles: BLAST_MS * ms });
  const panicked = r.reason === "panic";
  return {
    setup,
    fault,
    panicked,
    target: !target.alive
      ? "crashed"
      : !panicked && printed(target) > before.target
      ? "runs"
      : "hung",
    bystander: panicked || !bystander.alive || printed(bystander) <= before.bystander
      ? "dead"
      : "runs",
  };
}

/** "machine", "the serviced guest (crashed)", ... from a blast result. */
export function blastText(b: BlastResult): string {
  if (b.panicked) return "whole machine (hypervisor panic)";
  if (b.bystander === "dead") return "other domains too";
  if (b.target === "crashed") return "serviced guest only (crashed)";
  if (b.target === "hung") return "serviced guest only (its UART waits forever)";
  return "nothing";
}

/** The table of boots and blast radii, one row per placement. */
export function placementTable(
  boots: readonly PlacementBoot[],
  crashes: readonly BlastResult[],
  hangs: readonly BlastResult[],
  misbehaviours: readonly BlastResult[],
) {
  const head = [
    "placement",
    "Linux",
    "accesses",
    "mean ns",
    "p99 ns",
    "max ns",
    "console B/s",
    "guest ms",
    "hyp ms",
    "DM domain ms",
    "a DM crash takes down",
    "a DM hang takes down",
    "a misbehaving DM takes down",
  ];
  const ms = (ns: number) => (ns / 1e6).toFixed(2);
  const rows = boots.map((b, i) => [
    b.setup.label,
    b.ok ? "ok" : "FAILED",
    b.latencyNs.n,
    b.latencyNs.mean,
    b.latencyNs.p99,
    b.latencyNs.max,
    Math.round(b.consoleBytes / (b.virtualNs / 1e9)),
    ms(b.cpu.guestNs),
    ms(b.cpu.hypNs),
    ms(b.cpu.dmNs),
    blastText(crashes[i]),
    blastText(hangs[i]),
    blastText(misbehaviours[i]),
  ]);
  return table(head, rows, " | ");
}
