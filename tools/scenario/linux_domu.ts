/**
 * The Linux domU the scenario scripts boot: Debian's kernel with the busybox workload initramfs
 * (tools/linux/domu_workload.ts), 1 vcpu, 256 MiB, GICv2, on the PV console (hvc0) or on ttyAMA0
 * over the vpl011 (SPI 32). Built by the real domain builder, as tests/hyp/linux_domu_test.ts does.
 */
import type { BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import { loadGuestKernel, probeGuestInitrd } from "../../core/hyp/builder/guest_image.ts";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { decompressImage, FETCH_COMMANDS, findLinuxFiles } from "../linux/guest_files.ts";
import { buildDomuInitramfs } from "../linux/domu_workload.ts";

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

/** Builds the Linux domU in `hv` with its console on `console`. */
export async function buildLinuxDomu(
  hv: Hypervisor,
  inputs: LinuxInputs,
  console: "hvc0" | "ttyAMA0" = "hvc0",
): Promise<BuiltDomain> {
  const cfg: DomainConfig = {
    name: "linux",
    type: "pvh",
    memory: 256,
    maxmem: 256,
    vcpus: 1,
    maxvcpus: 1,
    kernel: "vmlinuz",
    kernelFormat: "auto",
    cmdline: `console=${console} rdinit=/init`,
    gicVersion: "v2",
    onPoweroff: "destroy",
    onReboot: "destroy",
    onCrash: "destroy",
    onWatchdog: "destroy",
    ...(console === "ttyAMA0" ? { vuart: "sbsa_uart" as const } : {}),
  };
  return buildDomain(hv, cfg, {
    kernel: await loadGuestKernel("vmlinuz", inputs.image, "auto"),
    initrd: probeGuestInitrd("initramfs", inputs.initrd),
  });
}
