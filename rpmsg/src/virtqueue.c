/* SPDX-License-Identifier: BSD-3-Clause */
/* One split virtqueue in the device role (the driver role is in virtqueue_driver.c). */
#include "rpmsg/virtqueue.h"

#include "rp_access.h"
#include "vq_internal.h"

int rp_vq_dev_init(struct rp_vq *vq, uint16_t num, void *desc, void *avail, void *used,
		   bool event_idx, const struct rp_mem *mem, uint16_t last_avail)
{
	int rc = check_geometry(num, desc, avail, used);

	if (rc != RP_OK || !mem)
		return rc != RP_OK ? rc : RP_EINVAL;
	vq_attach(vq, RP_VQ_DEVICE, num, desc, avail, used, event_idx, mem);
	vq->last_avail = last_avail;
	vq->avail_seen = last_avail;
	vq->used_shadow = rp_read16(&vq->used->idx);
	vq->used_exposed = vq->used_shadow;
	vq->used_checked = vq->used_shadow;
	/* What the used ring holds now is unknown: the first lap writes every entry. */
	for (uint16_t i = 0; i < num; i++)
		vq->used_written[i].id = UINT32_MAX;
	return RP_OK;
}

/*
 * Start fetching the buffers just made visible, so their transfer from the
 * peer's cache overlaps the handling of the first. Only hints: nothing read
 * here is trusted or kept.
 */
static void dev_prefetch(const struct rp_vq *vq, uint16_t from, uint16_t to)
{
	for (uint16_t i = from; i != to; i++) {
		uint16_t head = rp_read16(&vq->avail->ring[i & (vq->num - 1u)]);

		if (head >= vq->num)
			return;
		const struct rp_vring_desc *d = &vq->desc[head];
		uint32_t len = rp_read32(&d->len);
		const uint8_t *p = rp_mem_to_ptr(vq->mem, rp_read64(&d->addr), len);

		if (!p)
			return;
		for (uint32_t off = 0; off < len; off += 64u)
			__builtin_prefetch(p + off);
	}
}

int rp_vq_dev_pop(struct rp_vq *vq, struct rp_vq_buf *buf)
{
	if (vq->broken)
		return RP_EBROKEN;

	/*
	 * The index line is the one the driver keeps writing: read it once
	 * per batch, not once per buffer. What it said stays true until taken.
	 */
	uint16_t pending = (uint16_t)(vq->avail_seen - vq->last_avail);

	if (pending == 0 || pending > vq->num) {
		uint16_t avail_idx = rp_read16(&vq->avail->idx);

		if (avail_idx == vq->last_avail)
			return 0;
		if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
			return vq_break(vq, RP_EBADMSG);
		vq->avail_seen = avail_idx;
		rp_rmb();
		dev_prefetch(vq, vq->last_avail, avail_idx);
	}

	uint16_t head = rp_read16(&vq->avail->ring[vq->last_avail & (vq->num - 1u)]);

	if (head >= vq->num)
		return vq_break(vq, RP_EBADMSG);

	struct rp_vring_desc *d = &vq->desc[head];
	uint64_t addr = rp_read64(&d->addr);
	uint32_t len = rp_read32(&d->len);
	uint16_t flags = rp_read16(&d->flags);

	/* rpmsg puts each message in one descriptor; chains are not part of it. */
	if (flags & (RP_VRING_DESC_F_NEXT | RP_VRING_DESC_F_INDIRECT) || len == 0)
		return vq_break(vq, RP_EBADMSG);

	void *ptr = rp_mem_to_ptr(vq->mem, addr, len);

	if (!ptr)
		return vq_break(vq, RP_EFAULT);

	buf->ptr = ptr;
	buf->len = len;
	buf->head = head;
	buf->writable = (flags & RP_VRING_DESC_F_WRITE) != 0;
	vq->last_avail++;
	vq->stats.buffers++;
	return 1;
}

void rp_vq_dev_unpop(struct rp_vq *vq)
{
	vq->last_avail--;
	vq->stats.buffers--;
}

void rp_vq_dev_push(struct rp_vq *vq, uint16_t head, uint32_t written)
{
	uint16_t slot = vq->used_shadow & (vq->num - 1u);
	struct rp_vring_used_elem *e = &vq->used->ring[slot];
	struct rp_vq_used_written *w = &vq->used_written[slot];

	/* Buffers taken in order come back in order: most laps change nothing. */
	if (w->id != head) {
		rp_write32(&e->id, head);
		w->id = head;
	}
	if (w->len != written) {
		rp_write32(&e->len, written);
		w->len = written;
	}
	vq->used_shadow++;
}

void rp_vq_dev_expose(struct rp_vq *vq)
{
	if (vq->used_exposed == vq->used_shadow || vq->broken)
		return;
	rp_wmb();
	rp_write16(&vq->used->idx, vq->used_shadow);
	vq->used_exposed = vq->used_shadow;
}

bool rp_vq_dev_publish(struct rp_vq *vq)
{
	uint16_t old = vq->used_checked;
	uint16_t new_idx = vq->used_shadow;
	bool need;

	if (old == new_idx || vq->broken)
		return false;
	rp_vq_dev_expose(vq);
	vq->used_checked = new_idx;
	rp_mb();
	if (vq->event_idx)
		need = rp_vring_need_event(rp_read16(used_event_field(vq)), new_idx, old);
	else
		need = !(rp_read16(&vq->avail->flags) & RP_VRING_AVAIL_F_NO_INTERRUPT);
	vq->peer_asked = need;
	if (!need)
		vq->stats.notifies_avoided++;
	return need;
}

bool rp_vq_dev_want_kicks(struct rp_vq *vq, bool enable)
{
	if (vq->broken)
		return false;
	if (!enable && vq->notify_off && !off_event_stale(vq, vq->last_avail))
		return false;
	vq->notify_off = !enable;
	vq->notify_off_at = vq->last_avail;
	if (vq->event_idx) {
		uint16_t event = enable ? vq->last_avail : (uint16_t)(vq->last_avail + 0x8000u);

		rp_write16(avail_event_field(vq), event);
	} else {
		rp_write16(&vq->used->flags, enable ? 0 : RP_VRING_USED_F_NO_NOTIFY);
	}
	if (!enable)
		return false;
	rp_mb();
	return rp_read16(&vq->avail->idx) != vq->last_avail;
}
