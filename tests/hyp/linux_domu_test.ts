/**
 * Debian's unmodified Linux 6.1 as a Xen domU on hvlab's hypervisor core: hvc0 (the PV console)
 * with 1 and 2 vcpus, ttyAMA0 over the vpl011, and a GICv3 domain. Each boot must find Xen 4.17.7,
 * bring xenbus up (the guest writes its control/feature-* keys to xenstore and watches
 * control/shutdown), run the busybox workload with output identical to the same initramfs on
 * qemu-system-aarch64 -M virt, and end with `poweroff -f` as SCHEDOP_shutdown(poweroff). Skips,
 * printing the fetch commands, without the Debian packages.
 */
import assert from "node:assert/strict";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import type { Domain } from "../../core/hyp/domain.ts";
import { buildLinuxDomu, linuxDomuConfig } from "../../tools/linux/linux_domu.ts";
import { decompressImage, FETCH_COMMANDS, findLinuxFiles } from "../../tools/linux/guest_files.ts";
import {
  bootOnQemu,
  buildDomuInitramfs,
  WORK_INIT,
  workOutput,
} from "../../tools/linux/domu_workload.ts";

const files = findLinuxFiles();
const skip = files
  ? ""
  : ` (SKIPPED: fetch Debian's kernel and busybox with: ${FETCH_COMMANDS.join(" && ")})`;

let inputs: Promise<{ image: Uint8Array; initrd: Uint8Array; reference: string[] }> | undefined;

/** The Image, the initramfs and QEMU's workload output, made once for all tests. */
function guestInputs() {
  inputs ??= (async () => {
    const image = await decompressImage(Deno.readFileSync(files!.vmlinuz));
    const initrd = buildDomuInitramfs(Deno.readFileSync(files!.busybox));
    const q = await bootOnQemu(image, initrd);
    return { image, initrd, reference: workOutput(q.console)! };
  })();
  return inputs;
}

/**
 * Boots one domU to poweroff and checks everything but the console-specific lines; `inspect`
 * looks at the machine afterwards.
 */
async function bootDomu(
  over: Partial<DomainConfig>,
  inspect?: (hv: Hypervisor, d: Domain) => void,
): Promise<string> {
  const { image, initrd, reference } = await guestInputs();
  const hv = new Hypervisor({ pcpus: 2 });
  const cfg = linuxDomuConfig(over);
  const b = await buildLinuxDomu(hv, { image, initrd }, over);
  const d = b.domain;
  const r = hv.run({ maxCycles: 4_000_000_000 });
  const text = hv.console(d.id).text;
  const tail = text.slice(-2500);
  assert.equal(r.reason, "all-shutdown", `stopped by ${r.reason}:\n${tail}`);
  assert.equal(d.shutdownReason, "poweroff", tail);
  assert.ok(text.includes(WORK_INIT), `no /init output:\n${tail}`);
  assert.ok(!/Oops|BUG:|Kernel panic|WARNING:|Call trace/.test(text), tail);
  for (
    const line of [
      "Xen 4.17 support found",
      "xen:grant_table: Grant tables using version 1 layout",
      "xen:events: Using FIFO-based ABI",
      "hypervisor-type: xen",
      "hypervisor-version: 4.17.7",
      `online-cpus: ${cfg.vcpus === 1 ? "0" : `0-${cfg.vcpus - 1}`}`,
    ]
  ) assert.ok(text.includes(line), `console lacks "${line}":\n${tail}`);
  // xenbus came up: the guest announced its shutdown features and watches control/shutdown.
  const home = `/local/domain/${d.id}`;
  assert.equal(hv.xenstore.tryRead(`${home}/control/feature-poweroff`), "1");
  assert.ok(
    hv.xenstore.watches().some((w) => w.domid === d.id && w.path.endsWith("control/shutdown")),
    "no watch on control/shutdown",
  );
  assert.deepEqual(workOutput(text), reference, "busybox output differs from QEMU's");
  for (const v of d.vcpus) {
    for (const [enc, u] of v.cpu.stats.undefined) {
      // busybox's C library reads MIDR_EL1 at EL0 (HWCAP_CPUID): UNDEFINED, Linux emulates it.
      assert.ok(
        enc === "d5380000" && u.pc < 1n << 48n,
        `UNDEFINED ${enc} at 0x${u.pc.toString(16)}`,
      );
    }
  }
  assert.deepEqual(
    hv.logEntries.filter((e) => e.level === "unimplemented").map((e) => e.msg),
    [],
    "the guest asked for something hvlab does not implement",
  );
  inspect?.(hv, d);
  return text;
}

Deno.test(
  "linux domU: hvc0, 1 vcpu, GICv2" + skip,
  { ignore: !files },
  async () => {
    const text = await bootDomu({});
    assert.ok(text.includes("Run /init as init process"));
  },
);

Deno.test(
  "linux domU: hvc0, 2 vcpus brought up with PSCI CPU_ON" + skip,
  { ignore: !files },
  async () => {
    const text = await bootDomu({ vcpus: 2, maxvcpus: 2 });
    assert.ok(text.includes("smp: Brought up 1 node, 2 CPUs"), text.slice(-2000));
  },
);

Deno.test(
  "linux domU: console on ttyAMA0 over the vpl011 (SPI 32)" + skip,
  { ignore: !files },
  async () => {
    const text = await bootDomu({
      vuart: "sbsa_uart",
      cmdline: "console=ttyAMA0 rdinit=/init",
    });
    assert.ok(
      text.includes("22000000.sbsa-uart: ttyAMA0 at MMIO 0x22000000 (irq = 13, base_baud = 0)"),
      text.slice(0, 3000),
    );
  },
);

Deno.test(
  "linux domU: ttyAMA0 with the vpl011's device model as an EL0 app; a PL031 RTC and flash" + skip,
  { ignore: !files },
  async () => {
    const text = await bootDomu(
      {
        vuart: "sbsa_uart",
        vuartPlacement: "el0",
        cmdline: "console=ttyAMA0 rdinit=/init",
        vmDevices: { rtc: { placement: "el0" }, flash: {} },
      },
      (hv, d) => {
        const placed = hv.runtimes.get(d.id)!.backends.vpl011Placed!;
        assert.equal(placed.placement, "el0");
        // Every register access of the amba-pl011 driver went through the EL0 app, on the
        // serviced vcpu's time.
        assert.ok(placed.state.accesses > 10_000, `${placed.state.accesses} accesses`);
        const charged = d.vcpus.reduce((t, v) => t + v.hypCycles, 0);
        assert.ok(charged >= placed.state.accesses * hv.costs.el0Switch);
      },
    );
    assert.ok(text.includes("22000000.sbsa-uart: ttyAMA0 at MMIO 0x22000000 (irq = 13"));
    // Linux's rtc-pl031 driver probed the RTC through the AMBA bus and set the clock from it.
    assert.match(text, /rtc-pl031 22001000\.pl031: registered as rtc0/);
    assert.match(
      text,
      /rtc-pl031 22001000\.pl031: setting system clock to 2026-01-01T00:00:0\d UTC/,
    );
  },
);

Deno.test(
  "linux domU: GICv3 (ICC_* through the virtual CPU interface, SGIs by ICC_SGI1R)" + skip,
  { ignore: !files },
  async () => {
    const text = await bootDomu({ gicVersion: "v3", vcpus: 2, maxvcpus: 2 });
    assert.ok(text.includes("GICv3: CPU1: found redistributor 1 region 0:0x0000000003040000"));
  },
);
