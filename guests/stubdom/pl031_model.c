/* PL031 registers (see pl031_model.h): offsets, IDs and match rules as hvlab's pl031.ts. */
#include "pl031_model.h"

#define NS_PER_S 1000000000ull
#define RTCDR 0x00
#define RTCMR 0x04
#define RTCLR 0x08
#define RTCCR 0x0c
#define RTCIMSC 0x10
#define RTCRIS 0x14
#define RTCMIS 0x18
#define RTCICR 0x1c
#define ID_BASE 0xfe0

/* PeriphID 0x00141031 and PCellID 0xb105f00d, one byte per register from 0xfe0. */
static const uint8_t id_bytes[8] = {0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static uint32_t count(const struct pl031 *r, uint64_t now_ns) {
	return r->offset + (uint32_t)(now_ns / NS_PER_S);
}

static void update(struct pl031 *r) {
	int level = (r->ris & r->imsc) != 0;
	if (level != r->level) {
		r->level = level;
		r->irq(level);
	}
}

/*
 * After RTCMR or RTCLR changed: a match equal to the count fires at once (as QEMU); otherwise at
 * the start of the second in which the counter, counting up and wrapping, reaches RTCMR.
 */
static void arm_alarm(struct pl031 *r, uint64_t now_ns) {
	uint32_t ticks = r->mr - count(r, now_ns);
	if (ticks == 0) {
		r->alarm_set = 0;
		r->ris = 1;
		update(r);
		return;
	}
	r->alarm_set = 1;
	r->alarm_s = now_ns / NS_PER_S + ticks;
}

void pl031_reset(struct pl031 *r, uint32_t base) {
	r->offset = base;
	r->mr = r->lr = r->imsc = r->ris = 0;
	r->alarm_set = 0;
	r->alarm_s = 0;
	r->level = 0;
}

void pl031_tick(struct pl031 *r, uint64_t now_ns) {
	if (r->alarm_set && now_ns / NS_PER_S >= r->alarm_s) {
		r->alarm_set = 0;
		r->ris = 1;
		update(r);
	}
}

uint64_t pl031_next_event_ns(const struct pl031 *r) {
	return r->alarm_set ? r->alarm_s * NS_PER_S : 0;
}

/* Only aligned 32-bit accesses reach a register. */
static int plain(struct pl031 *r, uint32_t offset, uint32_t size) {
	if (size == 4 && (offset & 3) == 0 && offset < 0x1000) return 1;
	r->bad_accesses++;
	return 0;
}

uint32_t pl031_read(struct pl031 *r, uint32_t offset, uint32_t size, uint64_t now_ns) {
	pl031_tick(r, now_ns);
	if (!plain(r, offset, size)) return 0;
	switch (offset) {
	case RTCDR: return count(r, now_ns);
	case RTCMR: return r->mr;
	case RTCLR: return r->lr;
	case RTCCR: return 1; /* RTCEN: the counter runs from reset and cannot be stopped */
	case RTCIMSC: return r->imsc;
	case RTCRIS: return r->ris;
	case RTCMIS: return r->ris & r->imsc;
	}
	if (offset >= ID_BASE) return id_bytes[(offset - ID_BASE) / 4];
	return 0; /* RTCICR is write-only; the rest is reserved */
}

void pl031_write(struct pl031 *r, uint32_t offset, uint32_t size, uint32_t value, uint64_t now_ns) {
	pl031_tick(r, now_ns);
	if (!plain(r, offset, size)) return;
	switch (offset) {
	case RTCMR:
		r->mr = value;
		arm_alarm(r, now_ns);
		break;
	case RTCLR:
		r->lr = value;
		r->offset += value - count(r, now_ns);
		arm_alarm(r, now_ns);
		break;
	case RTCIMSC:
		r->imsc = value & 1;
		update(r);
		break;
	case RTCICR:
		r->ris &= ~value & 1;
		update(r);
		break;
	}
}
