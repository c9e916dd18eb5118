/** xl.cfg grammar (libxlu) and its conversion to a DomainConfig with xl's semantics. */
import assert from "node:assert/strict";
import {
  parseXlCfg,
  type XlAtom,
  type XlConfig,
  type XlList,
  xlNumber,
} from "../../core/hyp/builder/xl_cfg.ts";
import {
  domainConfigFromXl,
  parseCpuSet,
  resolvePath,
  SUPPORTED_XL_KEYS,
} from "../../core/hyp/builder/xl_domain_config.ts";

const atom = (cfg: XlConfig, key: string) => (cfg.settings[key].value as XlAtom).text;
const list = (cfg: XlConfig, key: string) =>
  (cfg.settings[key].value as XlList).items.map((v) => (v as XlAtom).text);
const fromXl = (text: string, base = "/cfg") => domainConfigFromXl(parseXlCfg(text), base);
const MIN = 'name = "d"\nkernel = "Image"\n';
const throwsMsg = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e) => e instanceof Error && !(e instanceof RangeError) && re.test(e.message));

Deno.test("xl.cfg: strings, escapes, numbers, comments, separators", () => {
  const cfg = parseXlCfg(
    [
      "# a comment line",
      `a = "x\\"y\\\\z\\n\\t\\x41\\101\\a"  # trailing comment`,
      "b = 'single \"q\"'; c = 0x1f",
      "d = 42;",
      ";",
      "e = '\\''",
      'f = ""',
      "g.h_1 = 7 # last line without newline",
    ].join("\n"),
  );
  assert.equal(atom(cfg, "a"), 'x"y\\z\n\tAA\x07');
  assert.equal(atom(cfg, "b"), 'single "q"');
  assert.equal(atom(cfg, "c"), "0x1f");
  assert.equal(atom(cfg, "d"), "42");
  assert.equal(atom(cfg, "e"), "'");
  assert.equal(atom(cfg, "f"), "");
  assert.equal(atom(cfg, "g.h_1"), "7");
  assert.equal((cfg.settings.d.value as XlAtom).quoted, false);
  assert.equal((cfg.settings.b.value as XlAtom).quoted, true);
  assert.deepEqual(
    [cfg.settings.d.line, cfg.settings.d.col, cfg.settings.c.line, cfg.settings.c.col],
    [4, 1, 3, 19],
  );
  assert.equal(cfg.source, "xl.cfg");
});

Deno.test("xl.cfg: lists span lines, nest, allow a trailing comma; CRLF tolerated", () => {
  const cfg = parseXlCfg(
    'l = [ "a",\n  "b" ,\n\n 3, ]\nm = []\nn = [\n]\no = [["x"], "y"]\r\np = [ "z" ]\n',
  );
  assert.deepEqual(list(cfg, "l"), ["a", "b", "3"]);
  assert.deepEqual(list(cfg, "m"), []);
  assert.deepEqual(list(cfg, "n"), []);
  const o = cfg.settings.o.value as XlList;
  assert.equal(o.items[0].kind, "list");
  assert.deepEqual(list(cfg, "p"), ["z"]);
});

Deno.test("xl.cfg: a repeated key takes the last value; += concatenates", () => {
  const cfg = parseXlCfg(
    'a = "1"\nb = ["x"]\na = "2"\nb += ["y", "z"]\nc += "new"\ns = "ab"\ns += "cd"\n',
  );
  assert.equal(atom(cfg, "a"), "2");
  assert.equal(cfg.settings.a.line, 3);
  assert.deepEqual(list(cfg, "b"), ["x", "y", "z"]);
  assert.equal(atom(cfg, "c"), "new");
  assert.equal(atom(cfg, "s"), "abcd");
  assert.deepEqual(Object.keys(cfg.settings), ["a", "b", "c", "s"]);
  throwsMsg(() => parseXlCfg('a = "s"\na += ["l"]\n'), /xl\.cfg:2:6: can't add a list to a string/);
});

Deno.test("xl.cfg: syntax errors name source:line:column and the text", () => {
  const cases: [string, RegExp][] = [
    ['a = "open\n', /^x\.cfg:1:5: unterminated string: "\\"open"$/],
    ["a = 'open", /^x\.cfg:1:5: unterminated string/],
    ["\n\nmemory = 2 * 3\n", /^x\.cfg:3:12: lexical error: "\*"$/],
    ["Name = 1\n", /^x\.cfg:1:1: lexical error: "Name"$/],
    ["a = 1 2\n", /^x\.cfg:1:7: expected end of line or ';' after the value of "a", found "2"/],
    ["a =\n1\n", /^x\.cfg:1:4: expected a string, a number or '\[', found "end of line"/],
    ["a = [1 2]\n", /^x\.cfg:1:8: expected ',' or '\]' in list, found "2"/],
    ["a = [1,\n", /^x\.cfg:2:1: expected a string, a number or '\[', found "end of file"/],
    ["a = [,]\n", /^x\.cfg:1:6: expected a string, a number or '\[', found ","/],
    ["= 1\n", /^x\.cfg:1:1: expected a key, found "="/],
    ["a 1\n", /^x\.cfg:1:3: expected '=' or '\+=' after "a", found "1"/],
    ['a = "\\q"\n', /^x\.cfg:1:6: bad escape in quoted string: "\\\\q"/],
    ['a = "\\xZZ"\n', /^x\.cfg:1:6: bad escape/],
    // libxlu's number token is [0-9][0-9a-fx]*: upper-case hex digits are not part of it.
    ["m = 0x1F\n", /^x\.cfg:1:8: lexical error: "F"$/],
    ["kernel = /boot/Image\n", /^x\.cfg:1:10: lexical error: "\/boot\/Image"$/],
  ];
  for (const [text, re] of cases) throwsMsg(() => parseXlCfg(text, "x.cfg"), re);
});

Deno.test("xl.cfg: xlNumber follows strtol base 0", () => {
  assert.equal(xlNumber("256"), 256);
  assert.equal(xlNumber("0x100"), 256);
  assert.equal(xlNumber("0X1f"), 31);
  assert.equal(xlNumber("010"), 8);
  assert.equal(xlNumber("0"), 0);
  assert.equal(xlNumber(" -5"), -5);
  for (const bad of ["", "08", "0x", "12abc", "1.5", "x", "99999999999999999999"]) {
    assert.equal(xlNumber(bad), undefined, bad);
  }
});

Deno.test("domain config: defaults are xl's", () => {
  assert.deepEqual(fromXl(MIN), {
    name: "d",
    type: "pvh",
    memory: 32,
    maxmem: 32,
    vcpus: 1,
    maxvcpus: 1,
    kernel: "/cfg/Image",
    kernelFormat: "auto",
    gicVersion: "v2",
    onPoweroff: "destroy",
    onReboot: "restart",
    onCrash: "destroy",
    onWatchdog: "destroy",
  });
  assert.equal(fromXl(MIN + "maxmem = 512").memory, 512); // libxl: memory follows maxmem
});

Deno.test("domain config: every supported key", () => {
  const cfg = fromXl(
    [
      'name = "guest1"',
      'type = "pvh"',
      "memory = 256",
      'maxmem = "0x200"',
      "vcpus = 2",
      "maxvcpus = 4",
      'kernel = "../images/Image"',
      'ramdisk = "/abs/initrd.cpio"',
      'root = "/dev/xvda"',
      'extra = "console=hvc0"',
      'vuart = "sbsa_uart"',
      'gic_version = "v3"',
      'on_poweroff = "preserve"',
      'on_reboot = "destroy"',
      'on_crash = "coredump-restart"',
      'on_watchdog = "restart"',
      'cpus = "0-3,^1"',
      'cpus_soft = ["all,^2", "5", "1-2,7"]',
    ].join("\n"),
    "/srv/cfgs/",
  );
  assert.deepEqual(cfg, {
    name: "guest1",
    type: "pvh",
    memory: 256,
    maxmem: 512,
    vcpus: 2,
    maxvcpus: 4,
    kernel: "/srv/images/Image",
    kernelFormat: "auto",
    ramdisk: "/abs/initrd.cpio",
    cmdline: "root=/dev/xvda console=hvc0",
    vuart: "sbsa_uart",
    gicVersion: "v3",
    onPoweroff: "preserve",
    onReboot: "destroy",
    onCrash: "coredump-restart",
    onWatchdog: "restart",
    cpus: Array.from({ length: 4 }, () => ({ all: false, cpus: [0, 2, 3] })),
    cpusSoft: [{ all: true, cpus: [2] }, { all: false, cpus: [5] }, {
      all: false,
      cpus: [1, 2, 7],
    }],
  });
  assert.deepEqual(SUPPORTED_XL_KEYS.length, 19);
});

Deno.test("domain config: cmdline wins over root/extra; root or extra alone", () => {
  assert.equal(fromXl(MIN + 'cmdline = "a b"\nroot = "r"\nextra = "e"').cmdline, "a b");
  assert.equal(fromXl(MIN + 'root = "/dev/vda"').cmdline, "root=/dev/vda");
  assert.equal(fromXl(MIN + 'extra = "quiet"').cmdline, "quiet");
  assert.equal(fromXl(MIN).cmdline, undefined);
});

Deno.test("domain config: unsupported and unknown keys name the key and line", () => {
  throwsMsg(
    () => fromXl(MIN + 'memory = 64\n\n\n\nvif = [ "bridge=xenbr0" ]\n'),
    /^xl\.cfg line 7: key "vif" is not supported by hvlab \(supported: name, type, memory,/,
  );
  for (const key of ["disk", "pci", "dtdev", "iomem", "seclabel", "bootloader"]) {
    throwsMsg(() => fromXl(MIN + `${key} = "x"`), new RegExp(`key "${key}" is not supported`));
  }
  throwsMsg(
    () => fromXl(MIN + "memroy = 64"),
    /^xl\.cfg line 3: unknown key "memroy" \(xl ignores unknown keys, hvlab rejects them; supported:/,
  );
});

Deno.test("domain config: missing and wrong values name key and value", () => {
  const cases: [string, RegExp][] = [
    ['kernel = "k"', /^xl\.cfg: key "name" is required$/],
    ['name = "d"', /^xl\.cfg: key "kernel" is required$/],
    ['name = ""\nkernel = "k"', /line 1: key "name" must not be empty/],
    [MIN + 'memory = "x"', /line 3: key "memory": "x" is not a number/],
    [MIN + "memory = 0", /line 3: key "memory": 0 is outside 1\.\.16384/],
    [MIN + "memory = 20000", /key "memory": 20000 is outside 1\.\.16384/],
    [MIN + "memory = [1]", /key "memory" must be a single value, not a list/],
    [MIN + "memory = 256\nmaxmem = 128", /line 4: key "maxmem": 128 is less than memory \(256\)/],
    [MIN + "vcpus = 129", /key "vcpus": 129 is outside 1\.\.128/],
    [MIN + "vcpus = 0", /key "vcpus": 0 is outside 1\.\.128/],
    [MIN + "vcpus = 4\nmaxvcpus = 2", /key "maxvcpus": 2 is less than vcpus \(4\)/],
    [MIN + 'type = "pv"', /key "type": "pv" is not available on Arm/],
    [MIN + 'type = "hvm"', /key "type": "hvm" is not available on Arm/],
    [MIN + 'vuart = "pl011"', /key "vuart": "pl011" is not one of sbsa_uart/],
    [MIN + 'gic_version = "v4"', /key "gic_version": "v4" is not "v2" or "v3"$/],
    [MIN + 'gic_version = "native"', /"native" is not "v2" or "v3" \(hvlab has no host GIC/],
    [MIN + 'on_crash = "explode"', /key "on_crash": "explode" is not one of destroy, restart,/],
    [MIN + 'ramdisk = ""', /key "ramdisk" must not be empty/],
    [MIN + 'cpus = "0-x"', /key "cpus": invalid pcpu range "0-x"/],
    [MIN + 'cpus = "3-1"', /invalid pcpu range "3-1"/],
    [MIN + 'cpus = "^all"', /can't combine "\^" and "all"/],
    [MIN + 'cpus = "nodes:0"', /"nodes:0": NUMA nodes are not supported/],
    [MIN + 'cpus = "0-5000"', /pcpu 5000 above 4095/],
    [MIN + 'cpus = "^1"', /"\^1" selects no CPU/],
    [MIN + 'cpus = ["0", "1"]', /key "cpus": 2 entries for 1 vCPU\(s\)/],
    [MIN + 'cpus_soft = [["0"]]', /key "cpus_soft": a list entry is itself a list/],
  ];
  for (const [text, re] of cases) throwsMsg(() => fromXl(text), re);
});

Deno.test("domain config: cpu sets evaluate left to right", () => {
  const fail = (w: string): never => {
    throw new Error(w);
  };
  assert.deepEqual(parseCpuSet("all", fail), { all: true, cpus: [] });
  assert.deepEqual(parseCpuSet("all,^1-2,2", fail), { all: true, cpus: [1] });
  assert.deepEqual(parseCpuSet("0-3,^1,1,,6", fail), { all: false, cpus: [0, 1, 2, 3, 6] });
  assert.deepEqual(parseCpuSet("4-7,all,^5", fail), { all: true, cpus: [5] });
});

Deno.test("domain config: paths resolve against baseDir", () => {
  assert.equal(resolvePath("/a/b", "k"), "/a/b/k");
  assert.equal(resolvePath("/a/b/", "./x/../k"), "/a/b/k");
  assert.equal(resolvePath("/a/b", "../../../k"), "/k");
  assert.equal(resolvePath("/a/b", "/abs/k"), "/abs/k");
  assert.equal(resolvePath("rel", "k"), "rel/k");
  assert.equal(fromXl(MIN + 'ramdisk = "sub/i.cpio"', "/x").ramdisk, "/x/sub/i.cpio");
  throwsMsg(
    () => domainConfigFromXl(parseXlCfg(MIN + "bad = 1", "/etc/xen/d.cfg"), "/etc/xen"),
    /^\/etc\/xen\/d\.cfg line 3: unknown key "bad"/,
  );
});

Deno.test("xl.cfg: mutated files only ever raise plain Errors with a position", () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const base = MIN + 'memory = 0x100\ncpus = ["0-1", "all,^3"]\nextra = "a\\tb" # c\nvcpus = 2;\n';
  const alphabet = ` \n\t"'[],;=+#\\x0aZ-^`;
  for (let i = 0; i < 3000; i++) {
    const chars = [...base];
    for (let m = 0; m < 1 + rand(3); m++) {
      chars.splice(rand(chars.length), rand(2), alphabet[rand(alphabet.length)]);
    }
    try {
      fromXl(chars.join(""));
    } catch (e) {
      assert.ok(e instanceof Error && e.constructor === Error, `iteration ${i}: ${e}`);
      assert.match((e as Error).message, /^xl\.cfg(:\d+:\d+:| line \d+:|:) /);
    }
  }
});
