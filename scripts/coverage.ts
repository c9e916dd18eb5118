/**
 * Decode coverage of a real binary against objdump.
 *
 *   deno task coverage <elf-or-arm64-Image> [--max N]
 *
 * Prints the share of instructions hvlab decodes and every mnemonic it would treat as UNDEFINED
 * (count, first address, encoding, and the ID register field when the feature is declared
 * absent), then the words hvlab decodes although objdump calls them undefined. At most N rows per
 * list (default all).
 */
import { formatCoverage, measureCoverage } from "../tools/coverage/coverage.ts";

const args = [...Deno.args];
let max = Infinity;
const mi = args.indexOf("--max");
if (mi >= 0) {
  max = Number(args[mi + 1]);
  if (!Number.isInteger(max) || max < 0) throw new Error(`coverage: bad --max ${args[mi + 1]}`);
  args.splice(mi, 2);
}
if (args.length !== 1) {
  console.error("usage: deno task coverage <elf-or-arm64-Image> [--max N]");
  Deno.exit(2);
}
const r = await measureCoverage(args[0]);
r.undefined = r.undefined.slice(0, max);
r.overAccepted = r.overAccepted.slice(0, max);
console.log(formatCoverage(r).join("\n"));
