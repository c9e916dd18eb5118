/**
 * The REPL's device-model placement commands: devices() lists each domain's models and where they
 * run, placeDevice() moves an inline one, dmFault() kills or hangs one on purpose, spawnStubdom()
 * starts the C model in a stub domain; a run that ends in a hypervisor panic prints the reason.
 */
import assert from "node:assert/strict";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import type { Domain } from "../../core/hyp/domain.ts";
import { buildStubdomKernel } from "../../repl/dm_commands.ts";
import { COMMAND_NAMES } from "../../repl/help.ts";
import { domuLabConfig } from "../../repl/hv_lab.ts";
import { DOMU_GUEST_IMAGE } from "../../repl/domu_guest.ts";
import { haveCrossGcc } from "../../tools/lab/hyp_lab.ts";
import { dom0Setup } from "../../tools/lab/placement_lab.ts";
import { type ReplLab, replLab } from "../support/repl_lab.ts";

/** Adds the ticking guest as domain `name` with `over` on top of the REPL's lab config. */
function addTicker(r: ReplLab, name: string, over: Partial<DomainConfig>): Domain {
  return r.lab.build({ ...domuLabConfig(name), ...over }, {
    kernel: probeGuestKernel("domu_lab.Image", DOMU_GUEST_IMAGE, "auto"),
  }).domain;
}

/** Lines of the devices() table for domain `id`. */
function rowsOf(table: string, id: number): string[] {
  return table.split("\n").filter((l) => new RegExp(`^ *${id}  `).test(l));
}

Deno.test("REPL devices: every domain's models with address, placement, accesses, fault", async () => {
  const r = replLab();
  addTicker(r, "vm", {
    vuartPlacement: "el0",
    vmDevices: { rtc: { placement: "el0" }, flash: {} },
  });
  await r.cmd("runFor", "3ms");
  const all = await r.cmd("devices");
  assert.match(all, /^Dom +Device +Address +Placement +Accesses +Fault +Dead\n/);
  const [uart1] = rowsOf(all, 1);
  assert.match(uart1, /^ +1 +vpl011 +0x22000000 +hypervisor +(\d+) +none +no$/);
  assert.ok(Number(/hypervisor +(\d+)/.exec(uart1)![1]) > 0, "the ticks went through it");
  const two = rowsOf(all, 2);
  assert.equal(two.length, 4, all);
  assert.match(two[0], /vpl011 +0x22000000 +EL0 app +[1-9]\d* +none +no$/);
  assert.match(two[1], /pl031 +0x22001000 +EL0 app +0 +none +no$/);
  assert.match(two[2], /flash0 +0x08000000 +hypervisor +0 +none +no$/);
  assert.match(two[3], /flash1 +0x0c000000 +hypervisor +0 +none +no$/);
  const only2 = await r.cmd("devices", 2);
  assert.equal(rowsOf(only2, 2).length, 4);
  assert.equal(rowsOf(only2, 1).length, 0, "devices(d) shows d only");
  await assert.rejects(r.cmd("devices", 7), /no domain 7/);
  for (const c of ["devices", "placeDevice", "spawnStubdom", "dmFault"]) {
    assert.ok(COMMAND_NAMES.includes(c), `${c} has help`);
    assert.match(await r.cmd("help", c), new RegExp(`^${c}\\(`));
  }
  assert.match(
    await r.cmd("help", "spawnStubdom"),
    /spawnStubdom\(hv, \{ target: d\.domain, devices: \["pl011"\], kernel/,
  );
});

Deno.test("REPL placeDevice: moves an inline model keeping its registers; refusals say why", async () => {
  const r = replLab();
  await r.cmd("runFor", "2ms");
  const placed = r.lab.hv.runtimes.get(1)!.backends.vpl011Placed!;
  const n = placed.state.accesses;
  const uart = r.lab.hv.runtimes.get(1)!.backends.vpl011!;
  const regs = JSON.stringify(uart.save());
  assert.equal(
    await r.cmd("placeDevice", 1, "vpl011", "el0"),
    `domain 1's vpl011: hypervisor -> EL0 app (registers kept; ${n} accesses so far)`,
  );
  assert.equal(placed.placement, "el0");
  assert.equal(JSON.stringify(uart.save()), regs, "the model's registers did not change");
  assert.equal(
    await r.cmd("placeDevice", "lab", "vpl011", "el0"),
    "domain 1's vpl011 already runs as EL0 app",
  );
  const ran = await r.cmd("runFor", "2ms");
  assert.match(ran, /\nd1\| tick 2\nd1\| tick 3$/, "the guest prints on through the EL0 app");
  assert.match(await r.cmd("devices", 1), /vpl011 +0x22000000 +EL0 app/);
  assert.match(await r.cmd("placeDevice", 1, "vpl011", "hypervisor"), /EL0 app -> hypervisor/);

  await assert.rejects(
    r.cmd("placeDevice", 1, "vpl011", "qemu"),
    /no placement "qemu" \(there are hypervisor, el0, stubdom, ioreq\)/,
  );
  await assert.rejects(
    r.cmd("placeDevice", 1, "uart9", "el0"),
    /domain 1 has no device model "uart9" \(it has vpl011\)/,
  );
  await assert.rejects(
    r.cmd("placeDevice", 1, "vpl011", "stubdom"),
    /cannot move to "stubdom" at run time: the C model in another domain cannot take over the TypeScript model's register state/,
  );
  await assert.rejects(
    r.cmd("placeDevice", 1, "vpl011", "ioreq"),
    /cannot move to "ioreq" at run time/,
  );
  addTicker(r, "far", { vuartPlacement: "stubdom" });
  assert.match(
    await r.cmd("devices", 2),
    /2 +vpl011 +0x22000000 +stubdom: none yet \(spawnStubdom\(d\)\) +- +- +-/,
  );
  await assert.rejects(
    r.cmd("placeDevice", 2, "vpl011", "el0"),
    /domain 2's vpl011 is served by no one yet \(vuartPlacement "stubdom"\)/,
  );
  await assert.rejects(
    r.cmd("dmFault", 2, "vpl011", "crash"),
    /domain 2's vpl011 has no device model yet/,
  );
});

Deno.test("REPL dmFault in the hypervisor: the next access panics; the reason prints, then briefly", async () => {
  const r = replLab();
  await r.cmd("runFor", "1ms");
  assert.match(
    await r.cmd("dmFault", 1, "vpl011", "crash"),
    /^armed "crash" in domain 1's vpl011 \(hypervisor\): the next access .* expect a hypervisor panic/,
  );
  assert.match(await r.cmd("devices"), /vpl011 +0x22000000 +hypervisor +\d+ +crash +no/);
  const ran = await r.cmd("runFor", "5ms");
  assert.match(ran, /^ran: .*\(panic\)/);
  assert.match(
    ran,
    /\nhypervisor panic at [\d.]+ ms: device model vpl011 faulted: crashed on purpose \(in the hypervisor\)/,
  );
  assert.match(await r.cmd("devices"), /hypervisor +\d+ +crash +yes/);
  const again = await r.cmd("runFor", "1ms");
  assert.match(
    again,
    /^ran: 0 ns of virtual time .*\(panic\); now .*\n\(the hypervisor panicked at [\d.]+ \w?s; it runs no more\)$/,
  );
  assert.doesNotMatch(again, /crashed on purpose/, "the reason is told once");
  assert.match(await r.cmd("run"), /^\(the hypervisor panicked at .*; it runs no more\)$/);
  assert.match(
    await r.cmd("step"),
    /\(panic\)\n\(the hypervisor panicked at .*; it runs no more\)/,
  );
  assert.equal(r.lab.running, false, "run() does not start a panicked machine");
  await assert.rejects(r.cmd("dmFault", 1, "vpl011", "hang"), /domain 1's vpl011 is already dead/);
  await assert.rejects(
    r.cmd("dmFault", 1, "vpl011", "kill"),
    /no fault "kill" \(there are "crash" and "hang"\)/,
  );
});

Deno.test("REPL dmFault hang in the hypervisor panics through the watchdog, told by the background run", async () => {
  const r = replLab();
  assert.match(
    await r.cmd("dmFault", 1, "vpl011", "hang"),
    /holding a pCPU in EL2: expect a watchdog panic/,
  );
  r.lab.resume();
  try {
    for (let i = 0; i < 400 && r.lab.running; i++) await new Promise((ok) => setTimeout(ok, 10));
    assert.equal(r.lab.running, false, "the background run stopped at the panic");
  } finally {
    r.lab.pause();
  }
  const told = r.drain();
  assert.match(
    told,
    /^\n\[hypervisor panic at [\d.]+ \w?s: watchdog: a pCPU is stuck in device model vpl011 \(in the hypervisor\); the background run stopped\]$/,
  );
  assert.equal(r.lab.lastStop, "panic");
});

Deno.test("REPL dmFault as an EL0 app: crash takes the served domain, hang makes it wait; others run", async () => {
  const r = replLab();
  const two = addTicker(r, "two", { vuartPlacement: "el0" });
  const three = addTicker(r, "three", { vuartPlacement: "el0" });
  await r.cmd("runFor", "1ms");
  assert.match(
    await r.cmd("dmFault", 2, "vpl011", "crash"),
    /faults in its EL0 app: expect domain 2 crashed, other domains running on/,
  );
  assert.match(
    await r.cmd("dmFault", "three", "vpl011", "hang"),
    /domain 3's vcpu retries it forever on its own time/,
  );
  const before = r.lab.hv.console(3).text.length;
  const ran = await r.cmd("runFor", "4ms");
  assert.match(ran, /\(limit\)/, "no panic");
  assert.equal(r.lab.hv.panicked, null);
  assert.equal(two.state, "shutdown");
  assert.equal(two.shutdownReason, "crash");
  assert.ok(three.alive, "a hung EL0 app crashes no one");
  assert.equal(r.lab.hv.console(3).text.length, before, "domain 3 prints nothing more");
  assert.equal(ran.match(/^d1\| tick \d+$/gm)?.length, 4, `domain 1 runs on: ${ran}`);
  assert.doesNotMatch(ran, /d[23]\|/, "domains 2 and 3 print nothing more");
  const t = await r.cmd("devices");
  assert.match(rowsOf(t, 2)[0], /EL0 app +\d+ +crash +yes$/);
  assert.match(rowsOf(t, 3)[0], /EL0 app +\d+ +hang +no$/);
});

Deno.test("REPL spawnStubdom: refused for a domain not built for it; a missing compiler is named", async () => {
  const r = replLab();
  await assert.rejects(
    r.cmd("spawnStubdom", 1),
    /domain 1 "lab" has no device built to be served by a stub domain \(its vpl011: "hypervisor", pl031: "absent"\): a stub domain serves a domain built with vuartPlacement "stubdom" and\/or vmDevices.rtc.placement "stubdom"/,
  );
  addTicker(r, "el0", { vuartPlacement: "el0", vmDevices: { rtc: { placement: "stubdom" } } });
  assert.match(await r.cmd("devices", 2), /\n +2 +pl031 +0x22001000 +stubdom: none yet/);
  await assert.rejects(
    r.cmd("spawnStubdom", 2, ["vpl011"]),
    /domain 2's vpl011 is placed "el0", not "stubdom": a stub domain serves only devices/,
  );
  await assert.rejects(
    r.cmd("spawnStubdom", 2, ["flash0"]),
    /the stub domain's C model serves vpl011 and pl031, not "flash0"/,
  );
  await assert.rejects(
    r.cmd("spawnStubdom", 2, ["toString"]),
    /the stub domain's C model serves vpl011 and pl031, not "toString"/,
  );
  await assert.rejects(r.cmd("spawnStubdom", 2, []), /domain 2 "el0" gets no devices to serve/);
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", "/nonexistent");
  try {
    await assert.rejects(
      buildStubdomKernel(),
      /needs the cross compiler aarch64-linux-gnu-gcc, which is not installed/,
    );
  } finally {
    Deno.env.set("PATH", path);
  }
});

Deno.test({
  name: "REPL spawnStubdom: the C model serves the domain; devices, placeDevice and dmFault see it",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const r = replLab();
    const far = addTicker(r, "far", { vuartPlacement: "stubdom" });
    // Paused, so its UART accesses do not abort while the model compiles and the machine runs.
    await r.cmd("pause", "far");
    r.lab.resume();
    let said: string;
    try {
      said = await r.cmd("spawnStubdom", "far");
      assert.ok(r.lab.running, "the background run goes on after the model came up");
    } finally {
      r.lab.pause();
    }
    assert.match(
      said,
      /^stub domain 3 "far-dm" serves domain 2's vpl011; the UART's output appears on con\(3\)/,
    );
    assert.match(said, /domain 3 "far-dm" +state running/);
    const stub = r.lab.domain(3);
    assert.equal(stub.dmTarget, 2);
    assert.match(
      await r.cmd("devices", 2),
      /\n +2 +vpl011 +0x22000000 +stub domain 3 \(server 0\) +- +none +no$/,
    );
    await assert.rejects(
      r.cmd("spawnStubdom", 2),
      /domain 2's vpl011 is already served by stub domain 3/,
    );
    await assert.rejects(
      r.cmd("placeDevice", 2, "vpl011", "hypervisor"),
      /domain 2's vpl011 is served by stub domain 3 \(ioreq server 0\): its registers are in that domain's C model/,
    );
    assert.match(await r.cmd("runUntil", /tick 2\n/, "100ms"), /^condition met/);

    assert.match(
      await r.cmd("dmFault", 2, "vpl011", "hang"),
      /^stub domain 3 paused \(a hung device model\): domain 2 waits on its next vpl011 access until unpause\(3\)$/,
    );
    assert.match(await r.cmd("devices", 2), /stub domain 3 \(server 0\) +- +hang \(paused\) +no$/);
    const held = r.lab.hv.console(3).text;
    await r.cmd("runFor", "3ms");
    assert.equal(r.lab.hv.console(3).text, held, "nothing printed while the model hangs");
    assert.ok(far.alive);
    await r.cmd("unpause", 3);
    await r.cmd("runFor", "3ms");
    assert.notEqual(r.lab.hv.console(3).text, held, "it prints again once unpaused");

    assert.match(
      await r.cmd("dmFault", 2, "vpl011", "crash"),
      /^stub domain 3 crashed: domain 2's next vpl011 access waits forever/,
    );
    const ran = await r.cmd("runFor", "3ms");
    assert.doesNotMatch(ran, /panic/);
    assert.ok(far.alive, "the served domain is not crashed: it waits");
    assert.equal(far.vcpus[0].runstate.state, "blocked");
    assert.match(await r.cmd("devices", 2), /stub domain 3 \(server 0\) +- +\w+ +yes$/);
    await assert.rejects(
      r.cmd("dmFault", 2, "vpl011", "crash"),
      /domain 3 serving domain 2's vpl011 is already/,
    );
  },
});

Deno.test({
  name: "REPL devices and dmFault: the C model behind an ioreq server in a privileged domain",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const r = replLab();
    const far = addTicker(r, "far", { vuartPlacement: "ioreq" });
    const dm = dom0Setup(await buildStubdomKernel()).start(r.lab.hv, far)!;
    assert.equal(dm.id, 3);
    assert.equal(dm.dmTarget, null, "not a stub domain: a control domain");
    assert.match(
      await r.cmd("devices", 2),
      /\n +2 +vpl011 +0x22000000 +ioreq server in domain 3 \(server 0\) +- +none +no$/,
    );
    await assert.rejects(
      r.cmd("spawnStubdom", 2),
      /its vpl011: "ioreq", pl031: "absent"\): a stub domain serves a domain built with/,
    );
    await assert.rejects(
      r.cmd("placeDevice", 2, "vpl011", "el0"),
      /served by domain 3 \(ioreq server 0\): its registers are in that domain's C model/,
    );
    assert.match(
      await r.cmd("dmFault", "far", "vpl011", "hang"),
      /^domain 3 paused \(a hung device model\): domain 2 waits on its next vpl011 access until unpause\(3\); every other domain it serves waits likewise$/,
    );
    assert.equal(dm.state, "paused");
  },
});

Deno.test({
  name:
    "REPL spawnStubdom: the C model serves the UART and the RTC a domain was built to have served",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const r = replLab();
    addTicker(r, "both", {
      vuartPlacement: "stubdom",
      vmDevices: { rtc: { placement: "stubdom" } },
    });
    const before = await r.cmd("devices", 2);
    assert.match(before, /vpl011 +0x22000000 +stubdom: none yet/);
    assert.match(before, /pl031 +0x22001000 +stubdom: none yet/);
    assert.match(
      await r.cmd("spawnStubdom", "both"),
      /^stub domain 3 "both-dm" serves domain 2's vpl011, pl031;/,
    );
    const t = await r.cmd("devices", 2);
    assert.match(t, /\n +2 +vpl011 +0x22000000 +stub domain 3 \(server 0\) +- +none +no/);
    assert.match(t, /\n +2 +pl031 +0x22001000 +stub domain 3 \(server 0\) +- +none +no/);
    assert.doesNotMatch(t, /none yet/);
    await assert.rejects(
      r.cmd("spawnStubdom", 2, ["pl031"]),
      /domain 2's pl031 is already served by stub domain 3/,
    );

    addTicker(r, "rtc", { vuartPlacement: "el0", vmDevices: { rtc: { placement: "stubdom" } } });
    assert.match(
      await r.cmd("spawnStubdom", 4),
      /^stub domain 5 "rtc-dm" serves domain 4's pl031$/m,
    );
    const t4 = await r.cmd("devices", 4);
    assert.match(t4, /vpl011 +0x22000000 +EL0 app/);
    assert.match(t4, /pl031 +0x22001000 +stub domain 5 \(server 0\)/);
  },
});
