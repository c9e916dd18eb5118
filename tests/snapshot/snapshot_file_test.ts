/**
 * The snapshot container: round trip of plain data (bigints, typed arrays, nested records), and
 * refusal of truncated, corrupted, foreign and future-version files with a clear error.
 */
import assert from "node:assert/strict";
import {
  decodeSnapshot,
  encodeSnapshot,
  SnapshotError,
} from "../../core/snapshot/snapshot_file.ts";

const components = {
  cpu: { x: new Int32Array([1, -2, 3]), pc: 0xffff_8000_0808_0000n },
  mem: { pfns: new Float64Array([0x40000, 0x40001]), bytes: new Uint8Array(8192).fill(7) },
  log: ["a", "b"],
};

Deno.test("snapshot file: plain data round trips exactly", () => {
  const file = encodeSnapshot({ creator: "hvlab", cycles: 123 }, components);
  const back = decodeSnapshot(file);
  assert.equal(back.version, 1);
  assert.deepEqual(back.meta, { creator: "hvlab", cycles: 123 });
  assert.deepEqual(back.components, components);
});

Deno.test("snapshot file: truncated, corrupted, foreign and newer files are refused", () => {
  const file = encodeSnapshot({ creator: "hvlab", cycles: 1 }, components);
  const bad = (f: Uint8Array, re: RegExp) =>
    assert.throws(() => decodeSnapshot(f), (e) => e instanceof SnapshotError && re.test(e.message));
  bad(file.subarray(0, 10), /shorter than its 64-byte header/);
  bad(file.subarray(0, file.length - 1), /truncated/);
  const flipped = file.slice();
  flipped[file.length - 5] ^= 0x40;
  bad(flipped, /checksum mismatch/);
  const foreign = file.slice();
  foreign[0] = 0x7f;
  bad(foreign, /bad magic/);
  const newer = file.slice();
  new DataView(newer.buffer).setUint32(8, 99, true);
  bad(newer, /format version 99/);
  bad(new Uint8Array(0), /shorter/);
});
