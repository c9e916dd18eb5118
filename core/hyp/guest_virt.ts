/**
 * Copying hypercall arguments to and from a guest: on ARM, Xen's guest handles are guest
 * VIRTUAL addresses, translated with the calling vcpu's current stage-1 tables and then its p2m
 * (Xen's copy_from_guest / copy_to_guest via gvirt_to_maddr). A failed translation, a read-only
 * page for a write, or a non-memory frame is XenError(EFAULT); nothing is written unless the
 * whole destination translates.
 */
import type { Cpu } from "../cpu/cpu.ts";
import { ACC_READ, ACC_WRITE } from "../cpu/mmu/mmu.ts";
import { PAGE_SIZE } from "../mem/phys_memory.ts";
import { XEN_EFAULT } from "./abi/errno.ts";
import type { GuestPhys } from "./guest_phys.ts";
import { hex, XenError } from "./xen_error.ts";

const U64 = (1n << 64n) - 1n;

/** Guest-virtual access through one vcpu's translation. */
export class GuestVirt {
  readonly #cpu: Cpu;
  readonly #phys: GuestPhys;

  constructor(cpu: Cpu, phys: GuestPhys) {
    this.#cpu = cpu;
    this.#phys = phys;
  }

  /**
   * The guest-physical address of `va` for a read (or a write), with EL1 permissions; EFAULT when
   * stage 1 does not map it so. No architectural state changes.
   */
  toGpa(va: bigint, write: boolean): number {
    // EL1 permissions: hypercalls and runstate areas belong to the guest kernel.
    const ipa = this.#cpu.probeStage1(va, write ? ACC_WRITE : ACC_READ, false, true);
    if (ipa < 0) {
      throw new XenError(
        XEN_EFAULT,
        `guest address ${hex(BigInt.asUintN(64, va))} is not mapped for a ${acc(write)}`,
      );
    }
    return ipa;
  }

  /** Copies `len` bytes from guest virtual `va` (copy_from_guest). */
  read(va: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.#pieces(va, len, false, (gpa, off, n) => out.set(this.#phys.read(gpa, n), off));
    return out;
  }

  /** Copies `bytes` to guest virtual `va` (copy_to_guest); all-or-nothing. */
  write(va: bigint, bytes: Uint8Array): void {
    const plan: [number, number, number][] = [];
    this.#pieces(va, bytes.length, true, (gpa, off, n) => {
      this.#phys.page(Math.floor(gpa / PAGE_SIZE), true);
      plan.push([gpa, off, n]);
    });
    for (const [gpa, off, n] of plan) this.#phys.write(gpa, bytes.subarray(off, off + n));
  }

  /** A little-endian structure of `size` bytes at `va`, as a DataView over a copy. */
  readStruct(va: bigint, size: number): DataView {
    const b = this.read(va, size);
    return new DataView(b.buffer);
  }

  /** Writes a structure built in `dv` back to `va`. */
  writeStruct(va: bigint, dv: DataView): void {
    this.write(va, new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength));
  }

  #pieces(
    va: bigint,
    len: number,
    write: boolean,
    f: (gpa: number, off: number, n: number) => void,
  ): void {
    if (!Number.isSafeInteger(len) || len < 0) {
      throw new XenError(XEN_EFAULT, `guest buffer length ${len}`);
    }
    let done = 0;
    while (done < len) {
      const a = (BigInt.asUintN(64, va) + BigInt(done)) & U64;
      const off = Number(a & 0xfffn), n = Math.min(PAGE_SIZE - off, len - done);
      f(this.toGpa(a, write), done, n);
      done += n;
    }
  }
}

function acc(write: boolean): string {
  return write ? "write" : "read";
}
