/* SPDX-License-Identifier: BSD-3-Clause */
#include "m4_port.h"

#include <inttypes.h>
#include <stdbool.h>

#include "ipcc.h"
#include "memory_map.h"
#include "trace.h"

/* Fields Linux writes while we run: read each once, through volatile. */
static uint8_t read_status(const struct amplink_rsc_table *rsc)
{
	return *(const volatile uint8_t *)&rsc->vdev.status;
}

static uint32_t read_u32(const uint32_t *field)
{
	return *(const volatile uint32_t *)field;
}

static void notify_linux(struct rp_link *link, unsigned int queue)
{
	struct m4_port *p = link->priv;

	/* vq0 carries messages to Linux, vq1 from Linux; each has its channel. */
	if (ipcc_notify(queue == RP_QUEUE_TO_DRIVER ? IPCC_CH_VQ0 : IPCC_CH_VQ1))
		p->stats.doorbells++;
	else
		p->stats.doorbells_deferred++;
}

static const struct rp_ops m4_rp_ops = {.notify = notify_linux};

const char *m4_state_name(enum m4_state s)
{
	switch (s) {
	case M4_WAITING:
		return "waiting";
	case M4_RUNNING:
		return "running";
	case M4_FAILED:
		return "failed";
	case M4_STOPPED:
		return "stopped";
	}
	return "?";
}

void m4_port_init(struct m4_port *p, struct amplink_rsc_table *rsc, const struct rp_mem *rings,
		  const struct rp_mem *bufs, uint32_t (*now_ms)(void))
{
	*p = (struct m4_port){
		.rsc = rsc, .rings = rings, .bufs = bufs, .now_ms = now_ms, .state = M4_WAITING};
	trace_log("waiting for Linux to start the rpmsg device");
}

static bool is_pow2(uint32_t v)
{
	return v && (v & (v - 1u)) == 0;
}

/* Where Linux put vring q, checked against the area the DT reserves. */
static bool map_vring(struct m4_port *p, unsigned int q, struct rp_rings *rings)
{
	const struct rsc_vring *v = &p->rsc->vdev.vring[q];
	uint32_t da = read_u32(&v->da);
	uint32_t align = read_u32(&v->align);
	uint32_t num = read_u32(&v->num);

	if (da == RSC_ADDR_ANY || da == 0) {
		trace_log("vring%u: Linux gave no address (da 0x%08" PRIx32 ")", q, da);
		return false;
	}
	/* num and align are ours; Linux could still have overwritten them. */
	if (num != AMPLINK_VRING_NUM || num > RP_VQ_MAX_NUM || !is_pow2(align) || align < 16) {
		trace_log("vring%u: unexpected geometry (num %" PRIu32 ", align %" PRIu32 ")", q,
			  num, align);
		return false;
	}

	uint8_t *base = rp_mem_to_ptr(p->rings, da, rp_vring_size(num, align));

	if (!base) {
		trace_log("vring%u at 0x%08" PRIx32 " is outside the rpmsg vring area", q, da);
		return false;
	}
	/* Legacy layout, as Linux's vring_init(): desc, avail, pad to align, used. */
	rings->num = (uint16_t)num;
	rings->desc[q] = base;
	rings->avail[q] = base + rp_vring_desc_size(num);
	rings->used[q] =
		base + rp_align_up(rp_vring_desc_size(num) + rp_vring_avail_size(num), align);
	return true;
}

static void leave_running(struct m4_port *p, enum m4_state next);

static void fail(struct m4_port *p)
{
	leave_running(p, M4_FAILED);
	trace_log("rpmsg stopped until Linux resets the device");
}

/* One pass of the firmware over the rings: messages handled, or < 0 (failed). */
static int serve(struct m4_port *p)
{
	int rc = firmware_poll(&p->fw);

	if (rc < 0) {
		trace_log("Linux broke the virtio protocol: %s", rp_strerror(rc));
		fail(p);
	}
	return rc;
}

/* Linux has the device up and has not given up on it. */
static bool status_ready(uint8_t status)
{
	return (status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(status & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_NEEDS_RESET));
}

static bool driver_ready(const struct m4_port *p)
{
	return status_ready(read_status(p->rsc));
}

/*
 * Linux's virtio_rpmsg_bus kicks once per message unless the device says it
 * needs none, and a writer's next message follows within microseconds. So
 * after serving, the M4 (a core of its own) keeps looking with doorbells
 * off for M4_BUSY_POLL_PASSES idle passes: Linux finds it awake and does not
 * ring, one IPCC interrupt per burst instead of per message. Then doorbells
 * go back on and one ordinary pass (which re-checks the rings after arming
 * them) runs, so no message is left without a wakeup. Counted in passes,
 * not time: a pass's cost is what the window trades against. A shutdown or
 * detach doorbell, or Linux resetting the device, ends it at once.
 */
static void busy_poll(struct m4_port *p)
{
	const uint32_t stop_bits = IPCC_BIT(IPCC_CH_SHUTDOWN) | IPCC_BIT(IPCC_CH_DETACH);
	unsigned int idle = 0;

	if (M4_BUSY_POLL_PASSES == 0 || p->state != M4_RUNNING)
		return;
	p->stats.busy_polls++;
	rp_set_polling(&p->dev.link, true);
	while (idle < M4_BUSY_POLL_PASSES) {
		int rc;

		if ((ipcc_pending() & stop_bits) || !driver_ready(p))
			break;
		rc = serve(p);
		if (rc < 0)
			break;
		p->stats.polled_msgs += (uint32_t)rc;
		idle = rc > 0 ? 0 : idle + 1u;
	}
	rp_set_polling(&p->dev.link, false);
	if (p->state == M4_RUNNING && driver_ready(p))
		serve(p);
}

static void link_up(struct m4_port *p)
{
	struct rp_rings rings = {0};
	uint32_t features = read_u32(&p->rsc->vdev.gfeatures);
	bool ns = (features >> RP_VIRTIO_RPMSG_F_NS) & 1u;
	int rc;

	if (!map_vring(p, RP_QUEUE_TO_DRIVER, &rings) ||
	    !map_vring(p, RP_QUEUE_TO_DEVICE, &rings)) {
		fail(p);
		return;
	}
	rings.event_idx = (features >> RP_VIRTIO_RING_F_EVENT_IDX) & 1u;
	rc = rp_device_init(&p->dev, &rings, p->bufs, ns, &m4_rp_ops, p);
	if (rc == RP_OK)
		rc = firmware_start(&p->fw, &p->dev, p->now_ms);
#if AMP_NODE_BULK
	if (rc == RP_OK && p->bulk_window)
		rc = amp_node_bulk_init(&p->fw.node, p->bulk_window);
#endif
	if (rc != RP_OK) {
		trace_log("starting the firmware: %s", rp_strerror(rc));
		fail(p);
		return;
	}
	p->state = M4_RUNNING;
	p->stats.link_ups++;
	trace_log("Linux ready: vrings at 0x%08" PRIx32 " and 0x%08" PRIx32
		  ", %u buffers each, name service %s",
		  read_u32(&p->rsc->vdev.vring[0].da), read_u32(&p->rsc->vdev.vring[1].da),
		  (unsigned int)rings.num, ns ? "on" : "off");
	rp_link_up(&p->dev);
	/* Doorbells taken while waiting were for these rings: look now. */
	serve(p);
}

/* The rings are gone or going: clients are gone, services hear link down. */
static void leave_running(struct m4_port *p, enum m4_state next)
{
	if (p->state == M4_RUNNING)
		firmware_stop(&p->fw);
	p->state = next;
}

static void stop(struct m4_port *p)
{
	leave_running(p, M4_STOPPED);
	ipcc_disable();
	trace_log("shutdown requested: stopping (%" PRIu32 " messages in, %" PRIu32 " out; %" PRIu32
		  " found by %" PRIu32 " busy polls)",
		  p->dev.link.stats.rx_msgs, p->dev.link.stats.tx_msgs, p->stats.polled_msgs,
		  p->stats.busy_polls);
#if AMP_NODE_BULK
	/* The last link's, kept until the next link-up: on a board, the one place to see them. */
	if (p->bulk_window) {
		const struct amp_node_bulk_stats *b = &p->fw.node.bulk.stats;

		trace_log("bulk: %" PRIu32 " pools taken, %" PRIu32 " refused; %" PRIu32
			  " messages in, %" PRIu32 " out; %" PRIu32 " descriptors refused",
			  b->pools_taken, b->pools_refused, b->msgs_in, b->msgs_out,
			  p->fw.node.bulk.pool.counters.refused);
	}
#endif
	p->state = M4_STOPPED;
	/* Linux waits for this acknowledgement before it resets the M4. */
	ipcc_ack(IPCC_BIT(IPCC_CH_SHUTDOWN));
}

enum m4_next m4_port_run(struct m4_port *p)
{
	if (p->state == M4_STOPPED)
		return M4_NEXT_HALT;
	p->stats.wakeups++;
	ipcc_flush();

	uint32_t events = ipcc_pending();

	p->last_events = events;
	if (events & IPCC_BIT(IPCC_CH_SHUTDOWN)) {
		stop(p);
		return M4_NEXT_HALT;
	}
	/*
	 * Acknowledge before looking at the rings: a doorbell that comes while
	 * we work sets the flag again and wakes us once more.
	 */
	ipcc_ack(events);
	p->stats.kicks[0] += (events >> IPCC_CH_VQ0) & 1u;
	p->stats.kicks[1] += (events >> IPCC_CH_VQ1) & 1u;
	if (p->state == M4_RUNNING) {
		if (events & IPCC_BIT(IPCC_CH_VQ0))
			firmware_note_kick(&p->fw);
		if (events & IPCC_BIT(IPCC_CH_VQ1))
			firmware_note_kick(&p->fw);
	}
	if ((events & IPCC_BIT(IPCC_CH_DETACH)) && p->state != M4_WAITING) {
		/*
		 * Linux removed the device and leaves us running; it may come
		 * back. Its DRIVER_OK may still be in the table: never link up
		 * again on the old rings.
		 */
		trace_log("Linux detached");
		leave_running(p, M4_WAITING);
		p->await_reset = true;
	}

	uint8_t status = read_status(p->rsc);
	bool ready = status_ready(status);

	if (!(status & VIRTIO_STATUS_DRIVER_OK))
		p->await_reset = false;
	switch (p->state) {
	case M4_WAITING:
		if (ready && !p->await_reset)
			link_up(p);
		break;
	case M4_RUNNING:
		if (!ready) {
			trace_log("Linux reset the rpmsg device (status 0x%02x)", status);
			p->stats.resets++;
			leave_running(p, M4_WAITING);
		} else if (events & (IPCC_BIT(IPCC_CH_VQ0) | IPCC_BIT(IPCC_CH_VQ1))) {
			serve(p);
			busy_poll(p);
		} else if (firmware_next_timeout(&p->fw) == 0) {
			/* the tick woke us for a service's timer */
			serve(p);
		}
		break;
	case M4_FAILED:
		if (!(status & VIRTIO_STATUS_DRIVER_OK)) {
			trace_log("Linux reset the rpmsg device; waiting for it again");
			p->stats.resets++;
			p->state = M4_WAITING;
		}
		break;
	case M4_STOPPED:
		break;
	}
	return M4_NEXT_SLEEP;
}
