/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink bulk transfers: who owns each slot of the shared pool.
 *
 * Both ends keep one of these tables and check every descriptor against it
 * (docs/protocol.md, "Bulk transfers"): the host (rpmsg_netlink, which owns
 * the pool and lends its slots to clients and to the remote) and the remote
 * (the firmware). A slot is always in exactly one state; every operation is
 * one transition of the ownership protocol, and refuses (with a distinct
 * enum amp_bulk_status, nothing changed) a descriptor whose generation,
 * slot, range or current owner does not fit it:
 *
 *   host to remote (the host sends SUBMIT, the remote RELEASE)
 *     host:   HOST -acquire-> HOST_FILLING -hand_over-> REMOTE_READING
 *             REMOTE_READING -receive RELEASE-> HOST
 *     remote: HOST -receive SUBMIT-> REMOTE_READING -done-> HOST
 *   remote to host (the host sends POST, the remote FILLED)
 *     host:   HOST -host_post-> REMOTE_EMPTY -receive FILLED-> HOST_READING -done-> HOST
 *     remote: HOST -receive POST-> REMOTE_EMPTY -acquire-> REMOTE_FILLING -hand_over-> HOST
 *   and back: unfill (FILLING to where it was taken from), host_drop_holder
 *   (a client's slots), host_acknowledged (everything lent, on proof).
 *
 * The remote's table does not know what the host does with its slots:
 * HOST there means "the host's, whatever for". Each non-free slot records a
 * holder, the local user that has it (on the host, the client's rpmsg
 * address; on the remote, the connection's peer), so that a user refers
 * only to its own slots and a user that goes away gives its slots back.
 *
 * Descriptors received from the other side (on_*) are counted: accepted,
 * or refused by reason. Local operations return the same statuses to their
 * caller, who answers its own user, and are not counted.
 *
 * Freestanding: no allocation (the caller gives the slot storage), no
 * locking (the caller serializes: the firmware's poll loop, the module's
 * channel lock), no libc beyond string.h; it builds for the M4, the host
 * tests and, through linux/types.h, the kernel module.
 */
#ifndef AMP_BULK_POOL_H
#define AMP_BULK_POOL_H

#include <amplink/bulk.h>

enum amp_bulk_role {
	AMP_BULK_ROLE_HOST = 1,	  /* owns the pool: rpmsg_netlink */
	AMP_BULK_ROLE_REMOTE = 2, /* borrows it: the firmware */
};

enum amp_bulk_slot_state {
	AMP_BULK_SLOT_HOST = 0,	      /* the host's, unused (remote's view: the host's) */
	AMP_BULK_SLOT_HOST_FILLING,   /* host: a client fills it, to submit */
	AMP_BULK_SLOT_HOST_READING,   /* host: a client reads what the remote filled */
	AMP_BULK_SLOT_REMOTE_READING, /* submitted: the remote reads it, owes a RELEASE */
	AMP_BULK_SLOT_REMOTE_EMPTY,   /* posted: the remote may fill it */
	AMP_BULK_SLOT_REMOTE_FILLING, /* remote's view only: a service fills a posted slot */
};
#define AMP_BULK_SLOT_STATES 6u

struct amp_bulk_slot {
	uint32_t holder; /* who has it (0 for HOST and REMOTE_EMPTY) */
	uint8_t state;	 /* enum amp_bulk_slot_state */
};

/* Descriptors received from the other side, by what became of them. */
struct amp_bulk_counters {
	uint32_t accepted;
	uint32_t refused; /* the sum of the reasons below */
	uint32_t stale;	  /* another generation, or no pool at all */
	uint32_t bad_slot;
	uint32_t bad_range;
	uint32_t not_owner;
	uint32_t duplicate;
	uint32_t wrong_type; /* a message type this side never receives */
};

struct amp_bulk_pool {
	enum amp_bulk_role role;
	bool ready;	/* a generation is current: descriptors are accepted */
	bool announced; /* host: a POOL went out, its POOL_ACK has not come */
	struct amp_bulk_pool_info info;
	struct amp_bulk_slot *slots;
	uint32_t capacity;			 /* entries in slots */
	uint32_t in_state[AMP_BULK_SLOT_STATES]; /* slots in each state */
	uint32_t next_free;			 /* where acquire and post look first */
	struct amp_bulk_counters counters;
};

/*
 * The host's table of a pool with this geometry. info's generation is the
 * last one used: amp_bulk_host_new_generation() counts on from it (the
 * module seeds it at random, so that a reloaded module does not repeat the
 * generation a running remote knows). The geometry is fixed
 * for the table's life: the pool is never freed while a remote may run.
 * AMP_BULK_E_GEOMETRY, or AMP_BULK_E_INVAL when capacity < slot_count.
 */
enum amp_bulk_status amp_bulk_host_init(struct amp_bulk_pool *p, struct amp_bulk_slot *storage,
					uint32_t capacity, const struct amp_bulk_pool_info *info);

/*
 * The remote's table, empty until a POOL is adopted; storage for capacity
 * slots (the largest pool this firmware takes).
 */
void amp_bulk_remote_init(struct amp_bulk_pool *p, struct amp_bulk_slot *storage,
			  uint32_t capacity);

/*
 * Host: the remote went away or is going (its bulk channel was removed).
 * Nothing is accepted or lent until a remote acknowledges a new generation.
 * Slots lent to it stay lent: a remote being stopped may still write them
 * (remoteproc removes the channels before it stops the processor).
 */
void amp_bulk_host_stop(struct amp_bulk_pool *p);

/*
 * Host: starts the next generation (a bring-up of the bulk channel) and
 * fills *info with the POOL to announce. Nothing is accepted or lent until
 * the remote acknowledges it; slots clients hold stay theirs.
 */
enum amp_bulk_status amp_bulk_host_new_generation(struct amp_bulk_pool *p,
						  struct amp_bulk_pool_info *info);

/*
 * Host: the remote acknowledged this generation's POOL (POOL_ACK OK). A
 * remote that adopted a pool holds none of its slots, whatever it held
 * before (it is a new instance, or it gave them up to adopt), so the slots
 * lent before come back now, and only now: *reclaimed says how many.
 * AMP_BULK_E_STALE for another generation's acknowledgement,
 * AMP_BULK_E_ALREADY for a second one (nothing changes).
 */
enum amp_bulk_status amp_bulk_host_acknowledged(struct amp_bulk_pool *p, uint32_t generation,
						uint32_t *reclaimed);

/* Host: a client went away; the slots it held become HOST. Returns how many. */
uint32_t amp_bulk_host_drop_holder(struct amp_bulk_pool *p, uint32_t holder);

/*
 * Remote: adopts an announced pool (checked again here), every slot the
 * host's. AMP_BULK_E_GEOMETRY, or AMP_BULK_E_NOSLOT when it has more slots
 * than the table holds. Whether the remote can reach base..base+size is
 * the port's to check before. The caller first makes every user give up
 * the slots of the old pool (the SDK ends bulk work in progress): its
 * POOL_ACK tells the host that nothing here touches them any more.
 */
enum amp_bulk_status amp_bulk_remote_adopt(struct amp_bulk_pool *p,
					   const struct amp_bulk_pool_info *info);

/* Remote: the link went down; nothing is accepted until the next POOL. */
void amp_bulk_remote_stop(struct amp_bulk_pool *p);

/*
 * Either side: takes a slot of its own to fill for holder (host: a free
 * slot; remote: a posted one). AMP_BULK_E_NOSLOT when there is none.
 */
enum amp_bulk_status amp_bulk_acquire(struct amp_bulk_pool *p, uint32_t holder, uint32_t *slot);

/* Either side: gives back an acquired slot unfilled. */
enum amp_bulk_status amp_bulk_unfill(struct amp_bulk_pool *p, uint32_t holder, uint32_t slot);

/*
 * Either side: holder hands over a slot it filled, bytes offset..offset+length
 * (at least one): the host submits it (SUBMIT), the remote returns it filled
 * (FILLED). *d is the descriptor to send, stamped with the generation.
 */
enum amp_bulk_status amp_bulk_hand_over(struct amp_bulk_pool *p, uint32_t holder, uint32_t slot,
					uint32_t offset, uint32_t length, struct amp_bulk_desc *d);

/*
 * Either side: holder is done reading a slot the other side handed over
 * (host: a client read a FILLED slot, which is then the host's to post
 * again; remote: a service read a SUBMITted slot, to RELEASE with *d).
 * d may be NULL.
 */
enum amp_bulk_status amp_bulk_done(struct amp_bulk_pool *p, uint32_t holder, uint32_t slot,
				   struct amp_bulk_desc *d);

/* Host: lends a free slot to the remote to fill (POST); *d is the descriptor to send. */
enum amp_bulk_status amp_bulk_host_post(struct amp_bulk_pool *p, struct amp_bulk_desc *d);

/*
 * The other side's descriptor of a message of this type (enum
 * amp_bulk_type), for holder (the message's peer): checked and applied, or
 * refused and counted.
 *   host:   RELEASE (REMOTE_READING -> HOST), FILLED (REMOTE_EMPTY -> HOST_READING)
 *   remote: SUBMIT (HOST -> REMOTE_READING), POST (HOST -> REMOTE_EMPTY; whole slots)
 * Any other type for the role: AMP_BULK_E_TYPE, counted as refused.
 * The holder is not checked against the slot's: the other side is one
 * party, and which of its users has a slot is its own business.
 */
enum amp_bulk_status amp_bulk_receive_desc(struct amp_bulk_pool *p, uint8_t type, uint32_t holder,
					   const struct amp_bulk_desc *d);

/* A received descriptor message, copied out of shared memory and applied. */
struct amp_bulk_received {
	struct amp_bulk_hdr hdr;
	struct amp_bulk_desc descs[AMP_BULK_DESC_MAX];
	enum amp_bulk_status status[AMP_BULK_DESC_MAX];
	uint32_t accepted; /* descriptors applied */
};

/*
 * Decodes a descriptor message of len bytes (the RPMsg buffer, read once)
 * and applies each descriptor for the header's peer. Descriptors are judged
 * one by one: the valid ones take effect even when others are refused, so
 * the caller of a partly refused SUBMIT or FILLED must hand its accepted
 * slots back (done) instead of delivering the message. Returns the header's
 * status (nothing applied when it fails), else AMP_BULK_OK.
 */
enum amp_bulk_status amp_bulk_receive_msg(struct amp_bulk_pool *p, const uint8_t *msg, uint32_t len,
					  struct amp_bulk_received *out);

/* How many slots are in a state (kept in step with every transition). */
uint32_t amp_bulk_pool_count(const struct amp_bulk_pool *p, enum amp_bulk_slot_state state);

/* A slot's state and holder, for tests and diagnostics. */
const struct amp_bulk_slot *amp_bulk_pool_slot(const struct amp_bulk_pool *p, uint32_t slot);

#endif
