/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One split virtqueue, seen from either side: the device role in
 * virtqueue.c, the driver role in virtqueue_driver.c.
 *
 * Device role (the remote processor): takes buffers the driver made
 * available, returns them through the used ring. Driver role (Linux's side,
 * used here for tests and benchmarks): owns the buffers and descriptors.
 *
 * Shared memory is never trusted: each field is read once into a local and
 * checked before use, and a violation marks the queue broken for good
 * (as Linux does with vq->broken) instead of being acted on.
 */
#ifndef RPMSG_VIRTQUEUE_H
#define RPMSG_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "rp_mem.h"
#include "vring.h"

enum rp_vq_role {
	RP_VQ_DEVICE,
	RP_VQ_DRIVER,
};

struct rp_vq_stats {
	uint32_t notifies_sent;	   /* kicks (driver) or interrupts (device) raised */
	uint32_t notifies_avoided; /* times the peer said it needed none */
	uint32_t buffers;	   /* buffers moved through this queue */
};

/* A buffer handed over by the peer (device role) or returned (driver role). */
struct rp_vq_buf {
	void *ptr;
	uint32_t len;  /* device role: descriptor length; driver role: used length */
	uint16_t head; /* descriptor index, to give back with rp_vq_dev_push() */
	bool writable; /* device role: the device may write into it */
};

/*
 * Driver role: what a descriptor holds, as we last wrote it. Rewriting a
 * descriptor with what it already says would only take its line away from
 * the device's cache, so unchanged fields are not written again.
 */
struct rp_vq_token {
	void *ptr;
	uint32_t capacity; /* bytes at ptr checked to lie in shared memory */
	uint32_t len;	   /* length offered in the descriptor */
	bool writable;
	bool in_flight;
};

/* Device role: a used entry as we last wrote it, for the same reason. */
struct rp_vq_used_written {
	uint32_t id;
	uint32_t len;
};

struct rp_vq {
	struct rp_vring_desc *desc;
	struct rp_vring_avail *avail;
	struct rp_vring_used *used;
	uint16_t num;
	enum rp_vq_role role;
	bool event_idx;
	bool broken;
	/*
	 * Our own notification wish as last written, so a side that keeps
	 * doorbells off while it polls does not rewrite the shared line (and
	 * steal it from the peer's cache) on every pass.
	 */
	bool notify_off;
	uint16_t notify_off_at; /* index the "off" event was computed from */
	bool peer_asked;	/* the last publish found the peer wanting a doorbell */
	const struct rp_mem *mem;

	/* A queue serves one role: each role's state shares the space. */
	union {
		struct {		       /* device role */
			uint16_t last_avail;   /* next avail entry to take */
			uint16_t avail_seen;   /* avail->idx when last read: entries up to it
						  need no re-read */
			uint16_t used_shadow;  /* used->idx as it will be once published */
			uint16_t used_exposed; /* used->idx as last written */
			uint16_t used_checked; /* used->idx when the driver's wishes were last
						  read */
			struct rp_vq_used_written used_written[RP_VQ_MAX_NUM];
		};
		struct { /* driver role */
			uint16_t avail_shadow;
			uint16_t avail_exposed; /* avail->idx as last written */
			uint16_t avail_checked; /* avail->idx when the device's wishes were last
						   read */
			uint16_t last_used;
			uint16_t used_seen; /* used->idx when last read */
			/*
			 * Free descriptors, first in first out (kept here, not in the
			 * shared desc.next): buffers come back in the order they went,
			 * so each lap puts the same descriptor in the same avail slot,
			 * and neither needs rewriting.
			 */
			uint16_t num_free;
			uint16_t free_first;
			uint16_t free_ring[RP_VQ_MAX_NUM];
			/* avail ring entries as we last wrote them */
			uint16_t avail_written[RP_VQ_MAX_NUM];
			struct rp_vq_token tokens[RP_VQ_MAX_NUM];
		};
	};

	struct rp_vq_stats stats;
};

/*
 * Attach to a ring laid out by the driver. num must be a power of two no
 * larger than RP_VQ_MAX_NUM; the three parts must be naturally aligned.
 * last_avail is where to resume (vhost-user SET_VRING_BASE), usually 0.
 */
int rp_vq_dev_init(struct rp_vq *vq, uint16_t num, void *desc, void *avail, void *used,
		   bool event_idx, const struct rp_mem *mem, uint16_t last_avail);

/*
 * Take the next available buffer. Returns 1 with *buf filled, 0 when the
 * ring is empty, or a negative rp_status when the ring is malformed.
 */
int rp_vq_dev_pop(struct rp_vq *vq, struct rp_vq_buf *buf);

/* Put back the buffer just popped, for when it cannot be handled yet. */
void rp_vq_dev_unpop(struct rp_vq *vq);

/* Queue a used entry; it reaches the driver at the next publish. */
void rp_vq_dev_push(struct rp_vq *vq, uint16_t head, uint32_t written);

/*
 * Make pushed entries visible now, without asking whether the driver wants an
 * interrupt: cheap (no full barrier), so a polling driver sees each entry as
 * it comes. A rp_vq_dev_publish() must follow before the device goes idle.
 */
void rp_vq_dev_expose(struct rp_vq *vq);

/*
 * Make pushed entries visible. Returns true if the driver wants an interrupt
 * for any entry since the last publish (exposed ones included).
 */
bool rp_vq_dev_publish(struct rp_vq *vq);

/*
 * Ask (or stop asking) to be kicked when buffers arrive. Enabling returns
 * true when buffers arrived meanwhile, so the caller must look again.
 */
bool rp_vq_dev_want_kicks(struct rp_vq *vq, bool enable);

/*
 * The driver role, from here to the end: defined in virtqueue_driver.c, part
 * of the rpmsg_driver library (tests, benchmarks), not of the firmware.
 */

/* Lay out and reset a ring of our own. The driver owns all three parts. */
int rp_vq_drv_init(struct rp_vq *vq, uint16_t num, void *desc, void *avail, void *used,
		   bool event_idx, const struct rp_mem *mem);

/* Offer one buffer; returns its descriptor index or a negative rp_status. */
int rp_vq_drv_add(struct rp_vq *vq, void *ptr, uint32_t len, bool device_writable);

/*
 * The same in steps, for a buffer that stays with its descriptor (transmit
 * buffers): the address is checked and written once, at bind time, and each
 * lap only the length may change.
 *
 * rp_vq_drv_take(): a free descriptor, oldest first; RP_EAGAIN when none.
 * rp_vq_drv_untake(): give back the one just taken, unsubmitted.
 * rp_vq_drv_bind(): point a descriptor (taken or free) at capacity bytes at ptr.
 * rp_vq_drv_submit(): offer its first len bytes (len <= capacity).
 */
int rp_vq_drv_take(struct rp_vq *vq);
void rp_vq_drv_untake(struct rp_vq *vq, uint16_t head);
int rp_vq_drv_bind(struct rp_vq *vq, uint16_t head, void *ptr, uint32_t capacity);
void rp_vq_drv_submit(struct rp_vq *vq, uint16_t head, uint32_t len, bool device_writable);

/* The buffer bound to a descriptor. */
static inline void *rp_vq_drv_buffer(const struct rp_vq *vq, uint16_t head)
{
	return vq->tokens[head].ptr;
}

/* As rp_vq_dev_expose(), for the driver: rp_vq_drv_publish() must follow. */
void rp_vq_drv_expose(struct rp_vq *vq);

/*
 * Make added buffers visible. Returns true if the device wants a kick for
 * any buffer since the last publish (exposed ones included).
 */
bool rp_vq_drv_publish(struct rp_vq *vq);

/*
 * Collect one buffer the device returned. Returns 1 with *buf filled, 0 when
 * none, or a negative rp_status for a malformed used entry.
 */
int rp_vq_drv_get_used(struct rp_vq *vq, struct rp_vq_buf *buf);

/* Give back the buffer just collected, for when it cannot be handled yet. */
void rp_vq_drv_unget(struct rp_vq *vq, uint16_t head);

/*
 * Collect every buffer the device returned, for a queue whose buffers carry
 * nothing back (transmit): their descriptors become free. Returns how many,
 * or a negative rp_status for a malformed used entry.
 */
int rp_vq_drv_reclaim(struct rp_vq *vq);

/*
 * Ask (or stop asking) for interrupts on returned buffers. Enabling returns
 * true when buffers came back meanwhile.
 */
bool rp_vq_drv_want_interrupts(struct rp_vq *vq, bool enable);

/*
 * Ask for one interrupt once n more buffers have come back (event index
 * only; without it the device cannot count, so the first one interrupts).
 * For a sender waiting on a full ring: one wakeup per n reclaimed buffers
 * instead of one per buffer. Returns true when any came back meanwhile.
 */
bool rp_vq_drv_want_interrupts_after(struct rp_vq *vq, uint16_t n);

/* Entries went out since the peer's doorbell wishes were last read. */
static inline bool rp_vq_unchecked(const struct rp_vq *vq)
{
	return vq->role == RP_VQ_DEVICE ? vq->used_checked != vq->used_shadow
					: vq->avail_checked != vq->avail_shadow;
}

/* Buffers the driver has made available and not yet had back. */
static inline uint16_t rp_vq_drv_in_flight(const struct rp_vq *vq)
{
	return (uint16_t)(vq->num - vq->num_free);
}

static inline uint16_t rp_vq_drv_free_count(const struct rp_vq *vq)
{
	return vq->num_free;
}

#endif
