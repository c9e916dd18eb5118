/*
 * A device model in a stub domain: a bare-metal AArch64 domain that serves one target domain's
 * SBSA UART (0x22000000, SPI 32) and, when asked, its PL031 RTC (0x22001000, SPI 44) and its two
 * CFI flash banks (0x08000000, 2 x 64 MiB) through Xen's ioreq-server ABI, sending what the target
 * transmits to its own PV console. The kernel command line (/chosen/bootargs), as the toolstack
 * that builds it writes it, says what to serve: "target=<domid>" always; "uart=0" leaves the
 * UART out; "flash=1" adds the flash; "rtc=1" adds the RTC, which then needs
 * "rtc_base=<s>" (RTCDR at system time 0) and "rtc_cntoff=<ticks>" (the system counter when our
 * virtual counter read 0, i.e. our CNTVOFF: Xen starts a domain's virtual counter at its
 * creation). System time is then (CNTVCT + rtc_cntoff) / CNTFRQ, the time base Xen's NOW() and
 * SCHEDOP_poll's timeout use, so the RTC counts as the hypervisor's own PL031 would.
 *
 * Set-up, each step a real hypercall (a failure is reported on the console, then the domain
 * crashes): map shared_info and mask every event port (we wait with SCHEDOP_poll, never with
 * upcalls: no interrupt handler to get wrong); read the console ring and port from HVM params;
 * dm_op nr_vcpus, create_ioreq_server (no buffered ioreqs), XENMEM_acquire_resource of the
 * server's ioreq page into our physmap, get_ioreq_server_info, map_io_range_to_ioreq_server,
 * set_ioreq_server_state(1); then bind each vcpu's vp_eport (Xen writes them into the page when
 * the server is enabled) with EVTCHNOP_bind_interdomain.
 *
 * Loop: clear our ports' pending bits, move typed console input into the receive FIFO, answer
 * every slot in STATE_IOREQ_READY (IORESP_READY, then EVTCHNOP_send on the vcpu's port), raise a
 * due RTC match, and SCHEDOP_poll on the ports, with the RTC match's time as the poll's timeout
 * (so the match is raised in its second even when the target is idle). Clearing before scanning
 * means an event that races the clearing is never lost: its request is seen by the scan that
 * follows.
 */
#include "boot_args.h"
#include "cfi_flash_model.h"
#include "guest.h"
#include "pl011_model.h"
#include "pl031_model.h"
#include "xen_abi.h"

#define PL011_BASE 0x22000000UL /* GUEST_PL011_BASE */
#define PL011_SIZE 0x1000UL
#define PL011_SPI 32 /* GUEST_VPL011_SPI */
#define PL031_BASE 0x22001000UL /* GUEST_PL031_BASE */
#define PL031_SIZE 0x1000UL
#define PL031_SPI 44 /* GUEST_PL031_SPI */
#define FLASH_BASE 0x08000000UL /* GUEST_FLASH_BASE: bank 0, then bank 1 */
#define FLASH_SIZE (2UL * CFI_BANK_SIZE)
#define MAX_VCPUS 8  /* one ioreq page holds 128 slots; a small fixed table is enough here */
/*
 * Where Xen's pages go in our physmap: the guest ACPI window (0x20000000), which a domain without
 * ACPI leaves empty, well away from our RAM, magic pages and grant window.
 */
#define SHARED_INFO_GFN 0x20000UL
#define IOREQ_GFN 0x20001UL
#define PAGE_SHIFT 12

static volatile struct shared_info *const si = (void *)(SHARED_INFO_GFN << PAGE_SHIFT);
static volatile struct ioreq *const iopage = (void *)(IOREQ_GFN << PAGE_SHIFT);
static volatile struct xencons_interface *cons;
static uint32_t cons_port;
static uint32_t cons_unsent; /* bytes put in the ring since the last notification */

static uint16_t target;
static uint16_t server;
static uint32_t nr_vcpus;
/* Our ports: one per target vcpu (index = vcpu id), then the console's. */
static uint32_t ports[MAX_VCPUS + 1];
static uint32_t nr_ports;

static struct pl011 uart;
static struct pl031 rtc;
static struct cfi_flash flash[2];
static int have_uart, have_rtc, have_flash;
static uint64_t rtc_cntoff; /* the system counter when our virtual counter read 0 */
/* Counters a debugger or test may read by symbol. */
volatile uint64_t requests_served, irq_changes, bad_requests;

static void evtchn_send(uint32_t port) {
	struct evtchn_send s = {.port = port};
	xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)&s, 0, 0);
}

/* Waits for an event on one of the ports, or until system time `timeout` (ns; 0: no limit). */
static void poll_ports(const uint32_t *p, uint32_t n, uint64_t timeout) {
	struct sched_poll sp = {.ports = (uint64_t)p, .nr_ports = n, .timeout = timeout};
	xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&sp, 0, 0);
}

/* Our ports are masked: an event only sets the port's pending bit, which we clear here. */
static void clear_port(uint32_t p) {
	__atomic_fetch_and(&si->evtchn_pending[p / 64], ~(1UL << (p % 64)), __ATOMIC_SEQ_CST);
}

static void console_flush(void) {
	if (cons_unsent == 0) return;
	cons_unsent = 0;
	evtchn_send(cons_port);
}

/* One byte on our PV console; a full ring is handed to the back end and waited for. */
static void console_putc(char c) {
	while (cons->out_prod - cons->out_cons >= sizeof cons->out) {
		clear_port(cons_port); /* so the poll below waits for the back end's next event */
		cons_unsent = 1;
		console_flush();
		if (cons->out_prod - cons->out_cons >= sizeof cons->out) poll_ports(&cons_port, 1, 0);
	}
	cons->out[cons->out_prod % sizeof cons->out] = c;
	__asm__ volatile("dmb ish" ::: "memory"); /* the byte before the index that publishes it */
	cons->out_prod++;
	cons_unsent++;
}

static void console_puts(const char *s) {
	while (*s) console_putc(*s++);
	console_flush();
}

static void say(const char *fmt, ...) {
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (cons) console_puts(buf);
}

static void __attribute__((noreturn)) crash(void) {
	struct sched_shutdown s = {.reason = SHUTDOWN_crash};
	for (;;) xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&s, 0, 0);
}

static void check(long rc, const char *what) {
	if (rc == 0) return;
	say("pl011 stubdom: %s failed: %ld\n", what, rc);
	crash();
}

void __attribute__((noreturn)) stubdom_fault(uint64_t index, uint64_t esr, uint64_t elr) {
	say("pl011 stubdom: exception %lu esr=%lx elr=%lx\n", index, esr, elr);
	crash();
}

static struct xen_dm_op dmop;

/* dm_op on the target with the sub-op `op` whose argument the caller put in dmop.u. */
static long dm_op(uint32_t op) {
	struct xen_dm_op_buf buf = {.h = (uint64_t)&dmop, .size = sizeof dmop};
	dmop.op = op;
	dmop.pad = 0;
	return xen_hypercall(__HYPERVISOR_dm_op, target, 1, (uint64_t)&buf, 0);
}

static void dm_clear(void) { memset(&dmop, 0, sizeof dmop); }

/* The target's interrupt lines follow the devices' outputs (Xen 4.17 acts on rising levels). */
static void set_irq_level(uint32_t spi, int level) {
	dm_clear();
	dmop.u.set_irq_level.irq = spi;
	dmop.u.set_irq_level.level = (uint8_t)level;
	check(dm_op(XEN_DMOP_set_irq_level), "set_irq_level");
	irq_changes++;
}

static void uart_irq(int level) { set_irq_level(PL011_SPI, level); }
static void rtc_irq(int level) { set_irq_level(PL031_SPI, level); }

/* System time in ns: our virtual counter plus its offset, in CNTFRQ ticks (split: no overflow). */
static uint64_t now_ns(void) {
	uint64_t cnt, frq;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(cnt));
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
	cnt += rtc_cntoff;
	return cnt / frq * 1000000000ull + cnt % frq * 1000000000ull / frq;
}

static void uart_tx(uint8_t byte) { console_putc((char)byte); }

static uint64_t hvm_param(uint32_t index) {
	struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
	check(xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p, 0, 0), "get_param");
	return p.value;
}

static void map_shared_info(void) {
	struct xen_add_to_physmap x = {
	    .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = SHARED_INFO_GFN};
	check(xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&x, 0, 0),
	      "add_to_physmap(shared_info)");
	/* Every port masked: events only set pending bits, which SCHEDOP_poll watches. */
	for (int i = 0; i < 64; i++) si->evtchn_mask[i] = ~0UL;
	si->vcpu_info[0].evtchn_pending_sel = 0;
	si->vcpu_info[0].evtchn_upcall_pending = 0;
}

static void map_range(uint64_t base, uint64_t size) {
	dm_clear();
	dmop.u.map_io_range_to_ioreq_server.id = server;
	dmop.u.map_io_range_to_ioreq_server.type = XEN_DMOP_IO_RANGE_MEMORY;
	dmop.u.map_io_range_to_ioreq_server.start = base;
	dmop.u.map_io_range_to_ioreq_server.end = base + size - 1;
	check(dm_op(XEN_DMOP_map_io_range_to_ioreq_server), "dm_op map_io_range_to_ioreq_server");
}

static void setup_server(void) {
	dm_clear();
	check(dm_op(XEN_DMOP_nr_vcpus), "dm_op nr_vcpus");
	nr_vcpus = dmop.u.nr_vcpus.vcpus;
	if (nr_vcpus == 0 || nr_vcpus > MAX_VCPUS) {
		say("pl011 stubdom: target has %u vcpus (at most %u)\n", nr_vcpus, MAX_VCPUS);
		crash();
	}

	dm_clear();
	dmop.u.create_ioreq_server.handle_bufioreq = HVM_IOREQSRV_BUFIOREQ_OFF;
	check(dm_op(XEN_DMOP_create_ioreq_server), "dm_op create_ioreq_server");
	server = dmop.u.create_ioreq_server.id;

	static uint64_t gfn_list[1] = {IOREQ_GFN};
	struct xen_mem_acquire_resource ar = {
	    .domid = target,
	    .type = XENMEM_resource_ioreq_server,
	    .id = server,
	    .nr_frames = 1,
	    .frame = XENMEM_resource_ioreq_server_frame_ioreq(0),
	    .frame_list = (uint64_t)gfn_list,
	};
	check(xen_hypercall(__HYPERVISOR_memory_op, XENMEM_acquire_resource, (uint64_t)&ar, 0, 0),
	      "acquire_resource");

	/* ARM has no legacy ioreq gfns: the call only confirms the server (no buffered port). */
	dm_clear();
	dmop.u.get_ioreq_server_info.id = server;
	dmop.u.get_ioreq_server_info.flags = XEN_DMOP_no_gfns;
	check(dm_op(XEN_DMOP_get_ioreq_server_info), "dm_op get_ioreq_server_info");

	if (have_uart) map_range(PL011_BASE, PL011_SIZE);
	if (have_rtc) map_range(PL031_BASE, PL031_SIZE);
	if (have_flash) map_range(FLASH_BASE, FLASH_SIZE);

	dm_clear();
	dmop.u.set_ioreq_server_state.id = server;
	dmop.u.set_ioreq_server_state.enabled = 1;
	check(dm_op(XEN_DMOP_set_ioreq_server_state), "dm_op set_ioreq_server_state");

	for (uint32_t v = 0; v < nr_vcpus; v++) {
		struct evtchn_bind_interdomain b = {.remote_dom = target, .remote_port = iopage[v].vp_eport};
		check(xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain, (uint64_t)&b,
		                    0, 0),
		      "bind_interdomain");
		ports[v] = b.local_port;
	}
	ports[nr_vcpus] = cons_port;
	nr_ports = nr_vcpus + 1;
}

static void clear_pending(void) {
	for (uint32_t i = 0; i < nr_ports; i++) clear_port(ports[i]);
}

/* Typed input on our console goes into the UART's receive FIFO as far as it has room. */
static void feed_input(void) {
	if (!have_uart) return;
	int took = 0;
	while (cons->in_cons != cons->in_prod && pl011_rx_space(&uart) > 0) {
		__asm__ volatile("dmb ish" ::: "memory");
		pl011_input(&uart, (uint8_t)cons->in[cons->in_cons % sizeof cons->in]);
		cons->in_cons++;
		took = 1;
	}
	if (took) evtchn_send(cons_port); /* the back end may refill the ring */
}

/* Answers vcpu `v`'s request: emulate the access, IORESP_READY, then the event. */
static void serve(uint32_t v) {
	volatile struct ioreq *r = &iopage[v];
	__asm__ volatile("dmb ish" ::: "memory"); /* read the request after seeing READY */
	uint64_t uoff = r->addr - PL011_BASE, roff = r->addr - PL031_BASE, foff = r->addr - FLASH_BASE;
	int read = IOREQ_DIR(r->flags) == IOREQ_READ;
	int is_uart = have_uart && uoff < PL011_SIZE, is_rtc = have_rtc && roff < PL031_SIZE;
	int is_flash = have_flash && foff < FLASH_SIZE;
	if (r->type != IOREQ_TYPE_COPY || (r->flags & 0x10) || r->count != 1 ||
	    !(is_uart || is_rtc || is_flash)) {
		/* Not a plain MMIO access to one of our pages: answer it unchanged (reads see their data). */
		bad_requests++;
	} else if (is_flash) {
		struct cfi_flash *bank = &flash[foff / CFI_BANK_SIZE];
		uint32_t off = (uint32_t)(foff % CFI_BANK_SIZE);
		if (read) r->data = cfi_read(bank, off, r->size);
		else cfi_write(bank, off, r->size, r->data);
	} else if (is_rtc && read) {
		r->data = pl031_read(&rtc, (uint32_t)roff, r->size, now_ns());
	} else if (is_rtc) {
		pl031_write(&rtc, (uint32_t)roff, r->size, (uint32_t)r->data, now_ns());
	} else if (read) {
		r->data = pl011_read(&uart, (uint32_t)uoff, r->size);
	} else {
		pl011_write(&uart, (uint32_t)uoff, r->size, (uint32_t)r->data);
	}
	__asm__ volatile("dmb ish" ::: "memory"); /* the data before the state that publishes it */
	r->flags = (uint8_t)((r->flags & ~0xf) | STATE_IORESP_READY);
	__asm__ volatile("dmb ish" ::: "memory");
	evtchn_send(ports[v]);
	requests_served++;
}

void stubdom_main(const void *dtb) {
	map_shared_info();
	cons = (volatile struct xencons_interface *)(hvm_param(HVM_PARAM_CONSOLE_PFN) << PAGE_SHIFT);
	cons_port = (uint32_t)hvm_param(HVM_PARAM_CONSOLE_EVTCHN);
	const char *args = fdt_bootargs(dtb);
	long t = args ? arg_value(args, "target=") : -1;
	if (t < 0 || t >= DOMID_SELF) {
		say("pl011 stubdom: no target=<domid> in bootargs \"%s\"\n", args ? args : "");
		crash();
	}
	target = (uint16_t)t;
	have_uart = arg_value(args, "uart=") != 0;
	have_rtc = arg_value(args, "rtc=") == 1;
	have_flash = arg_value(args, "flash=") == 1;
	if (have_flash) {
		cfi_reset(&flash[0]);
		cfi_reset(&flash[1]);
	}
	if (have_rtc) {
		long base = arg_value(args, "rtc_base="), cntoff = arg_value(args, "rtc_cntoff=");
		if (base < 0 || base > 0xffffffffL || cntoff < 0) {
			say("pl011 stubdom: rtc=1 needs rtc_base=<s> and rtc_cntoff=<ticks> in \"%s\"\n", args);
			crash();
		}
		rtc_cntoff = (uint64_t)cntoff;
		rtc.irq = rtc_irq;
		pl031_reset(&rtc, (uint32_t)base);
	}
	if (!have_uart && !have_rtc && !have_flash) {
		say("pl011 stubdom: nothing to serve (uart=0, no rtc=1, no flash=1)\n");
		crash();
	}
	uart.tx = uart_tx;
	uart.irq = uart_irq;
	pl011_reset(&uart);
	setup_server();
	say("pl011 stubdom: serving domain %u's %s%s%s%s%s (ioreq server %u, %u vcpus)\n", target,
	    have_uart ? "PL011" : "", have_uart && have_rtc ? " and " : "", have_rtc ? "PL031" : "",
	    (have_uart || have_rtc) && have_flash ? " and " : "", have_flash ? "flash" : "", server,
	    nr_vcpus);
	for (;;) {
		clear_pending();
		feed_input();
		for (uint32_t v = 0; v < nr_vcpus; v++) {
			if (IOREQ_STATE(iopage[v].flags) == STATE_IOREQ_READY) serve(v);
		}
		console_flush();
		uint64_t alarm = 0;
		if (have_rtc) {
			pl031_tick(&rtc, now_ns());
			alarm = pl031_next_event_ns(&rtc);
		}
		poll_ports(ports, nr_ports, alarm);
	}
}
