/**
 * Architectural register state of one AArch64 PE as plain typed arrays, so that generated code
 * reaches it with constant indices and a snapshot is a copy of arrays.
 *
 * 64-bit values are stored as two int32 halves: `x[2n]` low, `x[2n+1]` high.
 */

/** Slot of the current stack pointer in `x` (register number 31 in SP contexts). */
export const SP = 31;

/** Number of 64-bit slots in the GPR file: X0-X30, SP. */
export const GPR_SLOTS = 32;

/** Plain-data register state. */
export class CpuRegs {
  /** X0..X30 and the current SP (slot 31), as lo/hi int32 pairs. */
  readonly x = new Int32Array(GPR_SLOTS * 2);
  /** V0..V31, 16 bytes each, little endian. */
  readonly vbuf = new ArrayBuffer(32 * 16);
  readonly vb = new Uint8Array(this.vbuf);
  readonly vh = new Uint16Array(this.vbuf);
  readonly vw = new Int32Array(this.vbuf);
  readonly vs = new Float32Array(this.vbuf);
  readonly vd = new Float64Array(this.vbuf);
  /** Program counter halves. */
  pcLo = 0;
  pcHi = 0;
  /** NZCV as 0/1 numbers. */
  n = 0;
  z = 0;
  c = 0;
  v = 0;
  /** Current exception level (0 or 1; EL2 is the TypeScript hypervisor). */
  el = 1;
  /** PSTATE.SP: 1 selects SP_ELx at EL1. */
  spsel = 1;
  /** PSTATE.{D,A,I,F} as a 4-bit value D=8 A=4 I=2 F=1. */
  daif = 0xf;
  /** PSTATE.SS and PSTATE.IL. */
  ss = 0;
  il = 0;
  /** Banked stack pointers, lo/hi: [SP_EL0 lo, hi, SP_EL1 lo, hi]. The live one is also in x[62..63]. */
  readonly spBank = new Int32Array(4);
  fpcr = 0;
  fpsr = 0;

  /** X register `n` as an unsigned bigint (slot 31 is SP). For tools, not hot paths. */
  getX(n: number): bigint {
    return (BigInt(this.x[2 * n + 1] >>> 0) << 32n) | BigInt(this.x[2 * n] >>> 0);
  }

  /** Sets X register `n` (slot 31 is SP) from a bigint. */
  setX(n: number, v: bigint): void {
    this.x[2 * n] = Number(v & 0xffffffffn) | 0;
    this.x[2 * n + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
  }

  /** PC as an unsigned bigint. */
  get pc(): bigint {
    return (BigInt(this.pcHi >>> 0) << 32n) | BigInt(this.pcLo >>> 0);
  }

  set pc(v: bigint) {
    this.pcLo = Number(v & 0xffffffffn) | 0;
    this.pcHi = Number((v >> 32n) & 0xffffffffn) | 0;
  }

  /** NZCV in the bit positions of the NZCV system register (bits 31..28). */
  get nzcv(): number {
    return ((this.n << 31) | (this.z << 30) | (this.c << 29) | (this.v << 28)) >>> 0;
  }

  set nzcv(v: number) {
    this.n = (v >>> 31) & 1;
    this.z = (v >>> 30) & 1;
    this.c = (v >>> 29) & 1;
    this.v = (v >>> 28) & 1;
  }

  /** Q register `n` as an unsigned bigint. */
  getQ(n: number): bigint {
    const w = this.vw;
    let r = 0n;
    for (let i = 3; i >= 0; i--) r = (r << 32n) | BigInt(w[4 * n + i] >>> 0);
    return r;
  }

  /** Sets Q register `n` from a bigint. */
  setQ(n: number, v: bigint): void {
    for (let i = 0; i < 4; i++) {
      this.vw[4 * n + i] = Number((v >> BigInt(32 * i)) & 0xffffffffn) | 0;
    }
  }
}
