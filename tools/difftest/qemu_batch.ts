/**
 * The QEMU side of the differential tester: a small static driver program, built once with
 * aarch64-linux-gnu-gcc, that reads a batch of tests on stdin and runs them under qemu-aarch64.
 *
 * Every test ends in a signal (the instruction's own fault, or the `brk` markers around it), and
 * the driver's handler (on an alternate stack, so any SP is fine) records the interrupted state
 * from the signal frame, then loads the next test's state into the frame and returns: the
 * kernel's (QEMU's) sigreturn installs all of X0-X30, SP, PC, NZCV, FPCR, FPSR and V0-V31. The
 * data buffer is re-initialised from a batch-wide image before each test and recorded after it.
 *
 * Batch input: header (n at byte 0, 64 bytes), memory image (BUF_SIZE), code image
 * (n * SLOT_SIZE, mapped at CODE_BASE), n input records. Output: n output records.
 */
import {
  BUF_BASE,
  BUF_PAGE,
  BUF_SIZE,
  CODE_BASE,
  IN,
  IN_SIZE,
  OUT,
  OUT_SIZE,
  SLOT_SIZE,
} from "../../core/cpu/testgen/test_record.ts";
import { SIGCONTEXT } from "../../core/cpu/testgen/arch_state.ts";

/** Most tests in one batch (bounds the driver's buffers). */
export const MAX_BATCH = 32768;
const HEADER = 64;
const QEMU_TIMEOUT_MS = 300_000;
const IN_MAX = HEADER + BUF_SIZE + MAX_BATCH * (SLOT_SIZE + IN_SIZE);
const OUT_MAX = MAX_BATCH * OUT_SIZE;
const ALT_STACK = 65536;
const MC = SIGCONTEXT.inUcontext;

// memcpy of `words` 8-byte words (an immediate or a register) from [src] to [dst]; uses x3-x6.
const copy = (dst: string, src: string, words: number | string) => `
  mov x3, ${src}
  mov x4, ${dst}
  mov x5, ${typeof words === "number" ? "#" + words : words}
1:ldr x6, [x3], #8
  str x6, [x4], #8
  subs x5, x5, #1
  b.ne 1b
`;

const DRIVER = `
  .text
  .globl _start
_start:
  adrp x19, inbuf
  add x19, x19, :lo12:inbuf
  mov x20, x19
  ldr x21, =${IN_MAX}
  add x21, x21, x19
1:mov x0, #0
  mov x1, x20
  sub x2, x21, x20
  cbz x2, 2f
  mov x8, #63
  svc #0
  cmp x0, #0
  b.le 2f
  add x20, x20, x0
  b 1b
2:ldr x22, [x19]
  adrp x9, ctl
  add x9, x9, :lo12:ctl
  str xzr, [x9]
  str x22, [x9, #8]
  adrp x10, outbuf
  add x10, x10, :lo12:outbuf
  str x10, [x9, #16]
  ldr x11, =${HEADER + BUF_SIZE}
  mov x12, #${SLOT_SIZE}
  mul x12, x12, x22
  add x13, x19, x11
  add x13, x13, x12
  str x13, [x9, #24]
  // mmap(CODE_BASE, code size rounded to pages, RWX, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)
  ldr x0, =${CODE_BASE}
  add x1, x12, #4095
  and x1, x1, #~4095
  mov x2, #7
  mov x3, #0x32
  mov x4, #-1
  mov x5, #0
  mov x8, #222
  svc #0
  add x23, x19, x11
  lsr x24, x12, #3
  ${copy("x0", "x23", "x24")}
  ldr x0, =${BUF_BASE}
  mov x1, #${BUF_PAGE}
  mov x2, #3
  mov x3, #0x32
  mov x4, #-1
  mov x5, #0
  mov x8, #222
  svc #0
  adr x0, ss
  mov x1, #0
  mov x8, #132
  svc #0
  .irp sig, 4, 5, 7, 8, 11
  mov x0, #\\sig
  adr x1, act
  mov x2, #0
  mov x3, #8
  mov x8, #134
  svc #0
  .endr
  brk #0

handler:
  adrp x9, ctl
  add x9, x9, :lo12:ctl
  ldr x10, [x9]
  add x11, x2, #${MC}
  cbz x10, 3f
  ldr x12, [x9, #16]
  str x0, [x12, #${OUT.signal}]
  add x7, x12, #${OUT.fault}
  ${copy("x7", "x11", (OUT.state + IN.fpsr - OUT.fault) / 8)}
  add x7, x12, #${OUT.state + IN.fpsr}
  add x13, x11, #${SIGCONTEXT.fpsimd + 8}
  ${copy("x7", "x13", (IN_SIZE - IN.fpsr) / 8)}
  add x7, x12, #${OUT.mem}
  ldr x13, =${BUF_BASE}
  ${copy("x7", "x13", BUF_SIZE / 8)}
  add x12, x12, #${OUT_SIZE}
  str x12, [x9, #16]
3:ldr x13, [x9, #8]
  cmp x10, x13
  b.eq 4f
  ldr x14, [x9, #24]
  mov x15, #${IN_SIZE}
  madd x14, x10, x15, x14
  add x7, x11, #${SIGCONTEXT.regs}
  ${copy("x7", "x14", IN.fpsr / 8)}
  add x7, x11, #${SIGCONTEXT.fpsimd + 8}
  add x14, x14, #${IN.fpsr}
  ${copy("x7", "x14", (IN_SIZE - IN.fpsr) / 8)}
  ldr x7, =${BUF_BASE}
  adrp x13, inbuf + ${HEADER}
  add x13, x13, :lo12:inbuf + ${HEADER}
  ${copy("x7", "x13", BUF_SIZE / 8)}
  add x10, x10, #1
  str x10, [x9]
  ret
4:adrp x20, outbuf
  add x20, x20, :lo12:outbuf
  ldr x21, [x9, #16]
5:sub x2, x21, x20
  cbz x2, 6f
  mov x0, #1
  mov x1, x20
  mov x8, #64
  svc #0
  cmp x0, #0
  b.le 6f
  add x20, x20, x0
  b 5b
6:mov x0, #0
  mov x8, #94
  svc #0
restorer:
  mov x8, #139
  svc #0
  .ltorg

  .data
  .balign 16
act: .quad handler, 0x0C000004, restorer, 0
ss: .quad altstack, 0, ${ALT_STACK}
ctl: .quad 0, 0, 0, 0
  .bss
  .balign 4096
altstack: .space ${ALT_STACK}
inbuf: .space ${IN_MAX}
outbuf: .space ${OUT_MAX}
`;

let built: string | undefined;

/** Path of the driver ELF, assembled on first use into a temporary directory. */
export function driverPath(): string {
  if (built) return built;
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_difftest_" });
  Deno.writeTextFileSync(`${dir}/driver.S`, DRIVER);
  const r = new Deno.Command("aarch64-linux-gnu-gcc", {
    args: ["-nostdlib", "-static", "-no-pie", "-o", `${dir}/driver`, `${dir}/driver.S`],
    stderr: "piped",
  }).outputSync();
  if (!r.success) {
    throw new Error(`difftest driver: assembly failed:\n${new TextDecoder().decode(r.stderr)}`);
  }
  built = `${dir}/driver`;
  return built;
}

/** Lays out one batch's input: `records` holds n input records, `code` n slots. */
export function batchInput(mem: Uint8Array, code: Uint8Array, records: Uint8Array): Uint8Array {
  const n = records.length / IN_SIZE;
  if (n > MAX_BATCH || code.length !== n * SLOT_SIZE || mem.length !== BUF_SIZE) {
    throw new Error(`difftest batch: bad sizes (n=${n}, code=${code.length}, mem=${mem.length})`);
  }
  const out = new Uint8Array(HEADER + BUF_SIZE + code.length + records.length);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(mem, HEADER);
  out.set(code, HEADER + BUF_SIZE);
  out.set(records, HEADER + BUF_SIZE + code.length);
  return out;
}

/**
 * Runs one batch on qemu-aarch64 and returns its n output records. Input and output go through
 * files so QEMU runs on while this thread is busy (no pipe to pump).
 */
export async function runQemuBatch(input: Uint8Array, cpu = "cortex-a57"): Promise<Uint8Array> {
  const n = new DataView(input.buffer, input.byteOffset).getUint32(0, true);
  const dir = await Deno.makeTempDir({ prefix: "hvlab_batch_" });
  try {
    await Deno.writeFile(`${dir}/in`, input);
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        'exec qemu-aarch64 -cpu "$1" "$2" < "$3/in" > "$3/out"',
        "sh",
        cpu,
        driverPath(),
        dir,
      ],
      stderr: "piped",
    }).spawn();
    // A wild branch in an instruction QEMU decodes differently could loop forever.
    const timer = setTimeout(() => child.kill("SIGKILL"), QEMU_TIMEOUT_MS);
    const r = await child.output();
    clearTimeout(timer);
    const out = await Deno.readFile(`${dir}/out`);
    if (out.length !== n * OUT_SIZE) {
      throw new Error(
        `qemu-aarch64 driver: ${out.length} bytes for ${n} tests (exit ${r.code}): ` +
          new TextDecoder().decode(r.stderr).slice(0, 500),
      );
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
