/**
 * Tiny bare-metal arm64 Linux Images for hvlab create tests: the 64-byte Image header of Linux's
 * Documentation/arch/arm64/booting.rst (branch, text_offset 0, image_size, flags "4K pages,
 * little-endian", magic "ARM\x64") around code that prints a message on the vpl011 and then runs
 * `tail` (a poweroff, a crash, a spin, ...). Assembled with aarch64-linux-gnu-as at test time.
 */
import { assembleRaw } from "../../tools/lab/hyp_lab.ts";

/** vpl011 data register (GUEST_PL011_BASE); UARTCR is at +0x30. */
const PL011 = 0x22000000;

/** Ends for `bareImage`. */
export const TAILS = {
  /** PSCI SYSTEM_OFF over HVC #0. */
  poweroff: "movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0\n b .",
  /** PSCI SYSTEM_RESET over HVC #0. */
  reboot: "movz x0, #0x0009\n movk x0, #0x8400, lsl #16\n hvc #0\n b .",
  /** sched_op(SCHEDOP_shutdown, {reason: SHUTDOWN_crash}) over HVC #0xEA1. */
  crash: "mov x16, #29\n mov x0, #2\n adr x1, reason\n hvc #0xea1\n b .",
  /** Runs forever. */
  spin: "b .",
  /** Echoes every received byte plus one ("a" -> "b") forever, polling the UART. */
  echo: "3:\n ldr w2, [x1, #0x18]\n tbnz w2, #4, 3b\n ldr w2, [x1]\n add w2, w2, #1\n" +
    " str w2, [x1]\n b 3b",
  /** Masks interrupts and waits for one that cannot come. */
  idle: "msr daifset, #0xf\n1: wfi\n b 1b",
} as const;

/** Whether the cross assembler the images need is installed. */
export { haveCrossAs } from "../../tools/lab/hyp_lab.ts";

/** Escapes `text` for a GNU as .ascii string. */
function asString(text: string): string {
  return [...text].map((c) => {
    const code = c.charCodeAt(0);
    return code >= 0x20 && code < 0x7f && c !== '"' && c !== "\\"
      ? c
      : `\\${code.toString(8).padStart(3, "0")}`;
  }).join("");
}

/**
 * An arm64 Image that prints `message` on the vpl011 then runs `tail` (assembly). `imageSize`
 * overrides the header's image_size (default: the file's size).
 */
export function bareImage(message: string, tail: string, imageSize?: number): Uint8Array {
  const src = `
  .text
  .globl _start
_start:
  b start
  .word 0
  .quad 0
  .quad ${imageSize ?? "image_end - _start"}
  .quad 2
  .quad 0, 0, 0
  .ascii "ARM\\x64"
  .word 0
start:
  mov x1, #${PL011}
  mov w2, #0x301
  str w2, [x1, #0x30]
  adr x3, msg
1:
  ldrb w2, [x3], #1
  cbz w2, 2f
  str w2, [x1]
  b 1b
2:
  ${tail}
  .balign 4
reason:
  .word 3
msg:
  .asciz "${asString(message)}"
  .balign 8
image_end:
`;
  return assembleRaw(src);
}
