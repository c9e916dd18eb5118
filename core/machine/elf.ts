/**
 * ELF64 little-endian AArch64 executables: program headers to load, entry point, and symbols.
 * Malformed input is refused with an error that names the bad field and value.
 */

/** A PT_LOAD segment. */
export interface ElfSegment {
  /** Physical (p_paddr) and virtual (p_vaddr) load addresses. */
  paddr: bigint;
  vaddr: bigint;
  /** File bytes (p_filesz); the rest up to memsz is zero. */
  data: Uint8Array;
  memsz: bigint;
  flags: number;
}

/** A parsed executable. */
export interface ElfImage {
  entry: bigint;
  segments: ElfSegment[];
  /** Symbol table (name -> value), when present. */
  symbols: Map<string, bigint>;
}

const EM_AARCH64 = 183;

/** Parses an AArch64 ELF64 executable. */
export function parseElf(bytes: Uint8Array): ElfImage {
  const fail = (what: string): never => {
    throw new Error(`ELF: ${what}`);
  };
  if (bytes.length < 64) fail(`file too short (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46) {
    fail(`bad magic 0x${dv.getUint32(0, false).toString(16)}`);
  }
  if (bytes[4] !== 2) fail(`EI_CLASS ${bytes[4]} is not ELFCLASS64`);
  if (bytes[5] !== 1) fail(`EI_DATA ${bytes[5]} is not little endian`);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_AARCH64) fail(`e_machine ${machine} is not EM_AARCH64 (183)`);
  const entry = dv.getBigUint64(24, true);
  const phoff = Number(dv.getBigUint64(32, true));
  const shoff = Number(dv.getBigUint64(40, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  if (phnum > 0 && phentsize < 56) fail(`e_phentsize ${phentsize} < 56`);
  if (phoff + phnum * phentsize > bytes.length) {
    fail(`program headers at ${phoff} run past the file end`);
  }
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (dv.getUint32(o, true) !== 1) continue; // PT_LOAD only
    const off = Number(dv.getBigUint64(o + 8, true));
    const vaddr = dv.getBigUint64(o + 16, true);
    const paddr = dv.getBigUint64(o + 24, true);
    const filesz = Number(dv.getBigUint64(o + 32, true));
    const memsz = dv.getBigUint64(o + 40, true);
    // A segment with no file bytes (all .bss) may carry any offset; only file bytes must exist.
    if (filesz > 0 && off + filesz > bytes.length) {
      fail(`segment ${i}: p_offset ${off} + p_filesz ${filesz} past the file end`);
    }
    if (BigInt(filesz) > memsz) fail(`segment ${i}: p_filesz ${filesz} > p_memsz ${memsz}`);
    segments.push({
      paddr,
      vaddr,
      data: bytes.subarray(off, off + filesz),
      memsz,
      flags: dv.getUint32(o + 4, true),
    });
  }
  const symbols = new Map<string, bigint>();
  if (shoff > 0 && shentsize >= 64 && shoff + shnum * shentsize <= bytes.length) {
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      if (dv.getUint32(o + 4, true) !== 2) continue; // SHT_SYMTAB
      const symOff = Number(dv.getBigUint64(o + 24, true));
      const symSize = Number(dv.getBigUint64(o + 32, true));
      const link = dv.getUint32(o + 40, true);
      const strHdr = shoff + link * shentsize;
      if (link >= shnum) continue;
      const strOff = Number(dv.getBigUint64(strHdr + 24, true));
      const strSize = Number(dv.getBigUint64(strHdr + 32, true));
      if (symOff + symSize > bytes.length || strOff + strSize > bytes.length) continue;
      for (let s = symOff; s + 24 <= symOff + symSize; s += 24) {
        const nameOff = dv.getUint32(s, true);
        if (nameOff === 0 || nameOff >= strSize) continue;
        let end = strOff + nameOff;
        while (end < strOff + strSize && bytes[end] !== 0) end++;
        const name = new TextDecoder().decode(bytes.subarray(strOff + nameOff, end));
        symbols.set(name, dv.getBigUint64(s + 8, true));
      }
    }
  }
  return { entry, segments, symbols };
}
