/**
 * Set-up shared by the tests that boot Debian's Linux 6.1 as a domU on ttyAMA0 whose devices the
 * C stub domain (guests/stubdom/) serves: whether the Debian files are there, the Linux domU with
 * its UART placed in a stub domain, and the model's own counters read from its memory.
 */
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import type { Domain } from "../../core/hyp/domain.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { parseElf } from "../../core/machine/elf.ts";
import { compileGuest, STUBDOM_PL011 } from "../../scripts/build_guests.ts";
import { haveCrossGcc } from "../../tools/lab/hyp_lab.ts";
import { FETCH_COMMANDS, findLinuxFiles } from "../../tools/linux/guest_files.ts";
import { buildLinuxDomu, consoleOn, linuxInputs } from "../../tools/linux/linux_domu.ts";

/**
 * Registers test `name`, ignored without the Debian files (as linux_domu_test.ts; the name then
 * says how to fetch them) or without the cross compiler.
 */
export function linuxStubdomTest(name: string, fn: () => Promise<void>): void {
  const files = findLinuxFiles();
  const skip = files
    ? ""
    : ` (SKIPPED: fetch Debian's kernel and busybox with: ${FETCH_COMMANDS.join(" && ")})`;
  Deno.test({ name: name + skip, ignore: !files || !haveCrossGcc(), fn });
}

/**
 * A 2-pCPU machine with the Linux domU on ttyAMA0, its PL011 placed in a stub domain (not spawned
 * yet: the test spawns it with the devices it wants) and `over` applied to its configuration;
 * `kernel` is the stub domain's image.
 */
export async function linuxWithStubdomUart(
  over: Partial<DomainConfig> = {},
): Promise<{ hv: Hypervisor; d: Domain; kernel: Uint8Array }> {
  const inputs = await linuxInputs();
  if ("missing" in inputs) throw new Error(inputs.missing);
  const kernel = await Deno.readFile(await compileGuest(STUBDOM_PL011));
  const hv = new Hypervisor({ pcpus: 2 });
  const d = (await buildLinuxDomu(hv, inputs, {
    ...consoleOn("ttyAMA0"),
    vuartPlacement: "stubdom",
    ...over,
  })).domain;
  return { hv, d, kernel };
}

/** The C model's counter `name` (a 64-bit global), read from `stub`'s memory (VA = IPA). */
export function modelCounter(stub: Domain, kernel: Uint8Array, name: string): bigint {
  const at = parseElf(kernel).symbols.get(name);
  if (at === undefined) throw new Error(`no symbol ${name} in the stub domain's image`);
  return stub.vcpus[0].guest.readStruct(BigInt(at), 8).getBigUint64(0, true);
}
