import assert from "node:assert/strict";
import { DOMU_GUEST_IMAGE } from "../../repl/domu_guest.ts";
import { parseDuration } from "../../repl/duration.ts";
import { COMMAND_NAMES, OBJECT_HELP } from "../../repl/help.ts";
import { replLab } from "../support/repl_lab.ts";

/** A directory with the built-in guest as an Image file and an xl.cfg naming it. */
async function xlCfgDir(name: string, extra = ""): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hvlab-repl-" });
  await Deno.writeFile(`${dir}/domu_lab.Image`, DOMU_GUEST_IMAGE);
  await Deno.writeTextFile(
    `${dir}/${name}.cfg`,
    `name = "${name}"\nkernel = "domu_lab.Image"\nmemory = 16\nvcpus = 2\n` +
      `vuart = "sbsa_uart"\ncmdline = "console=ttyAMA0"\n${extra}`,
  );
  return dir;
}

Deno.test("durations: units ns, us, ms, s; junk is refused naming it", () => {
  assert.equal(parseDuration("10ms"), 10_000_000);
  assert.equal(parseDuration("2.5 s"), 2_500_000_000);
  assert.equal(parseDuration("300us"), 300_000);
  assert.equal(parseDuration("7ns"), 7);
  assert.equal(parseDuration(42), 42);
  assert.throws(() => parseDuration("10 parsecs"), /bad duration "10 parsecs"/);
  assert.throws(() => parseDuration(-1), /bad duration -1/);
});

Deno.test("REPL session: list, dom, vcpu, views of every object kind", async () => {
  const r = replLab();
  const ran = await r.cmd("runFor", "5.5ms");
  assert.match(ran, /^ran: 5\.500 ms of virtual time .*\(limit\)/);
  assert.match(ran, /\nd1\| hvlab domU lab on Xen 4\.17\.7: [^\n]*\nd1\| tick 1\nd1\| tick 2\n/);
  assert.match(ran, /d1\| tick 5$/);
  assert.match(
    await r.cmd("list"),
    /ID +Name +State +Mem[^\n]*\n[- ]+\n +1 +lab +running -b--- +16 MiB +1 +1/,
  );
  const dom = r.show(r.lab.domain(1));
  assert.match(dom, /domain 1 "lab" +state running/);
  assert.match(dom, /VCPU +pCPU +State +Paused +PC +EL +Running +Runnable +Blocked +Offline/);
  const v = r.show(r.lab.vcpu(1, 0));
  assert.match(v, /domain 1 vcpu 0 on pCPU 0: blocked/);
  assert.match(v, /x19 0000000000000005/, "five ticks counted in x19");
  assert.match(v, /VBAR_EL1 0000000040000800/);
  assert.match(v, /CNTV_CTL_EL0 0000000000000001/);
  assert.match(v, /pending IRQs: none/);
  assert.match(v, /=> 4000[0-9a-f]{4}: {2}[0-9a-f]{8} {2}\S+/);
  assert.match(r.show(r.global("gic")), /vGIC v2[^\n]*\n[^\n]*\n[^\n]*\n +27 +PPI +0 +yes[^\n]*27/);
  assert.match(r.show(r.global("xs")), /\n {3}1 = "" {2}\(n0,r1\)\n {4}vm = /);
  assert.match(r.show(r.global("hv")), /Xen 4\.17\.7 ABI, 2 pCPUs, 1 domain/);
  assert.match(await r.cmd("info"), /pCPU +Now +Idle/);
  assert.match(await r.cmd("vcpuList"), /lab +1 +0 +0 +-b- +0\.\d{6} +all \/ all/);
  assert.match(
    await r.cmd("grants", 1),
    /\n +0 +permit_access +0 +0x39000 +0x0\n +1 +permit_access/,
  );
  assert.match(
    await r.cmd("evtchn", 1),
    /\n +1 +host +back end \(dom 0\) +0 +0 +no +no\n +2 +host/,
  );
  assert.match(
    await r.cmd("p2m", 1),
    /0x003002000 +0x003003fff +0x008040000 +8 KiB +rw- +mmio\n[^\n]*ram\n0x040000000 +0x040ffffff +0x[0-9a-f]+ +16 MiB +rwx +ram/,
  );
  assert.match(await r.cmd("vgic", 1), /list registers in use:/);
  assert.match(await r.cmd("xstree", "/local/domain/1/name"), /name = "lab"/);
  assert.match(await r.cmd("watches"), /Domain +Path +Token/);
  assert.match(await r.cmd("consoles"), / +1 +lab +\d+ +0 +tick 5/);
  assert.match(await r.cmd("con", 1, 2), /\.\.\. \d+ earlier lines\ntick 4\ntick 5$/);
  assert.match(await r.cmd("hypercalls"), /1 +0 +xen_version\/version +1/);
  assert.match(await r.cmd("exits", 1), /1 +0 +dabt +\d+/);
  assert.match(await r.cmd("regs"), /x19 0000000000000005/);
  assert.match(
    await r.cmd("sysregs", r.lab.vcpu(1), ["VBAR_EL1", "NOT_A_REG"]),
    /NOT_A_REG \(not modelled\)/,
  );
  assert.match(await r.cmd("dis", r.lab.vcpu(1), 2), /=> /);
  assert.match(await r.cmd("dmesg"), /\(log empty\)|\]/);
  await assert.rejects(() => r.cmd("dom", 9), /no domain 9 \(domains: 1 "lab"\)/);
  await assert.rejects(() => r.cmd("dom", "nope"), /no domain "nope" \(domains: 1 "lab"\)/);
  assert.equal(r.lab.domain("lab"), r.lab.domain(1));
  await assert.rejects(() => r.cmd("vcpu", 1, 3), /domain 1 has no vcpu 3 \(it has 1\)/);
});

Deno.test("REPL session: help for every command and every object kind", async () => {
  const r = replLab();
  const all = await r.cmd("help");
  for (const name of COMMAND_NAMES) {
    assert.ok(all.includes(name), `help() lists ${name}`);
    const one = await r.cmd("help", name);
    assert.doesNotMatch(one, /^no help/, `help("${name}")`);
    const f = r.global(name);
    if (typeof f === "function") assert.equal(await r.cmd("help", f), one, `help(${name})`);
  }
  assert.equal(await r.cmd("help", r.lab.domain(1)), OBJECT_HELP.Domain);
  assert.equal(await r.cmd("help", r.lab.vcpu(1)), OBJECT_HELP.Vcpu);
  assert.equal(await r.cmd("help", r.global("hv")), OBJECT_HELP.Hypervisor);
  assert.equal(await r.cmd("help", r.global("xs")), OBJECT_HELP.Xenstored);
  assert.equal(await r.cmd("help", r.global("gic")), OBJECT_HELP.Vgic);
  assert.equal(await r.cmd("help", r.lab), OBJECT_HELP.HvLab);
  assert.match(await r.cmd("help", 42), /no help for this value/);
});

Deno.test("REPL session: step, runUntil (RegExp and predicate), progress of long runs", async () => {
  const r = replLab();
  await r.cmd("runFor", "1500us");
  const v = r.lab.vcpu(1);
  const before = v.cpu.retired;
  const s = await r.cmd("step", 3);
  assert.match(s, /^vcpu 1\.0: 3 instruction\(s\) in .* \(done\)\n/);
  assert.match(s, /=> /);
  assert.ok(v.cpu.retired - before <= 3 + 1, `retired ${v.cpu.retired - before}`);
  assert.equal(v.cpu.traceHook, null, "the step hook is gone");
  const u = await r.cmd("runUntil", /tick 7\n/);
  assert.match(u, /^condition met: .*\(until\)/);
  assert.match(u, /d1\| tick 7$/);
  assert.match(r.lab.hv.console(1).text, /tick 7\n$/);
  const n = await r.cmd("runUntil", () => r.lab.hv.nowNs() >= 20e6, "1s");
  assert.match(n, /^condition met/);
  assert.ok(r.lab.hv.nowNs() >= 20e6);
  const miss = await r.cmd("runUntil", /never printed/, "2ms");
  assert.match(miss, /^not met: 2\.000 ms of virtual time/);
  await assert.rejects(() => r.cmd("runUntil", "tick"), /predicate function or a RegExp/);
  r.lab.progressAfterMs = 0;
  const long = await r.cmd("runFor", "1s");
  assert.match(long, /\[progress\] running: [\d.]+ of 1000\.0 ms virtual, [\d.]+ s wall/);
  assert.match(long, /ran: 1\.000 s of virtual time/);
});

Deno.test("REPL session: create from an xl.cfg, pause/unpause, vcpuPin, shutdown, destroy", async () => {
  const r = replLab();
  const dir = await xlCfgDir("second");
  try {
    assert.equal(await r.cmd("create", `${dir}/second.cfg`), 'created domain 2 "second"');
    await r.cmd("runFor", "3ms");
    assert.match(
      r.lab.hv.console(2).text,
      /^hvlab domU lab on Xen 4\.17\.7[^\n]*\ntick 1\ntick 2\n/,
    );
    assert.match(await r.cmd("list"), /\n +2 +second +running -b--- +16 MiB +2 +1 /);
    await assert.rejects(() => r.cmd("create", `${dir}/missing.cfg`), /missing\.cfg: cannot read/);

    await r.cmd("select", 2, 1);
    await assert.rejects(() => r.cmd("step", 1), /vcpu 2\.1 is offline: cannot step it/);
    assert.equal(await r.cmd("pause", 2), "domain 2 paused");
    await r.cmd("select", 2, 0);
    await assert.rejects(() => r.cmd("step", 1), /vcpu 2\.0 is paused: cannot step it/);
    const ticks = r.lab.hv.console(2).text.length;
    await r.cmd("runFor", "3ms");
    assert.equal(r.lab.hv.console(2).text.length, ticks, "a paused domain does not run");
    assert.match(await r.cmd("list"), /\n +2 +second +paused [-b]{2}p--/);
    assert.equal(await r.cmd("unpause", 2), "domain 2 unpaused");
    await r.cmd("runFor", "2ms");
    assert.ok(r.lab.hv.console(2).text.length > ticks, "it runs again");

    assert.equal(await r.cmd("vcpuPin", 2, 0, 1), "vcpu 2.0 pinned to pCPU 1 (was any pCPU)");
    const v = r.lab.vcpu(2, 0);
    assert.deepEqual(v.unit.hard, [1]);
    const at = r.lab.hv.console(2).text.length;
    await r.cmd("runFor", "2ms");
    assert.ok(r.lab.hv.console(2).text.length > at, "it runs on pCPU 1");
    // The scheduler moved it when it next ran: pCPU 1 is its processor now.
    assert.equal(v.pcpu, 1);
    assert.ok(r.lab.hv.pcpus[1].vcpus.includes(v) && !r.lab.hv.pcpus[0].vcpus.includes(v));
    await assert.rejects(() => r.cmd("vcpuPin", 2, 0, 2), /no pCPU 2 \(there are 2: 0\.\.1\)/);

    assert.match(await r.cmd("shutdown", 2), /domain 2: no PV control interface, shut down/);
    assert.match(await r.cmd("list"), /\n +2 +second +shutdown ---s- .* poweroff/);
    await assert.rejects(() => r.cmd("pause", 2), /domain 2 is shutdown: cannot pause it/);
    // A guest that advertises feature-poweroff is asked through xenstore instead.
    r.lab.hv.xenstore.write("/local/domain/1/control/feature-poweroff", "1");
    assert.match(await r.cmd("shutdown", 1), /asked to poweroff through xenstore/);
    assert.equal(r.lab.hv.xenstore.read("/local/domain/1/control/shutdown"), "poweroff");

    assert.equal(await r.cmd("destroy", 2), 'domain 2 "second" destroyed');
    assert.equal(r.lab.hv.domains.has(2), false);
    assert.equal(r.lab.hv.xenstore.tryRead("/local/domain/2"), undefined);
    assert.ok(!r.lab.hv.pcpus.some((p) => p.vcpus.some((x) => x.domainId === 2)));
    assert.match(await r.cmd("list"), /^(?![\s\S]*second)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("REPL session: a breakpoint stops a run on its vcpu; step and unbrk continue", async () => {
  const r = replLab();
  await r.cmd("runFor", "1500us");
  // VBAR_EL1 + 0x280: the guest's IRQ vector (current EL, SPx).
  assert.match(await r.cmd("brk", 0x4000_0a80), /breakpoint at 0x40000a80 on vcpu 1\.0/);
  const hit = await r.cmd("runFor", "5ms");
  assert.match(hit, /^ran: [\d.]+ (us|ms) of virtual time .*\(debug\)/);
  assert.match(hit, /debug stop on vcpu 1\.0 \(now the current vcpu\):\n=> 40000a80: /);
  assert.equal(r.lab.vcpu(1).cpu.pc, 0x4000_0a80n);
  const s = await r.cmd("step", 1);
  assert.match(s, /^vcpu 1\.0: 1 instruction\(s\)/);
  assert.notEqual(r.lab.vcpu(1).cpu.pc, 0x4000_0a80n, "stepped off the breakpoint");
  assert.equal(await r.cmd("unbrk", 0x4000_0a80), "breakpoint removed");
  assert.equal(await r.cmd("unbrk", 0x4000_0a80), "no breakpoint at 0x40000a80");
  const on = await r.cmd("runFor", "3ms");
  assert.match(on, /\(limit\)/);
  assert.match(on, /d1\| tick \d+/);
});

Deno.test("REPL session: a breakpoint hit in the background run is reported and selected", async () => {
  const r = replLab();
  const dir = await xlCfgDir("other");
  await r.cmd("create", `${dir}/other.cfg`);
  await Deno.remove(dir, { recursive: true });
  await r.cmd("brk", 0x4000_0a80, r.lab.vcpu(2));
  const stopped = new Promise<void>((res) => {
    const prev = r.lab.onDebugStop!;
    r.lab.onDebugStop = (v) => {
      prev(v);
      res();
    };
  });
  r.lab.resume();
  await stopped;
  assert.equal(r.lab.running, false, "a debug stop ends the background run");
  assert.match(
    r.drain(),
    /\[debug stop on vcpu 2\.0 at pc 40000a80 at [\d.]+ ms \(now the current/,
  );
  assert.equal(r.global("cur"), r.lab.vcpu(2));
  r.lab.pause();
});
