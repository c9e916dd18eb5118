/**
 * Builds the bare-metal test guests in guests/ with the cross compiler into guests/build/.
 * Guests are described as data: name, sources and extra flags. Built at test time rather than
 * committed (docs/decisions/0003-guests-built-at-test-time.md).
 *
 * Usage: deno task guests [name...]
 */

/** One guest program. */
export interface GuestDef {
  name: string;
  /** Sources besides the common runtime, relative to guests/. */
  sources: string[];
  /** Extra compiler flags (e.g. -O3 for auto-vectorisation). */
  cflags?: string[];
  /** Console input the guest expects (typed into its UART). */
  input?: string;
  /** An entry file replacing common/crt0.S (relative to guests/). */
  crt0?: string;
}

/** Every guest. `bench` is the CPU benchmark, not a correctness test. */
export const GUESTS: readonly GuestDef[] = [
  { name: "integer", sources: ["integer.c"] },
  { name: "fp", sources: ["fp.c"] },
  { name: "simd", sources: ["simd.c"], cflags: ["-O3"] },
  { name: "exceptions", sources: ["exceptions.c", "exceptions_vectors.S"] },
  { name: "mmu", sources: ["mmu.c", "exceptions_vectors.S"] },
  { name: "exclusives", sources: ["exclusives.c"] },
  { name: "timer", sources: ["timer.c", "exceptions_vectors.S"] },
  { name: "gic", sources: ["gic.c"] },
  {
    name: "uart",
    sources: ["uart.c", "exceptions_vectors.S"],
    input: "hello world\nsecond line, longer than the sixteen-byte FIFO of the PL011\n\n",
  },
  { name: "bench", sources: ["bench.c"], cflags: ["-fno-tree-vectorize"] },
];

/**
 * The device-model stub domain (guests/stubdom/): a Xen domU serving another domain's UART and,
 * on request, its PL031 RTC and CFI flash through the ioreq ABI. Not in GUESTS: it runs only as a domain of
 * hvlab's hypervisor, never on QEMU's board.
 */
export const STUBDOM_PL011: GuestDef = {
  name: "stubdom_pl011",
  sources: [
    "stubdom/pl011_dm.c",
    "stubdom/pl011_model.c",
    "stubdom/pl031_model.c",
    "stubdom/cfi_flash_model.c",
    "stubdom/boot_args.c",
  ],
  crt0: "stubdom/start.S",
};

const CC = "aarch64-linux-gnu-gcc";
const CRT0 = "common/crt0.S";
const LIB = "common/lib.c";
const CFLAGS = [
  "-O2",
  "-ffreestanding",
  "-nostdlib",
  "-nostartfiles",
  "-static",
  "-fno-pie",
  "-no-pie",
  "-fno-stack-protector",
  "-fno-asynchronous-unwind-tables",
  "-march=armv8-a",
  "-mcpu=cortex-a57",
  "-mno-outline-atomics",
  // With the MMU off all data accesses are Device memory, where unaligned accesses fault.
  "-mstrict-align",
  // FP guests use the FSQRT instruction, never a libm call.
  "-fno-math-errno",
  "-Icommon",
  "-Wall",
  "-Wl,--build-id=none",
  "-Wl,--no-warn-rwx-segments",
  "-Wl,-Tcommon/link.ld",
];

/** Directory of guest sources (absolute). */
export const GUESTS_DIR = new URL("../guests/", import.meta.url).pathname;

/** Compiles one guest into guests/build/<name>.elf; returns the path. */
export async function compileGuest(g: GuestDef): Promise<string> {
  await Deno.mkdir(`${GUESTS_DIR}build`, { recursive: true });
  const elf = `${GUESTS_DIR}build/${g.name}.elf`;
  const common = [g.crt0 ?? CRT0, LIB];
  const args = [...CFLAGS, ...(g.cflags ?? []), "-o", elf, ...common, ...g.sources, "-lgcc"];
  const r = await new Deno.Command(CC, { args, cwd: GUESTS_DIR, stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`building guest ${g.name} failed:\n${new TextDecoder().decode(r.stderr)}`);
  }
  return elf;
}

/** Builds the named guests (all by default); returns name -> path of the ELF. */
export async function buildGuests(names?: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const g of GUESTS) {
    if (names && names.length > 0 && !names.includes(g.name)) continue;
    out.set(g.name, await compileGuest(g));
  }
  return out;
}

if (import.meta.main) {
  const built = await buildGuests(Deno.args);
  for (const [name, path] of built) console.log(`${name}: ${path}`);
}
