/**
 * hvlab's xl-style command line:
 *
 *   deno task hvlab create [-c] FILE [--timeout SECONDS]
 *   deno task hvlab --help | create --help
 *
 * Argument parsing and exit statuses only; the work is tools/xl/xl_create.ts.
 */
import { parseArgs } from "node:util";
import { SUPPORTED_XL_KEYS } from "../core/hyp/builder/xl_domain_config.ts";
import { HVLAB_EXIT } from "../tools/xl/exit_codes.ts";
import { XlSetupError } from "../tools/xl/setup_error.ts";
import { xlCreate } from "../tools/xl/xl_create.ts";

const SUBCOMMANDS = ["create", "help"];

const EXIT_TEXT = `Exit status:
  ${HVLAB_EXIT.poweroff}  every domain shut down with poweroff
  ${HVLAB_EXIT.crash}  a domain crashed (SCHEDOP_shutdown crash) or its kernel panicked
  ${HVLAB_EXIT.usage}  bad command line, xl.cfg, kernel, ramdisk or memory size
  ${HVLAB_EXIT.otherShutdown}  a domain shut down for another reason (reboot, watchdog, ...)
  ${HVLAB_EXIT.idleForever}  every vcpu is blocked and nothing can wake it
  ${HVLAB_EXIT.timeout}  --timeout (wall-clock seconds) ran out
  ${HVLAB_EXIT.detached}  detached from the console with Ctrl-]`;

const MAIN_HELP = `hvlab: xl-style command line for hvlab's Xen-on-Arm hypervisor

Usage:
  deno task hvlab create [-c] FILE [--timeout SECONDS]
  deno task hvlab create --help

Subcommands: ${SUBCOMMANDS.join(", ")}
`;

const CREATE_HELP = `Usage: deno task hvlab create [-c] FILE [--timeout SECONDS]

Builds the domain described by the xl.cfg FILE (kernel and ramdisk paths are relative to
FILE's directory) and runs it until it shuts down.

Options:
  -c                 attach the console: stream the guest's output to stdout; when stdin is
                     a terminal, keystrokes go to the guest and Ctrl-] detaches
  -f FILE            the xl.cfg (instead of the positional FILE)
  --timeout SECONDS  give up after this much wall-clock time
  -h, --help         this text

Supported xl.cfg keys: ${SUPPORTED_XL_KEYS.join(", ")}
on_poweroff/on_reboot/on_crash/on_watchdog: destroy or preserve; hvlab never restarts a
domain (restart, rename-restart and coredump-* destroy it).

${EXIT_TEXT}
`;

/** Prints `message` as one line on stderr and returns the usage exit status. */
function usageError(message: string): number {
  // One line: parseArgs's messages span several.
  console.error(`hvlab: ${message.replace(/\s*\n\s*/g, " ")}`);
  return HVLAB_EXIT.usage;
}

async function create(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        c: { type: "boolean", short: "c", default: false },
        f: { type: "string", short: "f" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    return usageError(`create: ${(e as Error).message} (see create --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(CREATE_HELP);
    return 0;
  }
  const files = [...(values.f !== undefined ? [values.f] : []), ...positionals];
  if (files.length === 0) return usageError("create: no xl.cfg file given (see create --help)");
  if (files.length > 1) {
    return usageError(
      `create: one xl.cfg file expected, got ${files.map((f) => JSON.stringify(f)).join(", ")} ` +
        "(xl's KEY=VALUE overrides are not supported)",
    );
  }
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!/^\s*[0-9.]+\s*$/.test(values.timeout) || !(timeoutSeconds > 0)) {
      return usageError(
        `create: --timeout ${values.timeout}: expected a positive number of seconds`,
      );
    }
  }
  try {
    const { outcome } = await xlCreate({
      configPath: files[0],
      attachConsole: values.c,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    });
    console.error(`hvlab: ${outcome.message}`);
    return outcome.exitCode;
  } catch (e) {
    if (e instanceof XlSetupError) return usageError(e.message);
    throw e;
  }
}

async function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
    if (cmd === undefined) {
      console.error(MAIN_HELP);
      return HVLAB_EXIT.usage;
    }
    console.log(MAIN_HELP);
    return 0;
  }
  if (cmd === "create") return await create(rest);
  return usageError(
    `${JSON.stringify(cmd)} is not a supported subcommand; supported: ` +
      `${SUBCOMMANDS.join(", ")} (xl's list, console, destroy, ... need a running toolstack, ` +
      "which hvlab does not keep between runs)",
  );
}

Deno.exit(await main(Deno.args));
