/**
 * The device tree of VirtBoard, shaped like the one QEMU generates for `-M virt,gic-version=2
 * -cpu cortex-a57` (or gic-version=3,its=off for a GICv3 board: same node names, compatibles,
 * phandle numbers and interrupt specifiers) minus the devices VirtBoard does not have: fw-cfg,
 * virtio-mmio, PCIe, PL061, the platform bus, the GICv2m MSI frame and the PMU (and the PL031 and
 * flash unless the board has them). No kaslr-seed/rng-seed: runs stay deterministic.
 */
import {
  fdtEmpty,
  type FdtNode,
  fdtNode,
  fdtString,
  fdtStrings,
  fdtU32,
  fdtU64,
  type FdtValue,
} from "../fdt/fdt_types.ts";
import { writeFdt } from "../fdt/fdt_writer.ts";
import { VIRT_IRQ, VIRT_MAP } from "./virt_memory_map.ts";

/** What the board's device tree depends on. */
export interface VirtFdtConfig {
  ramSize: number;
  /** /chosen/bootargs (omitted when undefined). */
  bootargs?: string;
  /** Physical [start, end) of the initrd, for /chosen/linux,initrd-start/end. */
  initrd?: { start: number; end: number };
  /** The board's interrupt controller (default "v2"). */
  gic?: "v2" | "v3";
  /** Lists the PL031 RTC (a board made with `rtc`). */
  rtc?: boolean;
  /** Lists the two CFI flash banks (a board made with `flash`). */
  flash?: boolean;
}

/** The compact literal the tree below is written in: strings, string lists, u32 cells or a value. */
type Lit = string | string[] | number[] | FdtValue;
interface LitNode {
  name: string;
  props?: [string, Lit][];
  children?: LitNode[];
}

function litValue(v: Lit): FdtValue {
  if (typeof v === "string") return fdtString(v);
  if (!Array.isArray(v)) return v;
  return v.every((x) => typeof x === "string")
    ? fdtStrings(...(v as string[]))
    : fdtU32(...(v as number[]));
}

function toFdt(n: LitNode): FdtNode {
  return fdtNode(
    n.name,
    (n.props ?? []).map(([k, v]) => [k, litValue(v)]),
    (n.children ?? []).map(toFdt),
  );
}

const PH_CLK = 0x8000, PH_CPU = 0x8001, PH_GIC = 0x8002;
const SPI = 0, PPI = 1;
/** Interrupt flags: level high (SPI); PPI level-low with the one-CPU mask, as QEMU writes them. */
const IRQ_LEVEL_HI = 4, PPI_CPU1_LEVEL_LO = 0x104;
/** QEMU's GICv3 trees give PPIs plain level-high flags (no CPU mask: affinity routing). */
const GICV3_PPI_FLAGS = 4;

const hex = (n: number) => n.toString(16);
const reg64 = (
  base: number,
  size: number,
) => [0, base >>> 0, Math.floor(size / 2 ** 32), size >>> 0];

/** The board's device tree as plain nodes. */
export function virtFdtTree(cfg: VirtFdtConfig): FdtNode {
  return toFdt(virtLitTree(cfg));
}

function virtLitTree(cfg: VirtFdtConfig): LitNode {
  const { gicDist, gicCpu, gicRedist, uart, rtc, flash, ram } = VIRT_MAP;
  const v3 = cfg.gic === "v3";
  const ppi = v3 ? GICV3_PPI_FLAGS : PPI_CPU1_LEVEL_LO;
  const chosen: LitNode = { name: "chosen", props: [["stdout-path", `/pl011@${hex(uart.base)}`]] };
  if (cfg.bootargs !== undefined) chosen.props!.push(["bootargs", cfg.bootargs]);
  if (cfg.initrd) {
    chosen.props!.push(["linux,initrd-start", fdtU64(BigInt(cfg.initrd.start))]);
    chosen.props!.push(["linux,initrd-end", fdtU64(BigInt(cfg.initrd.end))]);
  }
  return {
    name: "",
    props: [
      ["interrupt-parent", [PH_GIC]],
      ["model", "linux,dummy-virt"],
      ["#size-cells", [2]],
      ["#address-cells", [2]],
      ["compatible", "linux,dummy-virt"],
    ],
    children: [
      {
        name: "psci",
        props: [
          ["migrate", [0xc4000005]],
          ["cpu_on", [0xc4000003]],
          ["cpu_off", [0x84000002]],
          ["cpu_suspend", [0xc4000001]],
          ["method", "hvc"],
          ["compatible", ["arm,psci-1.0", "arm,psci-0.2", "arm,psci"]],
        ],
      },
      {
        name: `memory@${hex(ram.base)}`,
        props: [["reg", reg64(ram.base, cfg.ramSize)], ["device_type", "memory"]],
      },
      ...(cfg.rtc
        ? [{
          name: `pl031@${hex(rtc.base)}`,
          props: [
            ["clock-names", "apb_pclk"],
            ["clocks", [PH_CLK]],
            ["interrupts", [SPI, VIRT_IRQ.rtc - 32, IRQ_LEVEL_HI]],
            ["reg", reg64(rtc.base, rtc.size)],
            ["compatible", ["arm,pl031", "arm,primecell"]],
          ] satisfies [string, Lit][],
        }]
        : []),
      {
        name: `pl011@${hex(uart.base)}`,
        props: [
          ["clock-names", ["uartclk", "apb_pclk"]],
          ["clocks", [PH_CLK, PH_CLK]],
          ["interrupts", [SPI, VIRT_IRQ.uart - 32, IRQ_LEVEL_HI]],
          ["reg", reg64(uart.base, uart.size)],
          ["compatible", ["arm,pl011", "arm,primecell"]],
        ],
      },
      {
        name: `intc@${hex(gicDist.base)}`,
        props: v3
          ? [
            ["phandle", [PH_GIC]],
            ["reg", [
              ...reg64(gicDist.base, gicDist.size),
              ...reg64(gicRedist.base, gicRedist.size),
            ]],
            ["#redistributor-regions", [1]],
            ["compatible", "arm,gic-v3"],
            ["#size-cells", [2]],
            ["#address-cells", [2]],
            ["interrupt-controller", fdtEmpty()],
            ["#interrupt-cells", [3]],
          ]
          : [
            ["phandle", [PH_GIC]],
            ["reg", [...reg64(gicDist.base, gicDist.size), ...reg64(gicCpu.base, gicCpu.size)]],
            ["compatible", "arm,cortex-a15-gic"],
            ["#size-cells", [2]],
            ["#address-cells", [2]],
            ["interrupt-controller", fdtEmpty()],
            ["#interrupt-cells", [3]],
          ],
      },
      ...(cfg.flash
        ? [{
          name: `flash@${hex(flash.base)}`,
          props: [
            ["bank-width", [4]],
            ["reg", [
              ...reg64(flash.base, flash.size / 2),
              ...reg64(flash.base + flash.size / 2, flash.size / 2),
            ]],
            ["compatible", "cfi-flash"],
          ] satisfies [string, Lit][],
        }]
        : []),
      {
        name: "cpus",
        props: [["#size-cells", [0]], ["#address-cells", [1]]],
        children: [{
          name: "cpu@0",
          props: [
            ["phandle", [PH_CPU]],
            ["reg", [0]],
            ["compatible", "arm,cortex-a57"],
            ["device_type", "cpu"],
          ],
        }],
      },
      {
        name: "timer",
        props: [
          // Secure phys (PPI 13), non-secure phys (14), virtual (11), hypervisor (10).
          ["interrupts", [
            ...[PPI, 13, ppi, PPI, VIRT_IRQ.timerPhys - 16, ppi],
            ...[PPI, VIRT_IRQ.timerVirt - 16, ppi, PPI, 10, ppi],
          ]],
          ["always-on", fdtEmpty()],
          ["compatible", ["arm,armv8-timer", "arm,armv7-timer"]],
        ],
      },
      {
        name: "apb-pclk",
        props: [
          ["phandle", [PH_CLK]],
          ["clock-output-names", "clk24mhz"],
          ["clock-frequency", [24_000_000]],
          ["#clock-cells", [0]],
          ["compatible", "fixed-clock"],
        ],
      },
      chosen,
    ],
  };
}

/** The board's device tree blob. */
export function virtFdt(cfg: VirtFdtConfig): Uint8Array {
  return writeFdt({ root: virtFdtTree(cfg), reservations: [] });
}
