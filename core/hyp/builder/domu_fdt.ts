/**
 * The device tree Xen 4.17 gives a dom0less domU on ARM (xen/arch/arm/domain_build.c,
 * prepare_dtb_domU), as a pure function of a plain config. Node order, property order and values
 * follow Xen's, so `writeFdt(buildDomuFdt(cfg))` is byte-identical to the blob real Xen 4.17
 * hands the guest for the same configuration (tests/hyp/domu_fdt_test.ts, fixtures from real
 * Xen under tests/fixtures/xen417/). Guest layout constants: xen/include/public/arch-arm.h.
 */
import {
  fdtEmpty,
  FdtError,
  type FdtNode,
  fdtNode,
  fdtString,
  fdtStrings,
  type FdtTree,
  fdtU32,
  fdtU64,
  type FdtValue,
} from "../../fdt/fdt_types.ts";

/** arch-arm.h guest layout (Xen 4.17). */
export const GUEST_GICD_BASE = 0x03001000n;
export const GUEST_GICD_SIZE = 0x1000n;
export const GUEST_GICC_BASE = 0x03002000n;
export const GUEST_GICC_SIZE = 0x2000n;
export const GUEST_GICV3_GICD_SIZE = 0x10000n;
export const GUEST_GICV3_GICR0_BASE = 0x03020000n;
export const GUEST_GICV3_GICR0_SIZE = 0x01000000n;
export const GUEST_PL011_BASE = 0x22000000n;
export const GUEST_PL011_SIZE = 0x1000n;
export const GUEST_VPL011_SPI = 32;
export const GUEST_GNTTAB_BASE = 0x38000000n;
export const GUEST_GNTTAB_SIZE = 0x01000000n;
export const GUEST_RAM0_BASE = 0x40000000n;
export const GUEST_RAM0_SIZE = 0xc0000000n;
export const GUEST_RAM1_BASE = 0x0200000000n;
export const GUEST_RAM1_SIZE = 0xfe00000000n;
export const GUEST_EVTCHN_PPI = 31;
export const GUEST_TIMER_VIRT_PPI = 27;
export const GUEST_TIMER_PHYS_S_PPI = 29;
export const GUEST_TIMER_PHYS_NS_PPI = 30;
/** Xen's fixed phandle for a domU's GIC (GUEST_PHANDLE_GIC). */
export const GUEST_PHANDLE_GIC = 65000;
/** hvlab's phandle of the fixed APB clock AMBA devices (the PL031) need; Xen has none. */
export const GUEST_PHANDLE_APB_CLK = 65001;

/**
 * The VM-spec devices hvlab adds to a domU when asked (Xen's guest map has no RTC or flash): a
 * PL031 RTC right after the vpl011, on an SPI past virtio-mmio's 33..43, and two 64 MiB CFI
 * flash banks in the hole between the GICv3 redistributors and the vPCI ECAM window.
 */
export const GUEST_PL031_BASE = 0x2200_1000n;
export const GUEST_PL031_SIZE = 0x1000n;
export const GUEST_PL031_SPI = 44;
export const GUEST_FLASH_BASE = 0x0800_0000n;
export const GUEST_FLASH_BANK_SIZE = 0x0400_0000n;
/** PSCI 0.1 function ids Xen advertises in the psci node (PSCI_cpu_off, PSCI_cpu_on). */
export const PSCI_0_1_CPU_OFF = 1;
export const PSCI_0_1_CPU_ON = 2;
/** Linux DT interrupt flags (dt-bindings/interrupt-controller/irq.h). */
const IRQ_TYPE_LEVEL_HIGH = 4;
const IRQ_TYPE_LEVEL_LOW = 8;
/** 64 MiB: Xen's smallest extended region (find_domU_holes). */
const EXT_REGION_MIN = 64n << 20n;

/** A guest-physical range. */
export interface GuestRange {
  base: bigint;
  size: bigint;
}

/** What the domU device tree describes. */
export interface DomuFdtConfig {
  /** RAM banks in guest bank order (bank 0 at GUEST_RAM0_BASE, bank 1 at GUEST_RAM1_BASE). */
  memory: GuestRange[];
  /** vCPUs; `mpidrs` default to Xen's vcpuid_to_vaffinity (Aff0 = id & 15, Aff1 = id >> 4). */
  vcpus: { count: number; mpidrs?: number[] };
  /** The cpu nodes' compatible: Xen copies the host's first cpu ("arm,cortex-a57" on QEMU). */
  cpuCompatible?: string;
  /** Clock-frequency for cpu nodes, only when the host DT's cpu node has one. */
  cpuClockFrequency?: number;
  gic: "v2" | "v3";
  /** Timer PPIs (default Xen's 29, 30, 27) and a clock-frequency only if the host timer has one. */
  timer?: { securePpi?: number; nonSecurePpi?: number; virtPpi?: number; clockFrequency?: number };
  /** The /hypervisor node (dom0less: present with xen,enhanced). */
  hypervisor?: {
    /** Version in the compatible "xen,xen-<version>"; default "4.17". */
    version?: string;
    /** reg 0, default GUEST_GNTTAB_BASE/SIZE. */
    grantTable?: GuestRange;
    /** reg 1..n; default computed like Xen's find_domU_holes from `memory` and ipaBits. */
    extendedRegions?: GuestRange[];
    /** Stage-2 IPA size bounding the extended regions (default 40, as Xen 4.17 on QEMU virt). */
    ipaBits?: number;
    /** Event-channel upcall PPI, default 31. */
    evtchnPpi?: number;
  };
  /** The emulated SBSA UART (vpl011); absent = no node. */
  vpl011?: { base?: bigint; spi?: number };
  /** A PL031 RTC at GUEST_PL031_BASE (hvlab's VM-spec device); absent = no node. */
  rtc?: boolean;
  /** Two CFI flash banks at GUEST_FLASH_BASE (hvlab's VM-spec device); absent = no node. */
  flash?: boolean;
  chosen: { bootargs?: string; initrd?: { start: bigint; end: bigint } };
}

/** Xen's vcpuid_to_vaffinity: the MPIDR affinity of a domU vCPU. */
export function xenVcpuAffinity(vcpuid: number): number {
  return (vcpuid & 0x0f) | (((vcpuid >> 4) & 0xff) << 8);
}

/** Xen's dom0less RAM banks for `bytes` of memory: bank 0 up to 3 GiB, the rest in bank 1. */
export function xenDomuRamBanks(bytes: bigint): GuestRange[] {
  if (bytes <= 0n || bytes > GUEST_RAM0_SIZE + GUEST_RAM1_SIZE) {
    throw new FdtError(
      `domu: memory size ${bytes} outside 1..${GUEST_RAM0_SIZE + GUEST_RAM1_SIZE}`,
    );
  }
  const b0 = bytes < GUEST_RAM0_SIZE ? bytes : GUEST_RAM0_SIZE;
  const banks = [{ base: GUEST_RAM0_BASE, size: b0 }];
  if (bytes > b0) banks.push({ base: GUEST_RAM1_BASE, size: bytes - b0 });
  return banks;
}

/**
 * Xen's find_domU_holes: for each guest RAM bank, the space after the populated part (rounded up
 * to 2 MiB) up to the bank end or the IPA limit, kept when at least 64 MiB.
 */
export function xenDomuExtendedRegions(memory: GuestRange[], ipaBits = 40): GuestRange[] {
  const bases = [GUEST_RAM0_BASE, GUEST_RAM1_BASE], sizes = [GUEST_RAM0_SIZE, GUEST_RAM1_SIZE];
  const out: GuestRange[] = [];
  const ipaEnd = (1n << BigInt(ipaBits)) - 1n;
  for (let i = 0; i < 2; i++) {
    const populated = memory[i]?.size ?? 0n;
    const start = (bases[i] + populated + 0x1fffffn) & ~0x1fffffn;
    const last = ipaEnd < bases[i] + sizes[i] - 1n ? ipaEnd : bases[i] + sizes[i] - 1n;
    const size = last > start ? last - start + 1n : 0n;
    if (size >= EXT_REGION_MIN) out.push({ base: start, size });
  }
  return out;
}

/** Xen's set_interrupt: GIC binding cells (PPI type 1 / SPI type 0, number, cpumask|flags). */
function gicIrq(irq: number, flags: number): number[] {
  if (!Number.isInteger(irq) || irq < 16 || irq > 1019) {
    throw new FdtError(`domu: interrupt ${irq} is not a PPI or SPI (16..1019)`);
  }
  const ppi = irq < 32;
  return [ppi ? 1 : 0, irq - (ppi ? 16 : 32), (0xf << 8) | flags];
}

/** reg cells with the root's 2 address and 2 size cells. */
function reg2(ranges: GuestRange[]): FdtValue {
  return fdtU32(
    ...ranges.flatMap((r) => {
      if (r.base < 0n || r.size < 0n || r.base + r.size > 1n << 64n) {
        throw new FdtError(`domu: range ${r.base}+${r.size} outside 64-bit space`);
      }
      return [r.base >> 32n, r.base & 0xffffffffn, r.size >> 32n, r.size & 0xffffffffn].map(
        Number,
      );
    }),
  );
}

const hex = (v: bigint): string => v.toString(16);

function cpusNode(cfg: DomuFdtConfig): FdtNode {
  const { count, mpidrs } = cfg.vcpus;
  if (!Number.isInteger(count) || count < 1 || count > 128) {
    throw new FdtError(`domu: vcpu count ${count} outside 1..128`);
  }
  if (mpidrs && mpidrs.length !== count) {
    throw new FdtError(`domu: ${mpidrs.length} MPIDRs given for ${count} vcpus`);
  }
  const cpus: FdtNode[] = [];
  for (let i = 0; i < count; i++) {
    const aff = mpidrs ? mpidrs[i] : xenVcpuAffinity(i);
    // Xen only describes Aff0..Aff2 (bits [23:0]) in a cpu node's single reg cell.
    if (!Number.isInteger(aff) || aff < 0 || aff > 0xffffff) {
      throw new FdtError(`domu: vcpu ${i} MPIDR affinity ${aff} does not fit bits [23:0]`);
    }
    const props: [string, FdtValue][] = [
      ["compatible", fdtString(cfg.cpuCompatible ?? "arm,cortex-a57")],
      ["device_type", fdtString("cpu")],
      ["reg", fdtU32(aff)],
    ];
    if (cfg.cpuClockFrequency !== undefined) {
      props.push(["clock-frequency", fdtU32(cfg.cpuClockFrequency)]);
    }
    props.push(["enable-method", fdtString("psci")]);
    cpus.push(fdtNode(`cpu@${aff.toString(16)}`, props));
  }
  return fdtNode("cpus", [["#address-cells", fdtU32(1)], ["#size-cells", fdtU32(0)]], cpus);
}

function gicNode(cfg: DomuFdtConfig): FdtNode {
  const v3 = cfg.gic === "v3";
  if (cfg.gic !== "v2" && !v3) throw new FdtError(`domu: unknown GIC version '${cfg.gic}'`);
  const regs = v3
    ? [
      { base: GUEST_GICD_BASE, size: GUEST_GICV3_GICD_SIZE },
      { base: GUEST_GICV3_GICR0_BASE, size: GUEST_GICV3_GICR0_SIZE },
    ]
    : [{ base: GUEST_GICD_BASE, size: GUEST_GICD_SIZE }, {
      base: GUEST_GICC_BASE,
      size: GUEST_GICC_SIZE,
    }];
  return fdtNode(`interrupt-controller@${hex(GUEST_GICD_BASE)}`, [
    ["#address-cells", fdtU32(0)],
    ["#interrupt-cells", fdtU32(3)],
    ["interrupt-controller", fdtEmpty()],
    ["compatible", fdtString(v3 ? "arm,gic-v3" : "arm,gic-400")],
    ["reg", reg2(regs)],
    ["linux,phandle", fdtU32(GUEST_PHANDLE_GIC)],
    ["phandle", fdtU32(GUEST_PHANDLE_GIC)],
  ]);
}

function timerNode(cfg: DomuFdtConfig): FdtNode {
  const t = cfg.timer ?? {};
  const props: [string, FdtValue][] = [
    ["compatible", fdtString("arm,armv8-timer")],
    // Xen's virtual timer interrupts are level-sensitive, active-low, on all CPUs.
    [
      "interrupts",
      fdtU32(
        ...gicIrq(t.securePpi ?? GUEST_TIMER_PHYS_S_PPI, IRQ_TYPE_LEVEL_LOW),
        ...gicIrq(t.nonSecurePpi ?? GUEST_TIMER_PHYS_NS_PPI, IRQ_TYPE_LEVEL_LOW),
        ...gicIrq(t.virtPpi ?? GUEST_TIMER_VIRT_PPI, IRQ_TYPE_LEVEL_LOW),
      ),
    ],
    ["interrupt-parent", fdtU32(GUEST_PHANDLE_GIC)],
  ];
  if (t.clockFrequency !== undefined) props.push(["clock-frequency", fdtU32(t.clockFrequency)]);
  return fdtNode("timer", props);
}

function hypervisorNode(cfg: DomuFdtConfig, h: NonNullable<DomuFdtConfig["hypervisor"]>): FdtNode {
  const gnttab = h.grantTable ?? { base: GUEST_GNTTAB_BASE, size: GUEST_GNTTAB_SIZE };
  const ext = h.extendedRegions ?? xenDomuExtendedRegions(cfg.memory, h.ipaBits ?? 40);
  return fdtNode("hypervisor", [
    ["compatible", fdtStrings(`xen,xen-${h.version ?? "4.17"}`, "xen,xen")],
    ["reg", reg2([gnttab, ...ext])],
    ["interrupts", fdtU32(...gicIrq(h.evtchnPpi ?? GUEST_EVTCHN_PPI, IRQ_TYPE_LEVEL_LOW))],
    ["interrupt-parent", fdtU32(GUEST_PHANDLE_GIC)],
  ]);
}

/** The domU device tree for `cfg`, in Xen 4.17's node and property order. */
export function buildDomuFdt(cfg: DomuFdtConfig): FdtTree {
  if (cfg.memory.length === 0) throw new FdtError("domu: no memory banks");
  const chosenProps: [string, FdtValue][] = [];
  if (cfg.chosen.bootargs) chosenProps.push(["bootargs", fdtString(cfg.chosen.bootargs)]);
  if (cfg.chosen.initrd) {
    const { start, end } = cfg.chosen.initrd;
    if (end < start) throw new FdtError(`domu: initrd end ${hex(end)} below start ${hex(start)}`);
    chosenProps.push(["linux,initrd-start", fdtU64(start)], ["linux,initrd-end", fdtU64(end)]);
  }
  const children: FdtNode[] = [
    fdtNode("chosen", chosenProps),
    fdtNode("psci", [
      ["compatible", fdtStrings("arm,psci-1.0", "arm,psci-0.2", "arm,psci")],
      ["method", fdtString("hvc")],
      ["cpu_off", fdtU32(PSCI_0_1_CPU_OFF)],
      ["cpu_on", fdtU32(PSCI_0_1_CPU_ON)],
    ]),
    cpusNode(cfg),
    // One memory node for all banks, named after the first (make_memory_node).
    fdtNode(`memory@${hex(cfg.memory[0].base)}`, [
      ["device_type", fdtString("memory")],
      ["reg", reg2(cfg.memory)],
    ]),
    gicNode(cfg),
    timerNode(cfg),
  ];
  if (cfg.vpl011) {
    const base = cfg.vpl011.base ?? GUEST_PL011_BASE;
    children.push(fdtNode(`sbsa-uart@${hex(base)}`, [
      ["compatible", fdtString("arm,sbsa-uart")],
      ["reg", reg2([{ base, size: GUEST_PL011_SIZE }])],
      // Level-high SPI; Xen fills the cpumask bits even for an SPI.
      ["interrupts", fdtU32(...gicIrq(cfg.vpl011.spi ?? GUEST_VPL011_SPI, IRQ_TYPE_LEVEL_HIGH))],
      ["interrupt-parent", fdtU32(GUEST_PHANDLE_GIC)],
      ["current-speed", fdtU32(115200)],
    ]));
  }
  if (cfg.rtc) {
    children.push(
      fdtNode("apb-pclk", [
        ["compatible", fdtString("fixed-clock")],
        ["#clock-cells", fdtU32(0)],
        ["clock-frequency", fdtU32(24_000_000)],
        ["clock-output-names", fdtString("clk24mhz")],
        ["phandle", fdtU32(GUEST_PHANDLE_APB_CLK)],
      ]),
      fdtNode(`pl031@${hex(GUEST_PL031_BASE)}`, [
        ["compatible", fdtStrings("arm,pl031", "arm,primecell")],
        ["reg", reg2([{ base: GUEST_PL031_BASE, size: GUEST_PL031_SIZE }])],
        ["interrupts", fdtU32(...gicIrq(GUEST_PL031_SPI, IRQ_TYPE_LEVEL_HIGH))],
        ["interrupt-parent", fdtU32(GUEST_PHANDLE_GIC)],
        ["clocks", fdtU32(GUEST_PHANDLE_APB_CLK)],
        ["clock-names", fdtString("apb_pclk")],
      ]),
    );
  }
  if (cfg.flash) {
    children.push(fdtNode(`flash@${hex(GUEST_FLASH_BASE)}`, [
      ["compatible", fdtString("cfi-flash")],
      [
        "reg",
        reg2([
          { base: GUEST_FLASH_BASE, size: GUEST_FLASH_BANK_SIZE },
          { base: GUEST_FLASH_BASE + GUEST_FLASH_BANK_SIZE, size: GUEST_FLASH_BANK_SIZE },
        ]),
      ],
      ["bank-width", fdtU32(4)],
    ]));
  }
  if (cfg.hypervisor) children.push(hypervisorNode(cfg, cfg.hypervisor));
  return {
    root: fdtNode("", [["#address-cells", fdtU32(2)], ["#size-cells", fdtU32(2)]], children),
    reservations: [],
  };
}
