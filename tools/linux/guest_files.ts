/**
 * Debian's arm64 Linux kernel and busybox as hvlab guest files: where the fetched packages live,
 * the raw Image decompressed from vmlinuz, and a busybox initramfs whose /init prints markers,
 * runs a few programs and powers off.
 */
import { buildCpio, type CpioEntry } from "./cpio.ts";

/** Cache directory of the unpacked packages (HVLAB_LINUX_DIR, else guests/build/linux). */
export const LINUX_DIR = Deno.env.get("HVLAB_LINUX_DIR") ??
  new URL("../../guests/build/linux", import.meta.url).pathname;

/** Shell commands that fetch and unpack the packages into LINUX_DIR. */
export const FETCH_COMMANDS = [
  `mkdir -p ${LINUX_DIR} && cd ${LINUX_DIR}`,
  "apt-get download busybox-static:arm64 $(apt-cache depends linux-image-arm64:arm64 | " +
  "awk '/Depends: linux-image-6/{print $2; exit}')",
  "for f in *.deb; do dpkg-deb -x $f root; done",
];

/** Kernel command line of the boot script and tests (QEMU is given the same). */
export const BOOTARGS = "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init printk.time=0";

/** Printed by /init first thing: Linux reached userspace. */
export const INIT_MARKER = "HVLAB-INIT-START";
/** Printed by /init just before `poweroff -f`. */
export const DONE_MARKER = "HVLAB-INIT-DONE";

/** The /init script. */
export const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
echo ${INIT_MARKER}
uname -a
cat /proc/cpuinfo
echo $((6*7))
seq 0 0.25 1
printf '%.3f %e\\n' 3.14159 12345.678
echo ${DONE_MARKER}
poweroff -f
`;

/** Paths of the fetched files, or undefined when they are missing. */
export function findLinuxFiles(): { vmlinuz: string; busybox: string } | undefined {
  try {
    const boot = `${LINUX_DIR}/root/boot`;
    const v = [...Deno.readDirSync(boot)].find((e) => e.name.startsWith("vmlinuz-6.1"));
    const busybox = `${LINUX_DIR}/root/bin/busybox`;
    Deno.statSync(busybox);
    return v ? { vmlinuz: `${boot}/${v.name}`, busybox } : undefined;
  } catch {
    return undefined;
  }
}

/** Decompresses a gzip vmlinuz into the raw arm64 Image. */
export async function decompressImage(vmlinuz: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (vmlinuz[0] !== 0x1f || vmlinuz[1] !== 0x8b) return vmlinuz; // already raw
  const stream = new Blob([vmlinuz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * A newc initramfs with busybox, /dev/console and the /init script, plus empty top-level
 * directories `dirs` (e.g. mount points an /init uses without creating them).
 */
export function buildInitramfs(
  busybox: Uint8Array,
  init = INIT_SCRIPT,
  dirs: string[] = [],
): Uint8Array {
  const entries: CpioEntry[] = [
    { path: "bin", kind: "dir", perm: 0o755 },
    ...dirs.map((path): CpioEntry => ({ path, kind: "dir", perm: 0o755 })),
    { path: "bin/busybox", kind: "file", perm: 0o755, data: busybox },
    { path: "bin/sh", kind: "symlink", perm: 0o777, data: "busybox" },
    { path: "dev", kind: "dir", perm: 0o755 },
    // The kernel opens /dev/console for init's stdio before anything could create it.
    { path: "dev/console", kind: "chardev", perm: 0o600, rdev: [5, 1] },
    { path: "init", kind: "file", perm: 0o755, data: init },
  ];
  return buildCpio(entries);
}
