/** dtc (Debian's device-tree-compiler) as an oracle for FDT tests; absent dtc = tests skip. */

/** Whether `dtc` runs here. */
export function haveDtc(): boolean {
  try {
    return new Deno.Command("dtc", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Run dtc on `input`; returns stdout and stderr, throws with dtc's stderr on failure. */
export function dtcRun(args: string[], input: Uint8Array): { out: Uint8Array; err: string } {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab-dtc-" });
  try {
    Deno.writeFileSync(`${dir}/in`, input);
    const r = new Deno.Command("dtc", { args: [...args, `${dir}/in`] }).outputSync();
    const err = new TextDecoder().decode(r.stderr);
    if (!r.success) throw new Error(`dtc ${args.join(" ")} failed: ${err}`);
    return { out: r.stdout, err };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Run dtc quietly and return its output. */
export const dtc = (args: string[], input: Uint8Array): Uint8Array =>
  dtcRun(["-q", ...args], input).out;

/** dtc's DTS rendering of a blob. */
export const dtsOf = (blob: Uint8Array): string =>
  new TextDecoder().decode(dtc(["-I", "dtb", "-O", "dts"], blob));

/** The message tests print when dtc is missing. */
export const NO_DTC = "dtc not found, dtc checks skipped (apt-get install -y device-tree-compiler)";
