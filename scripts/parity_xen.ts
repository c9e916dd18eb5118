/**
 * Parity check against real Xen 4.17: boots Debian's Linux as an hvlab domU configured like the
 * oracle's dom0less domU (tools/parity/run_parity.ts), compares what it saw with
 * tests/fixtures/xen417/gicN.domu1.{txt,dtb}, prints every difference (accepted ones with their
 * reason) and ends with `hvlab-parity gic=<v> differences=<all> accepted=<accepted>`.
 * Exit status 1 when a difference is not accepted, 2 when nothing could be compared.
 *
 *   deno run -A scripts/parity_xen.ts [--gic v2|v3|all] [--echo] [--save-console FILE]
 */
import { FETCH_COMMANDS, findLinuxFiles } from "../tools/linux/guest_files.ts";
import { formatParity } from "../tools/parity/facts_compare.ts";
import { runParity } from "../tools/parity/run_parity.ts";

const USAGE = "usage: parity_xen.ts [--gic v2|v3|all] [--echo] [--save-console FILE]";
const args = { gic: "v2", echo: false, saveConsole: "" };
for (let i = 0; i < Deno.args.length; i++) {
  const a = Deno.args[i];
  if (a === "--echo") args.echo = true;
  else if (a === "--gic" && i + 1 < Deno.args.length) args.gic = Deno.args[++i];
  else if (a === "--save-console" && i + 1 < Deno.args.length) args.saveConsole = Deno.args[++i];
  else {
    console.error(`${a}: unknown argument\n${USAGE}`);
    Deno.exit(2);
  }
}
const gics = args.gic === "all" ? ["v2", "v3"] : [args.gic];
if (!gics.every((g) => g === "v2" || g === "v3")) {
  console.error(`--gic ${args.gic}: expected v2, v3 or all`);
  Deno.exit(2);
}
const files = findLinuxFiles();
if (!files) {
  console.error(
    `Debian's kernel and busybox are missing; fetch them with:\n  ${FETCH_COMMANDS.join("\n  ")}`,
  );
  Deno.exit(2);
}
let status = 0;
for (const gic of gics as ("v2" | "v3")[]) {
  const echo = args.echo ? (b: Uint8Array) => Deno.stdout.writeSync(b) : undefined;
  const run = await runParity({ gic, files, onConsole: echo });
  if (run.status === "not-comparable") {
    console.log(`hvlab-parity gic=${gic} not comparable yet: ${run.reason}`);
    continue;
  }
  if (args.saveConsole) {
    const path = gics.length > 1 ? `${args.saveConsole}.${gic}` : args.saveConsole;
    await Deno.writeTextFile(path, run.console);
  }
  console.log(formatParity(run.result, gic));
  if (run.result.unaccepted > 0) status = 1;
}
Deno.exit(status);
