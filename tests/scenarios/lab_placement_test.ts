/**
 * `deno task lab:placement` (scripts/lab_placement.ts) as a user runs it: Linux boots and prints
 * on ttyAMA0 with its PL011 in each of the four placements, and the table is consistent with
 * itself and with what the placement tests observe: the same guest makes the same UART accesses
 * wherever the model runs; each placement's latency comes from its path (the trap alone, plus an
 * EL0 switch, plus a round trip through another domain); only out-of-hypervisor placements charge
 * a device-model domain; a crash panics the machine from the hypervisor, crashes the served guest
 * from an EL0 app, and leaves it waiting from another domain; a hang panics from the hypervisor
 * (watchdog) and holds only the served guest elsewhere; a misbehaving model (a bad ioreq answer
 * from another domain) crashes only the served guest (tests/hyp/dm_placement_test.ts,
 * tests/hyp/ioreq_protocol_test.ts).
 */
import assert from "node:assert/strict";
import { findLinuxFiles } from "../../tools/linux/guest_files.ts";
import { haveCrossGcc } from "../../tools/lab/hyp_lab.ts";

const ready = findLinuxFiles() !== undefined && haveCrossGcc();

Deno.test({
  name: "lab:placement: Linux on ttyAMA0 in four placements; the table adds up",
  ignore: !ready,
  async fn() {
    const script = new URL("../../scripts/lab_placement.ts", import.meta.url).pathname;
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(r.stdout);
    assert.ok(r.success, `${out}\n${new TextDecoder().decode(r.stderr)}`);
    assert.match(out, /^hvlab-lab placement placements=4 linux_ok=4$/m, out);
    const rows = new Map(
      out.split("\n").map((l) => l.split(" | ").map((c) => c.trim())).filter((c) =>
        c.length === 13 && (c[1] === "ok" || c[1] === "FAILED")
      ).map((c) => [c[0], c]),
    );
    assert.deepEqual([...rows.keys()], [
      "in the hypervisor",
      "EL0 app",
      "stub domain",
      "ioreq server in dom0",
    ]);
    const col = (label: string, i: number) => Number(rows.get(label)![i]);
    const labels = [...rows.keys()];
    // The same Linux makes the same UART accesses wherever its model runs.
    assert.ok(labels.every((l) => col(l, 2) === col(labels[0], 2) && col(l, 2) > 10_000));
    // Latency from the mechanism: trap < trap + EL0 switch < round trip through a domain.
    assert.ok(col("in the hypervisor", 3) < col("EL0 app", 3));
    assert.ok(col("EL0 app", 3) * 3 < col("stub domain", 3));
    for (const l of labels) assert.ok(col(l, 3) <= col(l, 5) && col(l, 4) <= col(l, 5), l);
    // Slower UART accesses, less console throughput.
    assert.ok(col("in the hypervisor", 6) >= col("EL0 app", 6));
    assert.ok(col("EL0 app", 6) > col("stub domain", 6));
    // CPU: the EL0 app is charged to the served guest (more hypervisor time on its behalf);
    // only the out-of-hypervisor placements have a device-model domain to charge.
    assert.ok(col("EL0 app", 8) > col("in the hypervisor", 8));
    assert.equal(col("in the hypervisor", 9), 0);
    assert.equal(col("EL0 app", 9), 0);
    assert.ok(col("stub domain", 9) > 0 && col("ioreq server in dom0", 9) > 0);
    // Blast radius as tests/hyp/dm_placement_test.ts and the stub domain tests observe it.
    assert.match(rows.get("in the hypervisor")![10], /whole machine \(hypervisor panic\)/);
    assert.match(rows.get("EL0 app")![10], /serviced guest only \(crashed\)/);
    assert.match(rows.get("stub domain")![10], /serviced guest only \(its UART waits forever\)/);
    assert.match(rows.get("ioreq server in dom0")![10], /serviced guest only/);
    // A hang: Xen's watchdog panics a pCPU stuck in EL2; elsewhere only the served guest waits.
    assert.match(rows.get("in the hypervisor")![11], /whole machine \(hypervisor panic\)/);
    for (const l of labels.slice(1)) assert.match(rows.get(l)![11], /serviced guest only/, l);
    // Misbehaving: wild in the hypervisor is a panic; an EL0 app's fault and another domain's bad
    // ioreq answer crash the served guest only (Xen's domain_crash on a weird ioreq state).
    assert.match(rows.get("in the hypervisor")![12], /whole machine \(hypervisor panic\)/);
    for (const l of labels.slice(1)) {
      assert.match(rows.get(l)![12], /serviced guest only \(crashed\)/, l);
    }
  },
});
