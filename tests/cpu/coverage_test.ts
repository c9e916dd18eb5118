import assert from "node:assert/strict";
import { formatCoverage, measureCoverage } from "../../tools/coverage/coverage.ts";
import { featureOf } from "../../tools/coverage/features.ts";

/** Where .ci/run unpacks Debian's busybox-static:arm64 (override with HVLAB_BUSYBOX). */
const BUSYBOX = Deno.env.get("HVLAB_BUSYBOX") ?? "guests/build/busybox-static/bin/busybox";
const haveBusybox = (() => {
  try {
    return Deno.statSync(BUSYBOX).isFile;
  } catch {
    return false;
  }
})();

function assemble(src: string): string {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_cov_" });
  Deno.writeTextFileSync(`${dir}/t.S`, src);
  const r = new Deno.Command("aarch64-linux-gnu-gcc", {
    args: ["-nostdlib", "-static", "-march=armv8.1-a", "-o", `${dir}/t`, `${dir}/t.S`],
    stderr: "piped",
  }).outputSync();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  return `${dir}/t`;
}

Deno.test("coverage: counts decoded instructions, UNDEFINED mnemonics and data words", async () => {
  const elf = assemble(`
    .globl _start
_start:
    add x0, x1, #1
    paciasp
    ldadd w0, w1, [x2]
    ldadd w3, w4, [x5]
    .inst 0xffffffff
    ret
`);
  try {
    const r = await measureCoverage(elf);
    assert.equal(r.kind, "elf");
    assert.equal(r.data, 1);
    assert.equal(r.instructions, 5);
    assert.equal(r.decoded, 3); // add, paciasp (a hint), ret
    assert.equal(r.undefined.length, 1);
    const u = r.undefined[0];
    assert.equal(u.mnemonic, "ldadd");
    assert.equal(u.count, 2);
    assert.equal(u.word, 0xb8200041);
    assert.equal(u.note?.feature, "FEAT_LSE");
    assert.equal(u.note?.absent, true);
    assert.deepEqual(r.overAccepted, []);
    assert.match(formatCoverage(r).join("\n"), /hvlab decodes 3 of 5 instructions \(60\.000%\)/);
  } finally {
    Deno.removeSync(elf.replace(/\/t$/, ""), { recursive: true });
  }
});

Deno.test("coverage: feature notes follow hvlab's ID registers", () => {
  assert.equal(featureOf("casal w4, w2, [x0]")?.feature, "FEAT_LSE");
  assert.equal(featureOf("aese v0.16b, v1.16b")?.absent, true);
  assert.equal(featureOf("fmla z0.d, p0/m, z8.d, z31.d")?.feature, "FEAT_SVE");
  assert.equal(featureOf("fadd h0, h1, h2")?.feature, "FEAT_FP16");
  assert.equal(featureOf("fcvt s0, h1"), undefined);
  assert.equal(featureOf("bfi w0, w1, #3, #4"), undefined);
  assert.equal(featureOf("autiasp")?.absent, false);
  assert.equal(featureOf("fmlal v30.2s, v5.2h, v1.h[1]")?.feature, "FEAT_FHM");
  assert.equal(featureOf("msr icc_pmr_el1, x0")?.absent, true);
  assert.equal(featureOf("mrs x1, tpidr_el2")?.feature, "EL2 register/operation");
  assert.equal(featureOf("ldr p0, [x0, #-16, mul vl]")?.feature, "FEAT_SVE");
  assert.equal(featureOf("umax v0.4s, v1.4s, v2.4s"), undefined);
  // CRC32 is declared present.
  assert.equal(featureOf("crc32cx w0, w1, x2"), undefined);
});

Deno.test({
  name: "coverage: Debian busybox-static (arm64) decodes except for features declared absent",
  ignore: !haveBusybox,
  fn: async () => {
    const r = await measureCoverage(BUSYBOX);
    console.log(formatCoverage(r).slice(0, 2).join("\n"));
    assert.ok(r.instructions > 100000, `only ${r.instructions} instructions`);
    const gaps = r.undefined.filter((e) => !e.note?.absent);
    assert.deepEqual(gaps.map((e) => `${e.mnemonic} x${e.count}: ${e.text}`), []);
    assert.deepEqual(r.overAccepted.map((e) => e.text), []);
  },
});

if (!haveBusybox) {
  console.warn(
    `coverage_test: ${BUSYBOX} not found, busybox coverage skipped (apt-get download ` +
      "busybox-static:arm64 && dpkg-deb -x <deb> guests/build/busybox-static)",
  );
}
