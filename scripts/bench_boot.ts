/**
 * `deno task bench:boot`: boots Debian's Linux 6.1 with the busybox workload initramfs to its
 * /init marker as a Xen domU on hvlab (hvc0, 1 vcpu, 256 MiB, GICv2) and the same Image and
 * initramfs bare on qemu-system-aarch64 -M virt (TCG, cortex-a57, 256 MiB), timing each to the
 * marker in wall seconds, and ends with one line:
 *   hvlab-bench boot hvlab_s=<seconds> qemu_s=<seconds> slowdown=<hvlab/qemu>
 */
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import { buildLinuxDomu, linuxInputs } from "../tools/linux/linux_domu.ts";
import { WORK_INIT } from "../tools/linux/domu_workload.ts";

const inputs = await linuxInputs();
if ("missing" in inputs) {
  console.error(inputs.missing);
  Deno.exit(2);
}
const { image, initrd } = inputs;

/** hvlab: wall seconds from building the domain to the marker, and virtual seconds. */
async function hvlab(): Promise<{ wall: number; virtual: number; instructions: number }> {
  const t0 = performance.now();
  const hv = new Hypervisor({ pcpus: 2 });
  const b = await buildLinuxDomu(hv, { image, initrd });
  const sink = hv.console(b.domain.id);
  const r = hv.run({ maxCycles: 4_000_000_000, until: () => sink.text.includes(WORK_INIT) });
  if (r.reason !== "until") {
    throw new Error(`hvlab stopped by ${r.reason}:\n${sink.text.slice(-800)}`);
  }
  return {
    wall: (performance.now() - t0) / 1000,
    virtual: hv.cycles / hv.clock.cpuHz,
    instructions: b.domain.vcpus[0].cpu.retired,
  };
}

/** QEMU: wall seconds from spawning to the marker on its serial console. */
async function qemu(): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "hvlab-bench-" });
  try {
    await Deno.writeFile(`${dir}/Image`, image);
    await Deno.writeFile(`${dir}/initrd`, initrd);
    const t0 = performance.now();
    const child = new Deno.Command("qemu-system-aarch64", {
      args: [
        ...["-M", "virt,gic-version=2", "-cpu", "cortex-a57", "-m", "256M", "-nographic"],
        ...["-no-reboot", "-kernel", `${dir}/Image`, "-initrd", `${dir}/initrd`],
        ...["-append", "console=ttyAMA0 rdinit=/init"],
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    let text = "", at = -1;
    const dec = new TextDecoder();
    for await (const chunk of child.stdout) {
      text += dec.decode(chunk, { stream: true });
      if (at < 0 && text.includes(WORK_INIT)) {
        at = (performance.now() - t0) / 1000;
        child.kill();
      }
    }
    await child.status;
    if (at < 0) throw new Error(`qemu never printed the marker:\n${text.slice(-800)}`);
    return at;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const q = await qemu();
console.log(`qemu-system-aarch64: /init marker after ${q.toFixed(2)} s wall`);
const h = await hvlab();
console.log(
  `hvlab: /init marker after ${h.wall.toFixed(2)} s wall, ${h.virtual.toFixed(3)} s virtual, ` +
    `${h.instructions} instructions (${(h.instructions / h.wall / 1e6).toFixed(1)} MIPS)`,
);
console.log(
  `hvlab-bench boot hvlab_s=${h.wall.toFixed(2)} qemu_s=${q.toFixed(2)} slowdown=${
    (h.wall / q).toFixed(1)
  }`,
);
