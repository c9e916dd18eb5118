/** The few functions next to the ABI data: field lookup, the ARM callback-IRQ encoding, PSCI versions. */

import assert from "node:assert/strict";
import { abiField, event_channel, hvm, isAbiStruct, psci } from "../../core/hyp/abi/mod.ts";

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
