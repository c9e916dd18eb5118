/**
 * Architecture features by objdump mnemonic (and operands): which ID register field declares an
 * instruction, so the coverage report can tell "absent by design (ID register says so)" from
 * "a gap". hvlab's ID registers declare ARMv8.0 with CRC32 only; anything below is absent, except
 * the hint-space instructions, which an ARMv8.0 PE must execute as NOPs.
 */

import { ID_VALUES } from "../../core/cpu/sysreg/table.ts";

/** How an encoding relates to hvlab's declared features. */
export interface FeatureNote {
  /** Feature name, e.g. "FEAT_LSE". */
  feature: string;
  /** The ID register field that declares it, with hvlab's value, or "hint space ...". */
  declared: string;
  /** True when hvlab's ID registers say the feature is absent (so UNDEFINED is correct). */
  absent: boolean;
}

/** ID registers by name; those hvlab does not list read as zero (RAZ). */
type IdReg = keyof typeof ID_VALUES | "ID_AA64ISAR2_EL1";
/** [objdump text pattern, feature, ID register, field lsb, field name, minimum value]. */
const RULES: [RegExp, string, IdReg, number, string, number][] = [
  // SVE first: its operands (z/p registers) tell it from same-named AdvSIMD/FP mnemonics.
  [
    /\bza\d*[hv]?(\.[bhsdq]|\[)|^(smstart|smstop|zero \{za)/,
    "FEAT_SME",
    "ID_AA64PFR1_EL1",
    24,
    "SME",
    1,
  ],
  [
    /\b[zp]\d+(\.[bhsdq]|\/[zm])|^(ldr|str) [zp]\d+,|mul vl\]|^m(rs|sr) .*\bzcr_el1/,
    "FEAT_SVE",
    "ID_AA64PFR0_EL1",
    32,
    "SVE",
    1,
  ],
  [
    /^(casp?|swp|ld(add|clr|eor|set|smax|smin|umax|umin)|st(add|clr|eor|set|smax|smin|umax|umin))(a|al|l)?[bh]?\s/,
    "FEAT_LSE",
    "ID_AA64ISAR0_EL1",
    20,
    "Atomic",
    2,
  ],
  [
    /^(pac(i[ab]|d[ab]|iz[ab]|dz[ab]|ga)|aut(i[ab]|d[ab]|iz[ab]|dz[ab])|xpac[id]|bra[ab]z?|blra[ab]z?|reta[ab]|ereta[ab]|ldra[ab])\s/,
    "FEAT_PAuth",
    "ID_AA64ISAR1_EL1",
    4,
    "APA",
    1,
  ],
  [/^(aes[ed]|aesi?mc)\s/, "FEAT_AES", "ID_AA64ISAR0_EL1", 4, "AES", 1],
  [/^pmull2?\s.*\.1q/, "FEAT_PMULL", "ID_AA64ISAR0_EL1", 4, "AES", 2],
  [/^sha1/, "FEAT_SHA1", "ID_AA64ISAR0_EL1", 8, "SHA1", 1],
  [/^sha256/, "FEAT_SHA256", "ID_AA64ISAR0_EL1", 12, "SHA2", 1],
  [/^sha512/, "FEAT_SHA512", "ID_AA64ISAR0_EL1", 12, "SHA2", 2],
  [/^(eor3|rax1|xar|bcax)\s/, "FEAT_SHA3", "ID_AA64ISAR0_EL1", 32, "SHA3", 1],
  [/^sm3/, "FEAT_SM3", "ID_AA64ISAR0_EL1", 36, "SM3", 1],
  [/^sm4/, "FEAT_SM4", "ID_AA64ISAR0_EL1", 40, "SM4", 1],
  [/^sqrdml[as]h\s/, "FEAT_RDM", "ID_AA64ISAR0_EL1", 28, "RDM", 1],
  [/^[su]dot\s/, "FEAT_DotProd", "ID_AA64ISAR0_EL1", 44, "DP", 1],
  [/^fml[as]l2?\s/, "FEAT_FHM", "ID_AA64ISAR0_EL1", 48, "FHM", 1],
  [/^(cfinv|rmif|setf(8|16))\b/, "FEAT_FlagM", "ID_AA64ISAR0_EL1", 52, "TS", 1],
  [/^(axflag|xaflag)\b/, "FEAT_FlagM2", "ID_AA64ISAR0_EL1", 52, "TS", 2],
  [/^dc\s+cvap,/, "FEAT_DPB", "ID_AA64ISAR1_EL1", 0, "DPB", 1],
  [/^dc\s+cvadp,/, "FEAT_DPB2", "ID_AA64ISAR1_EL1", 0, "DPB", 2],
  [/^fjcvtzs\s/, "FEAT_JSCVT", "ID_AA64ISAR1_EL1", 12, "JSCVT", 1],
  [/^(fcmla|fcadd)\s/, "FEAT_FCMA", "ID_AA64ISAR1_EL1", 16, "FCMA", 1],
  [/^ldapr[bh]?\s/, "FEAT_LRCPC", "ID_AA64ISAR1_EL1", 20, "LRCPC", 1],
  [/^(ldapur|stlur)/, "FEAT_LRCPC2", "ID_AA64ISAR1_EL1", 20, "LRCPC", 2],
  [/^frint(32|64)[xz]\s/, "FEAT_FRINTTS", "ID_AA64ISAR1_EL1", 32, "FRINTTS", 1],
  [/^sb\b/, "FEAT_SB", "ID_AA64ISAR1_EL1", 36, "SB", 1],
  [/^(cfp|dvp|cpp)\s/, "FEAT_SPECRES", "ID_AA64ISAR1_EL1", 40, "SPECRES", 1],
  [/^bf(cvt|dot|mmla|mlal)/, "FEAT_BF16", "ID_AA64ISAR1_EL1", 44, "BF16", 1],
  [/^(usdot|sudot|[su]mmla|usmmla)\s/, "FEAT_I8MM", "ID_AA64ISAR1_EL1", 52, "I8MM", 1],
  [
    /^(irg|gmi|addg|subg|stz?2?g|ldg|stgp|ldgm|stz?gm|subps?)\s/,
    "FEAT_MTE",
    "ID_AA64PFR1_EL1",
    8,
    "MTE",
    1,
  ],
  [
    /^(cnt|inc|dec|sqinc|sqdec|uqinc|uqdec)[bhwd]\s|^(addvl|addpl|rdvl)\s/,
    "FEAT_SVE",
    "ID_AA64PFR0_EL1",
    32,
    "SVE",
    1,
  ],
  [
    /^dc\s+c?i?g(d)?(va|vac|vap|vadp|sw|zva)\b|^dc\s+gzva/,
    "FEAT_MTE",
    "ID_AA64PFR1_EL1",
    8,
    "MTE",
    2,
  ],
  [
    /^(umax|umin|smax|smin) [wx]\d+, [wx](\d+|zr), (#|[wx])|^(abs|cnt|ctz) [wx]/,
    "FEAT_CSSC",
    "ID_AA64ISAR2_EL1",
    52,
    "CSSC",
    1,
  ],
  // System registers and operations of absent features.
  [/^m(rs|sr) .*\bicc_/, "FEAT_GICv3 (system registers)", "ID_AA64PFR0_EL1", 24, "GIC", 1],
  [
    /^m(rs|sr) .*\bap[id][ab]key|^m(rs|sr) .*\bapgakey/,
    "FEAT_PAuth",
    "ID_AA64ISAR1_EL1",
    4,
    "APA",
    1,
  ],
  [
    /^m(rs|sr) .*\b(disr_el1|err[a-z]*_el1|erx[a-z0-9]*_el1)\b/,
    "FEAT_RAS",
    "ID_AA64PFR0_EL1",
    28,
    "RAS",
    1,
  ],
  [/^mrs .*\brndr(rs)?\b/, "FEAT_RNG", "ID_AA64ISAR0_EL1", 60, "RNDR", 1],
  [/^m(rs|sr) .*\blor[a-z]+_el1\b/, "FEAT_LOR", "ID_AA64MMFR1_EL1", 16, "LO", 1],
  [/^m(rs|sr) .*\btrfcr_el1\b/, "FEAT_TRF", "ID_AA64DFR0_EL1", 40, "TraceFilt", 1],
  [/^mrs .*\bsmidr_el1\b/, "FEAT_SME", "ID_AA64PFR1_EL1", 24, "SME", 1],
  [/^(wfet|wfit)\s/, "FEAT_WFxT", "ID_AA64ISAR2_EL1", 0, "WFxT", 2],
  [
    /^m(rs|sr) .*\b(tco|tfsre0_el1|tfsr_el1|gcr_el1|rgsr_el1|gmid_el1)\b/,
    "FEAT_MTE",
    "ID_AA64PFR1_EL1",
    8,
    "MTE",
    2,
  ],
  [/^msr pan\b/, "FEAT_PAN", "ID_AA64MMFR1_EL1", 20, "PAN", 1],
  [/^msr uao\b/, "FEAT_UAO", "ID_AA64MMFR2_EL1", 4, "UAO", 1],
  [/^m(rs|sr) .*\bdit\b/, "FEAT_DIT", "ID_AA64PFR0_EL1", 48, "DIT", 1],
  [/^m(rs|sr) .*\bssbs\b/, "FEAT_SSBS", "ID_AA64PFR1_EL1", 4, "SSBS", 1],
  [/^m(rs|sr) .*\bpm(b|s)[a-z]+_el1\b/, "FEAT_SPE", "ID_AA64DFR0_EL1", 32, "PMSVer", 1],
  [/^m(rs|sr) .*\btrb[a-z]+_el1\b/, "FEAT_TRBE", "ID_AA64DFR0_EL1", 44, "TraceBuffer", 1],
  [/^m(rs|sr) .*\bpm[a-z0-9]+_el[01]\b/, "PMU", "ID_AA64DFR0_EL1", 8, "PMUVer", 1],
  [/^m(rs|sr) .*\bam[a-z0-9]+_el0\b/, "FEAT_AMU", "ID_AA64PFR0_EL1", 44, "AMU", 1],
  [/^m(rs|sr) .*\bcnt[vp]ctss_el0\b/, "FEAT_ECV", "ID_AA64MMFR0_EL1", 60, "ECV", 1],
  [/^tlbi r/, "FEAT_TLBIRANGE", "ID_AA64ISAR0_EL1", 56, "TLB", 2],
  [/^tlbi [a-z0-9]*os\b/, "FEAT_TLBIOS", "ID_AA64ISAR0_EL1", 56, "TLB", 1],
  [/^m(rs|sr) .*_el12\b|^m(rs|sr) .*_el02\b/, "FEAT_VHE", "ID_AA64MMFR1_EL1", 8, "VH", 1],
  [/^(ldlar|stllr)[bh]?\s/, "FEAT_LOR", "ID_AA64MMFR1_EL1", 16, "LO", 1],
  [/^bc\./, "FEAT_HBC", "ID_AA64ISAR2_EL1", 20, "BC", 1],
  [/^(cpyf?|setg?)[pme]\w*\s/, "FEAT_MOPS", "ID_AA64ISAR2_EL1", 16, "MOPS", 1],
];

// Hint-space instructions (PAC/BTI/...): defined as NOPs on a PE without the feature.
const HINTS =
  /^(paci[ab](sp|z|1716)|auti[ab](sp|z|1716)|xpaclri|bti|esb|psb|tsb|csdb|dgh|clrbhb|hint)\b/;

// FP16: an FP mnemonic with half-precision operands (FCVT/FCVTL/FCVTN to/from half are v8.0).
const FP16 = /^f(?!cvt\s|cvtl2?\s|cvtn2?\s)[a-z0-9]*\s.*(\bh\d+\b|\.[48]h\b)/;

const idField = (reg: IdReg, lsb: number) =>
  Number((((ID_VALUES as Record<string, bigint>)[reg] ?? 0n) >> BigInt(lsb)) & 0xfn);

/** The feature note for an objdump text (mnemonic + operands), or undefined for base ARMv8.0. */
export function featureOf(text: string): FeatureNote | undefined {
  if (HINTS.test(text)) {
    return { feature: "hint space", declared: "hint space (must execute as a NOP)", absent: false };
  }
  const dbg = /^m(rs|sr) .*\bdbg([bw])[cv]r(\d+)_el1\b/.exec(text);
  if (dbg) {
    // Breakpoint/watchpoint registers beyond the counts ID_AA64DFR0_EL1 declares.
    const [lsb, name] = dbg[2] === "b" ? [12, "BRPs"] : [20, "WRPs"];
    const v = idField("ID_AA64DFR0_EL1", lsb);
    return {
      feature: `debug ${dbg[2] === "b" ? "breakpoint" : "watchpoint"} ${dbg[3]}`,
      declared: `ID_AA64DFR0_EL1.${name} = ${v}`,
      absent: Number(dbg[3]) > v,
    };
  }
  if (
    /^(m(rs|sr) .*(_el2|\bsp_el1|\bspsr_(abt|und|irq|fiq))\b|tlbi ([a-z0-9]*e2|ipas2|vmalls12|alle1)|at s1e2|at s12)/
      .test(
        text,
      )
  ) {
    // hvlab's guests run at EL1 and below; EL2 is the TypeScript hypervisor.
    return {
      feature: "EL2 register/operation",
      declared: "UNDEFINED at EL1 and EL0",
      absent: true,
    };
  }
  for (const [re, feature, reg, lsb, name, min] of RULES) {
    if (!re.test(text + " ")) continue;
    const v = idField(reg, lsb);
    return { feature, declared: `${reg}.${name} = ${v}`, absent: v < min };
  }
  if (FP16.test(text)) {
    const v = idField("ID_AA64PFR0_EL1", 16);
    return { feature: "FEAT_FP16", declared: `ID_AA64PFR0_EL1.FP = ${v}`, absent: v !== 1 };
  }
  return undefined;
}
