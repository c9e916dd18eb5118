/* Interface of exceptions_vectors.S. */
#ifndef VECTORS_H
#define VECTORS_H
#include <stdint.h>

struct frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
};

extern char test_vectors[];
extern char el0_return[];
/* Implemented by the guest: handles vector slot `index` (0-15); may edit the frame. */
void on_exception(struct frame *f, uint64_t index);
/* Runs fn at EL0t on stack `sp` until a handler returns to el0_return with SPSR = EL1h. */
void run_el0(void (*fn)(void), uint64_t sp);

#define SPSR_EL1H_MASKED 0x3c5
#endif
