/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink bulk transfers: the wire format of indirect buffer sharing.
 *
 * Large messages travel in a shared pool of DDR cut into slots; only
 * descriptors {slot, offset, length, generation} cross over RPMsg, on the
 * "amplink-bulk" channel between rpmsg_netlink (the host, which owns the
 * pool) and the firmware node (the remote). docs/protocol.md ("Bulk
 * transfers") is the contract; firmware/include/amp/bulk_pool.h keeps the
 * slot table both ends check every descriptor against.
 *
 * A bulk message is one RPMsg message: a 24-byte header, then either up to
 * AMP_BULK_DESC_MAX descriptors of 16 bytes or (POOL, POOL_ACK) a body.
 *
 *   offset size field
 *        0    4 magic    AMP_BULK_MAGIC ("AMPB")
 *        4    1 version  AMP_BULK_VERSION
 *        5    1 type     enum amp_bulk_type
 *        6    1 count    descriptors that follow
 *        7    1 flags    AMP_BULK_F_* (SUBMIT and FILLED only)
 *        8    4 peer     the client's rpmsg address (0: the pool itself)
 *       12    4 conn_id  the connection (OPENED's conn_id), 0 when none
 *       16    4 seq      the connection's message seq (SUBMIT, FILLED)
 *       20    4 crc      CRC-32 of the bytes the descriptors cover, in order
 *
 * Decoding checks every field and the exact length, and copies everything
 * into locals: the caller passes the RPMsg buffer (shared memory that the
 * other side could rewrite meanwhile) and acts only on what decode
 * returned, so each shared byte is read once.
 *
 * Freestanding (no libc beyond string.h) and usable by the kernel module:
 * under __KERNEL__ the fixed-width types come from linux/types.h. It is not
 * a uapi header: userspace never sees these messages (clients name slots in
 * rpmsg_netlink's own netlink attributes), and the M4's toolchain has no
 * linux/types.h.
 */
#ifndef AMPLINK_BULK_H
#define AMPLINK_BULK_H

#ifdef __KERNEL__
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#endif

#define AMP_BULK_MAGIC 0x42504d41u /* the bytes 'A' 'M' 'P' 'B' */
#define AMP_BULK_VERSION 1u
/* The RPMsg channel the firmware announces for bulk control. */
#define AMP_BULK_SERVICE "amplink-bulk"
/* One RPMsg message's payload (512-byte buffers less their header). */
#define AMP_BULK_MSG_MAX 496u
#define AMP_BULK_HDR_SIZE 24u
#define AMP_BULK_DESC_SIZE 16u
/* Descriptors in one message: as many as fit one RPMsg message. */
#define AMP_BULK_DESC_MAX ((AMP_BULK_MSG_MAX - AMP_BULK_HDR_SIZE) / AMP_BULK_DESC_SIZE)
#define AMP_BULK_POOL_SIZE 24u
#define AMP_BULK_POOL_ACK_SIZE 8u
/*
 * Slots and the pool's base are page-aligned so that the module can map a
 * single slot to userspace, and no slot shares a cache line with another.
 */
#define AMP_BULK_SLOT_ALIGN 4096u
/* More slots than this is a corrupt announce, not a pool. */
#define AMP_BULK_SLOTS_MAX 65536u

/*
 * The message continues in the next SUBMIT (FILLED) of the same peer and
 * seq: a message larger than AMP_BULK_DESC_MAX slots.
 */
#define AMP_BULK_F_MORE 0x01u
/* crc is valid (a sender that does not compute it leaves both 0). */
#define AMP_BULK_F_CRC 0x02u
#define AMP_BULK_F_ALL (AMP_BULK_F_MORE | AMP_BULK_F_CRC)

enum amp_bulk_type {
	AMP_BULK_POOL = 1,     /* host -> remote: the pool of this generation (body) */
	AMP_BULK_POOL_ACK = 2, /* remote -> host: mapped or not (body) */
	AMP_BULK_SUBMIT = 3,   /* host -> remote: a message in slots that become the remote's */
	AMP_BULK_RELEASE = 4,  /* remote -> host: submitted slots it is done with */
	AMP_BULK_POST = 5,     /* host -> remote: empty whole slots lent to fill */
	AMP_BULK_FILLED = 6,   /* remote -> host: a message in posted slots, now the host's */
};
#define AMP_BULK_TYPE_MAX AMP_BULK_FILLED

/*
 * Why a bulk message or descriptor was refused. Negative, distinct, so
 * that each is counted apart (struct amp_bulk_counters).
 */
enum amp_bulk_status {
	AMP_BULK_OK = 0,
	AMP_BULK_E_LENGTH = -1,	  /* message length is not what its header says */
	AMP_BULK_E_MAGIC = -2,	  /* not a bulk message */
	AMP_BULK_E_VERSION = -3,  /* a version we do not speak */
	AMP_BULK_E_TYPE = -4,	  /* unknown type, or one this side never receives */
	AMP_BULK_E_COUNT = -5,	  /* descriptor count wrong for the type */
	AMP_BULK_E_FLAGS = -6,	  /* unknown flags, or flags on a type without them */
	AMP_BULK_E_GEOMETRY = -7, /* a pool that cannot be: alignment, overflow, sizes */
	AMP_BULK_E_SLOT = -8,	  /* slot index beyond the pool */
	AMP_BULK_E_RANGE = -9,	  /* offset + length outside the slot (or empty) */
	AMP_BULK_E_STALE = -10,	  /* generation of another pool: an earlier bring-up */
	AMP_BULK_E_OWNER = -11,	  /* the slot is not where the referring side claims */
	AMP_BULK_E_ALREADY = -12, /* a duplicate: the slot already is where it would go */
	AMP_BULK_E_NOPOOL = -13,  /* no current pool: not acknowledged yet, or the remote left */
	AMP_BULK_E_NOSLOT = -14,  /* no slot free to take: back-pressure, try later */
	AMP_BULK_E_INVAL = -15,	  /* a local caller's mistake (wrong role, bad argument) */
};

struct amp_bulk_hdr {
	uint8_t type;
	uint8_t count;
	uint8_t flags;
	uint32_t peer;
	uint32_t conn_id;
	uint32_t seq;
	uint32_t crc;
};

struct amp_bulk_desc {
	uint32_t slot;
	uint32_t offset; /* in the slot */
	uint32_t length; /* bytes from offset */
	uint32_t generation;
};

/* POOL: where the pool is, as the remote addresses it (bus address). */
struct amp_bulk_pool_info {
	uint32_t generation; /* never 0; bumped on every probe of the module */
	uint64_t base;	     /* bus address of slot 0 */
	uint32_t size;	     /* bytes the region has (at least slot_size * slot_count) */
	uint32_t slot_size;
	uint32_t slot_count;
};

enum amp_bulk_pool_ack_status {
	AMP_BULK_ACK_OK = 0,
	AMP_BULK_ACK_GEOMETRY = 1,    /* the announce failed its checks */
	AMP_BULK_ACK_UNREACHABLE = 2, /* outside the memory the remote may address */
	AMP_BULK_ACK_TOO_MANY = 3,    /* more slots than the remote's table holds */
};

/* POOL_ACK: the remote took the pool of this generation, or why not. */
struct amp_bulk_pool_ack {
	uint32_t generation;
	uint32_t status; /* enum amp_bulk_pool_ack_status */
};

/* frame.h's amp_put32()/amp_get32(), repeated: frame.h is not for the kernel. */
static inline void amp_bulk_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t amp_bulk_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Whether a message of this type carries descriptors (all but POOL, POOL_ACK). */
static inline bool amp_bulk_type_has_descs(uint8_t type)
{
	return type >= AMP_BULK_SUBMIT && type <= AMP_BULK_TYPE_MAX;
}

/* Whether a message of this type is a message by reference (may carry flags). */
static inline bool amp_bulk_type_is_message(uint8_t type)
{
	return type == AMP_BULK_SUBMIT || type == AMP_BULK_FILLED;
}

/* Bytes a message of this type with count descriptors has in all. */
static inline uint32_t amp_bulk_msg_size(uint8_t type, uint32_t count)
{
	if (type == AMP_BULK_POOL)
		return AMP_BULK_HDR_SIZE + AMP_BULK_POOL_SIZE;
	if (type == AMP_BULK_POOL_ACK)
		return AMP_BULK_HDR_SIZE + AMP_BULK_POOL_ACK_SIZE;
	return AMP_BULK_HDR_SIZE + count * AMP_BULK_DESC_SIZE;
}

/*
 * Writes a header into out (AMP_BULK_HDR_SIZE bytes); the caller writes the
 * descriptors or the body after it. Returns the whole message's size, or 0
 * for a header decode would refuse (so nothing malformed is ever sent).
 */
static inline uint32_t amp_bulk_hdr_encode(uint8_t *out, const struct amp_bulk_hdr *h)
{
	if (h->type < AMP_BULK_POOL || h->type > AMP_BULK_TYPE_MAX)
		return 0;
	if (amp_bulk_type_has_descs(h->type) ? h->count < 1 || h->count > AMP_BULK_DESC_MAX
					     : h->count != 0)
		return 0;
	if ((h->flags & ~AMP_BULK_F_ALL) != 0 ||
	    (h->flags != 0 && !amp_bulk_type_is_message(h->type)))
		return 0;
	amp_bulk_put32(out, AMP_BULK_MAGIC);
	out[4] = AMP_BULK_VERSION;
	out[5] = h->type;
	out[6] = h->count;
	out[7] = h->flags;
	amp_bulk_put32(out + 8, h->peer);
	amp_bulk_put32(out + 12, h->conn_id);
	amp_bulk_put32(out + 16, h->seq);
	amp_bulk_put32(out + 20, h->crc);
	return amp_bulk_msg_size(h->type, h->count);
}

/*
 * Decodes and checks the header of a received message of len bytes: magic,
 * version, type, count (1..AMP_BULK_DESC_MAX for descriptor messages, 0
 * otherwise), flags, and that len is exactly what the header implies.
 * Descriptors and bodies are decoded with the functions below, and only
 * after this returned AMP_BULK_OK.
 */
static inline enum amp_bulk_status amp_bulk_hdr_decode(const uint8_t *in, uint32_t len,
						       struct amp_bulk_hdr *h)
{
	if (len < AMP_BULK_HDR_SIZE)
		return AMP_BULK_E_LENGTH;
	if (amp_bulk_get32(in) != AMP_BULK_MAGIC)
		return AMP_BULK_E_MAGIC;
	if (in[4] != AMP_BULK_VERSION)
		return AMP_BULK_E_VERSION;
	h->type = in[5];
	h->count = in[6];
	h->flags = in[7];
	h->peer = amp_bulk_get32(in + 8);
	h->conn_id = amp_bulk_get32(in + 12);
	h->seq = amp_bulk_get32(in + 16);
	h->crc = amp_bulk_get32(in + 20);
	if (h->type < AMP_BULK_POOL || h->type > AMP_BULK_TYPE_MAX)
		return AMP_BULK_E_TYPE;
	if (amp_bulk_type_has_descs(h->type) ? h->count < 1 || h->count > AMP_BULK_DESC_MAX
					     : h->count != 0)
		return AMP_BULK_E_COUNT;
	if ((h->flags & ~AMP_BULK_F_ALL) != 0 ||
	    (h->flags != 0 && !amp_bulk_type_is_message(h->type)))
		return AMP_BULK_E_FLAGS;
	if (len != amp_bulk_msg_size(h->type, h->count))
		return AMP_BULK_E_LENGTH;
	return AMP_BULK_OK;
}

/* Descriptor i (< the header's count) of a message whose header decoded. */
static inline void amp_bulk_desc_decode(const uint8_t *msg, uint32_t i, struct amp_bulk_desc *d)
{
	const uint8_t *p = msg + AMP_BULK_HDR_SIZE + i * AMP_BULK_DESC_SIZE;

	d->slot = amp_bulk_get32(p);
	d->offset = amp_bulk_get32(p + 4);
	d->length = amp_bulk_get32(p + 8);
	d->generation = amp_bulk_get32(p + 12);
}

static inline void amp_bulk_desc_encode(uint8_t *msg, uint32_t i, const struct amp_bulk_desc *d)
{
	uint8_t *p = msg + AMP_BULK_HDR_SIZE + i * AMP_BULK_DESC_SIZE;

	amp_bulk_put32(p, d->slot);
	amp_bulk_put32(p + 4, d->offset);
	amp_bulk_put32(p + 8, d->length);
	amp_bulk_put32(p + 12, d->generation);
}

/*
 * Whether a pool can be what it claims: generation not 0; base and
 * slot_size multiples of AMP_BULK_SLOT_ALIGN; 1..AMP_BULK_SLOTS_MAX slots
 * that fit size (computed in 64 bits); base + size not past 2^64. Whether
 * the remote can reach it is the port's question, not the format's.
 */
static inline enum amp_bulk_status amp_bulk_pool_info_check(const struct amp_bulk_pool_info *pi)
{
	if (pi->generation == 0)
		return AMP_BULK_E_GEOMETRY;
	if (pi->base % AMP_BULK_SLOT_ALIGN != 0 || pi->slot_size == 0 ||
	    pi->slot_size % AMP_BULK_SLOT_ALIGN != 0)
		return AMP_BULK_E_GEOMETRY;
	if (pi->slot_count < 1 || pi->slot_count > AMP_BULK_SLOTS_MAX)
		return AMP_BULK_E_GEOMETRY;
	if ((uint64_t)pi->slot_size * pi->slot_count > pi->size)
		return AMP_BULK_E_GEOMETRY;
	if (pi->base > ~(uint64_t)0 - pi->size)
		return AMP_BULK_E_GEOMETRY;
	return AMP_BULK_OK;
}

/* The POOL body, after the header (AMP_BULK_POOL_SIZE bytes). */
static inline void amp_bulk_pool_info_encode(uint8_t *msg, const struct amp_bulk_pool_info *pi)
{
	uint8_t *p = msg + AMP_BULK_HDR_SIZE;

	amp_bulk_put32(p, pi->generation);
	amp_bulk_put32(p + 4, (uint32_t)pi->base);
	amp_bulk_put32(p + 8, (uint32_t)(pi->base >> 32));
	amp_bulk_put32(p + 12, pi->size);
	amp_bulk_put32(p + 16, pi->slot_size);
	amp_bulk_put32(p + 20, pi->slot_count);
}

/* Decodes a POOL body and checks its geometry (amp_bulk_pool_info_check()). */
static inline enum amp_bulk_status amp_bulk_pool_info_decode(const uint8_t *msg,
							     struct amp_bulk_pool_info *pi)
{
	const uint8_t *p = msg + AMP_BULK_HDR_SIZE;

	pi->generation = amp_bulk_get32(p);
	pi->base = (uint64_t)amp_bulk_get32(p + 4) | (uint64_t)amp_bulk_get32(p + 8) << 32;
	pi->size = amp_bulk_get32(p + 12);
	pi->slot_size = amp_bulk_get32(p + 16);
	pi->slot_count = amp_bulk_get32(p + 20);
	return amp_bulk_pool_info_check(pi);
}

static inline void amp_bulk_pool_ack_encode(uint8_t *msg, const struct amp_bulk_pool_ack *a)
{
	amp_bulk_put32(msg + AMP_BULK_HDR_SIZE, a->generation);
	amp_bulk_put32(msg + AMP_BULK_HDR_SIZE + 4, a->status);
}

static inline enum amp_bulk_status amp_bulk_pool_ack_decode(const uint8_t *msg,
							    struct amp_bulk_pool_ack *a)
{
	a->generation = amp_bulk_get32(msg + AMP_BULK_HDR_SIZE);
	a->status = amp_bulk_get32(msg + AMP_BULK_HDR_SIZE + 4);
	if (a->status > AMP_BULK_ACK_TOO_MANY)
		return AMP_BULK_E_INVAL;
	return AMP_BULK_OK;
}

#endif
