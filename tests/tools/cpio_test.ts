/**
 * The newc cpio writer against GNU cpio (`cpio -itv` lists what it reads) and its input checks.
 */
import assert from "node:assert/strict";
import { buildCpio } from "../../tools/linux/cpio.ts";
import { buildInitramfs, INIT_SCRIPT } from "../../tools/linux/guest_files.ts";

function have(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync()
      .success;
  } catch {
    return false;
  }
}
const skip = have("cpio") ? "" : " (SKIPPED: needs GNU cpio: apt-get install cpio)";

async function run(args: string[], archive: Uint8Array, cwd?: string): Promise<string> {
  const p = new Deno.Command("cpio", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    cwd,
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(archive);
  await w.close();
  const r = await p.output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout);
}

Deno.test(
  "cpio: GNU cpio lists and extracts what the writer produced" + skip,
  { ignore: !!skip },
  async () => {
    const archive = buildInitramfs(new TextEncoder().encode("not really busybox, 33 bytes long"));
    const listing = (await run(["-itv", "--quiet"], archive)).trim().split("\n").map((l) => {
      const f = l.split(/\s+/);
      // mode, size (a device shows "major, minor" in two columns), name
      return f[0].startsWith("c")
        ? `${f[0]} ${f[4]}${f[5]} ${f.slice(9).join(" ")}`
        : `${f[0]} ${f[4]} ${f.slice(8).join(" ")}`;
    });
    assert.deepEqual(listing, [
      "drwxr-xr-x 0 bin",
      "-rwxr-xr-x 33 bin/busybox",
      "lrwxrwxrwx 7 bin/sh -> busybox",
      "drwxr-xr-x 0 dev",
      "crw------- 5,1 dev/console",
      `-rwxr-xr-x ${INIT_SCRIPT.length} init`,
    ]);
    const dir = Deno.makeTempDirSync();
    try {
      // Extract (without the device node, which needs root) and read the files back.
      const plain = buildCpio([
        { path: "d", kind: "dir", perm: 0o755 },
        { path: "d/odd", kind: "file", perm: 0o644, data: "abc" },
        { path: "d/even", kind: "file", perm: 0o600, data: "abcd" },
      ]);
      await run(["-id", "--quiet"], plain, dir);
      assert.equal(Deno.readTextFileSync(`${dir}/d/odd`), "abc");
      assert.equal(Deno.readTextFileSync(`${dir}/d/even`), "abcd");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
);

Deno.test("cpio: newc layout: magic, 4-byte alignment, trailer", () => {
  const a = buildCpio([{ path: "f", kind: "file", perm: 0o644, data: "xyz" }]);
  const text = new TextDecoder("latin1").decode(a);
  assert.ok(text.startsWith("070701"));
  assert.equal(a.length % 4, 0);
  assert.match(text, /TRAILER!!!\0/);
  // Header (110) + "f\0" = 112, data 3 padded to 4: the trailer header starts at 116.
  assert.equal(text.slice(116, 122), "070701");
});

Deno.test("cpio: bad entries are rejected naming them", () => {
  assert.throws(() => buildCpio([{ path: "/abs", kind: "file", perm: 0o644 }]), /bad path "\/abs"/);
  assert.throws(
    () => buildCpio([{ path: "f", kind: "file", perm: 0o17777 }]),
    /bad permissions 8191 for "f"/,
  );
  assert.throws(
    () => buildCpio([{ path: "d", kind: "dir", perm: 0o755, data: "x" }]),
    /directory "d" with data/,
  );
  assert.throws(
    () => buildCpio([{ path: "c", kind: "chardev", perm: 0o600 }]),
    /"c": a device number goes with kind "chardev" only/,
  );
});
