import assert from "node:assert/strict";
import { HvLab } from "../../repl/hv_lab.ts";
import { vgicOf } from "../../repl/show_vgic.ts";
import { replLab } from "../support/repl_lab.ts";

/** The tick numbers in REPL output. */
const ticks = (s: string) => [...s.matchAll(/d1\| tick (\d+)/g)].map((m) => Number(m[1]));
/** A run report without its wall-clock time. */
const noWall = (s: string) => s.replace(/ in \d+ ms/, "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("REPL save/restore: the restored machine replaces the live one and replays its future", async () => {
  const r = replLab();
  const dir = await Deno.makeTempDir({ prefix: "hvlab-snap-" });
  try {
    await r.cmd("runFor", "2.5ms");
    const file = `${dir}/lab.hvsnap`;
    assert.match(
      await r.cmd("save", file, "after two ticks"),
      /^saved .*lab\.hvsnap: [\d.]+ [KM]iB, virtual time 2\.500 ms, 1 domain\(s\), in \d+ ms$/,
    );
    assert.ok((await Deno.stat(file)).size > 64);
    const after = await r.cmd("runFor", "3ms");
    assert.deepEqual(ticks(after), [3, 4, 5]);
    const old = r.lab.hv;

    const restored = await r.cmd("restore", file);
    assert.match(
      restored,
      /^restored .*: virtual time 2\.500 ms, 1 domain\(s\), in \d+ ms; hv, dom/,
    );
    const hv = r.lab.hv;
    assert.notEqual(hv, old);
    assert.equal(r.global("hv"), hv);
    assert.equal(r.global("xs"), hv.xenstore);
    assert.equal(r.global("gic"), vgicOf(hv, 1));
    assert.equal(r.global("cur"), hv.domains.get(1)!.vcpus[0]);
    assert.equal((r.global("dom") as (d: number) => unknown)(1), hv.domains.get(1));
    assert.equal(hv.nowNs(), 2_500_000);
    assert.equal(old.nowNs(), 5_500_000, "the old machine is left as it was");
    // The same future: identical run report and ticks.
    assert.equal(noWall(await r.cmd("runFor", "3ms")), noWall(after));
    // The restored machine can be saved (and so forked) again.
    assert.match(await r.cmd("save", `${dir}/again.hvsnap`), /^saved .*again\.hvsnap: /);
    assert.match(
      await r.cmd("snapshots"),
      /saved +\S+lab\.hvsnap +[\d.]+ KiB +2\.500 ms +1 +after two ticks[^\n]*\nrestored +\S+lab\.hvsnap/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("REPL restore: a missing, junk, truncated or corrupted file leaves the live machine running", async () => {
  const r = replLab();
  const dir = await Deno.makeTempDir({ prefix: "hvlab-snap-" });
  try {
    await r.cmd("runFor", "1.5ms");
    const good = `${dir}/good.hvsnap`;
    await r.cmd("save", good);
    const bytes = await Deno.readFile(good);
    const corrupt = bytes.slice();
    corrupt[bytes.length - 10] ^= 0xff;
    const cases: [string, Uint8Array | null, RegExp][] = [
      ["missing.hvsnap", null, /No such file|not found/i],
      ["junk.hvsnap", new TextEncoder().encode("not a snapshot at all, no"), /header|magic/],
      ["truncated.hvsnap", bytes.slice(0, bytes.length - 100), /truncated/],
      ["corrupt.hvsnap", corrupt, /checksum|SHA|corrupt/i],
    ];
    const hv = r.lab.hv;
    r.lab.resume();
    for (const [name, data, why] of cases) {
      if (data) await Deno.writeFile(`${dir}/${name}`, data);
      const out = await r.cmd("restore", `${dir}/${name}`);
      assert.match(out, new RegExp(`^restore \\S+${name} failed: `));
      assert.match(out, why);
      assert.match(
        out,
        /\nthe current machine is unchanged \(virtual time [\d.]+ ms, 1 domain\(s\), running\)$/,
      );
      assert.equal(r.lab.hv, hv);
      assert.equal(r.global("hv"), hv);
      assert.equal(r.lab.running, true, "still running in the background");
    }
    r.lab.pause();
    assert.doesNotMatch(await r.cmd("snapshots"), /restored/);
  } finally {
    r.lab.pause();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("REPL restore: a background run continues on the restored machine", async () => {
  const r = replLab();
  const file = await Deno.makeTempFile({ prefix: "hvlab-snap-" });
  try {
    await r.cmd("save", file);
    r.lab.resume();
    await sleep(100);
    const old = r.lab.hv;
    assert.ok(old.nowNs() > 0, "the background run advanced the live machine");
    await r.cmd("restore", file);
    const oldNow = old.nowNs();
    const hv = r.lab.hv;
    assert.equal(r.lab.running, true);
    // A slice may end in the middle of a line: wait for a whole one.
    const deadline = Date.now() + 10_000;
    while (!hv.console(1).text.includes("tick 20\n") && Date.now() < deadline) await sleep(20);
    r.lab.pause();
    assert.ok(hv.console(1).text.includes("tick 20\n"), `restored machine at ${hv.nowNs()} ns`);
    assert.equal(old.nowNs(), oldNow, "the replaced machine no longer runs");
  } finally {
    r.lab.pause();
    await Deno.remove(file);
  }
});

Deno.test("REPL fork: an independent copy; use(f) switches to it and back", async () => {
  const r = replLab();
  await r.cmd("runFor", "2ms");
  const live = r.lab.hv;
  const liveText = live.console(1).text;
  const f = (r.global("fork") as () => HvLab)();
  assert.match(r.drain(), /^fork: an independent, stopped copy \(virtual time 2\.000 ms, 1 domain/);
  assert.ok(f instanceof HvLab && f.hv !== live && !f.running);
  assert.match(r.show(f), /^lab: stopped, 1 domain\(s\), virtual time 2\.000 ms \(not the REPL's/);
  f.runFor("3ms");
  assert.equal(f.hv.nowNs(), 5_000_000);
  assert.equal(live.nowNs(), 2_000_000, "the live machine did not move");
  assert.equal(live.console(1).text, liveText);
  assert.match(f.hv.console(1).text, /tick 4\n$/);
  // A fork's objects are shown with the fork's own time.
  assert.match(r.show(f.vcpu(1, 0)), /x19 0000000000000004/);

  const use = r.global("use") as (x: unknown) => HvLab;
  const prev = use(f);
  assert.match(r.drain(), /^now using that machine \(virtual time 5\.000 ms/);
  assert.equal(r.global("hv"), f.hv);
  assert.equal(r.global("cur"), f.hv.domains.get(1)!.vcpus[0]);
  assert.equal(prev.hv, live);
  assert.match(await r.cmd("runFor", "1ms"), /d1\| tick 5$/);
  use(prev);
  assert.equal(r.global("hv"), live);
  assert.throws(() => use(prev), /is the REPL's machine already/);
  assert.throws(() => use(42), /give a fork/);
});

Deno.test("REPL hooks: on(kind) traces until off(); a handler alters a result; throwers are removed", async () => {
  const r = replLab();
  const on = r.global("on") as (k: string, h?: (e: never) => void) => (() => void) | undefined;
  assert.equal(
    await r.cmd("on", "hypercall"),
    "tracing hypercall events, one line each; off() stops",
  );
  await r.cmd("on", "wfi");
  const ran = await r.cmd("runFor", "1.5ms");
  assert.match(ran, /^\[hypercall\] d1\.0 xen_version\/version\(0x0, [^)]*\) -> 0x40011$/m);
  assert.match(ran, /^\[wfi\] d1\.0 wfi/m);
  assert.match(await r.cmd("hooks"), /^1\. hypercall: trace\n2\. wfi: trace$/);
  assert.equal(await r.cmd("off", "wfi"), "1 hook(s) removed (wfi)");
  assert.doesNotMatch(await r.cmd("runFor", "1ms"), /\[wfi\]/);
  assert.equal(await r.cmd("off"), "1 hook(s) removed");
  await assert.rejects(r.cmd("on", "nosuch"), /no hook kind "nosuch" \(kinds: hypercall, mmio/);

  // A handler alters what the guest gets: the version hypercall's result.
  const r2 = replLab();
  const on2 = r2.global("on") as typeof on;
  const seen: string[] = [];
  const rm = on2("hypercall", (e: { name: string; result?: bigint }) => {
    seen.push(e.name);
    if (e.name === "xen_version/version" && e.result !== undefined) e.result = (9n << 16n) | 3n;
  })!;
  assert.match(r2.show(rm), /\[hook on hypercall: call it \(or off\(\)\) to remove it\]/);
  assert.match(await r2.cmd("hooks"), /^1\. hypercall: handler$/);
  assert.match(await r2.cmd("runFor", "1.5ms"), /d1\| hvlab domU lab on Xen 9\.3[^\n]*\n/);
  assert.ok(seen.includes("xen_version/version"), `seen ${seen}`);
  rm();
  assert.match(await r2.cmd("hooks"), /^no REPL hooks/);
  assert.equal(r2.lab.hv.hooks.has("hypercall"), false);

  // A handler that throws is removed with its error shown; the run goes on.
  on("wfi", () => {
    throw new Error("boom");
  });
  const out = await r.cmd("runFor", "1ms");
  assert.match(out, /\[hook wfi threw: boom; removed\]/);
  assert.match(await r.cmd("hooks"), /^no REPL hooks/);
  assert.equal(r.lab.hv.hooks.has("wfi"), false);
});

Deno.test("REPL hooks follow restore and use; a background trace is printed per slice", async () => {
  const r = replLab();
  const file = await Deno.makeTempFile({ prefix: "hvlab-snap-" });
  try {
    await r.cmd("save", file);
    await r.cmd("on", "wfi");
    const old = r.lab.hv;
    await r.cmd("restore", file);
    assert.equal(old.hooks.has("wfi"), false, "the replaced machine lost the REPL's hook");
    assert.equal(r.lab.hv.hooks.has("wfi"), true);
    assert.match(await r.cmd("runFor", "1.5ms"), /^\[wfi\] d1\.0 wfi/m);
    const f = (r.global("fork") as () => HvLab)();
    assert.equal(f.hv.hooks.has("wfi"), false, "a fork has no REPL hooks until use(f)");
    (r.global("use") as (x: HvLab) => HvLab)(f);
    assert.equal(f.hv.hooks.has("wfi"), true);
    r.drain();
    r.lab.resume();
    const deadline = Date.now() + 5000;
    while (!/\[wfi\] d1\.0 wfi/.test(r.drain()) && Date.now() < deadline) await sleep(20);
    r.lab.pause();
    assert.ok(Date.now() < deadline, "background trace lines arrived");
  } finally {
    r.lab.pause();
    await Deno.remove(file);
  }
});

Deno.test("REPL inject: delivered, dropped or delayed through the irq hooks; bad input named", async () => {
  const r = replLab();
  await r.cmd("runFor", "1ms");
  assert.equal(await r.cmd("inject", 1, 40), "IRQ 40 -> domain 1 (SPI): delivered");
  assert.match(r.show(r.global("gic")), /\n +40 +SPI +0 +no +yes +no /);
  assert.equal(await r.cmd("inject", "lab", 27), "IRQ 27 -> domain 1 vcpu 0: delivered");
  const on = r.global("on") as (k: string, h: (e: never) => void) => () => void;
  const rm = on("irq", (e: { intid: number; drop?: boolean; delayNs?: number }) => {
    if (e.intid === 41) e.drop = true;
    if (e.intid === 42) e.delayNs = 1_000_000;
  });
  assert.equal(await r.cmd("inject", 1, 41), "IRQ 41 -> domain 1 (SPI): dropped");
  assert.equal(await r.cmd("inject", 1, 42), "IRQ 42 -> domain 1 (SPI): delayed");
  rm();
  await assert.rejects(r.cmd("inject", 1, 5000), /INTID 5000/);
  await assert.rejects(r.cmd("inject", 9, 40), /no domain 9/);
  await assert.rejects(r.cmd("inject", 1, 27, 3), /no vcpu 3/);
});
