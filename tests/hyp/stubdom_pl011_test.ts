/**
 * A real AArch64 stub domain (guests/stubdom/pl011_dm.c, built with the cross compiler) serves a
 * domU's PL011 through Xen's ioreq ABI: the REPL's ticking guest prints through it and its text
 * comes out of the stub domain's own PV console; the stub domain is a domain of its own (listed,
 * scheduled, accounted) and its target's vcpu waits while a request is pending.
 */
import assert from "node:assert/strict";
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { spawnStubdom, stubdomsOf } from "../../core/hyp/builder/stubdom.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { forkMachine } from "../../core/hyp/machine_snapshot.ts";
import { DOMU_GUEST_IMAGE } from "../../repl/domu_guest.ts";
import { compileGuest, STUBDOM_PL011 } from "../../scripts/build_guests.ts";
import { assembleRaw, haveCrossGcc, labConfig } from "../../tools/lab/hyp_lab.ts";

const MS = 1_200_000;

/** The ticking guest with its UART served outside the hypervisor. */
function ticker(hv: Hypervisor): BuiltDomain {
  const cfg = {
    ...labConfig("ticker"),
    kernel: "domu_lab.Image",
    kernelFormat: "auto" as const,
    vuart: "sbsa_uart" as const,
    vuartPlacement: "stubdom" as const,
  };
  return buildDomain(hv, cfg, { kernel: probeGuestKernel(cfg.kernel, DOMU_GUEST_IMAGE, "auto") });
}

/** A 2-pCPU machine with the ticking guest and the C PL011 model's stub domain serving it. */
async function tickerServed() {
  const kernel = await Deno.readFile(await compileGuest(STUBDOM_PL011));
  const hv = new Hypervisor({ pcpus: 2 });
  const du = ticker(hv).domain;
  const stub = spawnStubdom(hv, { target: du, kernel }).domain;
  return { hv, du, stub };
}

Deno.test({
  name: "stubdom: the C PL011 model in its own domain serves the ticking guest's UART",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const { hv, du, stub } = await tickerServed();
    const out = () => hv.console(stub.id).text;
    assert.match(out(), /pl011 stubdom: serving domain \d+'s PL011 \(ioreq server 0, 1 vcpus\)\n/);
    assert.ok([...hv.domains.values()].includes(stub), "the stub domain is a listed domain");
    assert.equal(stub.dmTarget, du.id);
    assert.deepEqual(stubdomsOf(hv, du), [stub]);
    assert.deepEqual(stubdomsOf(hv, stub), []);
    assert.equal(du.ioreq.servers[0]?.emulator, stub.id);

    hv.run({ maxCycles: 40 * MS, until: () => /tick 5\n/.test(out()) });
    assert.match(out(), /hvlab domU lab on Xen 4\.17/, out());
    assert.match(out(), /tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n/, out());
    assert.equal(hv.console(du.id).text, "", "nothing reaches the target's own console");
    const sv = stub.vcpus[0];
    assert.ok(sv.runstate.timeNs[0] > 0, "the stub domain ran on its own account");
    assert.ok(sv.runstate.timeNs[2] > sv.runstate.timeNs[0], "and blocked (polled) in between");
    assert.ok(sv.hypercalls.get("dm_op")! >= 5, "set-up went through dm_op");
    assert.equal(sv.hypercalls.get("memory_op/acquire_resource"), 1);
    assert.ok(sv.hypercalls.get("sched_op/poll")! > 5, "it waits with SCHEDOP_poll");

    // With the model paused, the target's next UART access stays pending and its vcpu blocked.
    hv.pauseDomain(stub);
    const before = out(), v = du.vcpus[0];
    hv.run({ maxCycles: 5 * MS });
    assert.ok(du.ioreq.pending[0] !== null, "a request is in flight");
    assert.equal(v.runstate.state, "blocked", "the target's vcpu waits for it");
    assert.equal(out(), before, "no output while the model is paused");
    hv.unpauseDomain(stub);
    hv.run({ maxCycles: 5 * MS, until: () => /tick 8\n/.test(out()) });
    assert.match(out(), /tick 8\n/, "ticks resume once the model runs");

    // Typed input on the stub domain's console reaches the guest's RX FIFO; it echoes it.
    hv.console(stub.id).input(new TextEncoder().encode("hi"));
    hv.run({ maxCycles: 10 * MS, until: () => /hi/.test(out().split("tick 8\n")[1] ?? "") });
    assert.match(out().split("tick 8\n")[1] ?? "", /hi/, out());
  },
});

Deno.test({
  name: "stubdom: a machine with a stub domain forks mid-run and both copies go on alike",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const { hv, du, stub } = await tickerServed();
    hv.run({ maxCycles: 20 * MS, until: () => /tick 3\n/.test(hv.console(stub.id).text) });
    const f = forkMachine(hv);
    assert.equal(f.domain(stub.id)?.dmTarget, du.id, "the fork's stub domain keeps its target");
    for (const m of [hv, f]) m.run({ maxCycles: 6 * MS });
    const a = hv.console(stub.id).text, b = f.console(stub.id).text;
    assert.match(a, /tick 6\n/);
    assert.equal(b, a, "the fork's stub domain served the same output");
    // Independent copies: a byte typed into the fork's stub domain is echoed there only.
    f.console(stub.id).input("q");
    for (const m of [hv, f]) m.run({ maxCycles: 2 * MS });
    const after = (m: Hypervisor) => m.console(stub.id).text.slice(a.length);
    assert.match(after(f), /q/);
    assert.doesNotMatch(after(hv), /q/);
  },
});

/** Two vcpus each write 40 bytes to the UART at once ('a' from vcpu 0, 'b' from vcpu 1). */
const TWO_WRITERS = `
  ldr x0, =0xc4000003
  mov x1, #1
  adr x2, secondary
  mov x3, #0
  hvc #0
  mov w5, #'a'
  b write
secondary:
  mov w5, #'b'
write:
  movz x9, #0x2200, lsl #16
  mov x6, #40
1:
  str w5, [x9]
  subs x6, x6, #1
  b.ne 1b
  mov x4, #1
2:
  wfi
  b 2b
  .ltorg
`;

Deno.test({
  name: "stubdom: a two-vcpu target's concurrent accesses each use their own slot and port",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const kernel = await Deno.readFile(await compileGuest(STUBDOM_PL011));
    const hv = new Hypervisor({ pcpus: 2 });
    const cfg = {
      ...labConfig("two", { vcpus: 2 }),
      vuart: "sbsa_uart" as const,
      vuartPlacement: "stubdom" as const,
    };
    const du = buildDomain(hv, cfg, {
      kernel: probeGuestKernel(cfg.kernel, assembleRaw(TWO_WRITERS), "raw"),
    }).domain;
    const stub = spawnStubdom(hv, { target: du, kernel }).domain;
    const banner = hv.console(stub.id).text;
    assert.match(banner, /ioreq server 0, 2 vcpus/);
    hv.run({ maxCycles: 50 * MS, until: () => du.vcpus.every((v) => v.cpu.getX(4) === 1n) });
    assert.ok(du.vcpus.every((v) => v.cpu.getX(4) === 1n), "both vcpus finished");
    const sent = hv.console(stub.id).text.slice(banner.length);
    assert.equal(sent.replaceAll("b", ""), "a".repeat(40), sent);
    assert.equal(sent.replaceAll("a", ""), "b".repeat(40), sent);
    const ports = du.ioreq.servers[0]!.vcpuPorts;
    assert.equal(new Set(ports).size, 2, "a port per vcpu");
  },
});
