/**
 * Builds a domU the way Xen 4.17's dom0less builder and libxl's ARM code lay one out: RAM banks at
 * GUEST_RAM0/1, the magic pages (console, xenstore, memaccess, vuart) at GUEST_MAGIC_BASE, the
 * shared_info page, a grant table with the toolstack's reserved entries, event channels with the
 * console and xenstore ports bound to back ends inside the hypervisor, xenstore's tree for the
 * domain, the vGIC (v2 or v3) and the vpl011, the device tree, and the kernel, initrd and DTB in
 * guest memory; vcpu 0 starts at the kernel entry with X0 = the DTB address.
 */
import { writeFdt } from "../../fdt/fdt_writer.ts";
import { Pl011 } from "../../devices/pl011.ts";
import {
  type InlinePlacement,
  PlacedDevice,
  type Placement,
  type PlacementHost,
} from "../dm/placement.ts";
import { Pl031 } from "../../devices/pl031.ts";
import { CfiFlash } from "../../devices/cfi_flash.ts";
import type { Vgic } from "../vgic/vgic.ts";
import { PAGE_SIZE } from "../../mem/phys_memory.ts";
import { GTF_permit_access } from "../abi/grant_table.ts";
import {
  GUEST_MAGIC_BASE,
  GUEST_MAGIC_CONSOLE_PFN_OFFSET,
  GUEST_MAGIC_NR_PAGES,
  GUEST_MAGIC_XENSTORE_PFN_OFFSET,
} from "../abi/arm_memory_map.ts";
import {
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_CONSOLE_PFN,
  HVM_PARAM_STORE_EVTCHN,
  HVM_PARAM_STORE_PFN,
  hvmCallbackIrqPpi,
} from "../abi/hvm.ts";
import { PvConsoleBackend } from "../console/pv_console.ts";
import type { Domain } from "../domain.ts";
import { XenDomainRuntime } from "../domain_runtime.ts";
import { EventChannels } from "../evtchn/event_channels.ts";
import { GrantTable } from "../grant/grant_table.ts";
import type { HostEndpoint } from "../evtchn/host_endpoint.ts";
import type { Hypervisor } from "../hypervisor.ts";
import { P2M_RWX, P2M_TYPE } from "../p2m.ts";
import { createVgic } from "../vgic/create_vgic.ts";
import type { CpuSet, DomainConfig } from "./domain_config.ts";
import {
  buildDomuFdt,
  GUEST_EVTCHN_PPI,
  GUEST_FLASH_BANK_SIZE,
  GUEST_FLASH_BASE,
  GUEST_PL011_BASE,
  GUEST_PL011_SIZE,
  GUEST_PL031_BASE,
  GUEST_PL031_SIZE,
  GUEST_PL031_SPI,
  GUEST_VPL011_SPI,
  xenDomuRamBanks,
} from "./domu_fdt.ts";
import type { GuestInitrd, GuestKernel } from "./guest_image.ts";
import { planGuestBoot } from "./guest_placement.ts";

/** The back ends run in the hypervisor on behalf of dom0: they are "domain 0" to the guest. */
const BACKEND_DOMID = 0;
/**
 * SPIs a dom0less domU gets: the host's lines minus 32. On the oracle (QEMU 7.2 virt) that is 256
 * with a GICv2 and 224 with a GICv3, whose model reports one ITLinesNumber short; hvlab's domUs
 * see what the real Xen's did.
 */
const DOMU_NR_SPIS = { v2: 256, v3: 224 } as const;

/** What `buildDomain` returns: the domain and its host-side parts. */
export interface BuiltDomain {
  domain: Domain;
  runtime: XenDomainRuntime;
  console: PvConsoleBackend;
  vpl011: Pl011 | null;
  /** Guest addresses chosen for the boot images. */
  layout: { entry: bigint; dtb: bigint; initrd?: bigint; fdt: Uint8Array };
}

/** Builds and starts domain `cfg` with validated `images`. Throws naming the problem. */
export function buildDomain(
  hv: Hypervisor,
  cfg: DomainConfig,
  images: { kernel: GuestKernel; initrd?: GuestInitrd },
): BuiltDomain {
  const banks = xenDomuRamBanks(BigInt(cfg.memory) << 20n);
  const plan = planGuestBoot(images.kernel, images.initrd, banks);
  const d = hv.createDomain(cfg.name, { privileged: cfg.privileged ?? false });
  try {
    return populate(hv, d, cfg, banks, plan);
  } catch (e) {
    hv.destroyDomain(d);
    throw e;
  }
}

/**
 * The host-side parts of a domain that are wiring, not state: vcpus, vGIC and runtime, trapped
 * MMIO devices, event-channel and grant tables, console back ends. Used by `buildDomain` and by
 * snapshot restore (which then loads the parts' saved state).
 */
export interface DomainParts {
  runtime: XenDomainRuntime;
  console: PvConsoleBackend;
  vpl011: Pl011 | null;
  /** The in-hypervisor ends of the domain's console and xenstore channels, by kind. */
  endpoints: { console: HostEndpoint; xenstore: HostEndpoint };
}

/** Creates `d`'s wiring for `cfg` (the magic pages must already be mapped). */
export function wireDomain(hv: Hypervisor, d: Domain, cfg: DomainConfig): DomainParts {
  d.config = cfg;
  const runtime = new XenDomainRuntime(d, hv);
  for (let i = 0; i < cfg.maxvcpus; i++) {
    hv.createVcpu(d, i, pcpuFor(hv, cfg, i), {
      hard: affinityOf(hv, cfg.cpus, i),
      soft: affinityOf(hv, cfg.cpusSoft, i),
    });
  }
  const vgic = createVgic(cfg.gicVersion, runtime.vgicPorts(), {
    numVcpus: cfg.maxvcpus,
    nrSpis: DOMU_NR_SPIS[cfg.gicVersion],
  });
  runtime.vgic = vgic;
  // GICv3: the vcpus' ICC_* registers reach their virtual CPU interfaces (ICV_*).
  for (const v of d.vcpus) v.cpu.gicCpuIf = vgic.iccInterface(v.id);
  for (const r of vgic.regions()) {
    if (r.name === "gicv2-vcpuif") {
      // The GICV page is mapped, not trapped, as on hardware.
      hv.mapGicv(d, r.base, r.device);
    } else d.mmio.map(r.base, r.size, r.device);
  }
  runtime.linkTimers();
  hv.runtimes.set(d.id, runtime);

  d.evtchn = new EventChannels(runtime, hv.evtchnHub);
  d.grants = new GrantTable({ frames: hv.frames, phys: d.phys });
  const sink = hv.console(d.id);
  const port = (param: number) => Number(d.hvmParams.get(param) ?? 0n);
  const magicGfn = GUEST_MAGIC_BASE / PAGE_SIZE;
  const pv = new PvConsoleBackend(
    d.phys.page(magicGfn + GUEST_MAGIC_CONSOLE_PFN_OFFSET, true),
    sink,
    () => d.evtchn.notifyHost(port(HVM_PARAM_CONSOLE_EVTCHN)),
  );
  const host: PlacementHost = {
    charge: (cycles, what) => hv.charge(cycles, what),
    el0SwitchCycles: () => hv.costs.el0Switch,
    crashDomain: (why) => {
      hv.log(d, "warn", why);
      hv.shutdown(d, "crash");
    },
    panic: (why) => hv.panic(why),
  };
  let vpl011: Pl011 | null = null;
  let placed: PlacedDevice | null = null;
  const inline = cfg.vuartPlacement === undefined || cfg.vuartPlacement === "hypervisor" ||
    cfg.vuartPlacement === "el0";
  if (cfg.vuart === "sbsa_uart" && inline) {
    const uart = new Pl011("vpl011", {
      tx: (b) => sink.write(Uint8Array.of(b)),
      irq: (level) => vgic.setLevel(null, GUEST_VPL011_SPI, level),
      rxReady: () => sink.flushInput(),
    });
    placed = new PlacedDevice(uart, cfg.vuartPlacement === "el0" ? "el0" : "hypervisor", host);
    d.mmio.map(Number(GUEST_PL011_BASE), Number(GUEST_PL011_SIZE), placed);
    // Typed input goes to the UART the guest's console is on; the PV console keeps it otherwise.
    if (/console=ttyAMA/.test(cfg.cmdline ?? "")) {
      sink.inputHandler = (bytes) => {
        const n = Math.min(uart.rxSpace(), bytes.length);
        if (n > 0) uart.input([...bytes.subarray(0, n)]);
        if (n < bytes.length) sink.unread(bytes.subarray(n));
      };
    }
    vpl011 = uart;
  }
  const endpoints = {
    console: { send: () => pv.kick() },
    xenstore: { send: () => hv.xenstore.kick(d.id) },
  };
  const vm = vmDevices(hv, d, cfg, host, vgic);
  runtime.backends = { console: pv, vpl011, vpl011Placed: placed, endpoints, ...vm };
  return { runtime, console: pv, vpl011, endpoints };
}

/**
 * 2026-01-01 00:00:00 UTC: what a domU's RTC reads at virtual time 0 unless its config says
 * otherwise (`vmDevices.rtc.baseSeconds`).
 */
export const RTC_EPOCH = 1_767_225_600;

/** True when a device placed at `p` is emulated by a model the hypervisor maps (not an ioreq). */
function inlinePlacement(p: Placement | undefined): p is InlinePlacement | undefined {
  return p === undefined || p === "hypervisor" || p === "el0";
}

/**
 * The VM-spec devices `cfg.vmDevices` asks for, mapped in `d` where their placement says. A device
 * placed in a stub domain or behind an ioreq server is left unmapped (as the vpl011 is), so its
 * accesses go to the ioreq server that maps its range.
 */
function vmDevices(
  hv: Hypervisor,
  d: Domain,
  cfg: DomainConfig,
  host: PlacementHost,
  vgic: Vgic,
): { vmDevices: Map<string, PlacedDevice>; rtc: Pl031 | null } {
  const out = new Map<string, PlacedDevice>();
  const want = cfg.vmDevices ?? {};
  let rtc: Pl031 | null = null;
  if (want.rtc && inlinePlacement(want.rtc.placement)) {
    const model = new Pl031("pl031", {
      nowNs: () => hv.nowNs(),
      irq: (level) => vgic.setLevel(null, GUEST_PL031_SPI, level),
      deadlineChanged: () => hv.scheduleDeviceTick(d.id, "pl031", model.nextEventNs()),
    }, want.rtc.baseSeconds ?? RTC_EPOCH);
    const placed = new PlacedDevice(model, want.rtc.placement ?? "hypervisor", host);
    d.mmio.map(Number(GUEST_PL031_BASE), Number(GUEST_PL031_SIZE), placed);
    out.set("pl031", placed);
    rtc = model;
  }
  if (want.flash && inlinePlacement(want.flash.placement)) {
    for (let i = 0; i < 2; i++) {
      const bank = new CfiFlash(`flash${i}`, { size: Number(GUEST_FLASH_BANK_SIZE) });
      const placed = new PlacedDevice(bank, want.flash.placement ?? "hypervisor", host);
      d.mmio.map(Number(GUEST_FLASH_BASE + BigInt(i) * GUEST_FLASH_BANK_SIZE), bank.size, placed);
      out.set(`flash${i}`, placed);
    }
  }
  return { vmDevices: out, rtc };
}

function populate(
  hv: Hypervisor,
  d: Domain,
  cfg: DomainConfig,
  banks: ReturnType<typeof xenDomuRamBanks>,
  plan: ReturnType<typeof planGuestBoot>,
): BuiltDomain {
  // RAM.
  for (const b of banks) {
    const pages = Number(b.size) / PAGE_SIZE;
    d.p2m.map(
      Number(b.base) / PAGE_SIZE,
      hv.frames.allocRange(pages),
      pages,
      P2M_RWX,
      P2M_TYPE.ram,
    );
    d.ramPages += pages;
  }
  d.maxPages = Math.max(cfg.maxmem, cfg.memory) * 256;
  // Magic pages: guest RAM the toolstack populates for the PV protocols.
  const magicGfn = GUEST_MAGIC_BASE / PAGE_SIZE;
  d.p2m.map(
    magicGfn,
    hv.frames.allocRange(GUEST_MAGIC_NR_PAGES),
    GUEST_MAGIC_NR_PAGES,
    P2M_RWX,
    P2M_TYPE.ram,
  );
  d.sharedInfoMfn = hv.frames.alloc();
  const parts = wireDomain(hv, d, cfg);

  // The console and xenstore channels, their HVM parameters, xenstore's tree for the domain.
  d.hvmParams.set(HVM_PARAM_CALLBACK_IRQ, hvmCallbackIrqPpi(GUEST_EVTCHN_PPI));
  const consoleGfn = magicGfn + GUEST_MAGIC_CONSOLE_PFN_OFFSET,
    storeGfn = magicGfn + GUEST_MAGIC_XENSTORE_PFN_OFFSET;
  const consolePort = d.evtchn.bindHost(BACKEND_DOMID, 0, parts.endpoints.console, "console");
  const storePort = d.evtchn.bindHost(BACKEND_DOMID, 0, parts.endpoints.xenstore, "xenstore");
  d.hvmParams.set(HVM_PARAM_CONSOLE_PFN, BigInt(consoleGfn));
  d.hvmParams.set(HVM_PARAM_CONSOLE_EVTCHN, BigInt(consolePort));
  d.hvmParams.set(HVM_PARAM_STORE_PFN, BigInt(storeGfn));
  d.hvmParams.set(HVM_PARAM_STORE_EVTCHN, BigInt(storePort));
  // The toolstack grants the back ends the console and xenstore pages (reserved refs 0 and 1).
  d.grants.setEntry(0, GTF_permit_access, BACKEND_DOMID, consoleGfn);
  d.grants.setEntry(1, GTF_permit_access, BACKEND_DOMID, storeGfn);
  hv.xenstore.populateDomain(d.id, {
    name: cfg.name,
    vcpus: cfg.vcpus,
    memoryKiB: cfg.memory * 1024,
    maxMemoryKiB: Math.max(cfg.maxmem, cfg.memory) * 1024,
    store: { port: storePort, ringRef: storeGfn },
    console: { port: consolePort, ringRef: consoleGfn, backendDomid: BACKEND_DOMID },
  });
  hv.xenstore.introduceDomain(
    d.id,
    d.phys.page(storeGfn, true),
    () => d.evtchn.notifyHost(storePort),
  );

  // Device tree and boot images.
  const fdt = writeFdt(buildDomuFdt({
    memory: banks,
    vcpus: { count: cfg.maxvcpus },
    gic: cfg.gicVersion,
    hypervisor: {},
    // Where its model runs is invisible to the guest: the node is there in every placement.
    ...(cfg.vuart === "sbsa_uart" ? { vpl011: {} } : {}),
    ...(cfg.vmDevices?.rtc ? { rtc: true } : {}),
    ...(cfg.vmDevices?.flash ? { flash: true } : {}),
    chosen: {
      ...(cfg.cmdline !== undefined ? { bootargs: cfg.cmdline } : {}),
      ...(plan.initrdGpa !== undefined
        ? { initrd: { start: plan.initrdGpa, end: plan.initrdGpa + BigInt(plan.initrdSize!) } }
        : {}),
    },
  }));
  for (const seg of plan.segments) d.phys.write(Number(seg.gpa), seg.bytes);
  d.phys.write(Number(plan.dtbGpa), fdt);

  // vcpus beyond `vcpus` stay offline until PSCI CPU_ON; vcpu 0 enters the kernel.
  hv.cpuOn(d.vcpus[0], plan.entry, plan.dtbGpa);
  return {
    domain: d,
    runtime: parts.runtime,
    console: parts.console,
    vpl011: parts.vpl011,
    layout: {
      entry: plan.entry,
      dtb: plan.dtbGpa,
      ...(plan.initrdGpa !== undefined ? { initrd: plan.initrdGpa } : {}),
      fdt,
    },
  };
}

/** The pCPU of vcpu `i`: its hard affinity's first CPU, else spread round-robin. */
function pcpuFor(hv: Hypervisor, cfg: DomainConfig, i: number): number {
  const hard = affinityOf(hv, cfg.cpus, i);
  return hard?.[0] ?? i % hv.pcpus.length;
}

/**
 * The pCPUs of vcpu `i` from xl.cfg's cpus=/cpus_soft= lists (one set for every vcpu, or one
 * per vcpu), limited to the pCPUs that exist; null = any.
 */
function affinityOf(hv: Hypervisor, sets: CpuSet[] | undefined, i: number): number[] | null {
  if (sets === undefined || sets.length === 0) return null;
  const set = sets.length === 1 ? sets[0] : sets[i];
  if (set === undefined) return null;
  const n = hv.pcpus.length;
  const all = Array.from({ length: n }, (_, c) => c);
  const cpus = set.all ? all.filter((c) => !set.cpus.includes(c)) : set.cpus.filter((c) => c < n);
  return cpus.length === 0 ? null : cpus;
}
