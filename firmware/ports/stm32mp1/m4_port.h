/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The STM32MP1 port's logic, free of anything board-specific so that it
 * runs on the host (tests) and in an emulator (self-test) too: waits for
 * Linux to set up the virtio device, maps the vrings it announced in the
 * resource table, runs the firmware on IPCC doorbells, handles shutdown.
 *
 * States:
 *   WAITING  until the vdev status has DRIVER_OK (Linux's rpmsg bus probed);
 *            after a detach, until it has dropped first
 *   RUNNING  serving doorbells; back to WAITING if Linux resets the device
 *   FAILED   Linux's setup or ring traffic was unusable (logged); waits for
 *            a device reset
 *   STOPPED  Linux asked for shutdown; nothing is touched any more
 */
#ifndef STM32MP1_M4_PORT_H
#define STM32MP1_M4_PORT_H

#include <stdint.h>

#include <firmware/firmware.h>
#include <rpmsg/rpmsg.h>

#include "rsc_table.h"

enum m4_state {
	M4_WAITING,
	M4_RUNNING,
	M4_FAILED,
	M4_STOPPED,
};

enum m4_next {
	M4_NEXT_SLEEP, /* nothing left to do until the next interrupt */
	M4_NEXT_HALT,  /* stopped for good: wait for the reset */
};

struct m4_port_stats {
	uint32_t wakeups;
	uint32_t kicks[2];	     /* doorbells from Linux, per virtqueue */
	uint32_t doorbells;	     /* doorbells rung towards Linux */
	uint32_t doorbells_deferred; /* rung later, when Linux freed the channel */
	uint32_t link_ups;
	uint32_t resets;      /* Linux reset the virtio device under us */
	uint32_t busy_polls;  /* windows of polling with doorbells off */
	uint32_t polled_msgs; /* messages found by polling, each a doorbell saved */
};

/*
 * Idle passes over the rings, after the last message, before the M4 asks
 * for doorbells again and sleeps. A pass with nothing to do is a few
 * hundred cycles, so this is in the order of 0.3 ms at 209 MHz (estimated:
 * not measured on a board). 0 turns busy polling off.
 */
#ifndef M4_BUSY_POLL_PASSES
#define M4_BUSY_POLL_PASSES 300u
#endif

struct m4_port {
	struct amplink_rsc_table *rsc;
	const struct rp_mem *rings; /* the vring area, by device address */
	const struct rp_mem *bufs;  /* where descriptors may point */
	uint32_t (*now_ms)(void);   /* for the services' timeouts; may be NULL */
	/*
	 * Where a bulk pool may lie (NULL: no bulk transfers). Set after
	 * m4_port_init(), and only once the MPU makes it Normal memory
	 * (mpu.h); taken at every link-up. Needs AMP_NODE_BULK.
	 */
	const struct rp_mem *bulk_window;
	enum m4_state state;
	bool await_reset;     /* the old device is gone only once its status drops */
	uint32_t last_events; /* IPCC channels seen by the latest m4_port_run() */
	struct rp_device dev;
	struct firmware fw;
	struct m4_port_stats stats;
};

/* The IPCC must be initialised already (ipcc_init()). */
void m4_port_init(struct m4_port *p, struct amplink_rsc_table *rsc, const struct rp_mem *rings,
		  const struct rp_mem *bufs, uint32_t (*now_ms)(void));

/* Does everything there is to do now; call after every wake-up. */
enum m4_next m4_port_run(struct m4_port *p);

const char *m4_state_name(enum m4_state s);

#endif
