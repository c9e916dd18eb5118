/**
 * The domU's /init of the Xen 4.17 oracle (shared/oracles/xen-on-qemu/xen-qemu-boot.sh: COMMON,
 * FACTS and the domU's markers), command for command, so that hvlab's console and the fixture's
 * (tests/fixtures/xen417/gicN.domu1.txt) are outputs of the same program. Any edit here makes
 * the two incomparable: change it only together with a new oracle run.
 */
import { gzipSync } from "node:zlib";
import { buildInitramfs } from "../linux/guest_files.ts";

/** Printed by the domU's /init once userspace runs, before the facts. */
export const DOMU_READY_MARKER = "HVLAB-DOMU-READY";
/** Printed by the domU's /init after the FDT's base64. */
export const DOMU_DONE_MARKER = "HVLAB-DOMU-DONE";

/** The oracle's COMMON prologue: busybox applets, proc/sys/dev and xenfs mounts. */
const COMMON = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
mount -t xenfs xenfs /proc/xen 2>/dev/null`;

/** The oracle's FACTS: one "=== name" section per fact, the FDT as base64 between markers. */
const FACTS = `echo "=== uname"; uname -a
echo "=== cmdline"; cat /proc/cmdline
echo "=== cpuinfo"; head -8 /proc/cpuinfo
echo "=== interrupts"; cat /proc/interrupts
echo "=== iomem"; cat /proc/iomem
echo "=== meminfo"; head -3 /proc/meminfo
echo "=== ls /proc/device-tree"; ls /proc/device-tree
echo "=== hypervisor node"; for f in /proc/device-tree/hypervisor/*; do echo "-- $f"; hexdump -C "$f"; done
echo "=== /sys/hypervisor"; for f in $(find /sys/hypervisor -type f 2>/dev/null); do echo "$f: $(cat $f 2>/dev/null | head -c 200)"; done
echo "=== dmesg xen"; dmesg | grep -iE "xen|hvc|gic|arch_timer|pl011|ttyAMA|psci|evtchn|grant"
echo "=== FDT-BEGIN"; base64 /sys/firmware/fdt; echo "=== FDT-END"`;

/**
 * The domU /init exactly as the oracle writes it (mkrd appends one newline): it ends sleeping,
 * so a run stops at DOMU_DONE_MARKER.
 */
export const DOMU_FACTS_INIT = `${COMMON}
echo ${DOMU_READY_MARKER}
${FACTS}
echo ${DOMU_DONE_MARKER}
sleep 3600; poweroff -f
`;

/** Top-level directories of the oracle's initramfs (mkrd) that /init mounts on. */
export const DOMU_INITRAMFS_DIRS = ["proc", "sys", "tmp"];

/**
 * The facts-dump initramfs: busybox + DOMU_FACTS_INIT, gzip -9 compressed like the oracle's
 * (`cpio | gzip -9`). With `padTo` (the oracle's initrd length, from its /chosen) the archive is
 * zero-padded to exactly that many bytes: Linux skips zeros between initramfs archives, and an
 * initrd of the oracle's size puts linux,initrd-end, /proc/iomem's reserved range and "Freeing
 * initrd memory" where Xen's domU had them. Throws when the archive is already larger.
 */
export function buildFactsInitramfs(busybox: Uint8Array, padTo?: number): Uint8Array {
  const gz = gzipSync(buildInitramfs(busybox, DOMU_FACTS_INIT, DOMU_INITRAMFS_DIRS), { level: 9 });
  if (padTo === undefined) return new Uint8Array(gz);
  if (gz.length > padTo) {
    throw new Error(`facts initramfs is ${gz.length} bytes, more than the ${padTo} to pad to`);
  }
  const out = new Uint8Array(padTo);
  out.set(gz);
  return out;
}
