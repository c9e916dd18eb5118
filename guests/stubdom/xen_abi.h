/*
 * The parts of Xen 4.17's public ABI (xen/include/public: xen.h, memory.h, sched.h,
 * event_channel.h, hvm/hvm_op.h, hvm/params.h, hvm/dm_op.h, hvm/ioreq.h, io/console.h) that the
 * PL011 stub domain uses, as ARM64 lays them out (xen_ulong_t and handles are 64-bit). Our own
 * definitions, with Xen's names and values, so the guest builds without Xen's headers.
 */
#ifndef STUBDOM_XEN_ABI_H
#define STUBDOM_XEN_ABI_H
#include <stdint.h>

#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_dm_op 41

#define DOMID_SELF 0x7ff0

#define XENMEM_add_to_physmap 7
#define XENMEM_acquire_resource 28
#define XENMAPSPACE_shared_info 0
#define XENMEM_resource_ioreq_server 0
/* Frame 0 of an ioreq server is its buffered page; the synchronous page is frame 1. */
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))

#define SCHEDOP_yield 0
#define SCHEDOP_shutdown 2
#define SCHEDOP_poll 3
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_crash 3

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_send 4

#define HVMOP_get_param 1
#define HVM_PARAM_CONSOLE_PFN 17
#define HVM_PARAM_CONSOLE_EVTCHN 18

#define XEN_DMOP_create_ioreq_server 1
#define XEN_DMOP_get_ioreq_server_info 2
#define XEN_DMOP_map_io_range_to_ioreq_server 3
#define XEN_DMOP_set_ioreq_server_state 5
#define XEN_DMOP_set_irq_level 19
#define XEN_DMOP_nr_vcpus 20
#define XEN_DMOP_no_gfns 1
#define XEN_DMOP_IO_RANGE_MEMORY 1
#define HVM_IOREQSRV_BUFIOREQ_OFF 0

#define STATE_IOREQ_NONE 0
#define STATE_IOREQ_READY 1
#define STATE_IOREQ_INPROCESS 2
#define STATE_IORESP_READY 3
#define IOREQ_READ 1
#define IOREQ_TYPE_COPY 1

struct xen_add_to_physmap {
	uint16_t domid;
	uint16_t size;
	uint32_t space;
	uint64_t idx;
	uint64_t gpfn;
};

struct xen_mem_acquire_resource {
	uint16_t domid;
	uint16_t type;
	uint32_t id;
	uint32_t nr_frames;
	uint32_t pad;
	uint64_t frame;
	uint64_t frame_list; /* XEN_GUEST_HANDLE(xen_pfn_t) */
};

struct sched_poll {
	uint64_t ports; /* XEN_GUEST_HANDLE(evtchn_port_t) */
	uint32_t nr_ports;
	uint64_t timeout;
};

struct sched_shutdown {
	uint32_t reason;
};

struct evtchn_bind_interdomain {
	uint16_t remote_dom;
	uint32_t remote_port;
	uint32_t local_port;
};

struct evtchn_send {
	uint32_t port;
};

struct xen_hvm_param {
	uint16_t domid;
	uint32_t index;
	uint64_t value;
};

struct xen_dm_op_create_ioreq_server {
	uint8_t handle_bufioreq;
	uint8_t pad[3];
	uint16_t id;
};

struct xen_dm_op_get_ioreq_server_info {
	uint16_t id;
	uint16_t flags;
	uint32_t bufioreq_port;
	uint64_t ioreq_gfn;
	uint64_t bufioreq_gfn;
};

struct xen_dm_op_ioreq_server_range {
	uint16_t id;
	uint16_t pad;
	uint32_t type;
	uint64_t start, end; /* inclusive */
};

struct xen_dm_op_set_ioreq_server_state {
	uint16_t id;
	uint8_t enabled;
	uint8_t pad;
};

struct xen_dm_op_set_irq_level {
	uint32_t irq;
	uint8_t level;
	uint8_t pad[3];
};

struct xen_dm_op_nr_vcpus {
	uint32_t vcpus;
};

struct xen_dm_op {
	uint32_t op;
	uint32_t pad;
	union {
		struct xen_dm_op_create_ioreq_server create_ioreq_server;
		struct xen_dm_op_get_ioreq_server_info get_ioreq_server_info;
		struct xen_dm_op_ioreq_server_range map_io_range_to_ioreq_server;
		struct xen_dm_op_set_ioreq_server_state set_ioreq_server_state;
		struct xen_dm_op_set_irq_level set_irq_level;
		struct xen_dm_op_nr_vcpus nr_vcpus;
	} u;
};

struct xen_dm_op_buf {
	uint64_t h; /* XEN_GUEST_HANDLE(void) */
	uint64_t size;
};

/* One vcpu's synchronous I/O request (hvm/ioreq.h); byte 30 holds state:4 data_is_ptr:1 dir:1 df:1. */
struct ioreq {
	uint64_t addr;
	uint64_t data;
	uint32_t count;
	uint32_t size;
	uint32_t vp_eport;
	uint16_t _pad0;
	uint8_t flags;
	uint8_t type;
};
#define IOREQ_STATE(f) ((f) & 0xf)
#define IOREQ_DIR(f) (((f) >> 5) & 1)

/*
 * ARM's shared_info up to what we use: one legacy vcpu_info (48 bytes), then the 2-level event
 * bitmaps (the wallclock fields that follow are left out).
 */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t pad0;
	uint64_t evtchn_pending_sel;
	uint8_t time[32];
};
struct shared_info {
	struct vcpu_info vcpu_info[1];
	uint64_t evtchn_pending[64];
	uint64_t evtchn_mask[64];
};

struct xencons_interface {
	char in[1024];
	char out[2048];
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};

_Static_assert(sizeof(struct xen_mem_acquire_resource) == 32, "acquire_resource layout");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll layout");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "bind_interdomain layout");
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param layout");
_Static_assert(sizeof(struct xen_dm_op) == 32, "xen_dm_op layout");
_Static_assert(sizeof(struct ioreq) == 32, "ioreq layout");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_mask) == 560, "shared_info layout");
_Static_assert(__builtin_offsetof(struct xencons_interface, out_prod) == 3084, "console layout");

/* A hypercall: number in x16, arguments in x0-x4, result in x0 (Xen may clobber x1-x4). */
static inline long xen_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	register uint64_t x16 __asm__("x16") = nr;
	__asm__ volatile("hvc #0xea1" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x16)::"x4", "memory");
	return (long)x0;
}
#endif
