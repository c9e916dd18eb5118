/**
 * A problem with what the user asked for (command line, xl.cfg, kernel, ramdisk, memory size),
 * as opposed to a bug: the CLI prints its one-line message, without a stack, and exits with
 * HVLAB_EXIT.usage.
 */
export class XlSetupError extends Error {
  override name = "XlSetupError";
}
