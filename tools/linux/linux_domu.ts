/**
 * The Linux domU that tests, benchmarks and scenario scripts boot: Debian's kernel with the busybox
 * workload initramfs (tools/linux/domu_workload.ts), by default 1 vcpu, 256 MiB, GICv2, on the PV
 * console (hvc0); `consoleOn("ttyAMA0")` puts it on the vpl011 (SPI 32). Built by the real domain
 * builder.
 */
import type { BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import { loadGuestKernel, probeGuestInitrd } from "../../core/hyp/builder/guest_image.ts";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { decompressImage, FETCH_COMMANDS, findLinuxFiles } from "./guest_files.ts";
import { buildDomuInitramfs } from "./domu_workload.ts";

/** The decompressed kernel Image and the workload initramfs. */
export interface LinuxInputs {
  image: Uint8Array;
  initrd: Uint8Array;
}

/** Loads Debian's kernel and busybox, or undefined (with the fetch commands) when absent. */
export async function linuxInputs(): Promise<LinuxInputs | { missing: string }> {
  const f = findLinuxFiles();
  if (f === undefined) {
    return { missing: `no Debian kernel/busybox; fetch them with: ${FETCH_COMMANDS.join(" && ")}` };
  }
  return {
    image: await decompressImage(await Deno.readFile(f.vmlinuz)),
    initrd: buildDomuInitramfs(await Deno.readFile(f.busybox)),
  };
}

/** The domU's configuration, with `over` applied. */
export function linuxDomuConfig(over: Partial<DomainConfig> = {}): DomainConfig {
  return {
    name: "linux",
    type: "pvh",
    memory: 256,
    maxmem: 256,
    vcpus: 1,
    maxvcpus: 1,
    kernel: "vmlinuz",
    kernelFormat: "auto",
    cmdline: "console=hvc0 rdinit=/init",
    gicVersion: "v2",
    onPoweroff: "destroy",
    onReboot: "destroy",
    onCrash: "destroy",
    onWatchdog: "destroy",
    ...over,
  };
}

/** Overrides that put the kernel's console on `console` (ttyAMA0 adds the vpl011). */
export function consoleOn(console: "hvc0" | "ttyAMA0"): Partial<DomainConfig> {
  return console === "ttyAMA0"
    ? { cmdline: "console=ttyAMA0 rdinit=/init", vuart: "sbsa_uart" }
    : { cmdline: "console=hvc0 rdinit=/init" };
}

/** Builds the Linux domU in `hv` from `inputs`, with `over` applied to its configuration. */
export async function buildLinuxDomu(
  hv: Hypervisor,
  inputs: LinuxInputs,
  over: Partial<DomainConfig> = {},
): Promise<BuiltDomain> {
  return buildDomain(hv, linuxDomuConfig(over), {
    kernel: await loadGuestKernel("vmlinuz", inputs.image, "auto"),
    initrd: probeGuestInitrd("initramfs", inputs.initrd),
  });
}
