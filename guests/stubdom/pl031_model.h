/*
 * The PL031 real-time clock the stub domain serves: the same device as hvlab's
 * core/devices/pl031.ts (and QEMU's pl031.c). RTCDR is `offset + now_s` (mod 2^32) for the
 * system time the caller passes in; RTCMR's match is a deadline (`alarm_s`) the caller waits
 * for and reports with pl031_tick(). 32-bit accesses only, as the reference (others RAZ/WI).
 */
#ifndef STUBDOM_PL031_MODEL_H
#define STUBDOM_PL031_MODEL_H
#include <stdint.h>

struct pl031 {
	uint32_t offset; /* RTCDR minus the whole seconds of system time (mod 2^32) */
	uint32_t mr, lr, imsc, ris;
	int alarm_set;   /* a match is pending at the start of second alarm_s */
	uint64_t alarm_s;
	int level;       /* the interrupt output as last reported */
	void (*irq)(int level);
	/* Accesses that are not a 4-byte access to a register (counted, RAZ/WI). */
	uint32_t bad_accesses;
};

/* A fresh RTC whose counter reads `base` at system time 0. */
void pl031_reset(struct pl031 *r, uint32_t base);
/* Register accesses at system time `now_ns`; a match already due is raised first. */
uint32_t pl031_read(struct pl031 *r, uint32_t offset, uint32_t size, uint64_t now_ns);
void pl031_write(struct pl031 *r, uint32_t offset, uint32_t size, uint32_t value, uint64_t now_ns);
/* Raises the match interrupt if its second has come by `now_ns`. */
void pl031_tick(struct pl031 *r, uint64_t now_ns);
/* System time (ns) at which the match is due, or 0 when none is pending. */
uint64_t pl031_next_event_ns(const struct pl031 *r);
#endif
