/**
 * The C PL011 model in the stub domain against hvlab's own PL011 (core/devices/pl011.ts, the
 * in-hypervisor vpl011) as the reference: one domU program makes the same register accesses
 * (1-, 2- and 4-byte reads and writes of every register, the ID bytes, masks, read-only
 * registers, holes, interrupt status, receive FIFO with and without FEN) under both placements;
 * every value it reads, and what it transmits, must be the same.
 */
import assert from "node:assert/strict";
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { GUEST_PL011_BASE } from "../../core/hyp/builder/domu_fdt.ts";
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

const DR = 0x00, RSR = 0x04, FR = 0x18, ILPR = 0x20, IBRD = 0x24, FBRD = 0x28, LCRH = 0x2c;
const CR = 0x30, IFLS = 0x34, IMSC = 0x38, RIS = 0x3c, MIS = 0x40, ICR = 0x44, DMACR = 0x48;

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

/** The domU runs PROGRAM on its UART. */
function target(hv: Hypervisor, placement: "hypervisor" | "stubdom"): BuiltDomain {
  const cfg = {
    ...labConfig("uart"),
    // Typed input goes to the in-hypervisor UART only when the guest's console is on it.
    cmdline: "console=ttyAMA0",
    vuart: "sbsa_uart" as const,
    vuartPlacement: placement,
  };
  return buildDomain(hv, cfg, {
    kernel: probeGuestKernel(cfg.kernel, accessTableProgram(PROGRAM, GUEST_PL011_BASE), "raw"),
  });
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
  const reads = runAccessTable(hv, du.vcpus[0], PROGRAM, 100_000_000, placement).map(Number);
  return { reads, sent: sink.text.slice(banner.length) };
}

Deno.test({
  name: "stubdom: the C PL011 model reads and sends exactly what hvlab's in-hypervisor PL011 does",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const ref = await run("hypervisor");
    const stub = await run("stubdom");
    assert.deepEqual(namedReads(PROGRAM, stub.reads), namedReads(PROGRAM, ref.reads));
    assert.equal(ref.sent, "AB");
    assert.equal(stub.sent, ref.sent);
    // The reference really saw the IDs and the typed bytes (a table of zeros would agree too).
    assert.deepEqual(ref.reads.slice(12, 20), [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    assert.ok(ref.reads.includes("t".charCodeAt(0)), "a typed byte was read from DR");
  },
});
