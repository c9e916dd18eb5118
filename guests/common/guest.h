/* Minimal runtime for hvlab's bare-metal test guests: PL011 output, printf, PSCI, sysregs. */
#ifndef GUEST_H
#define GUEST_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define UART_BASE 0x09000000UL
#define GICD_BASE 0x08000000UL
#define GICC_BASE 0x08010000UL

#define READ_SYSREG(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define WRITE_SYSREG(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")
#define ISB() __asm__ volatile("isb" ::: "memory")
#define DSB() __asm__ volatile("dsb sy" ::: "memory")

static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t mmio_read32(uintptr_t a) { return *(volatile uint32_t *)a; }

void putc_uart(char c);
void puts_uart(const char *s);
int printf(const char *fmt, ...);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...);
void psci_system_off(void) __attribute__((noreturn));
uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
void unexpected_exception(uint64_t index) __attribute__((noreturn));
/* FNV-1a over bytes, for compact checksums of big results. */
uint32_t fnv1a(const void *p, size_t n, uint32_t h);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
