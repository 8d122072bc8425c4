/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueue wire layout (virtio 1.x, section 2.7), little-endian.
 * Names carry an rp_ prefix so this header can sit beside <linux/virtio_ring.h>.
 */
#ifndef RPMSG_VRING_H
#define RPMSG_VRING_H

#include <stddef.h>
#include <stdint.h>

#define RP_VRING_DESC_F_NEXT 1u
#define RP_VRING_DESC_F_WRITE 2u
#define RP_VRING_DESC_F_INDIRECT 4u

#define RP_VRING_USED_F_NO_NOTIFY 1u
#define RP_VRING_AVAIL_F_NO_INTERRUPT 1u

/* Feature bits the core understands. */
#define RP_VIRTIO_RPMSG_F_NS 0
#define RP_VIRTIO_RING_F_EVENT_IDX 29
#define RP_VIRTIO_F_VERSION_1 32

/* Largest queue the core handles; a port may lower it to save RAM. */
#ifndef RP_VQ_MAX_NUM
#define RP_VQ_MAX_NUM 256
#endif

struct rp_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct rp_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* num entries, then used_event */
};

struct rp_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct rp_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct rp_vring_used_elem ring[]; /* num entries, then avail_event */
};

static inline size_t rp_vring_desc_size(unsigned int num)
{
	return sizeof(struct rp_vring_desc) * num;
}

static inline size_t rp_vring_avail_size(unsigned int num)
{
	return sizeof(uint16_t) * (3u + num);
}

static inline size_t rp_vring_used_size(unsigned int num)
{
	return sizeof(uint16_t) * 3u + sizeof(struct rp_vring_used_elem) * num;
}

static inline size_t rp_align_up(size_t v, size_t align)
{
	return (v + align - 1u) & ~(align - 1u);
}

/* Size of a legacy contiguous vring (desc, avail, pad to align, used). */
static inline size_t rp_vring_size(unsigned int num, size_t align)
{
	return rp_align_up(rp_vring_desc_size(num) + rp_vring_avail_size(num), align) +
	       rp_vring_used_size(num);
}

/*
 * Event index test from the virtio spec: true when the index moved from
 * old to new_idx past the event the other side asked to be told about.
 */
static inline int rp_vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1u) < (uint16_t)(new_idx - old);
}

#endif
