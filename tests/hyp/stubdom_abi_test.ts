/**
 * guests/stubdom/xen_abi.h defines the Xen ABI itself (so the stub domain builds without Xen's
 * headers); this checks it against Xen's public headers where libxen-dev installed them: every
 * numeric #define and the size and field offsets of every structure, each compiled for AArch64 by
 * the cross compiler once with our header and once with Xen's, the values read from the assembly.
 * Skips without the cross compiler or /usr/include/xen.
 */
import assert from "node:assert/strict";
import { GUESTS_DIR } from "../../scripts/build_guests.ts";
import { haveCrossGcc } from "../../tools/lab/hyp_lab.ts";

const XEN_INCLUDES = [
  "xen/xen.h",
  "xen/memory.h",
  "xen/sched.h",
  "xen/event_channel.h",
  "xen/hvm/hvm_op.h",
  "xen/hvm/params.h",
  "xen/hvm/dm_op.h",
  "xen/hvm/ioreq.h",
  "xen/io/console.h",
];

/**
 * [struct, fields, whole]: each field's offset (bit-fields and pads left out), and sizeof when
 * `whole` (our shared_info declares only the part up to the event bitmaps).
 */
const LAYOUTS: [string, string[], boolean?][] = [
  ["xen_add_to_physmap", ["domid", "size", "space", "idx", "gpfn"]],
  ["xen_mem_acquire_resource", ["domid", "type", "id", "nr_frames", "frame", "frame_list"]],
  ["sched_poll", ["ports", "nr_ports", "timeout"]],
  ["sched_shutdown", ["reason"]],
  ["evtchn_bind_interdomain", ["remote_dom", "remote_port", "local_port"]],
  ["evtchn_send", ["port"]],
  ["xen_hvm_param", ["domid", "index", "value"]],
  ["xen_dm_op_create_ioreq_server", ["handle_bufioreq", "id"]],
  ["xen_dm_op_get_ioreq_server_info", ["id", "flags", "bufioreq_port", "ioreq_gfn"]],
  ["xen_dm_op_ioreq_server_range", ["id", "type", "start", "end"]],
  ["xen_dm_op_set_ioreq_server_state", ["id", "enabled"]],
  ["xen_dm_op_set_irq_level", ["irq", "level"]],
  ["xen_dm_op_nr_vcpus", ["vcpus"]],
  ["xen_dm_op", ["op", "pad", "u"]],
  ["xen_dm_op_buf", ["h", "size"]],
  ["ioreq", ["addr", "data", "count", "size", "vp_eport", "type"]],
  ["vcpu_info", ["evtchn_upcall_pending", "evtchn_pending_sel", "time"]],
  ["shared_info", ["vcpu_info", "evtchn_pending", "evtchn_mask"], false],
  ["xencons_interface", ["in", "out", "in_cons", "in_prod", "out_cons", "out_prod"]],
];

/** Object-like #defines with a value in our header (include guards have none). */
function ourConstants(header: string): string[] {
  return [...header.matchAll(/^#define[ \t]+(\w+)[ \t]+\S/gm)].map((m) => m[1]);
}

/** Compiles `prologue` + one `unsigned long` per expression and returns their values. */
function evaluate(prologue: string, exprs: string[]): bigint[] {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_xenabi_" });
  try {
    const body = exprs.map((e, i) => `unsigned long v${i} = (unsigned long)(${e});`).join("\n");
    Deno.writeTextFileSync(`${dir}/c.c`, `${prologue}\n#include <stddef.h>\n${body}\n`);
    const r = new Deno.Command("aarch64-linux-gnu-gcc", {
      args: ["-ffreestanding", "-S", "-O0", "-idirafter", "/usr/include", "-I", GUESTS_DIR, "-o"]
        .concat([`${dir}/c.s`, `${dir}/c.c`]),
      stderr: "piped",
    }).outputSync();
    if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
    const asm = Deno.readTextFileSync(`${dir}/c.s`);
    return exprs.map((_, i) => {
      const m = asm.match(new RegExp(`^v${i}:\\s*\\n\\s*\\.(xword|zero)\\s+(\\d+)`, "m"));
      if (m === null) throw new Error(`no value for ${exprs[i]} in the assembly`);
      // A zero value goes to .bss as ".zero 8" rather than a .xword.
      return m[1] === "zero" ? 0n : BigInt(m[2]);
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const haveXen = (() => {
  try {
    return Deno.statSync("/usr/include/xen/hvm/dm_op.h").isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "stubdom: xen_abi.h agrees with Xen's public headers (constants and layouts)",
  ignore: !haveCrossGcc() || !haveXen,
  fn: () => {
    const header = Deno.readTextFileSync(`${GUESTS_DIR}stubdom/xen_abi.h`);
    const names = ourConstants(header);
    assert.ok(names.length > 30, `${names.length} constants`);
    const exprs = [
      ...names,
      ...LAYOUTS.flatMap(([s, fields, whole]) => [
        ...(whole === false ? [] : [`sizeof(struct ${s})`]),
        ...fields.map((f) => `offsetof(struct ${s}, ${f})`),
      ]),
    ];
    const ours = evaluate('#include "stubdom/xen_abi.h"', exprs);
    const xens = evaluate(
      "#define __XEN_TOOLS__ 1\n#include <stdint.h>\n" +
        XEN_INCLUDES.map((h) => `#include <${h}>`).join("\n"),
      exprs,
    );
    const show = (v: bigint[]) => exprs.map((e, i) => `${e} = ${v[i]}`);
    assert.deepEqual(show(ours), show(xens));
  },
});
