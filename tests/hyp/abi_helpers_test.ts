/** The few functions next to the ABI data: field lookup, the ARM callback-IRQ encoding, PSCI versions. */

import assert from "node:assert/strict";
import {
  abiField,
  decodeAbiStruct,
  event_channel,
  grant_table,
  hvm,
  isAbiStruct,
  memory,
  psci,
  readAbiField,
  writeAbiField,
} from "../../core/hyp/abi/mod.ts";

Deno.test("abiField finds a field by name and names both struct and field when absent", () => {
  assert.equal(abiField(event_channel.evtchn_init_control, "link_bits").offset, 16);
  assert.throws(
    () => abiField(event_channel.evtchn_send, "nope"),
    /evtchn_send has no field 'nope'/,
  );
  assert.ok(isAbiStruct(event_channel.evtchn_send));
  assert.ok(!isAbiStruct(event_channel.EVTCHNOP_send));
});

Deno.test("hvmCallbackIrqPpi puts type PPI in val[63:56], flags in val[15:8], the PPI in val[7:0]", () => {
  const v = hvm.hvmCallbackIrqPpi(31);
  assert.equal(
    (v & hvm.HVM_PARAM_CALLBACK_IRQ_TYPE_MASK) >> 56n,
    BigInt(hvm.HVM_PARAM_CALLBACK_TYPE_PPI),
  );
  assert.equal(
    (v & BigInt(hvm.HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_MASK)) >> 8n,
    BigInt(hvm.HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_LOW_LEVEL),
  );
  assert.equal(v & 0xffn, 31n);
  assert.equal(v & 0x00ffffffffff0000n, 0n, "val[55:16] must be zero");
  assert.throws(() => hvm.hvmCallbackIrqPpi(32), /not a PPI: 32/);
  assert.throws(() => hvm.hvmCallbackIrqPpi(27, 256), /PPI flags must be a byte: 256/);
});

Deno.test("psciVersion encodes major.minor and rejects out-of-range parts", () => {
  assert.equal(psci.psciVersion(1, 1) >> psci.PSCI_VERSION_MAJOR_SHIFT, 1);
  assert.equal(psci.psciVersion(1, 1) & 0xffff, 1);
  assert.throws(() => psci.psciVersion(1, 0x10000), /minor version out of range: 65536/);
  assert.throws(() => psci.psciVersion(-1, 0), /major version out of range: -1/);
});

Deno.test("core/hyp/abi imports nothing at run time (only types from ./layout.ts, mod.ts re-exports)", () => {
  const dir = new URL("../../core/hyp/abi/", import.meta.url);
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".ts")) continue;
    const src = Deno.readTextFileSync(new URL(e.name, dir));
    for (const m of src.matchAll(/^(import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)) {
      assert.ok(m[2].startsWith("./") && !m[2].includes(".."), `${e.name} imports ${m[2]}`);
      if (e.name !== "mod.ts") {
        assert.match(m[0], /^import type /, `${e.name}: only type imports (${m[0]})`);
      }
    }
  }
});

Deno.test("readAbiField/writeAbiField reject accesses outside the view or of non-scalars, naming the field", () => {
  const dv = new DataView(new ArrayBuffer(16));
  const map = grant_table.gnttab_map_grant_ref;
  assert.throws(
    () => readAbiField(dv, 0, abiField(map, "dev_bus_addr")),
    /dev_bus_addr at 24 lies outside the 16-byte view/,
  );
  assert.throws(() => readAbiField(dv, -4, abiField(map, "flags")), /flags: bad structure base -4/);
  const head = abiField(event_channel.evtchn_fifo_control_block, "head");
  assert.throws(() => readAbiField(dv, 0, head, 16), /head\[16\]: index out of range \(0\.\.15\)/);
  assert.throws(
    () => readAbiField(dv, 0, abiField(memory.xen_memory_exchange, "in")),
    /not a scalar/,
  );
  const big = new DataView(new ArrayBuffer(map.size));
  writeAbiField(big, 0, abiField(map, "status"), grant_table.GNTST_bad_gntref);
  assert.equal(readAbiField(big, 0, abiField(map, "status")), grant_table.GNTST_bad_gntref);
  assert.deepEqual(decodeAbiStruct(event_channel.evtchn_send, dv), { port: 0 });
});
