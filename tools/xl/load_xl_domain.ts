/**
 * From an xl.cfg path to a built domain: read and parse the file, turn it into a DomainConfig
 * (kernel and ramdisk paths relative to the file's directory, as `xl create` users expect), load
 * and validate the kernel and initrd, and build the domain. Every user-caused failure becomes an
 * XlSetupError with one line naming the file and the problem.
 */
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import {
  type GuestFileReader,
  type GuestInitrd,
  type GuestKernel,
  loadGuestImages,
} from "../../core/hyp/builder/guest_image.ts";
import { parseXlCfg } from "../../core/hyp/builder/xl_cfg.ts";
import { domainConfigFromXl } from "../../core/hyp/builder/xl_domain_config.ts";
import { XlSetupError } from "./setup_error.ts";

/** A domain ready to build: its configuration and validated boot images. */
export interface XlDomainSpec {
  /** The xl.cfg path it came from (for messages). */
  source: string;
  config: DomainConfig;
  images: { kernel: GuestKernel; initrd?: GuestInitrd };
}

/** Reads a host file, turning Deno's errors into short reasons ("file not found"). */
export const readHostFile: GuestFileReader = async (path) => {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error("file not found");
    if (e instanceof Deno.errors.PermissionDenied) throw new Error("permission denied");
    if (e instanceof Deno.errors.IsADirectory) throw new Error("is a directory");
    throw e;
  }
};

/** The directory part of `path` ("." for a bare file name). */
function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Reads, parses and converts the xl.cfg at `path` and loads its kernel and ramdisk. */
export async function loadXlDomain(
  path: string,
  read: GuestFileReader = readHostFile,
): Promise<XlDomainSpec> {
  let bytes: Uint8Array;
  try {
    bytes = await read(path);
  } catch (e) {
    throw new XlSetupError(`${path}: cannot read (${messageOf(e)})`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new XlSetupError(`${path}: not a text file (invalid UTF-8); expected an xl.cfg`);
  }
  let config: DomainConfig;
  try {
    config = domainConfigFromXl(parseXlCfg(text, path), dirOf(path));
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    // parseXlCfg and domainConfigFromXl already start their messages with the file name.
    throw new XlSetupError(e.message);
  }
  try {
    return { source: path, config, images: await loadGuestImages(config, read) };
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    throw new XlSetupError(`${path}: ${e.message}`);
  }
}

/** Builds `spec`'s domain on `hv`; a layout that does not fit becomes an XlSetupError. */
export function buildXlDomain(hv: Hypervisor, spec: XlDomainSpec): BuiltDomain {
  try {
    return buildDomain(hv, spec.config, spec.images);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    throw new XlSetupError(
      `${spec.source}: domain "${spec.config.name}" with memory = ${spec.config.memory} MiB: ` +
        e.message,
    );
  }
}
