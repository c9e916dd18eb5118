/**
 * What hvlab needs to build one domU, as plain data: the subset of xl.cfg(5) that an Arm PVH
 * guest without devices uses, with xl's defaults applied. Built from an xl.cfg file by
 * `domainConfigFromXl` (xl_domain_config.ts) or directly by code.
 */

/** xl's shutdown actions (xl_parse.c action_on_shutdown_names). */
import type { Placement } from "../dm/placement.ts";
export const SHUTDOWN_ACTIONS = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
  "soft-reset",
] as const;

/**
 * What to do when the guest powers off, reboots, crashes or its watchdog fires. Every value xl
 * accepts is kept; hvlab acts on "destroy", "restart" and "preserve" (the lead decides what the
 * others fall back to).
 */
export type ShutdownAction = typeof SHUTDOWN_ACTIONS[number];

/**
 * A physical CPU set in xl's cpus= syntax after evaluation. With `all` false it is exactly
 * `cpus`; with `all` true it is every physical CPU except `cpus` (xl's "all,^1").
 */
export interface CpuSet {
  all: boolean;
  /** Sorted, distinct physical CPU numbers. */
  cpus: number[];
}

/**
 * The kernel file's format: "auto" detects an arm64 Linux Image (optionally gzip-compressed, as
 * Xen accepts) or an ELF64 AArch64 executable; "raw" loads the bytes at the start of RAM and
 * enters there. "raw" is hvlab-only: xl.cfg has no such key, so only code can set it.
 */
export type KernelFormat = "auto" | "raw";

/** One domU's configuration. Memory sizes are MiB as in xl.cfg. */
export interface DomainConfig {
  name: string;
  /** The only guest type on Arm. */
  type: "pvh";
  /** Initial RAM in MiB (xl default 32, libxl_create.c). */
  memory: number;
  /** Maximum RAM in MiB, >= memory (default: memory). */
  maxmem: number;
  /** vCPUs online at boot (default 1). */
  vcpus: number;
  /** vCPUs the domain may ever have, >= vcpus (default: vcpus). */
  maxvcpus: number;
  /** Absolute (or baseDir-relative, as resolved by the caller) path of the kernel. */
  kernel: string;
  kernelFormat: KernelFormat;
  /** Path of the initrd, if any. */
  ramdisk?: string;
  /** Kernel command line (xl: cmdline, else "root=<root> <extra>"), if any. */
  cmdline?: string;
  /** The emulated SBSA UART (vpl011) when "sbsa_uart". */
  vuart?: "sbsa_uart";
  /**
   * Where the vpl011's device model runs: in the hypervisor (Xen's way, the default), as an EL0
   * app (core/hyp/dm/placement.ts), or outside the hypervisor ("stubdom", "ioreq"): then the
   * guest still sees the UART in its device tree, but its accesses go to whichever ioreq server
   * maps the range (a stub domain or a dom0 device model), and wait for it. hvlab-only: xl.cfg
   * has no such key.
   */
  vuartPlacement?: Placement;
  /**
   * A control domain (dom0's privilege: it may act on any domain, e.g. as its device model
   * through dm_op). hvlab-only: Xen gives it to dom0, which hvlab's builder does not make.
   */
  privileged?: boolean;
  /**
   * The devices Arm's VM spec asks for that Xen's guest map lacks (hvlab-only): a PL031 RTC
   * (counting from `baseSeconds`, default 2026-01-01 00:00:00 UTC) and two blank CFI flash banks
   * for UEFI variables, each run in the hypervisor, as an EL0 app, or outside the hypervisor
   * ("stubdom", "ioreq", as `vuartPlacement`): then the device tree still has the node, but no
   * model is mapped and accesses go to whichever ioreq server maps the range.
   */
  vmDevices?: {
    rtc?: { placement?: Placement; baseSeconds?: number };
    flash?: { placement?: Placement };
  };
  /** Emulated GIC: xl's default "native" means the host's; hvlab has no host and uses "v2". */
  gicVersion: "v2" | "v3";
  onPoweroff: ShutdownAction;
  onReboot: ShutdownAction;
  onCrash: ShutdownAction;
  onWatchdog: ShutdownAction;
  /** Hard affinity: entry i for vCPU i; vCPUs past the end are unrestricted. */
  cpus?: CpuSet[];
  /** Soft affinity, same shape. */
  cpusSoft?: CpuSet[];
}

/** xl's memory default when memory= and maxmem= are absent (libxl: 32 MiB). */
export const DEFAULT_MEMORY_MIB = 32;
/**
 * hvlab's cap on guest RAM: hvlab backs guest RAM with host memory, so keep a typo like
 * memory = 1000000 from asking for a terabyte.
 */
export const MAX_MEMORY_MIB = 16 * 1024;
/** Largest physical CPU number accepted in cpus= (Xen's NR_CPUS on Arm is far lower). */
export const MAX_PCPU = 4095;
