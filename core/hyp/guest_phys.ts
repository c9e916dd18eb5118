/**
 * A domain's guest-physical memory as the hypervisor reaches it: through the domain's p2m to
 * machine frames. Only memory-like mappings are reachable (RAM, hypervisor pages, grant and
 * foreign maps), never a device. Every failure is XenError(EFAULT) naming the guest address, so a
 * hypercall handler can pass guest-supplied addresses straight in.
 */
import { PAGE_SIZE, type PhysMemory } from "../mem/phys_memory.ts";
import { XEN_EFAULT } from "./abi/errno.ts";
import { type P2m, P2M_TYPE } from "./p2m.ts";
import { hex, XenError } from "./xen_error.ts";

/** Guest-physical access for one domain. */
export class GuestPhys {
  readonly p2m: P2m;
  readonly mem: PhysMemory;
  /**
   * Told of every machine frame handed out for writing (the hypervisor drops translated code of
   * that page, as a store by the guest itself would).
   */
  onWritePage: ((mfn: number) => void) | null = null;

  constructor(p2m: P2m, mem: PhysMemory) {
    this.p2m = p2m;
    this.mem = mem;
  }

  /** The MFN behind `gfn` when it is memory (not a device), else undefined. */
  mfnOf(gfn: number): number | undefined {
    const m = this.p2m.get(gfn);
    if (m === undefined || m.type === P2M_TYPE.mmio) return undefined;
    return m.mfn;
  }

  /**
   * The 4 KiB page behind guest frame `gfn` (a live view: writes go to guest memory; the caller
   * may keep it, so the page stays private to this machine across forks);
   * XenError(EFAULT) when the frame is not memory. `write` also requires a writable mapping.
   */
  page(gfn: number, write = false): DataView {
    return this.#view(gfn, write, (mfn) => this.mem.page(mfn));
  }

  /**
   * A view of `gfn` for this call only: not kept, so a page shared copy-on-write with a fork is
   * only read in place, or split when written, instead of being pinned private like page()'s.
   */
  #transient(gfn: number, write: boolean): DataView {
    return this.#view(
      gfn,
      write,
      (mfn) => write ? this.mem.writePage(mfn) : this.mem.readPage(mfn),
    );
  }

  #view(gfn: number, write: boolean, get: (mfn: number) => DataView | undefined): DataView {
    if (!Number.isSafeInteger(gfn) || gfn < 0) {
      throw new XenError(XEN_EFAULT, `guest frame ${gfn} is not a frame number`);
    }
    const m = this.p2m.get(gfn);
    if (m === undefined || m.type === P2M_TYPE.mmio) {
      throw new XenError(XEN_EFAULT, `guest frame ${hex(gfn)} is not mapped memory`);
    }
    if (write && (m.perms & 2) === 0) {
      throw new XenError(XEN_EFAULT, `guest frame ${hex(gfn)} is read-only`);
    }
    const p = get(m.mfn);
    if (p === undefined) {
      throw new XenError(XEN_EFAULT, `guest frame ${hex(gfn)} is backed by non-RAM`);
    }
    if (write) this.onWritePage?.(m.mfn);
    return p;
  }

  /** Copies `len` bytes from guest-physical `gpa`. */
  read(gpa: number, len: number): Uint8Array {
    checkRange(gpa, len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = gpa + done, off = a % PAGE_SIZE, n = Math.min(PAGE_SIZE - off, len - done);
      const p = this.#transient(Math.floor(a / PAGE_SIZE), false);
      out.set(new Uint8Array(p.buffer, p.byteOffset + off, n), done);
      done += n;
    }
    return out;
  }

  /**
   * Copies `bytes` to guest-physical `gpa`. Every page is checked before the first byte is
   * written, so a fault leaves guest memory unchanged.
   */
  write(gpa: number, bytes: Uint8Array): void {
    checkRange(gpa, bytes.length);
    const pages: DataView[] = [];
    for (let a = gpa - (gpa % PAGE_SIZE); a < gpa + bytes.length; a += PAGE_SIZE) {
      pages.push(this.#transient(a / PAGE_SIZE, true));
    }
    let done = 0, k = 0;
    while (done < bytes.length) {
      const a = gpa + done, off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      const p = pages[k++];
      new Uint8Array(p.buffer, p.byteOffset + off, n).set(bytes.subarray(done, done + n));
      done += n;
    }
  }

  /** Little-endian 32-bit read at `gpa` (naturally aligned). */
  u32(gpa: number): number {
    checkAligned(gpa, 4);
    return this.#transient(Math.floor(gpa / PAGE_SIZE), false).getUint32(gpa % PAGE_SIZE, true);
  }

  /** Little-endian 32-bit write at `gpa` (naturally aligned). */
  setU32(gpa: number, v: number): void {
    checkAligned(gpa, 4);
    this.#transient(Math.floor(gpa / PAGE_SIZE), true).setUint32(gpa % PAGE_SIZE, v >>> 0, true);
  }

  /** Little-endian 64-bit read at `gpa` (naturally aligned). */
  u64(gpa: number): bigint {
    checkAligned(gpa, 8);
    return this.#transient(Math.floor(gpa / PAGE_SIZE), false).getBigUint64(gpa % PAGE_SIZE, true);
  }

  /** Little-endian 64-bit write at `gpa` (naturally aligned). */
  setU64(gpa: number, v: bigint): void {
    checkAligned(gpa, 8);
    this.#transient(Math.floor(gpa / PAGE_SIZE), true).setBigUint64(
      gpa % PAGE_SIZE,
      BigInt.asUintN(64, v),
      true,
    );
  }
}

function checkRange(gpa: number, len: number): void {
  if (!Number.isSafeInteger(gpa) || gpa < 0 || !Number.isSafeInteger(len) || len < 0) {
    throw new XenError(XEN_EFAULT, `guest range ${gpa}+${len} is not an address range`);
  }
}

function checkAligned(gpa: number, n: number): void {
  if (!Number.isSafeInteger(gpa) || gpa < 0 || gpa % n !== 0) {
    throw new XenError(XEN_EFAULT, `guest address ${gpa} is not ${n}-byte aligned memory`);
  }
}
