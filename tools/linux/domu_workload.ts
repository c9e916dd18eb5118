/**
 * The busybox workload hvlab's Linux domU tests run, and its reference: the same initramfs booted
 * bare on qemu-system-aarch64 -M virt. The /init prints Xen facts when it finds itself on Xen
 * (not compared: QEMU has none), then a block of busybox programs between markers — integer
 * arithmetic, sort, a gzip/gunzip round trip, sha256sum, `seq` with fractions, `bc -l` — whose
 * output must be identical on both, then powers off.
 */
import { buildInitramfs } from "./guest_files.ts";

/** Printed first by /init. */
export const WORK_INIT = "HVLAB-DOMU-INIT";
/** Brackets the compared output. */
export const WORK_BEGIN = "HVLAB-WORK-BEGIN";
export const WORK_END = "HVLAB-WORK-END";

/** The /init script. */
export const DOMU_INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /sbin /usr/bin /usr/sbin /tmp
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
echo ${WORK_INIT}
if [ -e /sys/hypervisor/type ]; then
  echo "hypervisor-type: $(cat /sys/hypervisor/type)"
  echo "hypervisor-version: $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)"
  echo "xenbus-devices: $(ls /sys/bus/xen/devices | tr '\\n' ' ')"
  echo "online-cpus: $(cat /sys/devices/system/cpu/online)"
fi
echo ${WORK_BEGIN}
echo $((6*7)) $((2**40)) $((-17/5)) $((-17%5)) $((0x7fffffff+1))
printf '%s\\n' pear apple fig banana cherry | sort
printf '%s\\n' 10 9 100 1 33 | sort -n
seq 1 500 > /tmp/n
gzip -c /tmp/n > /tmp/n.gz
gunzip -c /tmp/n.gz | cmp - /tmp/n && echo gzip-roundtrip-ok
sha256sum /tmp/n | cut -d' ' -f1
seq 0 0.25 2 | tr '\\n' ' '
echo
echo 'scale=20; 4*a(1)' | bc -l
echo 's(1)+c(1)' | bc -l
echo 'sqrt(2); e(1); l(10)' | bc -l
printf '%.3f %e\\n' 3.14159 12345.678
echo ${WORK_END}
poweroff -f
`;

/** The initramfs with busybox and the workload /init. */
export function buildDomuInitramfs(busybox: Uint8Array): Uint8Array {
  return buildInitramfs(busybox, DOMU_INIT_SCRIPT);
}

/** The lines between the work markers of a console log (CR dropped), or undefined. */
export function workOutput(console: string): string[] | undefined {
  const lines = console.replaceAll("\r", "").split("\n");
  const a = lines.findIndex((l) => l === WORK_BEGIN);
  const b = lines.findIndex((l) => l === WORK_END);
  if (a < 0 || b < a) return undefined;
  // Kernel messages may interleave with the shell's output on a shared console.
  return lines.slice(a + 1, b).filter((l) => !/^\[\s*\d+\.\d+\]/.test(l));
}

/**
 * Boots `image` with `initrd` bare on qemu-system-aarch64 -M virt (cortex-a57, 256 MiB) and
 * returns its console and wall seconds. Throws when QEMU fails or the work block is missing.
 */
export async function bootOnQemu(
  image: Uint8Array,
  initrd: Uint8Array,
  opts: { gic?: "v2" | "v3"; smp?: number; timeoutS?: number } = {},
): Promise<{ console: string; seconds: number }> {
  const dir = await Deno.makeTempDir({ prefix: "hvlab-qemu-" });
  try {
    await Deno.writeFile(`${dir}/Image`, image);
    await Deno.writeFile(`${dir}/initrd`, initrd);
    const t0 = performance.now();
    const out = await new Deno.Command("timeout", {
      args: [
        String(opts.timeoutS ?? 120),
        "qemu-system-aarch64",
        ...["-M", `virt,gic-version=${opts.gic === "v3" ? 3 : 2}`, "-cpu", "cortex-a57"],
        ...["-m", "256M", "-smp", String(opts.smp ?? 1), "-nographic", "-no-reboot"],
        ...["-kernel", `${dir}/Image`, "-initrd", `${dir}/initrd`],
        ...["-append", "console=ttyAMA0 rdinit=/init"],
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - t0) / 1000;
    const console = new TextDecoder().decode(out.stdout);
    if (workOutput(console) === undefined) {
      throw new Error(
        `qemu-system-aarch64 (status ${out.code}) did not run the workload:\n${
          console.slice(-1500)
        }${new TextDecoder().decode(out.stderr)}`,
      );
    }
    return { console, seconds };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
