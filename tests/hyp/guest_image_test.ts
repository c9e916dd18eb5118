/**
 * Guest kernel/initrd validation and Xen 4.17's dom0less placement (kernel.c place_modules),
 * checked against the addresses real Xen gave a 256 MiB domU (tests/fixtures/xen417).
 */
import assert from "node:assert/strict";
import { xenDomuRamBanks } from "../../core/hyp/builder/domu_fdt.ts";
import {
  loadGuestImages,
  loadGuestKernel,
  probeGuestInitrd,
  probeGuestKernel,
} from "../../core/hyp/builder/guest_image.ts";
import { planGuestBoot } from "../../core/hyp/builder/guest_placement.ts";
import { findLinuxFiles } from "../../tools/linux/guest_files.ts";

const MiB = 1 << 20;
const RAM0 = 0x4000_0000n;
const banks = (mib: number) => xenDomuRamBanks(BigInt(mib) * BigInt(MiB));
const FIXTURES = new URL("../fixtures/xen417/", import.meta.url);

/** Asserts an Error (never a RangeError/TypeError) whose message matches `re`. */
function rejects(f: () => unknown, re: RegExp) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error && e.constructor === Error, `not a plain Error: ${e}`);
    assert.match(e.message, re);
    return true;
  });
}
async function rejectsAsync(f: () => Promise<unknown>, re: RegExp) {
  await assert.rejects(f, (e) => {
    assert.ok(e instanceof Error && e.constructor === Error, `not a plain Error: ${e}`);
    assert.match(e.message, re);
    return true;
  });
}

/** An arm64 Image: header fields as given, `length` bytes in all. */
function image(
  o: { textOffset?: number; imageSize?: number; flags?: number; length?: number } = {},
) {
  const bytes = new Uint8Array(o.length ?? 0x1000);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, 0x14000008, true);
  dv.setBigUint64(0x08, BigInt(o.textOffset ?? 0), true);
  dv.setBigUint64(0x10, BigInt(o.imageSize ?? 0x2000), true);
  dv.setBigUint64(0x18, BigInt(o.flags ?? 0b1010), true); // LE, 4K pages, place anywhere
  dv.setUint32(0x38, 0x644d5241, true);
  return bytes;
}

interface Phdr {
  type?: number;
  offset?: number;
  vaddr: bigint;
  paddr?: bigint;
  filesz: number;
  memsz?: number;
}

/** An ELF64 with the given program headers; file bytes for each follow the headers. */
function elf(
  phdrs: Phdr[],
  o: { entry?: bigint; cls?: number; data?: number; machine?: number; type?: number } = {},
) {
  const phoff = 64, dataOff = phoff + 56 * phdrs.length;
  const total = dataOff + phdrs.reduce((n, p) => n + p.filesz, 0);
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, o.cls ?? 2, o.data ?? 1, 1]);
  dv.setUint16(16, o.type ?? 2, true);
  dv.setUint16(18, o.machine ?? 183, true);
  dv.setBigUint64(24, o.entry ?? phdrs[0]?.vaddr ?? 0n, true);
  dv.setBigUint64(32, BigInt(phoff), true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, phdrs.length, true);
  let off = dataOff;
  phdrs.forEach((p, i) => {
    const h = phoff + 56 * i;
    dv.setUint32(h, p.type ?? 1, true);
    dv.setUint32(h + 4, 5, true);
    dv.setBigUint64(h + 8, BigInt(p.offset ?? off), true);
    dv.setBigUint64(h + 16, p.vaddr, true);
    dv.setBigUint64(h + 24, p.paddr ?? p.vaddr, true);
    dv.setBigUint64(h + 32, BigInt(p.filesz), true);
    dv.setBigUint64(h + 40, BigInt(p.memsz ?? p.filesz), true);
    bytes.fill(0xa0 + i, off, off + p.filesz);
    off += p.filesz;
  });
  return bytes;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** A newc-looking initrd of `n` bytes. */
const cpio = (n: number) => {
  const b = new Uint8Array(n);
  b.set(new TextEncoder().encode("070701"));
  return b;
};

Deno.test("guest image: the real Debian arm64 Image, placed as Xen 4.17 placed it", async (t) => {
  const files = findLinuxFiles();
  if (!files) {
    console.log("  skipped: no Debian kernel (see tools/linux/guest_files.ts FETCH_COMMANDS)");
    return;
  }
  const vmlinuz = await Deno.readFile(files.vmlinuz);
  const kernel = await loadGuestKernel(files.vmlinuz, vmlinuz, "auto");
  assert.equal(kernel.format, "image");
  assert.equal(kernel.textOffset, 0); // Linux >= 5.8 has text_offset 0
  assert.ok(kernel.memSize > kernel.bytes.length);
  // The fixture guest: 256 MiB, an initrd of 0xf1062 bytes (its /chosen initrd-end - start).
  const dts = await Deno.readTextFile(new URL("gic2.domu1.dts", FIXTURES));
  const cell = (prop: string) => {
    const m = new RegExp(`${prop} = <0x00 (0x[0-9a-f]+)>`).exec(dts)!;
    return BigInt(m[1]);
  };
  const initrdStart = cell("linux,initrd-start"), initrdEnd = cell("linux,initrd-end");
  const iomem = await Deno.readTextFile(new URL("gic2.domu1.txt", FIXTURES));
  for (const mib of [256, 1024]) {
    await t.step(`${mib} MiB`, () => {
      const initrd = probeGuestInitrd("initrd", cpio(Number(initrdEnd - initrdStart)));
      const plan = planGuestBoot(kernel, initrd, banks(mib));
      assert.equal(plan.entry, RAM0);
      assert.equal(plan.dtbGpa, 0x4800_0000n);
      assert.equal(plan.initrdGpa, initrdStart);
      assert.equal(plan.initrdGpa! + BigInt(plan.initrdSize!), initrdEnd);
      assert.deepEqual(
        plan.segments.map((s) => [s.gpa, s.size]),
        [[RAM0, BigInt(kernel.bytes.length)], [initrdStart, initrdEnd - initrdStart]],
      );
    });
  }
  // Linux reserved exactly the DTB page and the initrd pages Xen placed.
  assert.match(iomem, /\n {2}48000000-48000fff : reserved\n/);
  assert.match(iomem, /\n {2}48200000-482f1fff : reserved\n/);
});

Deno.test("guest image: synthetic Image, gzip Image, raw", async () => {
  const k = probeGuestKernel("k", image({ textOffset: 0x80000, imageSize: 0x5000 }), "auto");
  assert.deepEqual([k.format, k.textOffset, k.memSize], ["image", 0x80000, 0x5000]);
  const z = await loadGuestKernel("kz", await gzip(image()), "auto");
  assert.deepEqual([z.format, z.bytes.length, z.memSize], ["image", 0x1000, 0x2000]);
  const r = await loadGuestKernel("raw.bin", new Uint8Array([1, 2, 3]), "raw");
  assert.deepEqual([r.format, r.textOffset, r.memSize], ["raw", 0, 3]);
  const plan = planGuestBoot(r, undefined, banks(64));
  assert.equal(plan.entry, RAM0);
  assert.deepEqual(plan.segments, [{ gpa: RAM0, bytes: r.bytes, size: 3n }]);
  // 64 MiB cannot hold modules at +128 MiB: Xen puts them at the top of the bank.
  assert.equal(plan.dtbGpa, RAM0 + 62n * BigInt(MiB));
  assert.equal(plan.initrdGpa, undefined);
  // text_offset moves the load address and the entry.
  assert.equal(planGuestBoot(k, undefined, banks(256)).entry, RAM0 + 0x80000n);
});

Deno.test("guest image: kernel rejections name the file and the problem", async () => {
  const flags = (f: number) => image({ flags: f });
  const short = image().subarray(0, 40);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /^k: empty kernel file$/],
    [
      short,
      /^k: 40 bytes, too short for a kernel \(an arm64 Image header is 64 bytes; starting 08 00/,
    ],
    [new Uint8Array(100).fill(0x55), /^k: not an arm64 .*starting 55 55 55 55 55 55 55 55 \.\.\./],
    [flags(0b1011), /^k: linux image: big-endian kernel/],
    [flags(0b0100), /^k: kernel built for 16 KiB pages .*flags 0x4.*4 KiB granule only/],
    [flags(0b0110), /^k: kernel built for 64 KiB pages/],
    [image({ textOffset: 0x1234 }), /^k: linux image: text_offset 0x1234 is not a page offset/],
    [image({ imageSize: 0x800 }), /^k: linux image: image_size 0x800 smaller than the file/],
    [image({ imageSize: 2 ** 60 }), /^k: linux image: image_size 0x1000000000000000 too large/],
    [
      (() => {
        const b = image();
        b.fill(0, 0x38, 0x3c);
        return b;
      })(),
      /^k: arm64 Image header without the "ARM\\x64" magic/,
    ],
    [
      (() => {
        const b = new Uint8Array(64);
        new DataView(b.buffer).setUint32(0, 0x27051956);
        return b;
      })(),
      /^k: U-Boot uImage/,
    ],
    [
      (() => {
        const b = new Uint8Array(64);
        new DataView(b.buffer).setUint32(0x24, 0x016f2818, true);
        return b;
      })(),
      /^k: 32-bit Arm zImage/,
    ],
    [new Uint8Array([0x1f, 0x8b, 8, 0]), /^k: gzip-compressed; use loadGuestKernel/],
  ];
  for (const [bytes, re] of cases) rejects(() => probeGuestKernel("k", bytes, "auto"), re);
  await rejectsAsync(
    () => loadGuestKernel("k.gz", new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), "auto"),
    /^k\.gz: gzip data is corrupt/,
  );
  const twice = await gzip(await gzip(image()));
  await rejectsAsync(() => loadGuestKernel("k.gz", twice, "auto"), /gzip inside gzip/);
  rejects(() => probeGuestKernel("r", new Uint8Array(0), "raw"), /^r: empty kernel file$/);
});

Deno.test("guest image: ELF kernels load by physical address", () => {
  const bytes = elf(
    [
      { vaddr: 0xffff_0000_0000_0000n, paddr: RAM0 + 0x10_0000n, filesz: 0x100, memsz: 0x2000 },
      { type: 4, vaddr: 0n, filesz: 8 }, // PT_NOTE: not loaded
      { vaddr: 0xffff_0000_0001_0000n, paddr: RAM0, filesz: 0x10 },
      { vaddr: 0x1234_0000n, filesz: 0, memsz: 0 }, // empty: skipped
    ],
    { entry: 0xffff_0000_0000_0040n },
  );
  const k = probeGuestKernel("e.elf", bytes, "auto");
  assert.equal(k.format, "elf");
  assert.equal(k.elf!.entry, RAM0 + 0x10_0040n);
  assert.deepEqual(k.elf!.segments.map((s) => [s.gpa, s.data.length, s.memsz]), [
    [RAM0, 0x10, 0x10n],
    [RAM0 + 0x10_0000n, 0x100, 0x2000n],
  ]);
  assert.equal(k.elf!.segments[1].data[0], 0xa0);
  const plan = planGuestBoot(k, probeGuestInitrd("i", cpio(3 * MiB)), banks(256));
  assert.deepEqual([plan.entry, plan.kernelStart, plan.kernelEnd], [
    RAM0 + 0x10_0040n,
    RAM0,
    RAM0 + 0x10_2000n,
  ]);
  assert.deepEqual(plan.segments.map((s) => [s.gpa, s.size]), [
    [RAM0, 0x10n],
    [RAM0 + 0x10_0000n, 0x2000n],
    [RAM0 + 130n * BigInt(MiB), BigInt(3 * MiB)],
  ]);
  assert.equal(plan.dtbGpa, RAM0 + 128n * BigInt(MiB));
});

Deno.test("guest image: ELF rejections", () => {
  const seg = { vaddr: RAM0, filesz: 0x100 };
  const good = elf([seg]);
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 20), /^e: ELF: file too short \(20 bytes\)$/],
    [elf([seg], { cls: 1 }), /^e: ELF: EI_CLASS 1 is not ELFCLASS64$/],
    [elf([seg], { data: 2 }), /^e: ELF: EI_DATA 2 is not little endian$/],
    [elf([seg], { machine: 40 }), /^e: ELF: e_machine 40 is not EM_AARCH64/],
    [elf([seg], { type: 3 }), /^e: ELF e_type 3 is not ET_EXEC \(2\)$/],
    [good.subarray(0, 100), /^e: ELF: program headers at 64 run past the file end$/],
    [good.subarray(0, 200), /^e: ELF: segment 0: p_offset 120 \+ p_filesz 256 past the file end/],
    [elf([{ ...seg, offset: 2 ** 40 }]), /^e: ELF: segment 0: p_offset \d+ \+ p_filesz 256 past/],
    [elf([{ ...seg, filesz: 0x100, memsz: 0x10 }]), /p_filesz 256 > p_memsz 16/],
    [elf([{ type: 4, vaddr: 0n, filesz: 4 }]), /^e: ELF has no loadable segment$/],
    [
      elf([seg, { vaddr: RAM0 + 0x80n, filesz: 0x10 }]),
      /^e: ELF segments overlap: \[0x40000000, 0x40000100\) and \[0x40000080, 0x40000090\)$/,
    ],
    [elf([seg], { entry: RAM0 + 0x100n }), /^e: ELF entry 0x40000100 is not inside a loadable/],
  ];
  for (const [bytes, re] of cases) rejects(() => probeGuestKernel("e", bytes, "auto"), re);
  // Segments must lie in the first RAM bank.
  for (const gpa of [0x3fff_f000n, RAM0 + 256n * BigInt(MiB) - 0x80n, 0x2_0000_0000n]) {
    const k = probeGuestKernel("e", elf([{ vaddr: gpa, filesz: 0x100 }]), "auto");
    rejects(
      () => planGuestBoot(k, undefined, banks(256)),
      /^e: ELF segment \[0x[0-9a-f]+, 0x[0-9a-f]+\) is outside the first RAM bank \[0x40000000, 0x50000000\)$/,
    );
  }
});

Deno.test("guest image: place_modules branches and fit checks", () => {
  const elfAt = (off: number, size: number) =>
    probeGuestKernel("e", elf([{ vaddr: RAM0 + BigInt(off), filesz: 0x10, memsz: size }]), "auto");
  // Kernel ending past 128 MiB in a 512 MiB bank: modules at the top of the bank.
  const high = planGuestBoot(elfAt(0, 130 * MiB), probeGuestInitrd("i", cpio(8)), banks(512));
  assert.equal(high.dtbGpa, RAM0 + 508n * BigInt(MiB));
  assert.equal(high.initrdGpa, RAM0 + 510n * BigInt(MiB));
  // Kernel at the top of a 64 MiB bank: modules just below it.
  const below = planGuestBoot(elfAt(60 * MiB, 4 * MiB), undefined, banks(64));
  assert.equal(below.dtbGpa, RAM0 + 58n * BigInt(MiB));
  // A 2 MiB slot each side is not "more than" the 2 MiB the DTB needs: Xen panics, hvlab throws.
  rejects(
    () => planGuestBoot(elfAt(2 * MiB, 12 * MiB), undefined, banks(16)),
    /^e: no room for the device tree around the kernel in the first RAM bank/,
  );
  // Kernel + modules larger than the bank.
  rejects(
    () => planGuestBoot(elfAt(0, 10 * MiB), probeGuestInitrd("big.cpio", cpio(6 * MiB)), banks(16)),
    /^e: the kernel and the device tree and initrd big\.cpio \(6291456 bytes\) do not fit in the first RAM bank \[0x40000000, 0x41000000\)/,
  );
  // An Image whose image_size exceeds RAM.
  const huge = probeGuestKernel("Image", image({ imageSize: 300 * MiB }), "auto");
  rejects(
    () => planGuestBoot(huge, undefined, banks(256)),
    /^Image: kernel needs 314572800 bytes from 0x40000000, more than the first RAM bank/,
  );
  // Xen places modules at +128 MiB by the file length; the BSS (image_size) reaches past it.
  const bss = probeGuestKernel("Image", image({ imageSize: 200 * MiB }), "auto");
  rejects(
    () => planGuestBoot(bss, probeGuestInitrd("i", cpio(10)), banks(256)),
    /^Image: the device tree and initrd i \(10 bytes\) at \[0x48000000, 0x48400000\) would overlap the kernel's memory \[0x40000000, 0x4c800000\)/,
  );
  const k = probeGuestKernel("k", image(), "auto");
  for (const size of [0, -1, 1.5, 2 * MiB + 1]) {
    rejects(() => planGuestBoot(k, undefined, banks(64), size), /device tree size .* outside/);
  }
  rejects(() => planGuestBoot(k, undefined, []), /no RAM banks/);
  // Any DTB up to 2 MiB takes one 2 MiB slot.
  assert.equal(planGuestBoot(k, undefined, banks(256), 2 * MiB).dtbGpa, 0x4800_0000n);
});

Deno.test("guest image: initrd formats", async () => {
  assert.equal(probeGuestInitrd("a", cpio(10)).format, "cpio-newc");
  const crc = new TextEncoder().encode("070702xxxx");
  assert.equal(probeGuestInitrd("b", crc).format, "cpio-newc");
  assert.equal(probeGuestInitrd("c", await gzip(cpio(100))).format, "gzip");
  rejects(() => probeGuestInitrd("i", new Uint8Array(0)), /^i: empty initrd file$/);
  rejects(
    () => probeGuestInitrd("i", new TextEncoder().encode("070707abc")),
    /^i: old-format \(odc\) cpio/,
  );
  rejects(
    () => probeGuestInitrd("i", new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a])),
    /^i: not a cpio newc archive \(070701\/070702\) or gzip file \(5 bytes, starting fd 37 7a 58 5a\)$/,
  );
});

Deno.test("guest image: loadGuestImages reads through the reader, naming bad paths", async () => {
  const files: Record<string, Uint8Array> = { "/k": image(), "/i": cpio(64) };
  const read = (p: string) => {
    const b = files[p];
    if (!b) throw new Error(`No such file: ${p}`);
    return b;
  };
  const ok = await loadGuestImages({ kernel: "/k", kernelFormat: "auto", ramdisk: "/i" }, read);
  assert.equal(ok.kernel.format, "image");
  assert.equal(ok.initrd!.format, "cpio-newc");
  const noInitrd = await loadGuestImages({ kernel: "/k", kernelFormat: "auto" }, read);
  assert.equal(noInitrd.initrd, undefined);
  await rejectsAsync(
    () => loadGuestImages({ kernel: "/k", kernelFormat: "auto", ramdisk: "/nope" }, read),
    /^ramdisk \/nope: cannot read \(No such file: \/nope\)$/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await rejectsAsync(
      () => loadGuestImages({ kernel: dir, kernelFormat: "auto" }, Deno.readFile),
      new RegExp(`^kernel ${dir}: cannot read \\(.*[Dd]irectory`),
    );
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("guest image: mutated headers only ever raise plain Errors", () => {
  let seed = 0x1234_5678;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const seeds = [
    image({ textOffset: 0x80000, imageSize: 0x3000 }),
    elf([{ vaddr: RAM0, filesz: 0x40, memsz: 0x1000 }, { vaddr: RAM0 + 0x2000n, filesz: 0x20 }]),
  ];
  let accepted = 0;
  for (let i = 0; i < 4000; i++) {
    const b = seeds[i % 2].slice(0, rand(4) === 0 ? rand(seeds[i % 2].length) : undefined);
    for (let m = 0; m < 1 + rand(4); m++) {
      b[rand(Math.max(1, Math.min(b.length, 0xe0)))] = rand(256);
    }
    try {
      const k = probeGuestKernel("f", b, "auto");
      planGuestBoot(k, undefined, banks(64));
      accepted++;
    } catch (e) {
      assert.ok(e instanceof Error && e.constructor === Error, `iteration ${i}: ${e}`);
      assert.match((e as Error).message, /^f: /);
    }
  }
  assert.ok(accepted > 0);
});
