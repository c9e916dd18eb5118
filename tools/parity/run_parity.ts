/**
 * One parity run: boots Debian's Linux as an hvlab domU configured like the Xen 4.17 oracle's
 * dom0less domU (256 MiB, 1 vcpu, vpl011, the oracle's bootargs, GICv2 or v3) with the
 * oracle's facts-dump /init, captures its console until the dump ends, and compares the facts
 * with the fixture's (tests/fixtures/xen417/gicN.domu1.{txt,dtb}).
 */
import { readFdt } from "../../core/fdt/fdt_reader.ts";
import { fdtAsStrings, fdtAsU32s, fdtChild, fdtProp } from "../../core/fdt/fdt_types.ts";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import { linuxDomuConfig } from "../linux/linux_domu.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import { loadGuestKernel, probeGuestInitrd } from "../../core/hyp/builder/guest_image.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { decompressImage } from "../linux/guest_files.ts";
import { buildFactsInitramfs, DOMU_DONE_MARKER } from "./domu_init.ts";
import { compareFacts, type ParityResult } from "./facts_compare.ts";
import { parseFactsLog } from "./facts_log.ts";

/** The oracle's captures. */
export const XEN417_FIXTURES = new URL("../../tests/fixtures/xen417/", import.meta.url).pathname;

/** Guest cycles after which a run that never printed the done marker gives up (~1e9 needed). */
const MAX_CYCLES = 8e9;

/** What the oracle's domU was given, read from the blob it received. */
export interface OracleDomu {
  /** /chosen bootargs. */
  bootargs: string;
  /** linux,initrd-end - linux,initrd-start: the oracle's initramfs length. */
  initrdSize: number;
}

/** The bootargs and initrd length of the oracle's domU blob `dtb`. */
export function oracleDomu(dtb: Uint8Array): OracleDomu {
  const chosen = fdtChild(readFdt(dtb).root, "chosen");
  const prop = (name: string) => {
    const v = chosen && fdtProp(chosen, name);
    if (!v) throw new Error(`oracle blob: /chosen has no ${name}`);
    return v;
  };
  const cells = (name: string) => fdtAsU32s(prop(name), name).reduce((a, c) => a * 2 ** 32 + c);
  return {
    bootargs: fdtAsStrings(prop("bootargs"), "bootargs")[0],
    initrdSize: cells("linux,initrd-end") - cells("linux,initrd-start"),
  };
}

/** The hvlab domain configuration matching the oracle's dom0less domU. */
export function parityDomainConfig(gic: "v2" | "v3", bootargs: string): DomainConfig {
  return linuxDomuConfig({ name: "domU1", cmdline: bootargs, vuart: "sbsa_uart", gicVersion: gic });
}

/** The outcome of `runParity`. */
export type ParityRun =
  | { status: "compared"; gic: "v2" | "v3"; result: ParityResult; console: string; stop: string }
  /** hvlab cannot build this configuration yet (e.g. the GICv3 vGIC is not wired). */
  | { status: "not-comparable"; gic: "v2" | "v3"; reason: string };

/** Options of `runParity`. */
export interface ParityOptions {
  gic: "v2" | "v3";
  /** Debian's vmlinuz and busybox (tools/linux/guest_files.ts findLinuxFiles()). */
  files: { vmlinuz: string; busybox: string };
  /** Called with every console chunk (e.g. to echo it). */
  onConsole?: (bytes: Uint8Array) => void;
}

/**
 * Boots and compares. Throws when the guest never prints a complete facts dump (the message
 * carries the console's tail), since nothing can be compared then.
 */
export async function runParity(opts: ParityOptions): Promise<ParityRun> {
  const g = opts.gic === "v2" ? 2 : 3;
  const xenText = await Deno.readTextFile(`${XEN417_FIXTURES}gic${g}.domu1.txt`);
  const xenDtb = await Deno.readFile(`${XEN417_FIXTURES}gic${g}.domu1.dtb`);
  const oracle = oracleDomu(xenDtb);
  const kernel = await loadGuestKernel(
    opts.files.vmlinuz,
    await decompressImage(await Deno.readFile(opts.files.vmlinuz)),
    "auto",
  );
  const initrd = probeGuestInitrd(
    "facts.cpio.gz",
    buildFactsInitramfs(await Deno.readFile(opts.files.busybox), oracle.initrdSize),
  );
  // The oracle ran Xen on two physical CPUs.
  const hv = new Hypervisor({ pcpus: 2 });
  let built;
  try {
    built = buildDomain(hv, parityDomainConfig(opts.gic, oracle.bootargs), { kernel, initrd });
  } catch (e) {
    if (opts.gic === "v3") {
      return { status: "not-comparable", gic: opts.gic, reason: (e as Error).message };
    }
    throw e;
  }
  const sink = hv.console(built.domain.id);
  if (opts.onConsole) sink.listeners.push(opts.onConsole);
  const stop = hv.run({ maxCycles: MAX_CYCLES, until: () => sink.text.includes(DOMU_DONE_MARKER) });
  const text = sink.text;
  let hvlab;
  try {
    hvlab = parseFactsLog(text);
  } catch (e) {
    throw new Error(
      `hvlab's domU printed no complete facts dump (run stopped: ${stop.reason} after ` +
        `${stop.cycles} cycles): ${(e as Error).message}\n--- console tail:\n${text.slice(-2000)}`,
    );
  }
  return {
    status: "compared",
    gic: opts.gic,
    result: compareFacts(parseFactsLog(xenText), hvlab, xenDtb),
    console: text,
    stop: stop.reason,
  };
}
