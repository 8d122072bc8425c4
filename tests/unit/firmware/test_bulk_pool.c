/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bulk slot table (firmware/sdk/bulk_pool.c), a host's and a remote's
 * talking through encoded messages: both directions end to end, every
 * refusal of a received descriptor (slot, range with u32 wrap, generation,
 * owner, duplicate, type) with its counter and no change of state, the
 * local users' mistakes, and the lifecycle (lent slots come back only when
 * a remote acknowledges a new generation, whose descriptors are the only
 * ones accepted then; clients going away).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <amp/bulk_pool.h>

#define SLOTS 8u
#define SLOT_SIZE 4096u
#define CLIENT_A 0x40000001u
#define CLIENT_B 0x40000002u

struct link {
	struct amp_bulk_slot host_slots[SLOTS], remote_slots[SLOTS];
	struct amp_bulk_pool host, remote;
	uint32_t generation;
};

static void link_up(struct link *l)
{
	const struct amp_bulk_pool_info geometry = {.base = 0xd0000000u,
						    .size = SLOTS * SLOT_SIZE,
						    .slot_size = SLOT_SIZE,
						    .slot_count = SLOTS};
	struct amp_bulk_pool_info announced;
	uint32_t reclaimed;

	memset(l, 0, sizeof(*l));
	assert_int_equal(amp_bulk_host_init(&l->host, l->host_slots, SLOTS, &geometry),
			 AMP_BULK_OK);
	amp_bulk_remote_init(&l->remote, l->remote_slots, SLOTS);
	assert_int_equal(amp_bulk_host_new_generation(&l->host, &announced), AMP_BULK_OK);
	assert_int_equal(amp_bulk_remote_adopt(&l->remote, &announced), AMP_BULK_OK);
	assert_int_equal(amp_bulk_host_acknowledged(&l->host, announced.generation, &reclaimed),
			 AMP_BULK_OK);
	assert_int_equal(reclaimed, 0);
	l->generation = announced.generation;
}

/* One descriptor message as it would cross, decoded and applied by pool. */
static enum amp_bulk_status deliver(struct amp_bulk_pool *p, uint8_t type, uint32_t peer,
				    const struct amp_bulk_desc *descs, uint8_t count,
				    struct amp_bulk_received *out)
{
	uint8_t buf[AMP_BULK_MSG_MAX];
	struct amp_bulk_hdr h = {
		.type = type, .count = count, .peer = peer, .conn_id = 1, .seq = 1};
	uint32_t len = amp_bulk_hdr_encode(buf, &h);

	assert_true(len > 0);
	for (uint8_t i = 0; i < count; i++)
		amp_bulk_desc_encode(buf, i, &descs[i]);
	return amp_bulk_receive_msg(p, buf, len, out);
}

/* One descriptor, expecting status; checks the counters moved by exactly one. */
static void deliver_one(struct amp_bulk_pool *p, uint8_t type, uint32_t peer,
			struct amp_bulk_desc d, enum amp_bulk_status want)
{
	struct amp_bulk_counters before = p->counters;
	struct amp_bulk_received r;

	assert_int_equal(deliver(p, type, peer, &d, 1, &r), AMP_BULK_OK);
	assert_int_equal(r.status[0], want);
	assert_int_equal(r.accepted, want == AMP_BULK_OK ? 1 : 0);
	assert_int_equal(p->counters.accepted + p->counters.refused,
			 before.accepted + before.refused + 1);
	assert_int_equal(p->counters.refused,
			 p->counters.stale + p->counters.bad_slot + p->counters.bad_range +
				 p->counters.not_owner + p->counters.duplicate +
				 p->counters.wrong_type);
}

static uint8_t state_of(const struct amp_bulk_pool *p, uint32_t slot)
{
	return amp_bulk_pool_slot(p, slot)->state;
}

static uint32_t total(const struct amp_bulk_pool *p)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < AMP_BULK_SLOT_STATES; s++)
		n += amp_bulk_pool_count(p, (enum amp_bulk_slot_state)s);
	return n;
}

static void test_host_to_remote_round_trip(void **state)
{
	struct link l;
	struct amp_bulk_desc d, rel;
	uint32_t slot;

	(void)state;
	link_up(&l);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &slot), AMP_BULK_OK);
	assert_int_equal(state_of(&l.host, slot), AMP_BULK_SLOT_HOST_FILLING);
	assert_int_equal(amp_bulk_hand_over(&l.host, CLIENT_A, slot, 100, 3000, &d), AMP_BULK_OK);
	assert_int_equal(d.slot, slot);
	assert_int_equal(d.offset, 100);
	assert_int_equal(d.length, 3000);
	assert_int_equal(d.generation, l.generation);
	assert_int_equal(state_of(&l.host, slot), AMP_BULK_SLOT_REMOTE_READING);
	assert_int_equal(amp_bulk_pool_slot(&l.host, slot)->holder, CLIENT_A);

	deliver_one(&l.remote, AMP_BULK_SUBMIT, CLIENT_A, d, AMP_BULK_OK);
	assert_int_equal(state_of(&l.remote, slot), AMP_BULK_SLOT_REMOTE_READING);
	assert_int_equal(amp_bulk_pool_slot(&l.remote, slot)->holder, CLIENT_A);
	/* only the connection it was submitted to may release it */
	assert_int_equal(amp_bulk_done(&l.remote, CLIENT_B, slot, &rel), AMP_BULK_E_OWNER);
	assert_int_equal(amp_bulk_done(&l.remote, CLIENT_A, slot, &rel), AMP_BULK_OK);
	assert_int_equal(amp_bulk_done(&l.remote, CLIENT_A, slot, &rel), AMP_BULK_E_ALREADY);
	assert_int_equal(state_of(&l.remote, slot), AMP_BULK_SLOT_HOST);

	deliver_one(&l.host, AMP_BULK_RELEASE, CLIENT_A, rel, AMP_BULK_OK);
	assert_int_equal(state_of(&l.host, slot), AMP_BULK_SLOT_HOST);
	assert_int_equal(amp_bulk_pool_count(&l.host, AMP_BULK_SLOT_HOST), SLOTS);
	assert_int_equal(amp_bulk_pool_count(&l.remote, AMP_BULK_SLOT_HOST), SLOTS);
	/* the same RELEASE again is a duplicate, counted as such */
	deliver_one(&l.host, AMP_BULK_RELEASE, CLIENT_A, rel, AMP_BULK_E_ALREADY);
	assert_int_equal(l.host.counters.duplicate, 1);
}

static void test_remote_to_host_round_trip(void **state)
{
	struct link l;
	struct amp_bulk_desc posted, filled;
	uint32_t slot;

	(void)state;
	link_up(&l);
	/* the remote has nothing to fill until the host posts */
	assert_int_equal(amp_bulk_acquire(&l.remote, CLIENT_A, &slot), AMP_BULK_E_NOSLOT);
	assert_int_equal(amp_bulk_host_post(&l.host, &posted), AMP_BULK_OK);
	assert_int_equal(posted.offset, 0);
	assert_int_equal(posted.length, SLOT_SIZE);
	assert_int_equal(state_of(&l.host, posted.slot), AMP_BULK_SLOT_REMOTE_EMPTY);
	deliver_one(&l.remote, AMP_BULK_POST, 0, posted, AMP_BULK_OK);

	assert_int_equal(amp_bulk_acquire(&l.remote, CLIENT_A, &slot), AMP_BULK_OK);
	assert_int_equal(slot, posted.slot);
	assert_int_equal(amp_bulk_acquire(&l.remote, CLIENT_A, &slot), AMP_BULK_E_NOSLOT);
	assert_int_equal(amp_bulk_hand_over(&l.remote, CLIENT_A, posted.slot, 0, 42, &filled),
			 AMP_BULK_OK);
	assert_int_equal(state_of(&l.remote, posted.slot), AMP_BULK_SLOT_HOST);

	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_B, filled, AMP_BULK_OK);
	assert_int_equal(state_of(&l.host, posted.slot), AMP_BULK_SLOT_HOST_READING);
	assert_int_equal(amp_bulk_pool_slot(&l.host, posted.slot)->holder, CLIENT_B);
	/* read in place by the client it was meant for, then the host's again */
	assert_int_equal(amp_bulk_done(&l.host, CLIENT_A, posted.slot, NULL), AMP_BULK_E_OWNER);
	assert_int_equal(amp_bulk_done(&l.host, CLIENT_B, posted.slot, NULL), AMP_BULK_OK);
	assert_int_equal(amp_bulk_done(&l.host, CLIENT_B, posted.slot, NULL), AMP_BULK_E_ALREADY);
	assert_int_equal(amp_bulk_pool_count(&l.host, AMP_BULK_SLOT_HOST), SLOTS);
	assert_int_equal(total(&l.host), SLOTS);
	assert_int_equal(total(&l.remote), SLOTS);
}

static void test_received_descriptors_checked(void **state)
{
	struct link l;
	struct amp_bulk_desc posted, d;
	uint32_t slot;

	(void)state;
	link_up(&l);
	assert_int_equal(amp_bulk_host_post(&l.host, &posted), AMP_BULK_OK);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &slot), AMP_BULK_OK);

	/* FILLED at the host: posted.slot is lent empty, slot is CLIENT_A's */
	d = (struct amp_bulk_desc){posted.slot, 0, 10, l.generation};
	d.slot = SLOTS;
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_SLOT);
	d.slot = 0xffffffffu;
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_SLOT);
	assert_int_equal(l.host.counters.bad_slot, 2);

	d = (struct amp_bulk_desc){posted.slot, SLOT_SIZE + 1, 0, l.generation};
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_RANGE);
	d.offset = 1;
	d.length = 0xffffffffu; /* offset + length wraps to 0 in 32 bits */
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_RANGE);
	d.offset = 0;
	d.length = SLOT_SIZE + 1;
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_RANGE);
	d.length = 0; /* a message by reference carries bytes */
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_RANGE);
	assert_int_equal(l.host.counters.bad_range, 4);

	d = (struct amp_bulk_desc){posted.slot, 0, 10, l.generation + 1};
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_STALE);
	/* a stale generation is reported as such even when the slot is out of range */
	d.slot = SLOTS + 5;
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_STALE);
	assert_int_equal(l.host.counters.stale, 2);

	/* the remote claims to have filled a slot the host never lent it */
	d = (struct amp_bulk_desc){slot, 0, 10, l.generation};
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_OWNER);
	/* and releases a slot it was posted, not submitted */
	d.slot = posted.slot;
	deliver_one(&l.host, AMP_BULK_RELEASE, CLIENT_A, d, AMP_BULK_E_OWNER);
	assert_int_equal(l.host.counters.not_owner, 2);
	/* types only the host sends */
	deliver_one(&l.host, AMP_BULK_SUBMIT, CLIENT_A, d, AMP_BULK_E_TYPE);
	deliver_one(&l.host, AMP_BULK_POST, CLIENT_A, d, AMP_BULK_E_TYPE);
	assert_int_equal(l.host.counters.wrong_type, 2);

	/* nothing above changed a slot */
	assert_int_equal(state_of(&l.host, posted.slot), AMP_BULK_SLOT_REMOTE_EMPTY);
	assert_int_equal(state_of(&l.host, slot), AMP_BULK_SLOT_HOST_FILLING);
	assert_int_equal(amp_bulk_pool_count(&l.host, AMP_BULK_SLOT_HOST), SLOTS - 2);
	assert_int_equal(l.host.counters.accepted, 0);
	assert_int_equal(l.host.counters.refused, 12);
}

static void test_remote_checks_posts_and_submits(void **state)
{
	struct link l;
	struct amp_bulk_desc d = {.slot = 2, .offset = 0, .length = SLOT_SIZE};
	uint32_t slot;

	(void)state;
	link_up(&l);
	d.generation = l.generation;
	d.length = SLOT_SIZE - 1; /* a POST lends whole slots */
	deliver_one(&l.remote, AMP_BULK_POST, 0, d, AMP_BULK_E_RANGE);
	d.offset = 1;
	d.length = SLOT_SIZE - 1;
	deliver_one(&l.remote, AMP_BULK_POST, 0, d, AMP_BULK_E_RANGE);
	d.offset = 0;
	d.length = SLOT_SIZE;
	deliver_one(&l.remote, AMP_BULK_POST, 0, d, AMP_BULK_OK);
	deliver_one(&l.remote, AMP_BULK_POST, 0, d, AMP_BULK_E_ALREADY);
	/* a slot posted to be filled cannot also be submitted to be read */
	d.length = 10;
	deliver_one(&l.remote, AMP_BULK_SUBMIT, CLIENT_A, d, AMP_BULK_E_OWNER);
	/* types only the remote sends */
	deliver_one(&l.remote, AMP_BULK_FILLED, CLIENT_A, d, AMP_BULK_E_TYPE);
	deliver_one(&l.remote, AMP_BULK_RELEASE, CLIENT_A, d, AMP_BULK_E_TYPE);

	assert_int_equal(amp_bulk_acquire(&l.remote, CLIENT_A, &slot), AMP_BULK_OK);
	assert_int_equal(slot, 2);
	/* filling stays inside the slot, by the one who took it */
	assert_int_equal(amp_bulk_hand_over(&l.remote, CLIENT_A, slot, 1, SLOT_SIZE, NULL),
			 AMP_BULK_E_RANGE);
	assert_int_equal(amp_bulk_hand_over(&l.remote, CLIENT_A, slot, 0, 0, NULL),
			 AMP_BULK_E_RANGE);
	assert_int_equal(amp_bulk_hand_over(&l.remote, CLIENT_B, slot, 0, 1, NULL),
			 AMP_BULK_E_OWNER);
	assert_int_equal(amp_bulk_unfill(&l.remote, CLIENT_B, slot), AMP_BULK_E_OWNER);
	assert_int_equal(amp_bulk_unfill(&l.remote, CLIENT_A, slot), AMP_BULK_OK);
	assert_int_equal(amp_bulk_unfill(&l.remote, CLIENT_A, slot), AMP_BULK_E_ALREADY);
	assert_int_equal(state_of(&l.remote, slot), AMP_BULK_SLOT_REMOTE_EMPTY);
}

static void test_message_applied_descriptor_by_descriptor(void **state)
{
	struct link l;
	struct amp_bulk_desc d[3];
	struct amp_bulk_received r;
	uint32_t a, b;

	(void)state;
	link_up(&l);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &a), AMP_BULK_OK);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &b), AMP_BULK_OK);
	assert_int_equal(amp_bulk_hand_over(&l.host, CLIENT_A, a, 0, SLOT_SIZE, &d[0]),
			 AMP_BULK_OK);
	assert_int_equal(amp_bulk_hand_over(&l.host, CLIENT_A, b, 0, 1, &d[2]), AMP_BULK_OK);
	d[1] = d[0]; /* the same slot twice in one message */
	assert_int_equal(deliver(&l.remote, AMP_BULK_SUBMIT, CLIENT_A, d, 3, &r), AMP_BULK_OK);
	assert_int_equal(r.hdr.count, 3);
	assert_int_equal(r.accepted, 2);
	assert_int_equal(r.status[0], AMP_BULK_OK);
	assert_int_equal(r.status[1], AMP_BULK_E_ALREADY);
	assert_int_equal(r.status[2], AMP_BULK_OK);
	assert_int_equal(r.descs[2].slot, b);
	assert_int_equal(amp_bulk_pool_count(&l.remote, AMP_BULK_SLOT_REMOTE_READING), 2);

	/* a message whose header fails applies nothing */
	uint8_t buf[AMP_BULK_MSG_MAX];
	struct amp_bulk_hdr h = {.type = AMP_BULK_SUBMIT, .count = 1, .peer = CLIENT_A};
	uint32_t len = amp_bulk_hdr_encode(buf, &h);

	amp_bulk_desc_encode(buf, 0, &d[0]);
	struct amp_bulk_counters before = l.remote.counters;

	assert_int_equal(amp_bulk_receive_msg(&l.remote, buf, len - 1, &r), AMP_BULK_E_LENGTH);
	assert_int_equal(r.accepted, 0);
	/* POOL is the caller's to adopt, not a descriptor message */
	h = (struct amp_bulk_hdr){.type = AMP_BULK_POOL};
	len = amp_bulk_hdr_encode(buf, &h);
	assert_int_equal(amp_bulk_receive_msg(&l.remote, buf, len, &r), AMP_BULK_E_TYPE);
	assert_memory_equal(&before, &l.remote.counters, sizeof(before));
}

static void test_back_pressure_when_slots_run_out(void **state)
{
	struct link l;
	struct amp_bulk_desc d;
	uint32_t slot, seen = 0;

	(void)state;
	link_up(&l);
	for (uint32_t i = 0; i < SLOTS; i++) {
		assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &slot), AMP_BULK_OK);
		assert_true(slot < SLOTS);
		assert_false(seen & 1u << slot); /* never the same slot twice */
		seen |= 1u << slot;
	}
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_B, &slot), AMP_BULK_E_NOSLOT);
	assert_int_equal(amp_bulk_host_post(&l.host, &d), AMP_BULK_E_NOSLOT);
	assert_int_equal(amp_bulk_unfill(&l.host, CLIENT_A, 3), AMP_BULK_OK);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_B, &slot), AMP_BULK_OK);
	assert_int_equal(slot, 3);
	/* local users name slots by index: out of range is refused, not counted */
	assert_int_equal(amp_bulk_hand_over(&l.host, CLIENT_A, SLOTS, 0, 1, &d), AMP_BULK_E_SLOT);
	assert_int_equal(amp_bulk_done(&l.host, CLIENT_A, 0xffffffffu, &d), AMP_BULK_E_SLOT);
	assert_int_equal(l.host.counters.refused, 0);
}

static void test_lent_slots_come_back_only_on_acknowledgement(void **state)
{
	struct link l;
	struct amp_bulk_desc submitted, posted, held_desc;
	struct amp_bulk_pool_info next;
	uint32_t slot, held, reclaimed;

	(void)state;
	link_up(&l);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &slot), AMP_BULK_OK);
	assert_int_equal(amp_bulk_hand_over(&l.host, CLIENT_A, slot, 0, 8, &submitted),
			 AMP_BULK_OK);
	assert_int_equal(amp_bulk_host_post(&l.host, &posted), AMP_BULK_OK);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_B, &held), AMP_BULK_OK);

	/* the remote leaves: nothing is accepted or lent, and what it had stays lent */
	amp_bulk_host_stop(&l.host);
	deliver_one(&l.host, AMP_BULK_RELEASE, 0, submitted, AMP_BULK_E_NOPOOL);
	assert_int_equal(amp_bulk_host_post(&l.host, &posted), AMP_BULK_E_NOPOOL);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &slot), AMP_BULK_E_NOPOOL);
	assert_int_equal(l.host.counters.stale, 1);
	assert_int_equal(amp_bulk_host_acknowledged(&l.host, l.generation, &reclaimed),
			 AMP_BULK_E_STALE);

	/* the next bring-up announces; until the remote acknowledges, still nothing */
	assert_int_equal(amp_bulk_host_new_generation(&l.host, &next), AMP_BULK_OK);
	assert_int_equal(next.generation, l.generation + 1);
	assert_int_equal(next.slot_count, SLOTS);
	assert_int_equal(amp_bulk_host_post(&l.host, &posted), AMP_BULK_E_NOPOOL);
	assert_int_equal(state_of(&l.host, submitted.slot), AMP_BULK_SLOT_REMOTE_READING);
	assert_int_equal(state_of(&l.host, posted.slot), AMP_BULK_SLOT_REMOTE_EMPTY);
	/* an acknowledgement of the old generation proves nothing */
	assert_int_equal(amp_bulk_host_acknowledged(&l.host, l.generation, &reclaimed),
			 AMP_BULK_E_STALE);
	assert_int_equal(reclaimed, 0);
	assert_int_equal(amp_bulk_pool_count(&l.host, AMP_BULK_SLOT_HOST), SLOTS - 3);

	/* the remote adopts the new pool: whatever it had is the host's */
	amp_bulk_remote_stop(&l.remote);
	deliver_one(&l.remote, AMP_BULK_POST, 0, posted, AMP_BULK_E_NOPOOL);
	assert_int_equal(amp_bulk_remote_adopt(&l.remote, &next), AMP_BULK_OK);
	assert_int_equal(amp_bulk_pool_count(&l.remote, AMP_BULK_SLOT_HOST), SLOTS);
	assert_int_equal(amp_bulk_host_acknowledged(&l.host, next.generation, &reclaimed),
			 AMP_BULK_OK);
	assert_int_equal(reclaimed, 2);
	assert_int_equal(amp_bulk_host_acknowledged(&l.host, next.generation, &reclaimed),
			 AMP_BULK_E_ALREADY);
	assert_int_equal(amp_bulk_pool_count(&l.host, AMP_BULK_SLOT_HOST), SLOTS - 1);

	/* the old generation's descriptors are stale from now on, on both ends */
	deliver_one(&l.host, AMP_BULK_RELEASE, 0, submitted, AMP_BULK_E_STALE);
	deliver_one(&l.remote, AMP_BULK_POST, 0, posted, AMP_BULK_E_STALE);
	/* a client's slot survived the restart, and is handed over in the new generation */
	assert_int_equal(state_of(&l.host, held), AMP_BULK_SLOT_HOST_FILLING);
	assert_int_equal(amp_bulk_hand_over(&l.host, CLIENT_B, held, 0, 1, &held_desc),
			 AMP_BULK_OK);
	assert_int_equal(held_desc.generation, next.generation);
	deliver_one(&l.remote, AMP_BULK_SUBMIT, CLIENT_B, held_desc, AMP_BULK_OK);
}

static void test_client_gone_gives_slots_back(void **state)
{
	struct link l;
	struct amp_bulk_desc posted, filled, submitted;
	uint32_t a1, a2, b, slot;

	(void)state;
	link_up(&l);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &a1), AMP_BULK_OK);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_B, &b), AMP_BULK_OK);
	assert_int_equal(amp_bulk_acquire(&l.host, CLIENT_A, &a2), AMP_BULK_OK);
	assert_int_equal(amp_bulk_hand_over(&l.host, CLIENT_A, a2, 0, 1, &submitted), AMP_BULK_OK);
	assert_int_equal(amp_bulk_host_post(&l.host, &posted), AMP_BULK_OK);
	deliver_one(&l.remote, AMP_BULK_POST, 0, posted, AMP_BULK_OK);
	assert_int_equal(amp_bulk_acquire(&l.remote, CLIENT_A, &slot), AMP_BULK_OK);
	assert_int_equal(amp_bulk_hand_over(&l.remote, CLIENT_A, slot, 0, 5, &filled), AMP_BULK_OK);
	deliver_one(&l.host, AMP_BULK_FILLED, CLIENT_A, filled, AMP_BULK_OK);

	/* A's filling and reading slots come back; its submitted one stays the remote's */
	assert_int_equal(amp_bulk_host_drop_holder(&l.host, CLIENT_A), 2);
	assert_int_equal(state_of(&l.host, a1), AMP_BULK_SLOT_HOST);
	assert_int_equal(state_of(&l.host, filled.slot), AMP_BULK_SLOT_HOST);
	assert_int_equal(state_of(&l.host, a2), AMP_BULK_SLOT_REMOTE_READING);
	assert_int_equal(state_of(&l.host, b), AMP_BULK_SLOT_HOST_FILLING);
	assert_int_equal(amp_bulk_host_drop_holder(&l.host, CLIENT_A), 0);
}

static void test_init_refuses_bad_pools_and_roles(void **state)
{
	struct amp_bulk_slot slots[SLOTS];
	struct amp_bulk_pool host, remote;
	struct amp_bulk_pool_info pi = {.base = 0xd0000000u,
					.size = SLOTS * SLOT_SIZE,
					.slot_size = SLOT_SIZE,
					.slot_count = SLOTS};
	struct amp_bulk_desc d;
	uint32_t slot;

	(void)state;
	assert_int_equal(amp_bulk_host_init(&host, slots, SLOTS - 1, &pi), AMP_BULK_E_INVAL);
	pi.slot_count = SLOTS + 1;
	assert_int_equal(amp_bulk_host_init(&host, slots, SLOTS + 1, &pi), AMP_BULK_E_GEOMETRY);
	pi.slot_count = SLOTS;
	pi.generation = 0xffffffffu; /* the previous generation: the next one skips 0 */
	assert_int_equal(amp_bulk_host_init(&host, slots, SLOTS, &pi), AMP_BULK_OK);
	/* nothing before the first generation */
	assert_int_equal(amp_bulk_acquire(&host, CLIENT_A, &slot), AMP_BULK_E_NOPOOL);
	assert_int_equal(amp_bulk_host_new_generation(&host, &pi), AMP_BULK_OK);
	assert_int_equal(pi.generation, 1);
	assert_int_equal(amp_bulk_acquire(&host, CLIENT_A, &slot), AMP_BULK_E_NOPOOL);

	amp_bulk_remote_init(&remote, slots, SLOTS - 1);
	assert_int_equal(amp_bulk_remote_adopt(&remote, &pi), AMP_BULK_E_NOSLOT);
	pi.generation = 0;
	assert_int_equal(amp_bulk_remote_adopt(&remote, &pi), AMP_BULK_E_GEOMETRY);
	/* the host's operations are not the remote's, and the other way round */
	assert_int_equal(amp_bulk_host_post(&remote, &d), AMP_BULK_E_INVAL);
	assert_int_equal(amp_bulk_host_new_generation(&remote, &pi), AMP_BULK_E_INVAL);
	assert_int_equal(amp_bulk_remote_adopt(&host, &pi), AMP_BULK_E_INVAL);
	assert_null(amp_bulk_pool_slot(&host, SLOTS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_to_remote_round_trip),
		cmocka_unit_test(test_remote_to_host_round_trip),
		cmocka_unit_test(test_received_descriptors_checked),
		cmocka_unit_test(test_remote_checks_posts_and_submits),
		cmocka_unit_test(test_message_applied_descriptor_by_descriptor),
		cmocka_unit_test(test_back_pressure_when_slots_run_out),
		cmocka_unit_test(test_lent_slots_come_back_only_on_acknowledgement),
		cmocka_unit_test(test_client_gone_gives_slots_back),
		cmocka_unit_test(test_init_refuses_bad_pools_and_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
