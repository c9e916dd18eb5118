/**
 * A writer for the cpio "newc" format (070701), the format the Linux kernel unpacks as an
 * initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 */

/** One archive member. Directories and symlinks carry no data of their own. */
export interface CpioEntry {
  path: string;
  kind: "file" | "dir" | "symlink" | "chardev";
  /** Device number of a "chardev" (e.g. 5:1 for /dev/console). */
  rdev?: [number, number];
  /** Permission bits (e.g. 0o755). */
  perm: number;
  /** File contents, or the link target for a symlink. */
  data?: Uint8Array | string;
}

const S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000, S_IFCHR = 0o020000;

/** Serializes `entries` (parents before children) into a newc archive with its TRAILER!!!. */
export function buildCpio(entries: CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    size += b.length;
    const pad = (4 - (size % 4)) % 4;
    if (pad) {
      parts.push(new Uint8Array(pad));
      size += pad;
    }
  };
  const member = (
    ino: number,
    path: string,
    mode: number,
    data: Uint8Array,
    nlink: number,
    rdev = [0, 0],
  ) => {
    if (path.length === 0 || path.startsWith("/")) throw new Error(`cpio: bad path "${path}"`);
    const name = enc.encode(path + "\0");
    const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], name.length, 0];
    const hdr = "070701" + fields.map((f) => (f >>> 0).toString(16).padStart(8, "0")).join("");
    // Header and name are padded together to 4 bytes, then the data to 4 bytes.
    const head = new Uint8Array(hdr.length + name.length);
    head.set(enc.encode(hdr));
    head.set(name, hdr.length);
    push(head);
    if (data.length) push(data);
  };
  entries.forEach((e, i) => {
    if (!Number.isInteger(e.perm) || e.perm < 0 || e.perm > 0o7777) {
      throw new Error(`cpio: bad permissions ${e.perm} for "${e.path}"`);
    }
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data ?? new Uint8Array(0);
    if (e.kind === "dir" && data.length) throw new Error(`cpio: directory "${e.path}" with data`);
    const type = { file: S_IFREG, dir: S_IFDIR, symlink: S_IFLNK, chardev: S_IFCHR }[e.kind];
    if ((e.kind === "chardev") !== (e.rdev !== undefined)) {
      throw new Error(`cpio: "${e.path}": a device number goes with kind "chardev" only`);
    }
    member(i + 1, e.path, type | e.perm, data, e.kind === "dir" ? 2 : 1, e.rdev);
  });
  member(0, "TRAILER!!!", 0, new Uint8Array(0), 1);
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
