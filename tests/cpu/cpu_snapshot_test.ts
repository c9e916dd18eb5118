/**
 * Cpu.save()/restore() and VirtBoard.save()/restore(): a compiled bare-metal guest runs part
 * way, the board is saved, the original continues to the end (console A, final state A); the
 * state restored into a fresh board (and, rewinding, into the used original) continues to the
 * end too: consoles and final CPU states must be identical. Junk states are refused and leave
 * the target unchanged.
 */
import assert from "node:assert/strict";
import { compileGuest, type GuestDef } from "../../scripts/build_guests.ts";
import { VirtBoard, type VirtBoardConfig } from "../../core/machine/virt_board.ts";
import { Cpu } from "../../core/cpu/cpu.ts";
import type { CpuState } from "../../core/cpu/cpu_state.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";
import type { Stage2 } from "../../core/cpu/el2.ts";

const MAX = 50_000_000;

interface Case {
  guest: GuestDef;
  config?: VirtBoardConfig;
  input?: string;
}

const CASES: Case[] = [
  { guest: { name: "snap_timer", sources: ["timer.c", "exceptions_vectors.S"] } },
  { guest: { name: "snap_gic", sources: ["gic.c"] } },
  { guest: { name: "snap_mmu", sources: ["mmu.c", "exceptions_vectors.S"] } },
  { guest: { name: "snap_hwdebug", sources: ["hwdebug.c", "exceptions_vectors.S"] } },
  { guest: { name: "snap_exclusives", sources: ["exclusives.c"] } },
  {
    guest: { name: "snap_gic_v3", sources: ["gic_v3.c", "exceptions_vectors.S"] },
    config: { gic: "v3" },
  },
  {
    guest: { name: "snap_uart", sources: ["uart.c", "exceptions_vectors.S"] },
    input: "hello world\nsecond line, longer than the sixteen-byte FIFO of the PL011\n\n",
  },
];

function boot(elf: Uint8Array, c: Case): VirtBoard {
  const b = new VirtBoard(c.config);
  b.loadElf(elf);
  if (c.input) b.input(c.input);
  return b;
}

/** Runs to the guest's poweroff; returns the console and the final CPU state. */
function finish(b: VirtBoard): { console: string; cpu: CpuState } {
  const r = b.run({ maxInstructions: MAX });
  assert.equal(r.reason, "system-off", `stopped: ${r.reason}\n${b.console}`);
  return { console: b.console, cpu: b.cpu.save() };
}

for (const c of CASES) {
  Deno.test(`board snapshot: ${c.guest.name} continues identically after restore`, async () => {
    const elf = await Deno.readFile(await compileGuest(c.guest));
    const whole = boot(elf, c);
    const total = whole.run({ maxInstructions: MAX });
    assert.equal(total.reason, "system-off");
    for (const k of [1, Math.floor(total.instructions / 3), Math.floor(total.instructions * 0.7)]) {
      const a = boot(elf, c);
      assert.equal(a.run({ maxInstructions: k }).reason, "limit");
      const snap = a.save();
      const endA = finish(a);
      assert.equal(endA.console, whole.console);

      // A fresh board, with the state passed through structured clone (a snapshot file).
      const b = new VirtBoard(c.config);
      b.restore(structuredClone(snap));
      assert.deepEqual(b.save(), snap);
      const endB = finish(b);
      assert.equal(endB.console, endA.console, `snapshot at ${k}`);
      assert.deepEqual(endB.cpu, endA.cpu, `snapshot at ${k}`);
      assert.deepEqual(b.mem.save(), a.mem.save());

      // Rewinding the used board: caches built from the later memory must not survive.
      a.restore(snap);
      const endA2 = finish(a);
      assert.equal(endA2.console, endA.console);
      assert.deepEqual(endA2.cpu, endA.cpu);
    }
  });
}

Deno.test("board snapshot: junk is refused and the board is unchanged", async () => {
  const c = CASES[0];
  const elf = await Deno.readFile(await compileGuest(c.guest));
  const b = boot(elf, c);
  b.run({ maxInstructions: 200_000 });
  const good = b.save();
  const bad: [string, (s: Record<string, unknown>) => void, RegExp][] = [
    ["config", (s) => (s.config = { ...good.config, ramSize: 1 << 20 }), /config/],
    ["gic kind", (s) => (s.config = { ...good.config, gic: "v3" }), /config/],
    ["console", (s) => (s.console = 7), /console/],
    ["rxQueue", (s) => (s.rxQueue = [300]), /rxQueue/],
    ["stopped", (s) => (s.stopped = "nap"), /stopped/],
    ["log", (s) => (s.log = [{ kind: "x" }]), /log/],
    ["cpu", (s) => ((s.cpu as Record<string, unknown>).retired = -1), /retired/],
    ["mem", (s) => ((s.mem as Record<string, unknown>).pfns = [1]), /pfns/],
    ["uart", (s) => (s.uart = { ...good.uart, cr: "on" }), /cr/],
    ["gic", (s) => (s.gic = { ...good.gic, enabled: new Uint8Array(3) }), /enabled/],
    ["clock", (s) => (s.clock = { idleCycles: -5 }), /idleCycles/],
    ["events", (s) => (s.events = { heap: [{ deadline: "soon" }], nextSeq: 1 }), /event/],
  ];
  for (const [what, spoil, msg] of bad) {
    const s = structuredClone(good) as unknown as Record<string, unknown>;
    spoil(s);
    assert.throws(() => b.restore(s as never), msg, what);
    assert.deepEqual(b.save(), good, `${what}: board changed`);
  }
  assert.throws(() => b.restore(null as never), /board state/);
  // Still runs as before after all the refusals.
  const a = new VirtBoard();
  a.restore(good);
  assert.equal(finish(b).console, finish(a).console);
});

function freshCpu(mpidr?: bigint): Cpu {
  const mem = new PhysMemory();
  mem.addRam("ram", 0x4000_0000, 1 << 20);
  return new Cpu(
    {
      mem,
      io: () => {
        throw new Error("no devices");
      },
      counter: () => 0,
    },
    a64Decoder(),
    mpidr === undefined ? {} : { mpidr },
  );
}

Deno.test("cpu snapshot: every field round-trips, including EL2 controls and debugger state", () => {
  const cpu = freshCpu();
  cpu.setX(3, 0x1234_5678_9abc_def0n);
  cpu.setQ(7, 0xffeeddccbbaa99887766554433221100n);
  cpu.pc = 0x4000_1000n;
  cpu.nzcv = 0xa000_0000;
  cpu.setMode(0, 0);
  cpu.fpcr = 0x0300_0000;
  cpu.fpsr = 0x9f;
  cpu.sysregs.set("TPIDR_EL1", 0xdead_beefn);
  cpu.timer.writeCval("virt", 123n);
  cpu.exAddr = 0x4000_0040;
  cpu.exSize = 8;
  cpu.irqLine = true;
  cpu.eventRegister = true;
  cpu.retired = 99;
  cpu.breakpoints.add(0x4000_2000n);
  cpu.addWatchpoint(0x4000_3000n, 8, "read");
  const s2: Stage2 = { vmid: 5, lookup: (ipfn) => ({ pfn: ipfn, perms: 7 }) };
  const el2 = {
    hcr: 1n,
    tfp: true,
    cntvoff: 77,
    stage2: s2,
    vmpidr: 0x8000_0000n,
    vpidr: 0x410fd070n,
  };
  cpu.el2 = el2;
  cpu.stats.undefined.set("00000000", { count: 2, pc: 0x4000_0000n, cls: "reserved" });
  const s = cpu.save();
  assert.equal(s.el2?.stage2Vmid, 5);
  assert.equal(s.el2?.cnthctl, null);

  // Without a stage 2 of VMID 5 the fresh PE refuses, and is unchanged.
  const other = freshCpu();
  const before = other.save();
  assert.throws(() => other.restore(s), /stage2Vmid 5/);
  assert.deepEqual(other.save(), before);
  other.restore(structuredClone(s), s2);
  assert.deepEqual(other.save(), s);
  assert.equal(other.getX(3), 0x1234_5678_9abc_def0n);
  assert.equal(other.el, 0);
  assert.equal(other.el2?.stage2, s2);
  assert.equal(other.fpEnabled(), false, "TFP restored");

  // Restoring into a PE that already has EL2 controls updates them in place.
  const held = { ...el2, hcr: 0n, cnthctl: 3 };
  const third = freshCpu();
  third.el2 = held;
  third.restore(s);
  assert.equal(third.el2, held);
  assert.equal(held.hcr, 1n);
  assert.equal("cnthctl" in held, false);

  // A bare PE's state takes EL2 away.
  const bare = freshCpu().save();
  third.restore(bare);
  assert.equal(third.el2, null);
});

Deno.test("cpu snapshot: junk states are refused and the PE is unchanged", () => {
  const cpu = freshCpu();
  cpu.setX(1, 42n);
  const good = cpu.save();
  const spoil: [string, (s: Record<string, unknown>) => void, RegExp][] = [
    ["null x", (s) => (s.x = null), /x null/],
    ["short x", (s) => (s.x = new Int32Array(63)), /x Int32Array/],
    ["x as array", (s) => (s.x = Array(64).fill(0)), /x array/],
    ["vregs", (s) => (s.vregs = new Uint8Array(512)), /vregs/],
    ["pc", (s) => (s.pcLo = 2 ** 33), /pcLo/],
    ["el", (s) => (s.pstate = { ...good.pstate, el: 2 }), /pstate.el/],
    ["daif", (s) => (s.pstate = { ...good.pstate, daif: 16 }), /pstate.daif/],
    ["nzcv", (s) => (s.pstate = { ...good.pstate, n: "1" }), /pstate.n/],
    ["mpidr", (s) => (s.mpidr = 1n), /mpidr/],
    ["sysregNames", (s) => (s.sysregNames = ["X", ...good.sysregNames.slice(1)]), /sysregNames/],
    ["sysregs", (s) => (s.sysregs = good.sysregs.slice(2)), /sysregs/],
    ["timer", (s) => (s.timer = { ...good.timer, phys: { ctl: 9, cval: 0n } }), /phys.ctl/],
    ["cval", (s) => (s.timer = { ...good.timer, virt: { ctl: 0, cval: -1n } }), /virt.cval/],
    ["frequency", (s) => (s.timer = { ...good.timer, frequency: 0 }), /frequency/],
    ["hwDebug", (s) => (s.hwDebug = { active: 1 }), /hwDebug.active/],
    ["exAddr", (s) => (s.exAddr = -2), /exAddr/],
    ["irqLine", (s) => (s.irqLine = 1), /irqLine/],
    ["retired", (s) => (s.retired = 1.5), /retired/],
    ["el2", (s) => (s.el2 = { hcr: 1 }), /el2.hcr/],
    ["exit", (s) => (s.exit = { ...good.exit, kind: "nap" }), /exit.kind/],
    ["exit far", (s) => (s.exit = { ...good.exit, far: 1n << 64n }), /exit.far/],
    ["stats", (s) => (s.stats = { exceptions: 0, undefined: [{ word: "zz" }] }), /word/],
    ["breakpoints", (s) => (s.debug = { ...good.debug, breakpoints: [1] }), /breakpoints/],
    [
      "watchpoints",
      (s) => (s.debug = { ...good.debug, watchpoints: [{ start: 8n, end: 4n }] }),
      /watchpoints\[0\].end/,
    ],
    ["bpResume", (s) => (s.debug = { ...good.debug, bpResume: -3 }), /bpResume/],
  ];
  for (const [what, f, msg] of spoil) {
    const s = structuredClone(good) as unknown as Record<string, unknown>;
    f(s);
    assert.throws(() => cpu.restore(s as never), msg, what);
    assert.deepEqual(cpu.save(), good, `${what}: PE changed`);
  }
  assert.throws(() => cpu.restore(undefined as never), /state undefined/);
  assert.throws(() => freshCpu(0x8000_0001n).restore(good), /mpidr/);
});

for (const c of [CASES[0], CASES[5]]) {
  Deno.test(`board snapshot (${c.guest.name}): junk in any field is refused, board unchanged`, async () => {
    const elf = await Deno.readFile(await compileGuest(c.guest));
    const b = boot(elf, c);
    b.run({ maxInstructions: 300_000 });
    const good = b.save();
    const junk: unknown[] = [
      null,
      undefined,
      1n,
      -1,
      1.5,
      NaN,
      "x",
      true,
      {},
      [],
      [null],
      {
        a: 1,
      },
      new Uint8Array(3),
      new Int32Array(64),
      new Float64Array(1),
    ];
    const fingerprint = () =>
      JSON.stringify(
        b.cpu.save(),
        (_k, v) =>
          typeof v === "bigint" ? `${v}n` : ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v,
      ) +
      b.console + b.mem.touchedPages;
    const before = fingerprint();
    let refused = 0, tried = 0;
    const paths: string[][] = [];
    for (const [k, v] of Object.entries(good)) {
      paths.push([k]);
      if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !Array.isArray(v)) {
        for (const k2 of Object.keys(v)) paths.push([k, k2]);
      }
    }
    for (const path of paths) {
      for (const j of junk) {
        const s = { ...good } as Record<string, unknown>;
        if (path.length === 1) s[path[0]] = j;
        else s[path[0]] = { ...(good as unknown as Record<string, object>)[path[0]], [path[1]]: j };
        tried++;
        try {
          b.restore(s as never);
        } catch (e) {
          refused++;
          assert.equal((e as Error).constructor, Error, `${path.join(".")} = ${String(j)}: ${e}`);
          assert.equal(fingerprint(), before, `${path.join(".")} = ${String(j)}: board changed`);
          continue;
        }
        b.restore(good); // an accepted value (e.g. stopped = null): back to the saved state
      }
    }
    assert.ok(refused > tried * 0.9, `refused ${refused} of ${tried}`);
    const a = new VirtBoard(c.config);
    a.restore(good);
    assert.equal(finish(b).console, finish(a).console);
  });
}
