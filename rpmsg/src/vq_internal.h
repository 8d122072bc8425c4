/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside the core: what both roles' virtqueue code shares. */
#ifndef RPMSG_VQ_INTERNAL_H
#define RPMSG_VQ_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "rpmsg/rp_status.h"
#include "rpmsg/virtqueue.h"

/* The event fields sit just past each ring (virtio 1.x, 2.7.10 and 2.7.8). */
static inline uint16_t *used_event_field(const struct rp_vq *vq)
{
	return &vq->avail->ring[vq->num];
}

static inline uint16_t *avail_event_field(const struct rp_vq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->num];
}

static inline int vq_break(struct rp_vq *vq, int status)
{
	vq->broken = true;
	return status;
}

static inline int is_aligned(const void *p, uintptr_t align)
{
	return ((uintptr_t)p & (align - 1u)) == 0;
}

static inline int check_geometry(uint16_t num, void *desc, void *avail, void *used)
{
	if (num == 0 || num > RP_VQ_MAX_NUM || (num & (num - 1u)) != 0)
		return RP_EINVAL;
	if (!desc || !avail || !used)
		return RP_EINVAL;
	if (!is_aligned(desc, 16) || !is_aligned(avail, 2) || !is_aligned(used, 4))
		return RP_EINVAL;
	return RP_OK;
}

static inline void vq_attach(struct rp_vq *vq, enum rp_vq_role role, uint16_t num, void *desc,
			     void *avail, void *used, bool event_idx, const struct rp_mem *mem)
{
	memset(vq, 0, sizeof(*vq));
	vq->role = role;
	vq->num = num;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->event_idx = event_idx;
	vq->mem = mem;
}

/*
 * With the event index, "off" is an event half the index space away: never
 * crossed in practice, provided it is moved along before the index gets
 * near it. A quarter of the space is the margin.
 */
static inline bool off_event_stale(const struct rp_vq *vq, uint16_t idx)
{
	return vq->event_idx && (uint16_t)(idx - vq->notify_off_at) > 0x4000u;
}

#endif
