/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bulk slot tables of both ends, driven by a script of operations
 * (make_bulk_pool_seeds.py writes examples): honest ones, whose messages
 * are encoded, decoded and applied at once by the other end, and forged
 * messages, raw bytes or well-formed headers with arbitrary descriptors,
 * fed to a copy of either end.
 *
 * After every honest step the two tables must agree slot by slot: a slot
 * is never the host's and the remote's at once (no slot owned twice), and
 * every message one side sends the other accepts. A forged message may be
 * accepted or refused, descriptor by descriptor, but only a descriptor it
 * accepted may change a slot, only by the transition its type allows, and
 * no slot twice; the counters must add up.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <amp/bulk_pool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 6u
#define SLOT_SIZE 4096u
#define HOLDERS 3u

enum op {
	OP_HOST_ACQUIRE,
	OP_HOST_SUBMIT,
	OP_HOST_POST,
	OP_HOST_DONE,
	OP_HOST_UNFILL,
	OP_HOST_DROP_HOLDER,
	OP_REMOTE_ACQUIRE,
	OP_REMOTE_FILL,
	OP_REMOTE_RELEASE,
	OP_REMOTE_UNFILL,
	OP_RESTART,
	OP_HOST_STOP,
	OP_REMOTE_STOP,
	OP_FORGE_HOST,
	OP_FORGE_REMOTE,
	OP_RAW_HOST,
	OP_RAW_REMOTE,
	OP_COUNT
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t next8(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static uint32_t next32(struct input *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)next8(in) << (8 * i);
	return v;
}

/* Offsets and lengths: mostly near the slot's edges, sometimes anything. */
static uint32_t next_extent(struct input *in)
{
	static const uint32_t edges[] = {0,	     1, SLOT_SIZE - 1, SLOT_SIZE, SLOT_SIZE + 1,
					 0xffffffffu};
	uint8_t b = next8(in);

	if (b < 6 * 32)
		return edges[b % 6];
	return next32(in);
}

static uint32_t next_holder(struct input *in)
{
	return 0x40000000u + next8(in) % HOLDERS;
}

struct ends {
	struct amp_bulk_slot host_slots[SLOTS], remote_slots[SLOTS];
	struct amp_bulk_pool host, remote;
	uint32_t sent_descs[2]; /* descriptors each table was given to receive */
	bool stopped_since_restart;
};

/* Per-table: the state counts match the slots, the counters add up. */
static void check_table(const struct amp_bulk_pool *p, uint32_t received)
{
	uint32_t counted[AMP_BULK_SLOT_STATES] = {0}, sum = 0;
	const struct amp_bulk_counters *c = &p->counters;

	for (uint32_t i = 0; i < p->info.slot_count; i++) {
		check(p->slots[i].state < AMP_BULK_SLOT_STATES);
		counted[p->slots[i].state]++;
	}
	for (uint32_t s = 0; s < AMP_BULK_SLOT_STATES; s++) {
		check(counted[s] == p->in_state[s]);
		sum += counted[s];
	}
	check(sum == p->info.slot_count);
	check(c->refused ==
	      c->stale + c->bad_slot + c->bad_range + c->not_owner + c->duplicate + c->wrong_type);
	check(c->accepted + c->refused == received);
	if (p->role == AMP_BULK_ROLE_HOST)
		check(counted[AMP_BULK_SLOT_REMOTE_FILLING] == 0);
	else
		check(counted[AMP_BULK_SLOT_HOST_FILLING] == 0 &&
		      counted[AMP_BULK_SLOT_HOST_READING] == 0);
}

/*
 * Both tables agree on who has each slot, with nothing in flight. Once
 * either end stopped they may not (what went to a stopped end was
 * refused); the restart makes them agree again.
 */
static void check_agree(const struct ends *e)
{
	if (e->stopped_since_restart)
		return;
	check(e->host.info.generation == e->remote.info.generation);
	for (uint32_t i = 0; i < SLOTS; i++) {
		uint8_t h = e->host.slots[i].state, r = e->remote.slots[i].state;

		switch (h) {
		case AMP_BULK_SLOT_HOST:
		case AMP_BULK_SLOT_HOST_FILLING:
		case AMP_BULK_SLOT_HOST_READING:
			check(r == AMP_BULK_SLOT_HOST);
			break;
		case AMP_BULK_SLOT_REMOTE_READING:
			check(r == AMP_BULK_SLOT_REMOTE_READING);
			check(e->host.slots[i].holder == e->remote.slots[i].holder);
			break;
		case AMP_BULK_SLOT_REMOTE_EMPTY:
			check(r == AMP_BULK_SLOT_REMOTE_EMPTY || r == AMP_BULK_SLOT_REMOTE_FILLING);
			break;
		default:
			check(false);
		}
	}
}

/* Sends one honest descriptor: the other end must accept it. */
static void send_desc(struct ends *e, struct amp_bulk_pool *to, uint8_t type, uint32_t peer,
		      const struct amp_bulk_desc *d)
{
	uint8_t buf[AMP_BULK_MSG_MAX];
	struct amp_bulk_hdr h = {.type = type, .count = 1, .peer = peer};
	struct amp_bulk_received r;
	uint32_t len = amp_bulk_hdr_encode(buf, &h);

	check(len == AMP_BULK_HDR_SIZE + AMP_BULK_DESC_SIZE);
	amp_bulk_desc_encode(buf, 0, d);
	check(amp_bulk_receive_msg(to, buf, len, &r) == AMP_BULK_OK);
	e->sent_descs[to == &e->host ? 0 : 1]++;
	/* a stopped end refuses everything; the ends disagree until the restart */
	if (!to->ready)
		check(r.accepted == 0 && r.status[0] == AMP_BULK_E_NOPOOL);
	else
		check(r.accepted == 1 && r.status[0] == AMP_BULK_OK);
}

/*
 * The remote restarts: the host stops, announces, the remote adopts and
 * acknowledges; everything the host had lent comes back then.
 */
static void restart(struct ends *e)
{
	struct amp_bulk_pool_info next;
	uint32_t lent = e->host.in_state[AMP_BULK_SLOT_REMOTE_READING] +
			e->host.in_state[AMP_BULK_SLOT_REMOTE_EMPTY],
		 reclaimed;

	amp_bulk_remote_stop(&e->remote);
	amp_bulk_host_stop(&e->host);
	check(amp_bulk_host_new_generation(&e->host, &next) == AMP_BULK_OK);
	check(amp_bulk_remote_adopt(&e->remote, &next) == AMP_BULK_OK);
	check(e->remote.in_state[AMP_BULK_SLOT_HOST] == SLOTS);
	check(amp_bulk_host_acknowledged(&e->host, next.generation, &reclaimed) == AMP_BULK_OK);
	check(reclaimed == lent);
	check(e->host.in_state[AMP_BULK_SLOT_REMOTE_READING] == 0 &&
	      e->host.in_state[AMP_BULK_SLOT_REMOTE_EMPTY] == 0);
	e->stopped_since_restart = false;
}

/* The transition a received descriptor of this type may make, by role. */
static bool allowed(enum amp_bulk_role role, uint8_t type, uint8_t from, uint8_t to)
{
	if (role == AMP_BULK_ROLE_HOST)
		return (type == AMP_BULK_RELEASE && from == AMP_BULK_SLOT_REMOTE_READING &&
			to == AMP_BULK_SLOT_HOST) ||
		       (type == AMP_BULK_FILLED && from == AMP_BULK_SLOT_REMOTE_EMPTY &&
			to == AMP_BULK_SLOT_HOST_READING);
	return (type == AMP_BULK_SUBMIT && from == AMP_BULK_SLOT_HOST &&
		to == AMP_BULK_SLOT_REMOTE_READING) ||
	       (type == AMP_BULK_POST && from == AMP_BULK_SLOT_HOST &&
		to == AMP_BULK_SLOT_REMOTE_EMPTY);
}

/*
 * Feeds a forged message to a copy of one end and checks what it did; the
 * real end never sees it (it would no longer agree with the other).
 */
static void forge(const struct amp_bulk_pool *real, uint32_t received, const uint8_t *msg,
		  uint32_t len)
{
	struct amp_bulk_slot slots[SLOTS];
	struct amp_bulk_pool copy = *real;
	struct amp_bulk_received r;
	bool named[SLOTS] = {false};

	memcpy(slots, real->slots, sizeof(slots));
	copy.slots = slots;
	enum amp_bulk_status st = amp_bulk_receive_msg(&copy, msg, len, &r);

	if (st != AMP_BULK_OK) {
		check(r.accepted == 0);
		check(memcmp(slots, real->slots, sizeof(slots)) == 0);
		check(memcmp(&copy.counters, &real->counters, sizeof(copy.counters)) == 0);
		check_table(&copy, received);
		return;
	}
	check_table(&copy, received + r.hdr.count);
	uint32_t accepted = 0;

	for (uint32_t i = 0; i < r.hdr.count; i++) {
		if (r.status[i] != AMP_BULK_OK)
			continue;
		uint32_t s = r.descs[i].slot;

		accepted++;
		check(s < SLOTS);
		check(!named[s]); /* no slot moved twice by one message */
		named[s] = true;
		check(r.descs[i].generation == real->info.generation);
		check(r.descs[i].offset <= SLOT_SIZE &&
		      r.descs[i].length <= SLOT_SIZE - r.descs[i].offset);
		check(allowed(real->role, r.hdr.type, real->slots[s].state, slots[s].state));
	}
	check(accepted == r.accepted);
	for (uint32_t s = 0; s < SLOTS; s++)
		if (!named[s])
			check(memcmp(&slots[s], &real->slots[s], sizeof(slots[s])) == 0);
}

/* A well-formed header around arbitrary descriptors, mostly near the truth. */
static void forge_structured(struct ends *e, struct input *in, bool to_host)
{
	const struct amp_bulk_pool *p = to_host ? &e->host : &e->remote;
	uint8_t buf[AMP_BULK_MSG_MAX];
	struct amp_bulk_hdr h = {.type = (uint8_t)(AMP_BULK_SUBMIT + next8(in) % 4),
				 .count = (uint8_t)(1 + next8(in) % 4),
				 .peer = next_holder(in)};
	uint32_t len = amp_bulk_hdr_encode(buf, &h);

	check(len > 0);
	for (uint32_t i = 0; i < h.count; i++) {
		uint8_t how = next8(in);
		struct amp_bulk_desc d = {.slot = how & 0x80 ? next32(in) : next8(in) % (SLOTS + 1),
					  .offset = next_extent(in),
					  .length = next_extent(in),
					  .generation = p->info.generation};

		/* mostly the current generation; sometimes the one before or after */
		if ((how & 3) == 2)
			d.generation++;
		else if ((how & 3) == 3)
			d.generation--;
		amp_bulk_desc_encode(buf, i, &d);
	}
	forge(p, e->sent_descs[to_host ? 0 : 1], buf, len);
}

static void forge_raw(struct ends *e, struct input *in, bool to_host)
{
	const struct amp_bulk_pool *p = to_host ? &e->host : &e->remote;
	uint8_t buf[AMP_BULK_MSG_MAX];
	uint32_t len = next8(in) * 2u;

	if (len > sizeof(buf))
		len = sizeof(buf);
	for (uint32_t i = 0; i < len; i++)
		buf[i] = next8(in);
	/* give the bytes a fair chance of being a header */
	if (len >= AMP_BULK_HDR_SIZE && (buf[0] & 1)) {
		amp_bulk_put32(buf, AMP_BULK_MAGIC);
		buf[4] = AMP_BULK_VERSION;
	}
	forge(p, e->sent_descs[to_host ? 0 : 1], buf, len);
}

static void step(struct ends *e, struct input *in)
{
	enum op op = (enum op)(next8(in) % OP_COUNT);
	uint32_t holder = next_holder(in), slot = next8(in) % (SLOTS + 1);
	struct amp_bulk_desc d;

	switch (op) {
	case OP_HOST_ACQUIRE:
		(void)amp_bulk_acquire(&e->host, holder, &slot);
		break;
	case OP_HOST_SUBMIT: {
		uint32_t offset = next_extent(in), length = next_extent(in);

		if (amp_bulk_hand_over(&e->host, holder, slot, offset, length, &d) == AMP_BULK_OK)
			send_desc(e, &e->remote, AMP_BULK_SUBMIT, holder, &d);
		break;
	}
	case OP_HOST_POST:
		if (amp_bulk_host_post(&e->host, &d) == AMP_BULK_OK)
			send_desc(e, &e->remote, AMP_BULK_POST, 0, &d);
		break;
	case OP_HOST_DONE:
		(void)amp_bulk_done(&e->host, holder, slot, NULL);
		break;
	case OP_HOST_UNFILL:
		(void)amp_bulk_unfill(&e->host, holder, slot);
		break;
	case OP_HOST_DROP_HOLDER:
		(void)amp_bulk_host_drop_holder(&e->host, holder);
		break;
	case OP_REMOTE_ACQUIRE:
		(void)amp_bulk_acquire(&e->remote, holder, &slot);
		break;
	case OP_REMOTE_FILL: {
		uint32_t offset = next_extent(in), length = next_extent(in);

		if (amp_bulk_hand_over(&e->remote, holder, slot, offset, length, &d) == AMP_BULK_OK)
			send_desc(e, &e->host, AMP_BULK_FILLED, holder, &d);
		break;
	}
	case OP_REMOTE_RELEASE:
		if (amp_bulk_done(&e->remote, holder, slot, &d) == AMP_BULK_OK)
			send_desc(e, &e->host, AMP_BULK_RELEASE, holder, &d);
		break;
	case OP_REMOTE_UNFILL:
		(void)amp_bulk_unfill(&e->remote, holder, slot);
		break;
	case OP_RESTART:
		restart(e);
		break;
	case OP_HOST_STOP:
		amp_bulk_host_stop(&e->host);
		e->stopped_since_restart = true;
		break;
	case OP_REMOTE_STOP:
		amp_bulk_remote_stop(&e->remote);
		e->stopped_since_restart = true;
		break;
	case OP_FORGE_HOST:
	case OP_FORGE_REMOTE:
		forge_structured(e, in, op == OP_FORGE_HOST);
		break;
	case OP_RAW_HOST:
	case OP_RAW_REMOTE:
		forge_raw(e, in, op == OP_RAW_HOST);
		break;
	case OP_COUNT:
		break;
	}
	check_table(&e->host, e->sent_descs[0]);
	check_table(&e->remote, e->sent_descs[1]);
	check_agree(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ends e;
	struct input in = {data, size};
	struct amp_bulk_pool_info info = {.generation = 0,
					  .base = 0xd0000000u,
					  .size = SLOTS * SLOT_SIZE,
					  .slot_size = SLOT_SIZE,
					  .slot_count = SLOTS};

	memset(&e, 0, sizeof(e));
	/* the first byte picks the previous generation: wrap-around included */
	info.generation = next8(&in) == 0xff ? 0xffffffffu : 1;
	check(amp_bulk_host_init(&e.host, e.host_slots, SLOTS, &info) == AMP_BULK_OK);
	amp_bulk_remote_init(&e.remote, e.remote_slots, SLOTS);
	restart(&e);
	while (in.left > 0)
		step(&e, &in);
	return 0;
}
