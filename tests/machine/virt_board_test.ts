/**
 * VirtBoard: PSCI over HVC, SMC as UNDEFINED, WFI skipping virtual time to the timer deadline,
 * idle detection, console `until`, raw images. Programs are assembled with the cross assembler.
 */
import assert from "node:assert/strict";
import { VirtBoard } from "../../core/machine/virt_board.ts";

const BASE = 0x40080000;

/** Assembles `src` and links it at RAM base + 0x80000; returns the ELF bytes. */
function assemble(src: string): Uint8Array {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/t.S`, `.global _start\n_start:\n${src}\n`);
    for (
      const [cmd, args] of [
        ["aarch64-linux-gnu-as", ["-o", `${dir}/t.o`, `${dir}/t.S`]],
        ["aarch64-linux-gnu-ld", [
          `-Ttext=0x${BASE.toString(16)}`,
          "-o",
          `${dir}/t.elf`,
          `${dir}/t.o`,
        ]],
      ] as const
    ) {
      const r = new Deno.Command(cmd, { args: [...args], stderr: "piped" }).outputSync();
      if (!r.success) throw new Error(`${cmd}: ${new TextDecoder().decode(r.stderr)}`);
    }
    return Deno.readFileSync(`${dir}/t.elf`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const OFF = "movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0\n";

function boot(src: string): VirtBoard {
  const b = new VirtBoard();
  b.loadElf(assemble(src));
  return b;
}

Deno.test("board: PSCI VERSION, FEATURES, unknown function, SYSTEM_OFF", () => {
  const b = boot(`
    movz x0, #0x0000
    movk x0, #0x8400, lsl #16
    hvc #0
    mov x19, x0
    movz x0, #0x000a
    movk x0, #0x8400, lsl #16
    movz x1, #0x0008
    movk x1, #0x8400, lsl #16
    hvc #0
    mov x20, x0
    movz x0, #0x00ff
    movk x0, #0x8400, lsl #16
    hvc #0
    mov x21, x0
    ${OFF}
    b .`);
  const r = b.run({ maxInstructions: 1000 });
  assert.equal(r.reason, "system-off");
  assert.equal(b.cpu.getX(19), 0x10001n);
  assert.equal(b.cpu.getX(20), 0n);
  assert.equal(b.cpu.getX(21), 0xffffffffffffffffn);
  assert.equal(b.run({ maxInstructions: 10 }).reason, "system-off"); // stays off
});

Deno.test("board: SYSTEM_RESET stops the board", () => {
  const b = boot("movz x0, #0x0009\n movk x0, #0x8400, lsl #16\n hvc #0\n b .");
  assert.equal(b.run({ maxInstructions: 100 }).reason, "system-reset");
});

Deno.test("board: SMC is UNDEFINED at EL1 (no EL3), taken to VBAR_EL1 + 0x200", () => {
  const b = boot(`
    adr x0, vec
    msr vbar_el1, x0
    isb
  site:
    smc #0
    b .
    .balign 2048
  vec:
    .skip 0x200
    mrs x19, esr_el1
    mrs x20, elr_el1
    adr x21, site
    ${OFF}`);
  assert.equal(b.run({ maxInstructions: 1000 }).reason, "system-off");
  assert.equal(b.cpu.getX(19), 0x02000000n);
  assert.equal(b.cpu.getX(20), b.cpu.getX(21));
});

Deno.test("board: WFI sleeps until the virtual timer fires; virtual time jumps, not instructions", () => {
  const b = boot(`
    mrs x1, cntvct_el0
    movz x2, #0x4000
    movk x2, #0x0f, lsl #16        // ~1 M ticks = 16 ms at 62.5 MHz
    add x2, x1, x2
    msr cntv_cval_el0, x2
    mov x3, #1
    msr cntv_ctl_el0, x3           // enabled, not masked; PSTATE.I stays set
    isb
    wfi
    mrs x4, cntvct_el0
    mrs x5, cntv_ctl_el0
    ${OFF}`);
  // Timer interrupt routed through the GIC so it reaches the PE's IRQ input.
  b.gic.state.enabled[27] = 1;
  b.gic.state.dctlr = 1;
  b.gic.state.cpus[0].ctlr = 1;
  b.gic.state.cpus[0].pmr = 0xff;
  const r = b.run({ maxInstructions: 1000 });
  assert.equal(r.reason, "system-off");
  assert.ok(r.instructions < 30, `${r.instructions} instructions`);
  assert.ok(b.cpu.getX(4) >= b.cpu.getX(2), "woke before the deadline");
  assert.ok(b.cpu.getX(4) - b.cpu.getX(2) < 10n, "woke late");
  assert.equal(b.cpu.getX(5), 5n); // ENABLE | ISTATUS
  assert.ok(b.clock.seconds() > 0.015);
});

Deno.test("board: WFI with nothing that could wake the PE stops as idle-forever", () => {
  const b = boot("wfi\n b .");
  assert.equal(b.run({ maxInstructions: 1000 }).reason, "idle-forever");
});

Deno.test("board: console output, until, instruction limit", () => {
  const b = boot(`
    movz x1, #0x0900, lsl #16
    mov x2, #'h'
    strb w2, [x1]
    mov x2, #'i'
    strb w2, [x1]
  1: b 1b`);
  const r = b.run({ maxInstructions: 1_000_000, until: (s) => s.endsWith("hi") });
  assert.equal(r.reason, "until");
  assert.equal(b.console, "hi");
  assert.ok(r.instructions < 10);
  assert.equal(b.run({ maxInstructions: 500 }).reason, "limit");
});

Deno.test("board: loads from an unmapped physical address abort (EC 0x25, external abort)", () => {
  const b = boot(`
    adr x0, vec
    msr vbar_el1, x0
    movz x1, #0x0910, lsl #16
    ldr x2, [x1]
    b .
    .balign 2048
  vec:
    .skip 0x200
    mrs x19, esr_el1
    mrs x20, far_el1
    ${OFF}`);
  assert.equal(b.run({ maxInstructions: 1000 }).reason, "system-off");
  assert.equal(b.cpu.getX(19), (0x25n << 26n) | (1n << 25n) | 0x10n);
  assert.equal(b.cpu.getX(20), 0x09100000n);
});

Deno.test("board: a raw image runs from RAM base + 0x80000", () => {
  // movz x0, #8; movk x0, #0x8400, lsl #16; hvc #0
  const words = [0xd2800100, 0xf2b08000, 0xd4000002];
  const bytes = new Uint8Array(new Uint32Array(words).buffer);
  const b = new VirtBoard();
  b.loadRaw(bytes);
  assert.equal(b.cpu.pc, 0x40080000n);
  assert.equal(b.run({ maxInstructions: 10 }).reason, "system-off");
});

Deno.test("board: a busy-waiting PE takes timer interrupts at each reprogrammed deadline", () => {
  const b = boot(`
    adr x0, vec
    msr vbar_el1, x0
    mov x19, #0
    mov x0, #1000
    msr cntv_tval_el0, x0
    mov x0, #1
    msr cntv_ctl_el0, x0
    msr daifclr, #2
  1: cmp x19, #3
    b.lt 1b
    ${OFF}
    .balign 2048
  vec:
    .skip 0x280
    add x19, x19, #1
    mov x0, #1000                 // next tick 1000 counter ticks later
    msr cntv_tval_el0, x0
    eret`);
  b.gic.state.enabled[27] = 1;
  b.gic.state.dctlr = 1;
  b.gic.state.cpus[0].ctlr = 1;
  b.gic.state.cpus[0].pmr = 0xff;
  const r = b.run({ maxInstructions: 1_000_000 });
  assert.equal(r.reason, "system-off");
  // 3 ticks of 1000 counter ticks at 19.2 cycles each (~57600 instructions), plus a little.
  assert.ok(r.instructions > 57_000 && r.instructions < 60_000, `${r.instructions} instructions`);
});

Deno.test("board: console input waits for FIFO room instead of overrunning", () => {
  // Polls FR.RXFE and echoes each received byte back on the UART, forever.
  const b = boot(`
    movz x1, #0x0900, lsl #16
  1: ldr w2, [x1, #0x18]
    tbnz w2, #4, 1b
    ldr w3, [x1]
    str w3, [x1]
    b 1b`);
  const text = "0123456789abcdefghijklmnopqrstuvwxyz";
  b.input(text);
  assert.equal(b.pendingInput, text.length - 1); // FIFO off: one byte at a time
  const r = b.run({ maxInstructions: 100_000, until: (s) => s.length === text.length });
  assert.equal(r.reason, "until");
  assert.equal(b.console, text);
  assert.equal(b.uart.state.rsr, 0); // no overrun
});

Deno.test("board: WFE wakes on the timer event stream (CNTKCTL_EL1.EVNTEN)", () => {
  const b = boot(`
    mov x0, #(4 | (9 << 4))       // EVNTEN, EVNTI = 9: an event every 1024 counter ticks
    msr cntkctl_el1, x0
    mrs x19, cntvct_el0
    wfe
    wfe
    wfe
    mrs x20, cntvct_el0
    mov x0, #0
    msr cntkctl_el1, x0
    wfe
    ${OFF}`);
  const r = b.run({ maxInstructions: 1000 });
  assert.equal(r.reason, "idle-forever"); // the last WFE has no event source
  const waited = b.cpu.getX(20) - b.cpu.getX(19);
  assert.ok(waited > 2048n && waited <= 3072n, `waited ${waited} ticks`);
  assert.equal(b.cpu.getX(20) & 1023n, 512n); // bit 9 just went 0 -> 1
});
