/**
 * The IRQ-latency guest (guests/latency.c) as a Xen domU: built with the cross compiler, booted
 * by the real domain builder (ELF kernel, vpl011 console, GICv2), run to its PSCI SYSTEM_OFF.
 * Its statistics line must be sane, every run must have taken its timer interrupt, and two
 * runs must print the same text (hvlab's time is virtual).
 */
import assert from "node:assert/strict";
import { compileGuest } from "../../scripts/build_guests.ts";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import { loadGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { haveCrossGcc, labConfig } from "../../tools/lab/hyp_lab.ts";

const RUNS = 1000;

const HAVE_GCC = haveCrossGcc();
if (!HAVE_GCC) console.log("latency guest tests skipped: aarch64-linux-gnu-gcc is not installed");

/** Builds the guest; `cflags` may override RUNS, WARMUP and DELAY_NS (-D). */
async function latencyElf(name: string, cflags: string[] = []): Promise<Uint8Array> {
  const sources = ["latency.c", "latency_vectors.S"];
  return await Deno.readFile(await compileGuest({ name, sources, cflags }));
}

/** Boots `elf` as a domU and returns its console text once every domain has shut down. */
async function runLatencyGuest(
  elf: Uint8Array,
  runs: number,
  vwfi: "trap" | "native" = "trap",
): Promise<string> {
  const hv = new Hypervisor({ pcpus: 2, vwfi });
  const cfg = { ...labConfig("latency"), kernel: "latency.elf", kernelFormat: "auto" as const };
  const kernel = await loadGuestKernel(cfg.kernel, elf, "auto");
  const b = buildDomain(hv, { ...cfg, vuart: "sbsa_uart" }, { kernel });
  const r = hv.run({ maxCycles: 5e9 });
  const text = hv.console(b.domain.id).text;
  assert.equal(r.reason, "all-shutdown", `run ended by ${r.reason}; console:\n${text}`);
  assert.equal(b.domain.shutdownReason, "poweroff", text);
  // Every run waited its 10 us for the deadline in virtual time.
  assert.ok(hv.nowNs() >= runs * 10_000, `only ${hv.nowNs()} ns of virtual time passed`);
  return text;
}

Deno.test({
  name: "latency guest: 1000 timer interrupts, sane AVG/MIN/MAX/WARM_MAX, same text twice",
  ignore: !HAVE_GCC,
  async fn() {
    const elf = await latencyElf("latency");
    const text = await runLatencyGuest(elf, RUNS);
    assert.match(text, /^latency guest: runs=1000 warmup=100 delay_ns=10000 cntfrq=\d+ /m);
    assert.match(text, new RegExp(`^irqs=${RUNS} spurious=0 other=0 early=0$`, "m"), text);
    const lines = text.split("\n").filter((l) => l.startsWith("AVG="));
    assert.equal(lines.length, 1, text);
    const m = /^AVG=(\d+) MIN=(\d+) MAX=(\d+) WARM_MAX=(\d+)$/.exec(lines[0]);
    assert.ok(m, `statistics line: ${lines[0]}`);
    const [avg, min, max, warmMax] = m.slice(1).map(Number);
    // The cost model puts the physical IRQ path, the wake-up and the world switch between the
    // deadline and the handler: at least the interrupt's entry and injection (> 1 us).
    assert.ok(min > 1000, lines[0]);
    assert.ok(min <= avg && avg <= max, lines[0]);
    assert.ok(warmMax <= max && warmMax >= min, lines[0]);
    // A delay of 10 us between arm and deadline: a latency near that would mean lost deadlines.
    assert.ok(max < 10_000, lines[0]);
    assert.equal(await runLatencyGuest(elf, RUNS), text, "a second run printed different text");
  },
});

Deno.test({
  name: "latency guest: -D overrides the counts; native WFI (vwfi=native) takes every interrupt",
  ignore: !HAVE_GCC,
  async fn() {
    const elf = await latencyElf("latency_small", ["-DRUNS=50", "-DWARMUP=10"]);
    for (const vwfi of ["trap", "native"] as const) {
      const text = await runLatencyGuest(elf, 50, vwfi);
      assert.match(text, /^latency guest: runs=50 warmup=10 delay_ns=10000 /m, text);
      assert.match(text, /^irqs=50 spurious=0 other=0 early=0$/m, text);
      assert.match(text, /^AVG=\d+ MIN=\d+ MAX=\d+ WARM_MAX=\d+$/m, text);
    }
  },
});
