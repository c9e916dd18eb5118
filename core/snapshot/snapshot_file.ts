/**
 * The snapshot file: a fixed header (magic, format version, lengths, SHA-256 of the payload)
 * followed by the gzip-compressed payload, which is the V8 structured serialization of
 * `{ meta, components }` — plain data only (objects, arrays, numbers, bigints, strings, typed
 * arrays), components by stable id. Decoding checks everything before it returns, so a truncated,
 * corrupted or foreign file is refused with an error naming what is wrong, and nothing is
 * restored from it.
 */
import v8 from "node:v8";
import zlib from "node:zlib";
import { createHash } from "node:crypto";

/** "HVLABSNP". */
const MAGIC = [0x48, 0x56, 0x4c, 0x41, 0x42, 0x53, 0x4e, 0x50];
/** The format this code writes; it reads versions MIN_VERSION..SNAPSHOT_VERSION. */
export const SNAPSHOT_VERSION = 1;
const MIN_VERSION = 1;
const HEADER = 64;

/** What a snapshot says about itself. */
export interface SnapshotMeta {
  /** What made it ("hvlab"), and a free-form description. */
  creator: string;
  description?: string;
  /** Virtual time of the snapshot, in cycles. */
  cycles: number;
}

/** A decoded snapshot. */
export interface SnapshotContents {
  version: number;
  meta: SnapshotMeta;
  components: Record<string, unknown>;
}

/** A snapshot file that cannot be used, and why. */
export class SnapshotError extends Error {}

/** Encodes `components` (plain data) with `meta` into a snapshot file. */
export function encodeSnapshot(
  meta: SnapshotMeta,
  components: Record<string, unknown>,
): Uint8Array {
  const raw = v8.serialize({ meta, components });
  const payload = zlib.gzipSync(raw, { level: 1 });
  const out = new Uint8Array(HEADER + payload.length);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(8, SNAPSHOT_VERSION, true);
  dv.setUint32(12, HEADER, true);
  dv.setBigUint64(16, BigInt(payload.length), true);
  dv.setBigUint64(24, BigInt(raw.length), true);
  out.set(createHash("sha256").update(payload).digest(), 32);
  out.set(payload, HEADER);
  return out;
}

/** Decodes a snapshot file; throws SnapshotError naming the problem. */
export function decodeSnapshot(file: Uint8Array): SnapshotContents {
  if (file.length < HEADER) {
    throw new SnapshotError(
      `snapshot: ${file.length} bytes, shorter than its ${HEADER}-byte header`,
    );
  }
  if (MAGIC.some((b, i) => file[i] !== b)) {
    throw new SnapshotError("snapshot: bad magic (not an hvlab snapshot file)");
  }
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = dv.getUint32(8, true);
  if (version < MIN_VERSION || version > SNAPSHOT_VERSION) {
    throw new SnapshotError(
      `snapshot: format version ${version}; this hvlab reads ${MIN_VERSION}..${SNAPSHOT_VERSION}`,
    );
  }
  const headerSize = dv.getUint32(12, true);
  const length = dv.getBigUint64(16, true), rawLength = dv.getBigUint64(24, true);
  if (headerSize !== HEADER) throw new SnapshotError(`snapshot: header size ${headerSize}`);
  if (BigInt(file.length - HEADER) !== length) {
    throw new SnapshotError(
      `snapshot: truncated or padded: payload of ${
        file.length - HEADER
      } bytes, header says ${length}`,
    );
  }
  const payload = file.subarray(HEADER);
  const sum = createHash("sha256").update(payload).digest();
  if (sum.some((b: number, i: number) => b !== file[32 + i])) {
    throw new SnapshotError("snapshot: checksum mismatch (the file is corrupted)");
  }
  let value: unknown;
  try {
    const raw = zlib.gunzipSync(payload);
    if (BigInt(raw.length) !== rawLength) {
      throw new Error(`payload expands to ${raw.length} bytes, header says ${rawLength}`);
    }
    value = v8.deserialize(raw);
  } catch (e) {
    throw new SnapshotError(`snapshot: undecodable payload (${(e as Error).message})`);
  }
  const v = value as { meta?: SnapshotMeta; components?: Record<string, unknown> };
  if (typeof v !== "object" || v === null || typeof v.meta !== "object" || v.meta === null) {
    throw new SnapshotError("snapshot: payload has no meta record");
  }
  if (typeof v.components !== "object" || v.components === null) {
    throw new SnapshotError("snapshot: payload has no components");
  }
  return { version, meta: v.meta, components: v.components };
}
