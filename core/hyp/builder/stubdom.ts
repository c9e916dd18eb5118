/**
 * Stub domains: a device model that runs as its own small domain (Xen's stubdom, libxl's
 * `device_model_stubdomain_override`), privileged over exactly one target domain — it may drive
 * only that domain's ioreq servers and interrupt lines (`dmTarget`, Xen's d->target), and as any
 * domU it can map only what is granted to it and bind only ports offered to it. It is built by the
 * normal domain builder, so it has its own vcpu, scheduling, runstate accounting and PV console,
 * and appears in the hypervisor's domain list.
 *
 * The target's domid is passed on the stub domain's kernel command line, `target=<domid>`
 * (/chosen/bootargs of its device tree), which guests/stubdom/pl011_dm.c reads, with what to
 * serve: `uart=0` without the PL011; `flash=1` with the two CFI flash banks (blank at start);
 * `rtc=1 rtc_base=<s> rtc_cntoff=<ticks>` with the PL031,
 * where rtc_base is what RTCDR reads at virtual time 0 (the target's `vmDevices.rtc.baseSeconds`,
 * as the in-hypervisor PL031 counts) and rtc_cntoff is the stub domain's CNTVOFF (the system
 * counter at its creation, where its virtual counter starts), so CNTVCT + rtc_cntoff is the
 * system counter and the C model counts exactly as the hypervisor's own PL031 would.
 *
 * @module
 */
import type { Domain } from "../domain.ts";
import type { Hypervisor } from "../hypervisor.ts";
import { buildDomain, type BuiltDomain, RTC_EPOCH } from "./domain_builder.ts";
import type { CpuSet, DomainConfig } from "./domain_config.ts";
import { probeGuestKernel } from "./guest_image.ts";

/** A device the C model in guests/stubdom/ can serve. */
export type StubdomDevice = "pl011" | "pl031" | "flash";

/** What `spawnStubdom` needs. */
export interface StubdomOptions {
  /** The one domain the stub domain serves. */
  target: Domain;
  /** The device model's kernel (an AArch64 ELF or arm64 Image, e.g. guests/stubdom's build). */
  kernel: Uint8Array;
  /**
   * The target's devices the model serves (default ["pl011"]): the SBSA UART (the target needs
   * `vuartPlacement` "stubdom"), the PL031 RTC (`vmDevices.rtc.placement` "stubdom") and the CFI
   * flash banks (`vmDevices.flash.placement` "stubdom").
   */
  devices?: readonly StubdomDevice[];
  /** Domain name (default "<target name>-dm"). */
  name?: string;
  /**
   * Run the model in a control domain instead (dom0's privilege over every domain, no
   * `dmTarget`): the "ioreq server in dom0" placement; the target's devices are then placed
   * "ioreq" rather than "stubdom". Default false: a stub domain privileged over its target only.
   */
  privileged?: boolean;
  /** RAM in MiB (default 16). */
  memoryMiB?: number;
  /** Hard affinity of its vcpu, in xl's cpus= form (default: any pCPU). */
  cpus?: CpuSet[];
  /**
   * Virtual cycles to run the machine for while the model sets itself up (default 200 million);
   * the target stays paused until the model serves.
   */
  readyCycles?: number;
}

/** A stub domain's default RAM: the C model needs under 100 KiB; 16 MiB is the lab's norm. */
const DEFAULT_MEMORY_MIB = 16;
const DEFAULT_READY_CYCLES = 200_000_000;

/**
 * The configuration of the stub domain for `opts` (one vcpu, GICv2, no vuart of its own).
 * `cntvoff` is the system counter value at which the stub domain's virtual counter will start
 * (needed with "pl031": the counter when it is built, `hv.clock.counter()` with the machine
 * stopped).
 */
export function stubdomConfig(
  opts: Omit<StubdomOptions, "kernel">,
  cntvoff?: number,
): DomainConfig {
  const memory = opts.memoryMiB ?? DEFAULT_MEMORY_MIB;
  return {
    ...(opts.privileged ? { privileged: true } : {}),
    name: opts.name ?? `${opts.target.name}-dm`,
    type: "pvh",
    memory,
    maxmem: memory,
    vcpus: 1,
    maxvcpus: 1,
    kernel: "stubdom",
    kernelFormat: "auto",
    cmdline: stubdomCmdline(opts, cntvoff),
    gicVersion: "v2",
    onPoweroff: "destroy",
    onReboot: "destroy",
    onCrash: "destroy",
    onWatchdog: "destroy",
    ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
  };
}

/** The stub domain's bootargs: its target and what to serve of it (see the module comment). */
function stubdomCmdline(
  opts: Omit<StubdomOptions, "kernel">,
  cntvoff: number | undefined,
): string {
  const devices = opts.devices ?? ["pl011"];
  for (const dev of devices) {
    if (dev !== "pl011" && dev !== "pl031" && dev !== "flash") {
      throw new Error(`stub domain device "${dev}" is not one of pl011, pl031, flash`);
    }
  }
  if (devices.length === 0) throw new Error("a stub domain needs a device to serve (devices: [])");
  const args = [`target=${opts.target.id}`];
  if (!devices.includes("pl011")) args.push("uart=0");
  if (devices.includes("flash")) args.push("flash=1");
  if (devices.includes("pl031")) {
    const base = opts.target.config?.vmDevices?.rtc?.baseSeconds ?? RTC_EPOCH;
    // Without the offset the RTC would count from the stub domain's creation, silently wrong.
    if (cntvoff === undefined || !Number.isSafeInteger(cntvoff) || cntvoff < 0) {
      throw new Error(`a stub domain serving the PL031 needs its CNTVOFF (got ${cntvoff})`);
    }
    args.push("rtc=1", `rtc_base=${base}`, `rtc_cntoff=${cntvoff}`);
  }
  return args.join(" ");
}

/** True once a server of `stub` is enabled on `target` and the model waits for requests. */
export function stubdomServing(stub: Domain, target: Domain): boolean {
  const enabled = target.ioreq.servers.some((s) => s?.emulator === stub.id && s.enabled);
  return enabled && stub.vcpus[0]?.pollPorts !== null;
}

/**
 * Builds a stub domain serving `opts.target` and brings its device model up, as a toolstack
 * does: the target is paused, the machine runs (virtual time) until the model's ioreq server is
 * enabled and the model waits for requests, then the target is unpaused. Call it with the
 * machine stopped. Throws, naming the stub domain's console output, when the model does not come
 * up within `readyCycles` (the stub domain is left for inspection; the target stays paused).
 *
 * @example
 * ```ts
 * const du = buildDomain(hv, { ...cfg, vuart: "sbsa_uart", vuartPlacement: "stubdom" }, images);
 * const dm = spawnStubdom(hv, { target: du.domain, kernel: Deno.readFileSync(elf) });
 * hv.run({ maxCycles: 1e9 }); // du's UART output appears on hv.console(dm.domain.id)
 * ```
 */
export function spawnStubdom(hv: Hypervisor, opts: StubdomOptions): BuiltDomain {
  const { target } = opts;
  if (!target.alive) throw new Error(`stub domain target ${target.id} is not alive`);
  // The machine is stopped: the counter now is where the new domain's virtual counter starts.
  const cntvoff = hv.clock.counter();
  const cfg = stubdomConfig(opts, cntvoff);
  const built = buildDomain(hv, cfg, {
    kernel: probeGuestKernel(cfg.kernel, opts.kernel, cfg.kernelFormat),
  });
  const stub = built.domain;
  if (stub.vcpus[0].el2.cntvoff !== cntvoff) {
    hv.destroyDomain(stub);
    throw new Error(
      `stub domain ${stub.id}'s CNTVOFF ${stub.vcpus[0].el2.cntvoff} is not the counter ` +
        `${cntvoff} it was told (is the machine running?)`,
    );
  }
  if (!opts.privileged) stub.dmTarget = target.id;
  hv.pauseDomain(target);
  const budget = opts.readyCycles ?? DEFAULT_READY_CYCLES;
  const r = hv.run({ maxCycles: budget, until: () => stubdomServing(stub, target) || !stub.alive });
  if (!stub.alive || !stubdomServing(stub, target)) {
    const said = hv.console(stub.id).text.trim() || "(nothing)";
    throw new Error(
      `stub domain ${stub.id} for domain ${target.id} is not serving after ${r.cycles} cycles ` +
        `(${r.reason}); its console: ${said}`,
    );
  }
  hv.unpauseDomain(target);
  return built;
}

/**
 * The live stub domains serving `target` (a toolstack destroys them with it, as libxl does its
 * device-model stub domains).
 */
export function stubdomsOf(hv: Hypervisor, target: Domain): Domain[] {
  return [...hv.domains.values()].filter((d) => d.dmTarget === target.id && d.alive);
}
