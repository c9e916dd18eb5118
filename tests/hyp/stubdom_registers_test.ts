/**
 * The C PL011 model in the stub domain against hvlab's own PL011 (core/devices/pl011.ts, the
 * in-hypervisor vpl011) as the reference: one domU program makes the same register accesses
 * (1-, 2- and 4-byte reads and writes of every register, the ID bytes, masks, read-only
 * registers, holes, interrupt status, receive FIFO with and without FEN) under both placements;
 * every value it reads, and what it transmits, must be the same.
 */
import assert from "node:assert/strict";
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { spawnStubdom } from "../../core/hyp/builder/stubdom.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { compileGuest, STUBDOM_PL011 } from "../../scripts/build_guests.ts";
import { assembleRaw, haveCrossGcc, labConfig, SCRATCH } from "../../tools/lab/hyp_lab.ts";

/** One access: kind (w/r and size), register offset, value written. */
type Access = [kind: "w32" | "r32" | "w16" | "r16" | "w8" | "r8", offset: number, value?: number];
const KIND = { w32: 1, r32: 2, w8: 3, r8: 4, w16: 5, r16: 6 } as const;

const DR = 0x00, RSR = 0x04, FR = 0x18, ILPR = 0x20, IBRD = 0x24, FBRD = 0x28, LCRH = 0x2c;
const CR = 0x30, IFLS = 0x34, IMSC = 0x38, RIS = 0x3c, MIS = 0x40, ICR = 0x44, DMACR = 0x48;
const r = (o: number): Access => ["r32", o];
const w = (o: number, v: number): Access => ["w32", o, v];

const PROGRAM: Access[] = [
  ...[FR, CR, IFLS, IMSC, RIS, MIS, LCRH, IBRD, FBRD, ILPR, DMACR, RSR].map(r),
  ...Array.from({ length: 8 }, (_, i): Access => ["r8", 0xfe0 + 4 * i]),
  ...Array.from({ length: 8 }, (_, i) => r(0xfe0 + 4 * i)),
  ["r16", 0xfe0],
  // Received bytes (typed before the run): one fits with FEN clear.
  r(FR),
  r(RIS),
  r(DR),
  r(FR),
  w(IBRD, 0x12345),
  r(IBRD),
  w(FBRD, 0xff),
  r(FBRD),
  w(ILPR, 0x1ff),
  r(ILPR),
  // FEN on empties the FIFO; the rest of the typed bytes come in, up to the trigger level.
  w(LCRH, 0x70),
  r(LCRH),
  r(FR),
  r(RIS),
  w(IFLS, 0x00),
  r(RIS),
  w(IFLS, 0xff),
  r(IFLS),
  r(RIS),
  r(DR),
  r(DR),
  r(FR),
  w(CR, 0xffff),
  r(CR),
  w(DMACR, 0xff),
  r(DMACR),
  w(IMSC, 0x7f0),
  r(IMSC),
  r(RIS),
  r(MIS),
  w(DR, 0x41),
  r(RIS),
  r(MIS),
  w(ICR, 0x20),
  r(RIS),
  r(MIS),
  ["w8", IMSC + 1, 0x2],
  r(IMSC),
  ["w16", IBRD, 0xabcd],
  r(IBRD),
  ["r16", IBRD + 2],
  ["r8", RIS],
  r(0x100),
  w(0x100, 1),
  r(0x100),
  w(RSR, 5),
  r(RSR),
  w(FR, 0),
  r(FR),
  w(RIS, 0xffff),
  r(RIS),
  w(LCRH, 0x60),
  r(LCRH),
  r(FR),
  ["w8", DR, 0x42],
  r(ICR),
];
const READS = PROGRAM.filter(([k]) => k[0] === "r").length;

/** The domU: runs the access table, storing each read at SCRATCH; x4 = 1 when done. */
function program(): Uint8Array {
  const table = PROGRAM.map(([k, o, v]) => `  .quad ${KIND[k]}, ${o}, ${v ?? 0}`).join("\n");
  return assembleRaw(`
  adr x10, table
  movz x9, #0x2200, lsl #16
  movz x11, #${SCRATCH >>> 16}, lsl #16
next:
  ldp x1, x2, [x10], #16
  ldr x3, [x10], #8
  cbz x1, done
  add x5, x9, x2
  cmp x1, #1
  b.eq w32
  cmp x1, #2
  b.eq r32
  cmp x1, #3
  b.eq w8
  cmp x1, #4
  b.eq r8
  cmp x1, #5
  b.eq w16
  ldrh w6, [x5]
  b store
w32:
  str w3, [x5]
  b next
w16:
  strh w3, [x5]
  b next
w8:
  strb w3, [x5]
  b next
r32:
  ldr w6, [x5]
  b store
r8:
  ldrb w6, [x5]
store:
  str x6, [x11], #8
  b next
done:
  mov x4, #1
1:
  wfi
  b 1b
  .balign 8
table:
${table}
  .quad 0, 0, 0
`);
}

function target(hv: Hypervisor, placement: "hypervisor" | "stubdom"): BuiltDomain {
  const cfg = {
    ...labConfig("uart"),
    // Typed input goes to the in-hypervisor UART only when the guest's console is on it.
    cmdline: "console=ttyAMA0",
    vuart: "sbsa_uart" as const,
    vuartPlacement: placement,
  };
  return buildDomain(hv, cfg, { kernel: probeGuestKernel(cfg.kernel, program(), "raw") });
}

async function run(placement: "hypervisor" | "stubdom") {
  const hv = new Hypervisor({ pcpus: 2 });
  const du = target(hv, placement).domain;
  let consoleId = du.id;
  if (placement === "stubdom") {
    const kernel = await Deno.readFile(await compileGuest(STUBDOM_PL011));
    consoleId = spawnStubdom(hv, { target: du, kernel }).domain.id;
  }
  const sink = hv.console(consoleId);
  const banner = sink.text;
  sink.input("typed bytes!");
  const v = du.vcpus[0];
  hv.run({ maxCycles: 100_000_000, until: () => v.cpu.getX(4) === 1n });
  assert.equal(v.cpu.getX(4), 1n, `${placement}: the program finished`);
  const dv = v.guest.readStruct(BigInt(SCRATCH), 8 * READS);
  const reads = Array.from({ length: READS }, (_, i) => Number(dv.getBigUint64(8 * i, true)));
  return { reads, sent: sink.text.slice(banner.length) };
}

Deno.test({
  name: "stubdom: the C PL011 model reads and sends exactly what hvlab's in-hypervisor PL011 does",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const ref = await run("hypervisor");
    const stub = await run("stubdom");
    const named = (x: number[]) =>
      x.map((val, i) =>
        `${PROGRAM.filter(([k]) => k[0] === "r")[i].join(":")}=${val.toString(16)}`
      );
    assert.deepEqual(named(stub.reads), named(ref.reads));
    assert.equal(ref.sent, "AB");
    assert.equal(stub.sent, ref.sent);
    // The reference really saw the IDs and the typed bytes (a table of zeros would agree too).
    assert.deepEqual(ref.reads.slice(12, 20), [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    assert.ok(ref.reads.includes("t".charCodeAt(0)), "a typed byte was read from DR");
  },
});
