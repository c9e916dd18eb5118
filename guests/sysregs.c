/*
 * System register guest: writes all ones (then zero) to the EL1 registers Linux programs and
 * prints what reads back, so writable bits and RES0/RES1 handling are compared with QEMU; then
 * the identification registers hvlab and QEMU's Cortex-A57 must agree on.
 *
 * Left out because QEMU 7.2 keeps bits the Arm ARM makes RES0 (hvlab reads them as zero):
 * VBAR_EL1[10:5], CNTKCTL_EL1[63:10], MDSCR_EL1, DBGBVR/DBGBCR/DBGWCR reserved fields; and
 * MDCCINT_EL1, which QEMU does not keep. ID_AA64ISAR0 differs on purpose: no AES/SHA here.
 */
#include "guest.h"

#define ROUND(r)                                                              \
	do {                                                                  \
		uint64_t old_ = READ_SYSREG(r);                               \
		WRITE_SYSREG(r, ~0UL);                                        \
		uint64_t ones_ = READ_SYSREG(r);                              \
		WRITE_SYSREG(r, 0);                                           \
		uint64_t zero_ = READ_SYSREG(r);                              \
		WRITE_SYSREG(r, old_);                                        \
		printf("%-16s ones %016lx zero %016lx\n", #r, ones_, zero_); \
	} while (0)

int main(void) {
	printf("sysregs guest\n");
	ROUND(ttbr0_el1);
	ROUND(ttbr1_el1);
	ROUND(mair_el1);
	ROUND(contextidr_el1);
	ROUND(tpidr_el1);
	ROUND(tpidr_el0);
	ROUND(tpidrro_el0);
	ROUND(elr_el1);
	ROUND(far_el1);
	ROUND(par_el1);
	ROUND(sp_el0);
	ROUND(csselr_el1);
	ROUND(osdlr_el1);
	ROUND(dbgwvr0_el1);
	ROUND(cntv_cval_el0);
	ROUND(cntp_cval_el0);
	printf("midr %lx mpidr %lx revidr %lx ctr %lx dczid %lx clidr %lx\n", READ_SYSREG(midr_el1),
	       READ_SYSREG(mpidr_el1), READ_SYSREG(revidr_el1), READ_SYSREG(ctr_el0), READ_SYSREG(dczid_el0),
	       READ_SYSREG(clidr_el1));
	for (uint64_t sel = 0; sel < 3; sel++) {
		WRITE_SYSREG(csselr_el1, sel);
		__asm__ volatile("isb");
		printf("ccsidr[%lu] %lx\n", sel, READ_SYSREG(ccsidr_el1));
	}
	printf("isar0.crc32 %lx isar1 %lx mmfr1 %lx mmfr2 %lx pfr1 %lx\n", (READ_SYSREG(id_aa64isar0_el1) >> 16) & 0xf,
	       READ_SYSREG(id_aa64isar1_el1), READ_SYSREG(id_aa64mmfr1_el1), READ_SYSREG(id_aa64mmfr2_el1),
	       READ_SYSREG(id_aa64pfr1_el1));
	printf("sysregs done\n");
	return 0;
}
