/** FDT writer <-> reader: round trips, layout (alignment, string table), phandles, writer errors. */
import assert from "node:assert/strict";
import { writeFdt } from "../../core/fdt/fdt_writer.ts";
import { readFdt, readFdtHeader } from "../../core/fdt/fdt_reader.ts";
import {
  fdtAsStrings,
  fdtAsU32s,
  fdtBytes,
  fdtChild,
  fdtEmpty,
  FdtError,
  type FdtNode,
  fdtNode,
  fdtProp,
  fdtRef,
  fdtString,
  fdtStrings,
  type FdtTree,
  fdtU32,
  fdtU64,
  fdtValueBytes,
} from "../../core/fdt/fdt_types.ts";

/** A tree in canonical form (every value as bytes) for comparing with reader output. */
function canonical(n: FdtNode, phandleOf?: (l: string) => number): unknown {
  return {
    name: n.name,
    props: n.props.map((p) => [p.name, Array.from(fdtValueBytes(p.value, phandleOf))]),
    children: n.children.map((c) => canonical(c, phandleOf)),
  };
}

const sample = (): FdtTree => ({
  root: fdtNode("", [["#address-cells", fdtU32(2)], ["#size-cells", fdtU32(2)], [
    "model",
    fdtString("hvlab test"),
  ]], [
    fdtNode("chosen", [["bootargs", fdtString("console=hvc0")], [
      "linux,initrd-start",
      fdtU64(0x48200000n),
    ]]),
    fdtNode(
      "intc@8000000",
      [
        ["compatible", fdtStrings("arm,gic-400", "arm,cortex-a15-gic")],
        ["interrupt-controller", fdtEmpty()],
        ["reg", fdtU32(0, 0x8000000, 0, 0x10000)],
      ],
      [],
      "gic",
    ),
    fdtNode("uart@9000000", [
      ["interrupt-parent", fdtRef("gic")],
      ["odd", fdtBytes(new Uint8Array([1, 2, 3]))],
      ["big", fdtU64(0xffffffffffffffffn)],
    ], [fdtNode("nested", [["a", fdtU32(1)]], [fdtNode("deeper", [])])]),
  ]),
  reservations: [{ address: 0x40000000n, size: 0x1000n }, { address: 1n << 40n, size: 1n }],
  bootCpuidPhys: 3,
});

Deno.test("fdt: writer -> reader round trip keeps names, values, order, reservations", () => {
  const tree = sample();
  const blob = writeFdt(tree);
  const back = readFdt(blob);
  const gic = fdtChild(back.root, "intc@8000000")!;
  const ph = fdtAsU32s(fdtProp(gic, "phandle")!)[0];
  assert.equal(ph, 1, "first free phandle");
  // The writer appends the phandle property to the labelled node, as dtc does.
  tree.root.children[1].props.push({ name: "phandle", value: fdtU32(1) });
  assert.deepEqual(canonical(back.root), canonical(tree.root, () => ph));
  assert.deepEqual(back.reservations, tree.reservations);
  assert.equal(back.bootCpuidPhys, 3);
  assert.deepEqual(fdtAsStrings(fdtProp(gic, "compatible")!), [
    "arm,gic-400",
    "arm,cortex-a15-gic",
  ]);
  const uart = fdtChild(back.root, "uart@9000000")!;
  assert.deepEqual(fdtAsU32s(fdtProp(uart, "interrupt-parent")!), [1]);
  assert.deepEqual(Array.from(fdtValueBytes(fdtProp(uart, "odd")!)), [1, 2, 3]);
  // Re-serializing the parsed tree gives the same bytes.
  assert.deepEqual(writeFdt(back), blob);
});

Deno.test("fdt: header, alignment and string table follow libfdt's sequential-write layout", () => {
  const blob = writeFdt(sample());
  const h = readFdtHeader(blob);
  assert.equal(h.version, 17);
  assert.equal(h.lastCompVersion, 16);
  assert.equal(h.offMemRsvmap, 48);
  assert.equal(h.offMemRsvmap % 8, 0);
  assert.equal(h.offDtStruct, 48 + 3 * 16, "two entries + terminator");
  assert.equal(h.offDtStruct % 4, 0);
  assert.equal(h.sizeDtStruct % 4, 0);
  assert.equal(h.offDtStrings, h.offDtStruct + h.sizeDtStruct);
  assert.equal(h.totalsize, h.offDtStrings + h.sizeDtStrings);
  assert.equal(h.totalsize, blob.length);
  const table = new TextDecoder().decode(blob.subarray(h.offDtStrings));
  const names = table.split("\0").slice(0, -1);
  // Each name once; newest first ("a" was the last new name, "#address-cells" the first).
  assert.equal(new Set(names).size, names.length);
  assert.equal(names[0], "a");
  assert.equal(names[names.length - 1], "#address-cells");
});

Deno.test("fdt: a name that is a suffix of an earlier one reuses it", () => {
  const blob = writeFdt({
    root: fdtNode("", [["linux,phandle", fdtU32(5)], ["phandle", fdtU32(5)]]),
    reservations: [],
  });
  const h = readFdtHeader(blob);
  assert.equal(h.sizeDtStrings, "linux,phandle\0".length);
  const back = readFdt(blob);
  assert.deepEqual(back.root.props.map((p) => p.name), ["linux,phandle", "phandle"]);
});

Deno.test("fdt: phandles: explicit values kept, new ones skip used values", () => {
  const tree: FdtTree = {
    root: fdtNode("", [], [
      fdtNode("a", [["phandle", fdtU32(1)]], [], "a"),
      fdtNode("b", [], [], "b"),
      fdtNode("c", [["p", fdtU32(0)], ["refs", fdtRef("a")], ["refb", fdtRef("b")]]),
    ]),
    reservations: [],
  };
  const back = readFdt(writeFdt(tree));
  const c = fdtChild(back.root, "c")!;
  assert.deepEqual(fdtAsU32s(fdtProp(c, "refs")!), [1]);
  assert.deepEqual(fdtAsU32s(fdtProp(c, "refb")!), [2]);
  assert.deepEqual(fdtAsU32s(fdtProp(fdtChild(back.root, "b")!, "phandle")!), [2]);
});

Deno.test("fdt: writer rejects bad names, values and references, naming them", () => {
  const bad = (tree: FdtTree, re: RegExp) => assert.throws(() => writeFdt(tree), re);
  const t = (children: FdtNode[], props: [string, ReturnType<typeof fdtU32>][] = []) => ({
    root: fdtNode("", props, children),
    reservations: [],
  });
  bad(t([fdtNode("bad name", [])]), /bad node name "bad name"/);
  bad(t([fdtNode("a", []), fdtNode("a", [])]), /duplicate node \/a/);
  bad(t([], [["x y", fdtU32(1)]]), /bad property name "x y"/);
  bad(t([], [["x", fdtU32(1)], ["x", fdtU32(2)]]), /duplicate property 'x'/);
  bad(t([], [["x", fdtU32(0x100000000)]]), /u32 cell out of range: 4294967296/);
  bad(t([], [["x", fdtU32(-1)]]), /u32 cell out of range: -1/);
  bad(t([], [["x", fdtU64(1n << 64n)]]), /u64 value out of range/);
  bad(t([], [["x", fdtString("a\0b")]]), /contains a NUL/);
  bad(t([], [["x", fdtRef("nope")]]), /unknown label 'nope'/);
  bad(t([fdtNode("a", [], [], "l"), fdtNode("b", [], [], "l")]), /duplicate label 'l'/);
  bad(
    t([fdtNode("a", [["phandle", fdtU32(7)]]), fdtNode("b", [["phandle", fdtU32(7)]])]),
    /phandle 7/,
  );
  bad({ root: fdtNode("x", []), reservations: [] }, /root node name must be ""/);
  bad({ root: fdtNode("", []), reservations: [{ address: -1n, size: 0n }] }, /reservation/);
  assert.ok(new FdtError("x") instanceof Error);
});
