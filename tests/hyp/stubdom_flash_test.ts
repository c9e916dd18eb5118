/**
 * The C CFI flash model in the stub domain (guests/stubdom/cfi_flash_model.c) against hvlab's own
 * (core/devices/cfi_flash.ts, in the hypervisor) as the reference: one domU program drives both
 * banks through the same command sequences (identifier, query, status, word and byte program,
 * buffered program, block erase, lock/unlock, sequence errors, 1/2/4/8-byte accesses) under both
 * placements, and every value it reads must be the same.
 */
import assert from "node:assert/strict";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import { GUEST_FLASH_BASE } from "../../core/hyp/builder/domu_fdt.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { spawnStubdom } from "../../core/hyp/builder/stubdom.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { compileGuest, STUBDOM_PL011 } from "../../scripts/build_guests.ts";
import { haveCrossGcc, labConfig } from "../../tools/lab/hyp_lab.ts";
import {
  type Access,
  accessTableProgram,
  namedReads,
  r,
  runAccessTable,
  w,
} from "./mmio_access_table.ts";

/** A command as drivers send it to a bank of two x16 devices: in each device's low lane. */
const cmd = (o: number, c: number): Access => w(o, c * 0x10001);
const BLOCK = 0x40000, BANK = 0x400_0000;
const arrayMode = cmd(0, 0xff), clearStatus = cmd(0, 0x50);

const PROGRAM: Access[] = [
  r(0),
  cmd(0, 0x90),
  ...[0, 4, 8, 12].map(r),
  ["r16", 4],
  ["r8", 1],
  r(BLOCK + 8),
  ["r64", 0],
  cmd(0, 0x98),
  ...[0x10, 0x11, 0x12, 0x13, 0x15, 0x1b, 0x1f, 0x27, 0x28, 0x2a, 0x2c, 0x2d, 0x2e, 0x2f, 0x30]
    .map((q) => r(4 * q)),
  ...[0x31, 0x32, 0x33, 0x34, 0x35, 0x3f, 0x40].map((q) => r(4 * q)),
  // Only the low byte of a write is the command: 0x12ff is read array.
  w(0, 0x12ff),
  r(0),
  // Word program, then a second program only clears more bits.
  cmd(0x100, 0x40),
  w(0x100, 0x1234_5678),
  r(0x100),
  arrayMode,
  r(0x100),
  cmd(0x100, 0x10),
  w(0x100, 0xffff_0000),
  arrayMode,
  r(0x100),
  ["w8", 0x203, 0x40],
  ["w8", 0x203, 0x0f],
  ["w16", 0, 0xff],
  r(0x200),
  ["r8", 0x203],
  cmd(0, 0x70),
  r(0),
  // Erase with a bad confirm: command sequence error, until clear status.
  cmd(BLOCK, 0x20),
  cmd(BLOCK, 0x55),
  r(0),
  r(BLOCK),
  clearStatus,
  r(0),
  // A locked block refuses program; its lock shows at identifier word 2.
  cmd(BLOCK, 0x60),
  cmd(BLOCK, 0x01),
  cmd(0, 0x90),
  r(BLOCK + 8),
  r(8),
  cmd(BLOCK + 0x10, 0x40),
  w(BLOCK + 0x10, 0),
  r(0),
  clearStatus,
  arrayMode,
  r(BLOCK + 0x10),
  cmd(BLOCK, 0x20),
  cmd(BLOCK, 0xd0),
  r(0),
  clearStatus,
  cmd(BLOCK, 0x60),
  cmd(BLOCK, 0xd0),
  cmd(BLOCK + 0x10, 0x40),
  w(BLOCK + 0x10, 0x0f0f_0f0f),
  arrayMode,
  r(BLOCK + 0x10),
  // Buffered program: four words, written at the confirm.
  cmd(0x1000, 0xe8),
  r(0x1000),
  w(0x1000, 3),
  w(0x1000, 0x1111_1111),
  w(0x1004, 0x2222_2222),
  r(0x1004),
  w(0x1008, 0x3333_3333),
  ["w16", 0x100c, 0x4444],
  cmd(0x1000, 0xd0),
  r(0),
  arrayMode,
  ...[0x1000, 0x1004, 0x1008, 0x100c].map(r),
  // Across a write-buffer boundary: a sequence error, nothing written.
  cmd(0x1ff8, 0xe8),
  w(0x1ff8, 1),
  w(0x1ff8, 0),
  w(0x2000, 0),
  cmd(0x1ff8, 0xd0),
  r(0),
  clearStatus,
  r(0x1ff8),
  r(0x2000),
  // Too long a buffer.
  cmd(0x3000, 0xe8),
  w(0x3000, 0x4000),
  r(0),
  clearStatus,
  // Erase of block 0 takes every program back to 0xff.
  cmd(0x10, 0x20),
  cmd(0x10, 0xd0),
  r(0),
  arrayMode,
  r(0x100),
  r(0x1000),
  r(0x200),
  // The second bank is a bank of its own.
  cmd(BANK + 8, 0x40),
  w(BANK + 8, 0xa5a5_a5a5),
  r(8),
  r(BANK + 8),
  arrayMode,
  r(BANK + 8),
  r(BANK),
  r(BANK - 4),
  cmd(BANK, 0x98),
  r(0x40),
  r(BANK + 0x40),
  ["w32", BANK, 0xff],
  // 8-byte accesses are two 4-byte cycles: the setup, then the data.
  ["w64", 0x3000, 0x0000_00ff_0040_0040n],
  r(0),
  arrayMode,
  ["r64", 0x3000],
  // Unknown command, suspend and resume.
  cmd(0, 0x33),
  r(0x3004),
  cmd(0, 0xb0),
  r(0),
  cmd(0, 0xd0),
  r(0x3004),
  arrayMode,
  r(2 * BANK - 4),
];

/** What the domU reads running `table` on its flash placed `where`. */
async function reads(
  where: "hypervisor" | "stubdom" | "ioreq",
  table = PROGRAM,
): Promise<bigint[]> {
  const hv = new Hypervisor({ pcpus: 2 });
  const cfg = { ...labConfig("flash"), vmDevices: { flash: { placement: where } } };
  const du = buildDomain(hv, cfg, {
    kernel: probeGuestKernel(cfg.kernel, accessTableProgram(table, GUEST_FLASH_BASE), "raw"),
  });
  if (where !== "hypervisor") {
    assert.equal(du.domain.mmio.find(Number(GUEST_FLASH_BASE)), undefined);
    const kernel = await Deno.readFile(await compileGuest(STUBDOM_PL011));
    // "ioreq": the same model in a control domain (dom0's role) rather than a stub domain.
    const privileged = where === "ioreq";
    const stub = spawnStubdom(hv, { target: du.domain, kernel, devices: ["flash"], privileged })
      .domain;
    assert.match(hv.console(stub.id).text, /serving domain \d+'s flash \(/);
  }
  return runAccessTable(hv, du.domain.vcpus[0], table, 400_000_000, where);
}

Deno.test({
  name: "stubdom: the C CFI flash model (stub domain, or dom0's ioreq server) reads exactly " +
    "what hvlab's in-hypervisor flash does",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const ref = await reads("hypervisor");
    const stub = await reads("stubdom");
    const dom0 = await reads("ioreq");
    const named = (x: bigint[]) => namedReads(PROGRAM, x);
    assert.deepEqual(named(stub), named(ref));
    assert.deepEqual(named(dom0), named(ref), "served from a control domain's ioreq server");
    // The reference really answered: IDs, "QRY", a programmed word, status with errors.
    assert.deepEqual(ref.slice(0, 3), [0xffff_ffffn, 0x0089_0089n, 0x0018_0018n]);
    assert.ok(ref.includes(0x0051_0051n) && ref.includes(0x1234_5678n));
    assert.ok(ref.includes(0x00b0_00b0n), "a command sequence error was read");
    assert.ok(ref.includes(0x0092_0092n), "a locked block's program error was read");
  },
});

Deno.test({
  name: "stubdom: the C flash stores at most 16 programmed blocks; an erase gives one back",
  ignore: !haveCrossGcc(),
  fn: async () => {
    // One word programmed in each of 17 blocks (both banks share the store); the status after each.
    const blocks = Array.from({ length: 17 }, (_, i) => (i < 9 ? i : BANK / BLOCK + i) * BLOCK);
    const table: Access[] = [
      ...blocks.flatMap((b): Access[] => [cmd(b, 0x40), w(b, 0x5a5a_5a5a), r(b)]),
      // Commands go to one bank: blocks[9..] are in the second.
      cmd(BANK, 0x50),
      cmd(BANK, 0xff),
      r(blocks[16]),
      r(blocks[15]),
      // Erasing block 0 frees its storage: the 17th block can be programmed now.
      cmd(blocks[0], 0x20),
      cmd(blocks[0], 0xd0),
      cmd(blocks[16], 0x40),
      w(blocks[16], 0x5a5a_5a5a),
      r(blocks[16]),
      cmd(BANK, 0xff),
      r(blocks[16]),
      arrayMode,
      r(blocks[0]),
    ];
    const got = await reads("stubdom", table);
    const ready = 0x0080_0080n, programError = 0x0090_0090n;
    assert.deepEqual(got.slice(0, 16), Array(16).fill(ready));
    assert.equal(got[16], programError, "no storage left for the 17th block");
    assert.deepEqual(got.slice(17), [
      0xffff_ffffn,
      0x5a5a_5a5an,
      ready,
      0x5a5a_5a5an,
      0xffff_ffffn,
    ]);
    // hvlab's own model keeps the whole bank and programs all 17.
    const ref = await reads("hypervisor", table);
    assert.equal(ref[16], ready);
  },
});
