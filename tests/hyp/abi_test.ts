/**
 * Oracle test for core/hyp/abi: generates a C program that prints every constant, sizeof, offsetof
 * and member size hvlab declares, compiles it with aarch64-linux-gnu-gcc against Xen's real public
 * headers (Debian's libxen-dev, /usr/include/xen; they pick the ARM layout from __aarch64__) and
 * Linux's uapi psci.h, runs it on qemu-aarch64 and compares every value with the TypeScript data.
 * No expected value is written here: the headers are the expectation.
 */

import assert from "node:assert/strict";
import * as abi from "../../core/hyp/abi/mod.ts";
import {
  type AbiStruct,
  isAbiStruct,
  readAbiField,
  writeAbiField,
} from "../../core/hyp/abi/mod.ts";

/**
 * Exports that are deliberately not C names from the public headers, with where their values come
 * from. Anything else that is a number must exist in the headers under its export name.
 */
const NOT_IN_HEADERS: Record<string, string> = {
  // Magic pages: offsets are chosen by the toolstack (tools/libs/guest/xg_dom_arm.c), not the ABI.
  GUEST_MAGIC_CONSOLE_PFN_OFFSET: "xg_dom_arm.c",
  GUEST_MAGIC_XENSTORE_PFN_OFFSET: "xg_dom_arm.c",
  GUEST_MAGIC_MEMACCESS_PFN_OFFSET: "xg_dom_arm.c",
  GUEST_MAGIC_VUART_PFN_OFFSET: "xg_dom_arm.c",
  GUEST_MAGIC_NR_PAGES: "xg_dom_arm.c",
  // SMCCC: Xen's names, but from xen/arch/arm/include/asm/smccc.h (internal, not public).
  ARM_SMCCC_VERSION_FID: "Xen asm/smccc.h",
  ARM_SMCCC_ARCH_FEATURES_FID: "Xen asm/smccc.h",
  ARM_SMCCC_ARCH_WORKAROUND_1_FID: "Xen asm/smccc.h",
  ARM_SMCCC_ARCH_WORKAROUND_2_FID: "Xen asm/smccc.h",
  ARM_SMCCC_ARCH_WORKAROUND_3_FID: "Xen asm/smccc.h",
  ARM_SMCCC_VERSION_1_0: "Xen asm/smccc.h",
  ARM_SMCCC_VERSION_1_1: "Xen asm/smccc.h",
  ARM_SMCCC_SUCCESS: "Xen asm/smccc.h",
  ARM_SMCCC_NOT_SUPPORTED: "Xen asm/smccc.h",
  ARM_SMCCC_NOT_REQUIRED: "Xen asm/smccc.h",
  XEN_PAGE_SIZE: "the 4 KiB page Xen's ARM ABI is defined in (XEN_PAGE_SHIFT 12)",
};

const HEADERS = [
  "xen/xen.h",
  "xen/errno.h",
  "xen/version.h",
  "xen/memory.h",
  "xen/grant_table.h",
  "xen/event_channel.h",
  "xen/sched.h",
  "xen/vcpu.h",
  "xen/hvm/hvm_op.h",
  "xen/hvm/params.h",
  "xen/hvm/ioreq.h",
  "xen/hvm/dm_op.h",
  "xen/io/console.h",
  "xen/io/xs_wire.h",
  "linux/psci.h",
];

interface Collected {
  constants: Map<string, number | bigint | string>;
  structs: Map<string, AbiStruct>;
}

function collect(): Collected {
  const constants = new Map<string, number | bigint | string>();
  const structs = new Map<string, AbiStruct>();
  for (const [modName, mod] of Object.entries(abi)) {
    if (typeof mod !== "object" || mod === null) continue;
    for (const [name, v] of Object.entries(mod as Record<string, unknown>)) {
      if (typeof v === "number" || typeof v === "bigint" || typeof v === "string") {
        assert.ok(!constants.has(name), `${name} exported twice (again in ${modName})`);
        if (!(name in NOT_IN_HEADERS)) constants.set(name, v);
      } else if (isAbiStruct(v)) {
        assert.ok(!structs.has(v.name), `struct ${v.name} declared twice (again in ${modName})`);
        structs.set(v.name, v);
      }
    }
  }
  return { constants, structs };
}

function cType(s: AbiStruct): string {
  return `${s.kind ?? "struct"} ${s.name}`;
}

function cProgram(c: Collected): string {
  const lines = [
    "#define __XEN_TOOLS__ 1 /* latest interface version; dm_op.h is tools-only */",
    "#include <stdio.h>",
    "#include <stddef.h>",
    "#include <stdint.h>",
    "#include <string.h>",
    "#include <errno.h>",
    ...HEADERS.map((h) => `#include <${h}>`),
    "#define IS_SIGNED(e) _Generic((e), signed char: 1, short: 1, int: 1, long: 1, " +
    "long long: 1, default: 0)",
    "int main(void) {",
  ];
  for (const [name, v] of c.constants) {
    if (typeof v === "string") lines.push(`  printf("C ${name} %s\\n", ${name});`);
    else if (typeof v === "bigint") {
      lines.push(`  printf("C ${name} %llu\\n", (unsigned long long)(${name}));`);
    } else lines.push(`  printf("C ${name} %lld\\n", (long long)(${name}));`);
  }
  for (const s of c.structs.values()) {
    const t = cType(s);
    lines.push(`  printf("S ${s.name} %zu\\n", sizeof(${t}));`);
    for (const f of s.fields) {
      if (f.bits !== undefined) {
        // Set the bit-field to all ones in a zeroed object and report which bits changed.
        lines.push(
          `  { ${t} x; unsigned char b[sizeof x]; memset(&x, 0, sizeof x); x.${f.name} = -1; ` +
            `memcpy(b, &x, sizeof x); int first = -1, n = 0; ` +
            `for (int i = 0; i < (int)(8 * sizeof x); i++) if (b[i / 8] >> (i % 8) & 1) ` +
            `{ if (first < 0) first = i; n++; } ` +
            `printf("B ${s.name} ${f.name} %d %d\\n", first, n); }`,
        );
        continue;
      }
      const m = `((${t} *)0)->${f.name}`;
      const count = f.count === undefined ? "0" : `sizeof(${m}) / sizeof(${m}[0])`;
      lines.push(
        `  printf("F ${s.name} ${f.name} %zu %zu %zu %d\\n", offsetof(${t}, ${f.name}), ` +
          `sizeof(${m}), (size_t)(${count}), IS_SIGNED(${m}));`,
      );
    }
  }
  // Round trips: C stores a pattern into each scalar member of a zeroed object (C's own
  // truncation, sign and bit-field placement) and dumps the bytes; readAbiField must read back
  // what C reads, writeAbiField must produce the same bytes. GCC's type class (1 integer,
  // 13 union) checks which members are guest handles.
  for (const s of c.structs.values()) {
    const t = cType(s);
    for (const f of s.fields) {
      if (f.count !== undefined || ![1, 2, 4, 8].includes(f.size)) continue;
      const lv = f.handle ? `x.${f.name}.q` : `x.${f.name}`;
      const cls = f.bits ? "1" : `__builtin_classify_type(x.${f.name})`;
      lines.push(
        `  { ${t} x; memset(&x, 0, sizeof x); ${lv} = 0x8877665544332211ULL; ` +
          `printf("R ${s.name} ${f.name} %d %llu ", ${cls}, (unsigned long long)(${lv})); ` +
          `for (size_t i = 0; i < sizeof x; i++) printf("%02x", ((unsigned char *)&x)[i]); ` +
          `printf("\\n"); }`,
      );
    }
  }
  lines.push(
    "  for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)",
    '    printf("E %d %s\\n", xsd_errors[i].errnum, xsd_errors[i].errstring);',
    "  return 0;",
    "}",
  );
  return lines.join("\n") + "\n";
}

function have(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function headersPresent(): boolean {
  try {
    Deno.statSync("/usr/include/xen/arch-arm.h");
    return true;
  } catch {
    return false;
  }
}

const missing = [
  ...(have("aarch64-linux-gnu-gcc") ? [] : ["aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)"]),
  ...(have("qemu-aarch64") ? [] : ["qemu-aarch64 (qemu-user)"]),
  ...(headersPresent() ? [] : ["/usr/include/xen (apt-get install -y libxen-dev)"]),
];

function runOracle(src: string): string {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_abi_" });
  try {
    // The headers include each other relatively, so pointing an include directory at a copy of
    // /usr/include/xen (not all of /usr/include, which holds the host's libc) is enough.
    Deno.mkdirSync(`${dir}/inc`);
    Deno.symlinkSync("/usr/include/xen", `${dir}/inc/xen`);
    Deno.writeTextFileSync(`${dir}/abi.c`, src);
    const cc = new Deno.Command("aarch64-linux-gnu-gcc", {
      args: [
        "-std=gnu11",
        "-static",
        "-O0",
        "-I",
        `${dir}/inc`,
        "-o",
        `${dir}/abi`,
        `${dir}/abi.c`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (!cc.success) {
      throw new Error(`oracle C program did not compile:\n${new TextDecoder().decode(cc.stderr)}`);
    }
    const run = new Deno.Command("qemu-aarch64", {
      args: [`${dir}/abi`],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (!run.success) {
      throw new Error(`oracle failed on qemu-aarch64: ${new TextDecoder().decode(run.stderr)}`);
    }
    return new TextDecoder().decode(run.stdout);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "abi: every constant, struct size, field offset and size equals Xen's public headers",
  ignore: missing.length > 0,
  fn() {
    const c = collect();
    const out = runOracle(cProgram(c));
    const errors: string[] = [];
    let checked = 0;
    let roundTrips = 0;
    const xsErrors: { errnum: number; errstring: string }[] = [];
    for (const line of out.trimEnd().split("\n")) {
      const p = line.split(" ");
      if (p[0] === "C") {
        const ours = c.constants.get(p[1]);
        const theirs = p.slice(2).join(" ");
        const same = typeof ours === "string"
          ? ours === theirs
          : typeof ours === "bigint"
          ? ours === BigInt(theirs)
          : ours === Number(theirs);
        if (!same) errors.push(`${p[1]}: hvlab ${ours}, headers ${theirs}`);
        checked++;
      } else if (p[0] === "S") {
        const ours = c.structs.get(p[1])!.size;
        if (ours !== Number(p[2])) errors.push(`sizeof ${p[1]}: hvlab ${ours}, headers ${p[2]}`);
        checked++;
      } else if (p[0] === "F") {
        const f = c.structs.get(p[1])!.fields.find((x) => x.name === p[2])!;
        const [off, size, count] = [Number(p[3]), Number(p[4]), Number(p[5])];
        const signed = p[6] === "1";
        if (
          f.offset !== off || f.size !== size || (f.count ?? 0) !== count ||
          (f.signed ?? false) !== signed
        ) {
          errors.push(
            `${p[1]}.${p[2]}: hvlab offset ${f.offset} size ${f.size} count ${f.count ?? "-"} ` +
              `signed ${f.signed ?? false}, headers offset ${off} size ${size} ` +
              `count ${count || "-"} signed ${signed}`,
          );
        }
        checked += 4;
      } else if (p[0] === "B") {
        const f = c.structs.get(p[1])!.fields.find((x) => x.name === p[2])!;
        const [first, width] = [Number(p[3]), Number(p[4])];
        const ours = f.offset * 8 + f.bits!.shift;
        if (ours !== first || f.bits!.width !== width) {
          errors.push(
            `${p[1]}.${p[2]}: hvlab bit ${ours} width ${f.bits!.width}, ` +
              `headers bit ${first} width ${width}`,
          );
        }
        checked += 2;
      } else if (p[0] === "R") {
        const f = c.structs.get(p[1])!.fields.find((x) => x.name === p[2])!;
        const cls = Number(p[3]);
        if (cls !== (f.handle ? 13 : 1)) {
          errors.push(`${p[1]}.${p[2]}: hvlab handle ${f.handle ?? false}, C type class ${cls}`);
        }
        const bytes = new Uint8Array((p[5] ?? "").match(/../g)!.map((h) => parseInt(h, 16)));
        const got = readAbiField(new DataView(bytes.buffer), 0, f);
        if (BigInt.asUintN(64, BigInt(got)) !== BigInt(p[4])) {
          errors.push(`${p[1]}.${p[2]}: readAbiField ${got}, C reads ${p[4]}`);
        }
        const mine = new Uint8Array(bytes.length);
        writeAbiField(new DataView(mine.buffer), 0, f, got);
        if (mine.join() !== bytes.join()) {
          errors.push(`${p[1]}.${p[2]}: writeAbiField bytes differ from C's`);
        }
        roundTrips++;
        checked += 3;
      } else if (p[0] === "E") {
        xsErrors.push({ errnum: Number(p[1]), errstring: p[2] });
      }
    }
    const expected = c.constants.size + c.structs.size +
      [...c.structs.values()].reduce((n, s) => n + s.fields.length, 0);
    const lines = out.split("\n").filter((l) => /^[CSFB] /.test(l)).length;
    assert.equal(lines, expected, "the oracle printed fewer values than were asked for");
    assert.deepEqual(abi.xenstore.XSD_ERRORS, xsErrors, "xs_wire.h xsd_errors[]");
    assert.deepEqual(errors, [], `${errors.length} mismatches of ${checked} values`);
    assert.ok(checked > 500, `only ${checked} values checked`);
    assert.ok(roundTrips > 100, `only ${roundTrips} round trips`);
  },
});

/**
 * Exempted values that a Xen source tree (env XEN_SRC, e.g. a checkout of RELEASE-4.17.x) defines
 * in non-public files: hvlab name -> [file, C macro name].
 */
const XEN_SOURCE_ORACLE: Record<string, [string, string]> = {
  GUEST_MAGIC_CONSOLE_PFN_OFFSET: ["tools/libs/guest/xg_dom_arm.c", "CONSOLE_PFN_OFFSET"],
  GUEST_MAGIC_XENSTORE_PFN_OFFSET: ["tools/libs/guest/xg_dom_arm.c", "XENSTORE_PFN_OFFSET"],
  GUEST_MAGIC_MEMACCESS_PFN_OFFSET: ["tools/libs/guest/xg_dom_arm.c", "MEMACCESS_PFN_OFFSET"],
  GUEST_MAGIC_VUART_PFN_OFFSET: ["tools/libs/guest/xg_dom_arm.c", "VUART_PFN_OFFSET"],
  GUEST_MAGIC_NR_PAGES: ["tools/libs/guest/xg_dom_arm.c", "NR_MAGIC_PAGES"],
  ...Object.fromEntries(
    Object.keys(NOT_IN_HEADERS).filter((k) => k.startsWith("ARM_SMCCC_")).map((
      k,
    ) => [k, ["xen/arch/arm/include/asm/smccc.h", k]]),
  ),
};

const xenSrc = Deno.env.get("XEN_SRC");

Deno.test({
  name: "abi: values outside the public headers equal Xen's sources (XEN_SRC)",
  ignore: xenSrc === undefined || missing.length > 0,
  fn() {
    // Only the files' #define directives are taken (with their continuation lines): enough to
    // evaluate these macros without Xen's internal include tree.
    const files = [...new Set(Object.values(XEN_SOURCE_ORACLE).map(([f]) => f))];
    const defines: string[] = ["#define _AC(X, Y) (X##Y)"];
    for (const f of files) {
      let cur = "";
      for (const line of Deno.readTextFileSync(`${xenSrc}/${f}`).split("\n")) {
        if (cur === "" && !/^\s*#\s*define\s/.test(line)) continue;
        cur += line.replace(/\\$/, "") + " ";
        if (!line.endsWith("\\")) {
          // Keep object-like macros and the function-like helpers they are built from.
          defines.push(cur.replace(/\/\*.*?\*\//g, ""));
          cur = "";
        }
      }
    }
    const all = abi as unknown as Record<string, Record<string, unknown>>;
    const ours = new Map<string, number>();
    for (const mod of Object.values(all)) {
      for (const k of Object.keys(XEN_SOURCE_ORACLE)) if (k in mod) ours.set(k, mod[k] as number);
    }
    assert.equal(ours.size, Object.keys(XEN_SOURCE_ORACLE).length);
    const src = [
      "#include <stdio.h>",
      "#include <stdint.h>",
      ...defines,
      "int main(void) {",
      ...Object.entries(XEN_SOURCE_ORACLE).map(([k, [, c]]) =>
        `  printf("${k} %lld\\n", (long long)(int32_t)(${c}));`
      ),
      "  return 0;",
      "}",
    ].join("\n");
    const errors: string[] = [];
    for (const line of runOracle(src).trimEnd().split("\n")) {
      const [k, v] = line.split(" ");
      // Function IDs are 32-bit; compare them as signed 32-bit like the C side.
      if ((ours.get(k)! | 0) !== Number(v)) errors.push(`${k}: hvlab ${ours.get(k)}, Xen ${v}`);
    }
    assert.deepEqual(errors, []);
  },
});

Deno.test({
  name: "abi: oracle test skipped (missing tools or headers)",
  ignore: missing.length === 0,
  fn() {
    console.warn(`abi oracle test skipped; missing: ${missing.join(", ")}`);
  },
});

Deno.test("abi: every struct field lies inside its struct and arrays divide evenly", () => {
  for (const s of collect().structs.values()) {
    for (const f of s.fields) {
      assert.ok(f.offset >= 0 && f.offset + f.size <= s.size, `${s.name}.${f.name} out of bounds`);
      if (f.count !== undefined) assert.equal(f.size % f.count, 0, `${s.name}.${f.name}`);
    }
  }
});

Deno.test("abi: hypercall names and numbers agree with the __HYPERVISOR_* constants", () => {
  const mod = abi.hypercalls as unknown as Record<string, unknown>;
  for (const [nr, name] of abi.hypercalls.HYPERCALL_NAMES) {
    assert.equal(mod[`__HYPERVISOR_${name}`], nr, name);
  }
  for (const [k, v] of Object.entries(mod)) {
    if (k.startsWith("__HYPERVISOR_")) {
      assert.equal(abi.hypercalls.HYPERCALL_NAMES.get(v as number), k.slice(13), k);
    }
  }
});
