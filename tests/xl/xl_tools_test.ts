/**
 * tools/xl in process: the panic watch, the detach split, the on_* decisions, and xlCreate's
 * destroy/preserve handling of a domain that shut down (which the CLI cannot show, since the
 * process ends).
 */
import assert from "node:assert/strict";
import type { DomainConfig, ShutdownAction } from "../../core/hyp/builder/domain_config.ts";
import { SUPPORTED_XL_KEYS } from "../../core/hyp/builder/xl_domain_config.ts";
import { HVLAB_EXIT } from "../../tools/xl/exit_codes.ts";
import { PanicWatch } from "../../tools/xl/panic_watch.ts";
import { decideShutdown } from "../../tools/xl/shutdown_action.ts";
import { XlSetupError } from "../../tools/xl/setup_error.ts";
import { DETACH_BYTE, splitAtDetach } from "../../tools/xl/tty_console.ts";
import { xlCreate } from "../../tools/xl/xl_create.ts";
import { bareImage, haveCrossAs, TAILS } from "./bare_image.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test("PanicWatch: finds the marker split across single-byte writes, keeps the line", () => {
  const w = new PanicWatch();
  const text = "[ 1.0] Run /init as init process\r\n[ 1.2] Kernel panic - not syncing: " +
    "Attempted to kill init! exitcode=0x00000100\r\n[ 1.3] CPU: 0 PID: 1\r\n";
  for (const c of text) w.feed(bytes(c));
  assert.equal(w.seen, true);
  assert.equal(w.line, "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100");
  assert.equal(w.ended, false);
  for (const c of "[ 1.4] ---[ end Kernel panic - not syncing: Attempted ]---\r\n") {
    w.feed(bytes(c));
  }
  assert.equal(w.ended, true);
});

Deno.test("PanicWatch: no panic, a panic line without newline, and an endless one", () => {
  const quiet = new PanicWatch();
  quiet.feed(bytes("Kernel panic - not sync"));
  quiet.feed(bytes("ed yet; Kernel oops\n"));
  assert.equal(quiet.seen, false);
  assert.equal(quiet.line, null);

  const open = new PanicWatch();
  open.feed(bytes("xxKernel panic - not syncing: so"));
  assert.equal(open.seen, true);
  assert.equal(open.line, null);
  open.feed(bytes("mething\r"));
  assert.equal(open.line, "Kernel panic - not syncing: something");

  const endless = new PanicWatch();
  endless.feed(bytes("Kernel panic - not syncing: " + "z".repeat(2000)));
  assert.equal(endless.line!.length, 500);
});

Deno.test("splitAtDetach: bytes before Ctrl-] go to the guest, the rest is dropped", () => {
  assert.deepEqual(splitAtDetach(bytes("ls\r")), { forward: bytes("ls\r"), detach: false });
  assert.deepEqual(splitAtDetach(Uint8Array.of(0x61, DETACH_BYTE, 0x62)), {
    forward: Uint8Array.of(0x61),
    detach: true,
  });
  assert.deepEqual(splitAtDetach(Uint8Array.of(DETACH_BYTE)), {
    forward: new Uint8Array(0),
    detach: true,
  });
  // Ctrl-C is the guest's, as under xl console.
  assert.deepEqual(splitAtDetach(Uint8Array.of(3)), { forward: Uint8Array.of(3), detach: false });
});

const baseCfg: DomainConfig = {
  name: "t",
  type: "pvh",
  memory: 32,
  maxmem: 32,
  vcpus: 1,
  maxvcpus: 1,
  kernel: "k",
  kernelFormat: "auto",
  gicVersion: "v2",
  onPoweroff: "destroy",
  onReboot: "restart",
  onCrash: "destroy",
  onWatchdog: "destroy",
};

Deno.test("decideShutdown: destroy/preserve as configured, restarting actions destroy with a note", () => {
  const with_ = (a: ShutdownAction) => ({
    ...baseCfg,
    onPoweroff: a,
    onReboot: a,
    onCrash: a,
    onWatchdog: a,
  });
  for (const reason of ["poweroff", "reboot", "crash", "watchdog"] as const) {
    assert.deepEqual(decideShutdown(with_("destroy"), reason), { action: "destroy" });
    assert.deepEqual(decideShutdown(with_("preserve"), reason), { action: "preserve" });
    for (const a of ["restart", "rename-restart", "coredump-restart"] as const) {
      const d = decideShutdown(with_(a), reason);
      assert.equal(d.action, "destroy");
      assert.match(d.note!, new RegExp(`^on_${reason} = "${a}": .*does not restart domains`));
    }
    const core = decideShutdown(with_("coredump-destroy"), reason);
    assert.equal(core.action, "destroy");
    assert.match(core.note!, /no core dumps/);
    assert.match(decideShutdown(with_("soft-reset"), reason).note!, /no soft reset/);
  }
  // suspend and soft_reset have no on_* key hvlab knows.
  for (const reason of ["suspend", "soft_reset"] as const) {
    const d = decideShutdown(baseCfg, reason);
    assert.equal(d.action, "destroy");
    assert.match(d.note!, new RegExp(`after ${reason}`));
  }
});

const crossAs = haveCrossAs();

/** Runs xlCreate on a temp xl.cfg + image, capturing console bytes and status lines. */
async function create(tail: string, extra: string) {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_xl_" });
  try {
    Deno.writeFileSync(`${dir}/k.img`, bareImage("hi\n", tail));
    Deno.writeTextFileSync(
      `${dir}/a.cfg`,
      `name = "t"\nkernel = "k.img"\nvuart = "sbsa_uart"\n${extra}`,
    );
    let console = "";
    const status: string[] = [];
    const r = await xlCreate({
      configPath: `${dir}/a.cfg`,
      attachConsole: true,
      ttyInput: false,
      output: (b) => console += new TextDecoder().decode(b),
      status: (line) => status.push(line),
    });
    return { ...r, console, status };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "xlCreate: on_poweroff destroy removes the domain, preserve keeps it shut down",
  ignore: !crossAs,
  fn: async () => {
    const gone = await create(TAILS.poweroff, 'on_poweroff = "destroy"\n');
    assert.equal(gone.outcome.exitCode, HVLAB_EXIT.poweroff);
    assert.equal(gone.console, "hi\n");
    assert.equal(gone.hv.domains.has(gone.built.domain.id), false);
    assert.equal(gone.built.domain.state, "dying");

    const kept = await create(TAILS.poweroff, 'on_poweroff = "preserve"\n');
    assert.equal(kept.outcome.exitCode, HVLAB_EXIT.poweroff);
    assert.equal(kept.hv.domains.get(kept.built.domain.id), kept.built.domain);
    assert.equal(kept.built.domain.state, "shutdown");
    assert.equal(kept.built.domain.shutdownReason, "poweroff");
    assert.deepEqual(kept.status, []);
  },
});

Deno.test({
  name: "xlCreate: on_crash preserve / coredump-destroy; a crash exits 1 either way",
  ignore: !crossAs,
  fn: async () => {
    const kept = await create(TAILS.crash, 'on_crash = "preserve"\n');
    assert.equal(kept.outcome.kind, "crash");
    assert.equal(kept.outcome.exitCode, HVLAB_EXIT.crash);
    assert.equal(kept.built.domain.state, "shutdown");
    assert.equal(kept.built.domain.shutdownReason, "crash");

    const dumped = await create(TAILS.crash, 'on_crash = "coredump-destroy"\n');
    assert.equal(dumped.outcome.exitCode, HVLAB_EXIT.crash);
    assert.equal(dumped.hv.domains.size, 0);
    assert.equal(dumped.status.length, 1);
    assert.match(dumped.status[0], /^domain "t" \(id \d+\): on_crash = "coredump-destroy"/);

    // A restarting on_poweroff is reported but does not turn a poweroff into a failure.
    const restart = await create(TAILS.poweroff, 'on_poweroff = "restart"\n');
    assert.equal(restart.outcome.exitCode, HVLAB_EXIT.poweroff);
    assert.match(restart.status[0], /on_poweroff = "restart": hvlab does not restart domains/);
    assert.equal(restart.hv.domains.size, 0);
  },
});

Deno.test("xlCreate: a bad timeout or an unreadable xl.cfg is an XlSetupError", async () => {
  for (const timeoutSeconds of [0, -1, NaN, Infinity]) {
    await assert.rejects(
      xlCreate({ configPath: "x.cfg", attachConsole: false, timeoutSeconds }),
      (e) => e instanceof XlSetupError && /--timeout/.test(e.message),
    );
  }
  await assert.rejects(
    xlCreate({ configPath: "/nonexistent/x.cfg", attachConsole: false }),
    (e) =>
      e instanceof XlSetupError && e.message === "/nonexistent/x.cfg: cannot read (file not found)",
  );
});

Deno.test("README's xl-style command line section lists every supported key and exit status", () => {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const section = readme.split("## xl-style command line")[1]?.split("\n## ")[0] ?? "";
  assert.ok(section.length > 0, "README has no xl-style command line section");
  for (const key of SUPPORTED_XL_KEYS) assert.ok(section.includes(`\`${key}\``), key);
  for (const code of Object.values(HVLAB_EXIT)) {
    assert.match(section, new RegExp(`\\n\\| ${code} `));
  }
});
