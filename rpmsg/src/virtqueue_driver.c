/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One split virtqueue in the driver role (Linux's side, for tests and
 * benchmarks): part of the rpmsg_driver library, not of the firmware.
 */
#include "rpmsg/virtqueue.h"

#include "rp_access.h"
#include "vq_internal.h"

int rp_vq_drv_init(struct rp_vq *vq, uint16_t num, void *desc, void *avail, void *used,
		   bool event_idx, const struct rp_mem *mem)
{
	int rc = check_geometry(num, desc, avail, used);

	if (rc != RP_OK || !mem)
		return rc != RP_OK ? rc : RP_EINVAL;
	vq_attach(vq, RP_VQ_DRIVER, num, desc, avail, used, event_idx, mem);
	memset(desc, 0, rp_vring_desc_size(num));
	memset(avail, 0, rp_vring_avail_size(num));
	memset(used, 0, rp_vring_used_size(num));
	for (uint16_t i = 0; i < num; i++) {
		vq->free_ring[i] = i;
		vq->avail_written[i] = UINT16_MAX;
	}
	vq->num_free = num;
	vq->free_first = 0;
	return RP_OK;
}

int rp_vq_drv_take(struct rp_vq *vq)
{
	uint16_t head;

	if (vq->broken)
		return RP_EBROKEN;
	if (vq->num_free == 0)
		return RP_EAGAIN;
	head = vq->free_ring[vq->free_first];
	vq->free_first = (uint16_t)((vq->free_first + 1u) & (vq->num - 1u));
	vq->num_free--;
	return head;
}

void rp_vq_drv_untake(struct rp_vq *vq, uint16_t head)
{
	vq->free_first = (uint16_t)((vq->free_first - 1u) & (vq->num - 1u));
	vq->free_ring[vq->free_first] = head;
	vq->num_free++;
}

int rp_vq_drv_bind(struct rp_vq *vq, uint16_t head, void *ptr, uint32_t capacity)
{
	struct rp_vq_token *t = &vq->tokens[head];
	uint64_t addr;

	if (head >= vq->num || capacity == 0 || rp_mem_to_bus(vq->mem, ptr, capacity, &addr) != 0)
		return RP_EFAULT;
	/* The ring was zeroed at init, as the tokens were: they agree from the start. */
	if (t->ptr != ptr)
		rp_write64(&vq->desc[head].addr, addr);
	t->ptr = ptr;
	t->capacity = capacity;
	return RP_OK;
}

void rp_vq_drv_submit(struct rp_vq *vq, uint16_t head, uint32_t len, bool device_writable)
{
	uint16_t slot = vq->avail_shadow & (vq->num - 1u);
	struct rp_vq_token *t = &vq->tokens[head];
	struct rp_vring_desc *d = &vq->desc[head];

	if (t->len != len) {
		rp_write32(&d->len, len);
		t->len = len;
	}
	if (t->writable != device_writable) {
		rp_write16(&d->flags, device_writable ? RP_VRING_DESC_F_WRITE : 0);
		t->writable = device_writable;
	}
	t->in_flight = true;
	if (vq->avail_written[slot] != head) {
		rp_write16(&vq->avail->ring[slot], head);
		vq->avail_written[slot] = head;
	}
	vq->avail_shadow++;
}

int rp_vq_drv_add(struct rp_vq *vq, void *ptr, uint32_t len, bool device_writable)
{
	int head;

	if (vq->broken)
		return RP_EBROKEN;
	if (vq->num_free == 0)
		return RP_EAGAIN;
	if (len == 0)
		return RP_EFAULT;
	head = rp_vq_drv_take(vq);
	/* A buffer already bound there was checked then. */
	if (vq->tokens[head].ptr != ptr || vq->tokens[head].capacity < len) {
		int rc = rp_vq_drv_bind(vq, (uint16_t)head, ptr, len);

		if (rc != RP_OK) {
			rp_vq_drv_untake(vq, (uint16_t)head);
			return rc;
		}
	}
	rp_vq_drv_submit(vq, (uint16_t)head, len, device_writable);
	return head;
}

void rp_vq_drv_expose(struct rp_vq *vq)
{
	if (vq->avail_exposed == vq->avail_shadow || vq->broken)
		return;
	rp_wmb();
	rp_write16(&vq->avail->idx, vq->avail_shadow);
	vq->avail_exposed = vq->avail_shadow;
}

bool rp_vq_drv_publish(struct rp_vq *vq)
{
	uint16_t old = vq->avail_checked;
	uint16_t new_idx = vq->avail_shadow;
	bool need;

	if (old == new_idx || vq->broken)
		return false;
	rp_vq_drv_expose(vq);
	vq->avail_checked = new_idx;
	rp_mb();
	if (vq->event_idx)
		need = rp_vring_need_event(rp_read16(avail_event_field(vq)), new_idx, old);
	else
		need = !(rp_read16(&vq->used->flags) & RP_VRING_USED_F_NO_NOTIFY);
	vq->peer_asked = need;
	if (!need)
		vq->stats.notifies_avoided++;
	return need;
}

/* How many used entries are there to collect: 0, a count, or an error. */
static int drv_used_pending(struct rp_vq *vq)
{
	/* As on the device side: one read of the index line per batch. */
	uint16_t pending = (uint16_t)(vq->used_seen - vq->last_used);

	if (vq->broken)
		return RP_EBROKEN;
	if (pending != 0 && pending <= vq->num)
		return pending;

	uint16_t used_idx = rp_read16(&vq->used->idx);

	pending = (uint16_t)(used_idx - vq->last_used);
	if (pending > vq->num)
		return vq_break(vq, RP_EBADMSG);
	vq->used_seen = used_idx;
	rp_rmb();
	return pending;
}

/* Take the next used entry, checked; its descriptor goes back to the free ring. */
static int drv_take_used(struct rp_vq *vq, uint32_t *len_out)
{
	struct rp_vring_used_elem *e = &vq->used->ring[vq->last_used & (vq->num - 1u)];
	uint32_t id = rp_read32(&e->id);
	uint32_t len = rp_read32(&e->len);

	if (id >= vq->num || !vq->tokens[id].in_flight || len > vq->tokens[id].len)
		return vq_break(vq, RP_EBADMSG);
	vq->tokens[id].in_flight = false;
	vq->free_ring[(vq->free_first + vq->num_free) & (vq->num - 1u)] = (uint16_t)id;
	vq->num_free++;
	vq->last_used++;
	vq->stats.buffers++;
	*len_out = len;
	return (int)id;
}

int rp_vq_drv_get_used(struct rp_vq *vq, struct rp_vq_buf *buf)
{
	int rc = drv_used_pending(vq);
	uint32_t len;

	if (rc <= 0)
		return rc;
	rc = drv_take_used(vq, &len);
	if (rc < 0)
		return rc;
	buf->ptr = vq->tokens[rc].ptr;
	buf->len = len;
	buf->head = (uint16_t)rc;
	buf->writable = false;
	return 1;
}

int rp_vq_drv_reclaim(struct rp_vq *vq)
{
	int pending = drv_used_pending(vq);
	uint32_t len;

	for (int i = 0; i < pending; i++) {
		int rc = drv_take_used(vq, &len);

		if (rc < 0)
			return rc;
	}
	return pending;
}

void rp_vq_drv_unget(struct rp_vq *vq, uint16_t head)
{
	/* Exactly undoes the free-ring push of the rp_vq_drv_get_used() before. */
	vq->num_free--;
	vq->tokens[head].in_flight = true;
	vq->last_used--;
	vq->stats.buffers--;
}

static bool drv_set_used_event(struct rp_vq *vq, bool enable, uint16_t n)
{
	if (vq->broken)
		return false;
	if (!enable && vq->notify_off && !off_event_stale(vq, vq->last_used))
		return false;
	vq->notify_off = !enable;
	vq->notify_off_at = vq->last_used;
	if (vq->event_idx) {
		uint16_t event = enable ? (uint16_t)(vq->last_used + n - 1u)
					: (uint16_t)(vq->last_used + 0x8000u);

		rp_write16(used_event_field(vq), event);
	} else {
		rp_write16(&vq->avail->flags, enable ? 0 : RP_VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (!enable)
		return false;
	rp_mb();
	/* Any buffer back is worth collecting now, even before the n-th. */
	return rp_read16(&vq->used->idx) != vq->last_used;
}

bool rp_vq_drv_want_interrupts(struct rp_vq *vq, bool enable)
{
	return drv_set_used_event(vq, enable, 1);
}

bool rp_vq_drv_want_interrupts_after(struct rp_vq *vq, uint16_t n)
{
	return drv_set_used_event(vq, true, n ? n : 1);
}
