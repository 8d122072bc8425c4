/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client's side of bulk transfers (docs/protocol.md, "Bulk
 * transfers"): a message of many KiB is copied into slots of the pool the
 * module shares with the firmware, and only descriptors travel; one the
 * firmware sent by reference is copied out of its slots, which go straight
 * back. The netlink requests themselves are the transport's
 * (transport_netlink.c).
 */
#include <errno.h>
#include <string.h>

#include "transport.h"

/* Slots of slot_size bytes that len bytes need, at most one message's worth. */
static uint32_t slots_for(size_t len, uint32_t slot_size)
{
	size_t n = len / slot_size + (len % slot_size != 0);

	return n > AMP_BULK_DESC_MAX ? AMP_BULK_DESC_MAX : (uint32_t)n;
}

/*
 * Writes the next bytes of the message, from *off, into the n acquired
 * slots, as ranges: copied from src->data (their CRC-32 into *crc when crc
 * is not NULL), or written in place by src->fill. 0, or -1 with ECANCELED
 * when fill() refused.
 */
static int fill_slots(const struct amp_bulk_map *m, const uint32_t *slots, uint32_t n,
		      const struct amp_bulk_source *src, size_t end, size_t *off,
		      struct amp_bulk_range *ranges, uint32_t *crc)
{
	for (uint32_t i = 0; i < n; i++) {
		size_t chunk = end - *off < m->slot_size ? end - *off : m->slot_size;
		uint8_t *slot = m->base + (size_t)slots[i] * m->slot_size;

		if (!src->data) {
			if (src->fill(src->ctx, *off, slot, chunk) != 0) {
				errno = ECANCELED;
				return -1;
			}
		} else {
			memcpy(slot, src->data + *off, chunk);
			if (crc)
				*crc = amp_crc32(*crc, src->data + *off, chunk);
		}
		ranges[i] = (struct amp_bulk_range){slots[i], 0, (uint32_t)chunk};
		*off += chunk;
	}
	return 0;
}

ssize_t amp_bulk_send_part(struct amp_channel *ch, uint32_t conn_id, uint32_t seq,
			   const struct amp_bulk_source *src, size_t off, size_t len, size_t budget,
			   bool part_crc, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	const struct amp_bulk_map *m = ch->bulk;
	uint32_t slots[AMP_BULK_DESC_MAX], crc = 0;
	struct amp_bulk_range ranges[AMP_BULK_DESC_MAX];
	size_t at = off;
	int n;

	if (!m || budget == 0 || budget > len - off) {
		errno = m ? EINVAL : EOPNOTSUPP;
		return -1;
	}
	n = amp_netlink_bulk_acquire(ch, slots_for(budget, m->slot_size), slots, deadline, sink,
				     ctx);
	if (n < 0)
		return -1;
	part_crc = part_crc && src->data;
	if (fill_slots(m, slots, (uint32_t)n, src, off + budget, &at, ranges,
		       part_crc ? &crc : NULL) != 0 ||
	    amp_netlink_bulk_submit(ch, ranges, (uint32_t)n, conn_id, seq, at < len,
				    part_crc ? &crc : NULL, deadline, sink, ctx) != 0) {
		int err = errno;

		/* refused whole: the slots are still ours */
		amp_netlink_bulk_release(ch, slots, (uint32_t)n);
		errno = err;
		return -1;
	}
	return (ssize_t)(at - off);
}

uint64_t amp_bulk_in_bytes(const struct amp_bulk_in *in)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < in->count; i++)
		total += in->ranges[i].length;
	return total;
}

/* Whether a range the module gave lies inside the mapped pool. */
static bool in_pool(const struct amp_bulk_map *m, const struct amp_bulk_range *r)
{
	return r->slot < m->slot_count && r->offset <= m->slot_size &&
	       r->length <= m->slot_size - r->offset;
}

const uint8_t *amp_bulk_view_in(struct amp_channel *ch, const struct amp_bulk_in *in, uint32_t *crc)
{
	const struct amp_bulk_map *m = ch->bulk;

	if (crc)
		*crc = 0;
	for (uint32_t i = 0; i < in->count; i++) {
		const struct amp_bulk_range *r = &in->ranges[i];

		if (!m || !in_pool(m, r)) {
			errno = EPROTO;
			return NULL;
		}
		if (crc)
			*crc = amp_crc32(*crc, m->base + (size_t)r->slot * m->slot_size + r->offset,
					 r->length);
	}
	return m->base;
}

void amp_bulk_release_in(struct amp_channel *ch, const struct amp_bulk_in *in)
{
	/* zeroed: gcc cannot tell that count is at most AMP_BULK_DESC_MAX */
	uint32_t slots[AMP_BULK_DESC_MAX] = {0};

	for (uint32_t i = 0; i < in->count; i++)
		slots[i] = in->ranges[i].slot;
	amp_netlink_bulk_release(ch, slots, in->count);
}

int amp_bulk_copy_in(struct amp_channel *ch, const struct amp_bulk_in *in, uint8_t *dst,
		     uint32_t *crc)
{
	/* the ranges are checked once, before anything is read */
	const uint8_t *base = amp_bulk_view_in(ch, in, NULL);
	uint32_t slot_size = ch->bulk ? ch->bulk->slot_size : 0;

	*crc = 0;
	for (uint32_t i = 0; i < in->count && base && dst; i++) {
		const struct amp_bulk_range *r = &in->ranges[i];

		memcpy(dst, base + (size_t)r->slot * slot_size + r->offset, r->length);
		*crc = amp_crc32(*crc, dst, r->length);
		dst += r->length;
	}
	amp_bulk_release_in(ch, in);
	if (!base) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}
