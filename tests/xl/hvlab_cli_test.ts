/**
 * `deno task hvlab create` run as the user runs it: scripts/hvlab.ts in a subprocess, with xl.cfg
 * files and tiny bare-metal arm64 Images (tests/xl/bare_image.ts) in a temp directory, checking
 * exit statuses, stdout (the guest console) and the one-line messages on stderr.
 */
import assert from "node:assert/strict";
import { SUPPORTED_XL_KEYS } from "../../core/hyp/builder/xl_domain_config.ts";
import {
  buildInitramfs,
  decompressImage,
  DONE_MARKER,
  findLinuxFiles,
  INIT_MARKER,
  INIT_SCRIPT,
} from "../../tools/linux/guest_files.ts";
import { HVLAB_EXIT } from "../../tools/xl/exit_codes.ts";
import { bareImage, haveCrossAs, TAILS } from "./bare_image.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const SCRIPT = `${REPO}scripts/hvlab.ts`;

const crossAs = haveCrossAs();
if (!crossAs) console.warn("hvlab_cli_test: aarch64-linux-gnu-as missing; guest tests skipped");

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args` (stdin not a terminal, so it is never read). */
async function hvlab(...args: string[]): Promise<CliRun> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", "--allow-env", SCRIPT, ...args],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, stdout: text(r.stdout), stderr: text(r.stderr) };
}

/** A temp directory with `files` (name -> text or bytes) for the duration of `body`. */
async function withDir(
  files: Record<string, string | Uint8Array>,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_cli_" });
  try {
    for (const [name, data] of Object.entries(files)) {
      if (typeof data === "string") Deno.writeTextFileSync(`${dir}/${name}`, data);
      else Deno.writeFileSync(`${dir}/${name}`, data);
    }
    await body(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** An xl.cfg for a bare-metal guest on the vpl011, plus `extra` lines. */
const cfg = (kernel: string, extra = "") =>
  `# hvlab test guest\nname = "bare"\nmemory = 32\nkernel = "${kernel}"\nvuart = "sbsa_uart"\n${extra}`;

/** A setup error: status 2, one "hvlab: ..." line on stderr mentioning `needles`, no stack. */
function assertSetupError(r: CliRun, ...needles: string[]): void {
  assert.equal(r.code, HVLAB_EXIT.usage, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0], /^hvlab: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  for (const n of needles) assert.ok(lines[0].includes(n), `"${n}" missing in: ${lines[0]}`);
  assert.equal(r.stdout, "");
}

Deno.test({
  name: "hvlab create -c: the guest's output on stdout as written, exit 0 after PSCI SYSTEM_OFF",
  ignore: !crossAs,
  fn: () =>
    withDir(
      { "hello.img": bareImage("hello\n", TAILS.poweroff), "a.cfg": cfg("hello.img") },
      async (dir) => {
        const r = await hvlab("create", "-c", `${dir}/a.cfg`);
        assert.equal(r.code, HVLAB_EXIT.poweroff, r.stderr);
        assert.equal(r.stdout, "hello\n");
        assert.match(r.stderr, /^hvlab: domain "bare" \(id \d+\) powered off\n$/);
        // Without -c the guest runs the same, but its console is not shown.
        const quiet = await hvlab("create", `${dir}/a.cfg`);
        assert.equal(quiet.code, HVLAB_EXIT.poweroff, quiet.stderr);
        assert.equal(quiet.stdout, "");
        assert.match(quiet.stderr, /powered off/);
        // -f FILE names the config as xl's -f does.
        const f = await hvlab("create", "-c", "-f", `${dir}/a.cfg`);
        assert.equal(f.code, HVLAB_EXIT.poweroff, f.stderr);
        assert.equal(f.stdout, "hello\n");
      },
    ),
});

Deno.test({
  name: "hvlab create: relative kernel paths resolve against the xl.cfg's directory",
  ignore: !crossAs,
  fn: () =>
    withDir(
      { "k.img": bareImage("rel\n", TAILS.poweroff), "a.cfg": cfg("./sub/../k.img") },
      async (dir) => {
        Deno.mkdirSync(`${dir}/sub`);
        const r = await hvlab("create", "-c", `${dir}/a.cfg`);
        assert.equal(r.code, HVLAB_EXIT.poweroff, r.stderr);
        assert.equal(r.stdout, "rel\n");
      },
    ),
});

Deno.test({
  name: "hvlab create: SCHEDOP_shutdown crash -> exit 1 and a message naming the crash",
  ignore: !crossAs,
  fn: () =>
    withDir({ "c.img": bareImage("hello\n", TAILS.crash), "a.cfg": cfg("c.img") }, async (dir) => {
      const r = await hvlab("create", "-c", `${dir}/a.cfg`);
      assert.equal(r.code, HVLAB_EXIT.crash, r.stderr);
      assert.equal(r.stdout, "hello\n");
      assert.match(
        r.stderr,
        /domain "bare" \(id \d+\) shut down with reason crash \(guest crash\)/,
      );
    }),
});

Deno.test({
  name: "hvlab create: a reboot is not success, and on_reboot = restart says hvlab won't restart",
  ignore: !crossAs,
  fn: () =>
    withDir({
      "r.img": bareImage("hello\n", TAILS.reboot),
      "a.cfg": cfg("r.img", 'on_reboot = "restart"\n'),
      "b.cfg": cfg("r.img", 'on_reboot = "destroy"\n'),
    }, async (dir) => {
      const r = await hvlab("create", `${dir}/a.cfg`);
      assert.equal(r.code, HVLAB_EXIT.otherShutdown, r.stderr);
      assert.match(r.stderr, /on_reboot = "restart": hvlab does not restart domains/);
      assert.match(r.stderr, /shut down with reason reboot/);
      const b = await hvlab("create", `${dir}/b.cfg`);
      assert.equal(b.code, HVLAB_EXIT.otherShutdown, b.stderr);
      assert.doesNotMatch(b.stderr, /restart/);
    }),
});

Deno.test({
  name: "hvlab create: a Linux kernel panic on the console -> exit 1 with the panic line",
  ignore: !crossAs,
  fn: () =>
    withDir({
      "p.img": bareImage(
        "Kernel panic - not syncing: VFS: Unable to mount root fs\r\n" +
          "---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---\r\n",
        TAILS.spin,
      ),
      "a.cfg": cfg("p.img"),
    }, async (dir) => {
      const r = await hvlab("create", `${dir}/a.cfg`, "--timeout", "60");
      assert.equal(r.code, HVLAB_EXIT.crash, r.stderr);
      assert.match(
        r.stderr,
        /guest kernel panic: Kernel panic - not syncing: VFS: Unable to mount root fs\n/,
      );
    }),
});

Deno.test({
  name: "hvlab create: every vcpu blocked with nothing to wake it -> idle-forever message",
  ignore: !crossAs,
  fn: () =>
    withDir({ "i.img": bareImage("zzz\n", TAILS.idle), "a.cfg": cfg("i.img") }, async (dir) => {
      const r = await hvlab("create", "-c", `${dir}/a.cfg`, "--timeout", "60");
      assert.equal(r.code, HVLAB_EXIT.idleForever, r.stderr);
      assert.equal(r.stdout, "zzz\n");
      assert.match(r.stderr, /vcpu0 blocked at pc 0x[0-9a-f]+\]: every vcpu is blocked/);
      assert.match(r.stderr, /nothing can ever wake it/);
    }),
});

Deno.test({
  name: "hvlab create --timeout: a guest spinning forever is stopped after the wall-clock time",
  ignore: !crossAs,
  fn: () =>
    withDir({ "s.img": bareImage("spin\n", TAILS.spin), "a.cfg": cfg("s.img") }, async (dir) => {
      const t0 = performance.now();
      const r = await hvlab("create", "-c", `${dir}/a.cfg`, "--timeout", "1");
      const wall = (performance.now() - t0) / 1000;
      assert.equal(r.code, HVLAB_EXIT.timeout, r.stderr);
      assert.equal(r.stdout, "spin\n");
      assert.match(r.stderr, /^hvlab: timeout: 1 s of wall-clock time passed with domain "bare"/);
      assert.ok(wall >= 1 && wall < 20, `took ${wall} s`);
    }),
});

Deno.test({
  name: "hvlab create: malformed xl.cfg, unknown key, bad values -> exit 2, one line naming file",
  ignore: !crossAs,
  fn: () =>
    withDir({
      "k.img": bareImage("x", TAILS.poweroff),
      "syntax.cfg": 'name = "t"\nmemory = = 3\nkernel = "k.img"\n',
      "unknown.cfg": cfg("k.img", "colour = 3\n"),
      "unsupported.cfg": cfg("k.img", 'disk = [ "phy:/dev/sda,xvda,w" ]\n'),
      "memory.cfg": cfg("k.img", 'memory = "lots"\n'),
      "noname.cfg": 'kernel = "k.img"\n',
      "binary.cfg": new Uint8Array([0xff, 0xfe, 0x00, 0x80]),
    }, async (dir) => {
      assertSetupError(
        await hvlab("create", `${dir}/syntax.cfg`),
        `${dir}/syntax.cfg:2:10`,
        "expected a string, a number or '['",
      );
      assertSetupError(
        await hvlab("create", "-c", `${dir}/unknown.cfg`),
        `${dir}/unknown.cfg line 6`,
        'unknown key "colour"',
        SUPPORTED_XL_KEYS.join(", "),
      );
      assertSetupError(
        await hvlab("create", `${dir}/unsupported.cfg`),
        'key "disk" is not supported by hvlab',
      );
      assertSetupError(
        await hvlab("create", `${dir}/memory.cfg`),
        `${dir}/memory.cfg line 6`,
        'key "memory": "lots" is not a number',
      );
      assertSetupError(await hvlab("create", `${dir}/noname.cfg`), 'key "name" is required');
      assertSetupError(await hvlab("create", `${dir}/binary.cfg`), "not a text file");
      assertSetupError(
        await hvlab("create", `${dir}/absent.cfg`),
        `${dir}/absent.cfg: cannot read (file not found)`,
      );
    }),
});

Deno.test({
  name: "hvlab create: missing or malformed kernel, bad initrd, memory too small -> exit 2",
  ignore: !crossAs,
  fn: () =>
    withDir({
      "k.img": bareImage("x", TAILS.poweroff),
      "big.img": bareImage("x", TAILS.poweroff, 64 << 20),
      "junk.bin": "this is not a kernel or an initrd at all, just text\n".repeat(2),
      "missing.cfg": cfg("nowhere.img"),
      "notkernel.cfg": cfg("junk.bin"),
      "badinitrd.cfg": cfg("k.img", 'ramdisk = "junk.bin"\n'),
      "noinitrd.cfg": cfg("k.img", 'ramdisk = "gone.cpio"\n'),
      "small.cfg": cfg("big.img"),
    }, async (dir) => {
      assertSetupError(
        await hvlab("create", `${dir}/missing.cfg`),
        `kernel ${dir}/nowhere.img: cannot read (file not found)`,
      );
      assertSetupError(
        await hvlab("create", `${dir}/notkernel.cfg`),
        `${dir}/junk.bin: not an arm64 Linux Image`,
      );
      assertSetupError(
        await hvlab("create", `${dir}/badinitrd.cfg`),
        `${dir}/junk.bin: not a cpio newc archive`,
      );
      assertSetupError(
        await hvlab("create", `${dir}/noinitrd.cfg`),
        `ramdisk ${dir}/gone.cpio: cannot read (file not found)`,
      );
      assertSetupError(
        await hvlab("create", `${dir}/small.cfg`),
        `${dir}/small.cfg: domain "bare" with memory = 32 MiB`,
        "kernel needs 67108864 bytes",
      );
    }),
});

Deno.test("hvlab: command-line errors exit 2 with one line; --help and create --help exit 0", async () => {
  assertSetupError(await hvlab("list"), '"list" is not a supported subcommand', "create");
  assertSetupError(await hvlab("create"), "no xl.cfg file given");
  assertSetupError(await hvlab("create", "a.cfg", "b.cfg"), "one xl.cfg file expected");
  assertSetupError(await hvlab("create", "--bogus", "a.cfg"), "Unknown option '--bogus'");
  assertSetupError(await hvlab("create", "a.cfg", "--timeout", "soon"), "--timeout soon");
  assertSetupError(await hvlab("create", "a.cfg", "--timeout", "0"), "--timeout 0");
  const none = await hvlab();
  assert.equal(none.code, HVLAB_EXIT.usage);
  assert.match(none.stderr, /Usage:/);

  const help = await hvlab("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /deno task hvlab create \[-c\] FILE \[--timeout SECONDS\]/);
  assert.match(help.stdout, /Subcommands: create, help/);
  const createHelp = await hvlab("create", "--help");
  assert.equal(createHelp.code, 0);
  assert.ok(createHelp.stdout.includes(SUPPORTED_XL_KEYS.join(", ")));
  for (const [code, what] of [[HVLAB_EXIT.crash, "crashed"], [HVLAB_EXIT.timeout, "--timeout"]]) {
    assert.match(createHelp.stdout, new RegExp(`\\n  ${code}  .*${what}`));
  }
});

/** Whether util-linux's script(1) is installed (it gives the CLI a terminal on stdin). */
function haveScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}
const script = haveScript();
if (!script) console.warn("hvlab_cli_test: script(1) missing; the terminal input test is skipped");

/** An xl.cfg whose guest echoes UART input + 1, with typed input routed to the vpl011. */
const echoCfg = cfg("e.img", 'extra = "console=ttyAMA0"\n');

Deno.test({
  name: "hvlab create -c on a terminal: typed bytes reach the guest, Ctrl-] detaches (exit 6)",
  ignore: !crossAs || !script,
  fn: () =>
    withDir({ "e.img": bareImage("ready\r\n", TAILS.echo), "a.cfg": echoCfg }, async (dir) => {
      const cmd = [Deno.execPath(), "run", "-A", SCRIPT, "create", "-c", `${dir}/a.cfg`]
        .concat(["--timeout", "60"]).join(" ");
      const p = new Deno.Command("script", {
        args: ["-qfec", cmd, "/dev/null"],
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const w = p.stdin.getWriter();
      let out = "";
      const reading = (async () => {
        for await (const c of p.stdout) out += new TextDecoder().decode(c);
      })();
      const waitFor = async (s: string) => {
        const t0 = performance.now();
        while (!out.includes(s)) {
          if (performance.now() - t0 > 30_000) throw new Error(`no ${s} in ${JSON.stringify(out)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      try {
        await waitFor("ready");
        await w.write(new TextEncoder().encode("abc"));
        // The guest answers each byte + 1: "bcd" is the guest's, not the terminal's echo.
        await waitFor("bcd");
        await w.write(Uint8Array.of(0x1d));
        const status = await p.status;
        await reading;
        assert.equal(status.code, HVLAB_EXIT.detached, out);
        assert.match(out, /hvlab: detached from the console/);
        assert.doesNotMatch(out, /abc/);
      } finally {
        await w.close().catch(() => {});
      }
    }),
});

Deno.test({
  name: "hvlab create -c with stdin not a terminal: stdin is not read (Ctrl-] there is ignored)",
  ignore: !crossAs,
  fn: () =>
    withDir({ "e.img": bareImage("ready\r\n", TAILS.echo), "a.cfg": echoCfg }, async (dir) => {
      const p = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", SCRIPT, "create", "-c", `${dir}/a.cfg`, "--timeout", "1"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = p.stdin.getWriter();
      await w.write(new TextEncoder().encode("abc\x1d"));
      await w.close();
      const r = await p.output();
      const stdout = new TextDecoder().decode(r.stdout);
      assert.equal(r.code, HVLAB_EXIT.timeout, new TextDecoder().decode(r.stderr));
      assert.equal(stdout, "ready\r\n");
    }),
});

// SLOW (~30-40 s): boots Debian's Linux 6.1 as a domU through the CLI. Skipped without the files.
const linux = findLinuxFiles();
if (!linux) console.warn("hvlab_cli_test: Debian's Linux files not found; Linux boot test skipped");
Deno.test({
  name:
    "hvlab create -c: Debian's Linux 6.1 boots on hvc0 to /init and powers off (SLOW, ~30-40 s)",
  ignore: !linux,
  fn: async () => {
    const image = await decompressImage(Deno.readFileSync(linux!.vmlinuz));
    const initrd = buildInitramfs(Deno.readFileSync(linux!.busybox), INIT_SCRIPT);
    await withDir({
      "Image": image,
      "initrd.cpio": initrd,
      "linux.cfg": `name = "linux"
memory = 256
vcpus = 1
kernel = "Image"
ramdisk = "initrd.cpio"
extra = "console=hvc0 rdinit=/init"
`,
    }, async (dir) => {
      const r = await hvlab("create", "-c", `${dir}/linux.cfg`, "--timeout", "300");
      assert.equal(r.code, HVLAB_EXIT.poweroff, `${r.stderr}\n${r.stdout.slice(-3000)}`);
      assert.ok(r.stdout.includes(INIT_MARKER), r.stdout.slice(-3000));
      assert.ok(r.stdout.includes(DONE_MARKER), r.stdout.slice(-3000));
      assert.ok(r.stdout.indexOf(INIT_MARKER) < r.stdout.indexOf(DONE_MARKER));
      assert.match(r.stderr, /domain "linux" \(id \d+\) powered off/);
    });
  },
});
