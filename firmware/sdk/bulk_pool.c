/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The slot table of bulk transfers: the ownership protocol's transitions
 * and the checks on every descriptor (amp/bulk_pool.h).
 */
#include <amp/bulk_pool.h>

static void set_state(struct amp_bulk_pool *p, uint32_t slot, enum amp_bulk_slot_state state,
		      uint32_t holder)
{
	struct amp_bulk_slot *s = &p->slots[slot];

	p->in_state[s->state]--;
	p->in_state[state]++;
	s->state = (uint8_t)state;
	s->holder = holder;
}

static void reset_slots(struct amp_bulk_pool *p)
{
	for (uint32_t i = 0; i < AMP_BULK_SLOT_STATES; i++)
		p->in_state[i] = 0;
	for (uint32_t i = 0; i < p->info.slot_count; i++) {
		p->slots[i].state = AMP_BULK_SLOT_HOST;
		p->slots[i].holder = 0;
	}
	p->in_state[AMP_BULK_SLOT_HOST] = p->info.slot_count;
	p->next_free = 0;
}

enum amp_bulk_status amp_bulk_host_init(struct amp_bulk_pool *p, struct amp_bulk_slot *storage,
					uint32_t capacity, const struct amp_bulk_pool_info *info)
{
	struct amp_bulk_pool_info checked = *info;

	/* the check wants a generation; the previous one may be 0 */
	checked.generation = 1;
	if (amp_bulk_pool_info_check(&checked) != AMP_BULK_OK)
		return AMP_BULK_E_GEOMETRY;
	if (storage == NULL || capacity < info->slot_count)
		return AMP_BULK_E_INVAL;
	memset(p, 0, sizeof(*p));
	p->role = AMP_BULK_ROLE_HOST;
	p->info = *info;
	p->slots = storage;
	p->capacity = capacity;
	reset_slots(p);
	return AMP_BULK_OK;
}

void amp_bulk_remote_init(struct amp_bulk_pool *p, struct amp_bulk_slot *storage, uint32_t capacity)
{
	memset(p, 0, sizeof(*p));
	p->role = AMP_BULK_ROLE_REMOTE;
	p->slots = storage;
	p->capacity = storage != NULL ? capacity : 0;
}

void amp_bulk_host_stop(struct amp_bulk_pool *p)
{
	if (p->role != AMP_BULK_ROLE_HOST)
		return;
	p->ready = false;
	p->announced = false;
}

enum amp_bulk_status amp_bulk_host_new_generation(struct amp_bulk_pool *p,
						  struct amp_bulk_pool_info *info)
{
	if (p->role != AMP_BULK_ROLE_HOST)
		return AMP_BULK_E_INVAL;
	p->info.generation++;
	if (p->info.generation == 0) /* 0 means "none" on the wire */
		p->info.generation = 1;
	p->ready = false;
	p->announced = true;
	*info = p->info;
	return AMP_BULK_OK;
}

enum amp_bulk_status amp_bulk_host_acknowledged(struct amp_bulk_pool *p, uint32_t generation,
						uint32_t *reclaimed)
{
	uint32_t n = 0;

	*reclaimed = 0;
	if (p->role != AMP_BULK_ROLE_HOST)
		return AMP_BULK_E_INVAL;
	if (generation != p->info.generation || (!p->announced && !p->ready))
		return AMP_BULK_E_STALE;
	if (p->ready)
		return AMP_BULK_E_ALREADY;
	for (uint32_t i = 0; i < p->info.slot_count; i++) {
		if (p->slots[i].state >= AMP_BULK_SLOT_REMOTE_READING) {
			set_state(p, i, AMP_BULK_SLOT_HOST, 0);
			n++;
		}
	}
	p->announced = false;
	p->ready = true;
	*reclaimed = n;
	return AMP_BULK_OK;
}

uint32_t amp_bulk_host_drop_holder(struct amp_bulk_pool *p, uint32_t holder)
{
	uint32_t n = 0;

	if (p->role != AMP_BULK_ROLE_HOST)
		return 0;
	for (uint32_t i = 0; i < p->info.slot_count; i++) {
		const struct amp_bulk_slot *s = &p->slots[i];

		if ((s->state == AMP_BULK_SLOT_HOST_FILLING ||
		     s->state == AMP_BULK_SLOT_HOST_READING) &&
		    s->holder == holder) {
			set_state(p, i, AMP_BULK_SLOT_HOST, 0);
			n++;
		}
	}
	return n;
}

enum amp_bulk_status amp_bulk_remote_adopt(struct amp_bulk_pool *p,
					   const struct amp_bulk_pool_info *info)
{
	if (p->role != AMP_BULK_ROLE_REMOTE)
		return AMP_BULK_E_INVAL;
	if (amp_bulk_pool_info_check(info) != AMP_BULK_OK)
		return AMP_BULK_E_GEOMETRY;
	if (info->slot_count > p->capacity)
		return AMP_BULK_E_NOSLOT;
	/*
	 * Nothing of an old pool is ours any more, whatever our table said:
	 * our POOL_ACK is what lets the host take back what it lent us.
	 */
	p->info = *info;
	reset_slots(p);
	p->ready = true;
	return AMP_BULK_OK;
}

void amp_bulk_remote_stop(struct amp_bulk_pool *p)
{
	if (p->role == AMP_BULK_ROLE_REMOTE)
		p->ready = false;
}

/* The state a side fills its own slots from: free on the host, posted on the remote. */
static enum amp_bulk_slot_state fillable_state(const struct amp_bulk_pool *p)
{
	return p->role == AMP_BULK_ROLE_HOST ? AMP_BULK_SLOT_HOST : AMP_BULK_SLOT_REMOTE_EMPTY;
}

static enum amp_bulk_slot_state filling_state(const struct amp_bulk_pool *p)
{
	return p->role == AMP_BULK_ROLE_HOST ? AMP_BULK_SLOT_HOST_FILLING
					     : AMP_BULK_SLOT_REMOTE_FILLING;
}

/* Where this side's slots are while it reads what the other side handed over. */
static enum amp_bulk_slot_state reading_state(const struct amp_bulk_pool *p)
{
	return p->role == AMP_BULK_ROLE_HOST ? AMP_BULK_SLOT_HOST_READING
					     : AMP_BULK_SLOT_REMOTE_READING;
}

/*
 * Finds a slot in state from, starting after the last one found, so that
 * slots are used in turn (a slot just handed back is the last one reused,
 * which catches a peer still touching a slot it gave up).
 */
static bool find_slot(struct amp_bulk_pool *p, enum amp_bulk_slot_state from, uint32_t *slot)
{
	uint32_t n = p->info.slot_count;

	if (p->in_state[from] == 0)
		return false;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (p->next_free + k) % n;

		if (p->slots[i].state == from) {
			p->next_free = (i + 1) % n;
			*slot = i;
			return true;
		}
	}
	return false; /* unreachable while in_state is right */
}

enum amp_bulk_status amp_bulk_acquire(struct amp_bulk_pool *p, uint32_t holder, uint32_t *slot)
{
	uint32_t i;

	if (!p->ready)
		return AMP_BULK_E_NOPOOL;
	if (!find_slot(p, fillable_state(p), &i))
		return AMP_BULK_E_NOSLOT;
	set_state(p, i, filling_state(p), holder);
	*slot = i;
	return AMP_BULK_OK;
}

/*
 * Whether slot may leave state from for to, held by holder (when check is
 * set): AMP_BULK_E_ALREADY when it already is in to (a duplicate), else
 * AMP_BULK_E_OWNER when it is anywhere else or someone else's.
 */
static enum amp_bulk_status may_move(const struct amp_bulk_pool *p, uint32_t slot,
				     enum amp_bulk_slot_state from, enum amp_bulk_slot_state to,
				     bool check_holder, uint32_t holder)
{
	const struct amp_bulk_slot *s = &p->slots[slot];

	if (s->state == from && (!check_holder || s->holder == holder))
		return AMP_BULK_OK;
	return s->state == to ? AMP_BULK_E_ALREADY : AMP_BULK_E_OWNER;
}

/* A slot index from a local user: in range of a current pool. */
static enum amp_bulk_status local_slot(const struct amp_bulk_pool *p, uint32_t slot)
{
	if (!p->ready)
		return AMP_BULK_E_NOPOOL;
	if (slot >= p->info.slot_count)
		return AMP_BULK_E_SLOT;
	return AMP_BULK_OK;
}

enum amp_bulk_status amp_bulk_unfill(struct amp_bulk_pool *p, uint32_t holder, uint32_t slot)
{
	enum amp_bulk_status st = local_slot(p, slot);

	if (st == AMP_BULK_OK)
		st = may_move(p, slot, filling_state(p), fillable_state(p), true, holder);
	if (st == AMP_BULK_OK)
		set_state(p, slot, fillable_state(p), 0);
	return st;
}

static void make_desc(const struct amp_bulk_pool *p, uint32_t slot, uint32_t offset,
		      uint32_t length, struct amp_bulk_desc *d)
{
	if (d == NULL)
		return;
	d->slot = slot;
	d->offset = offset;
	d->length = length;
	d->generation = p->info.generation;
}

/* offset..offset+length inside a slot, without letting the sum wrap. */
static bool in_slot(const struct amp_bulk_pool *p, uint32_t offset, uint32_t length)
{
	return offset <= p->info.slot_size && length <= p->info.slot_size - offset;
}

enum amp_bulk_status amp_bulk_hand_over(struct amp_bulk_pool *p, uint32_t holder, uint32_t slot,
					uint32_t offset, uint32_t length, struct amp_bulk_desc *d)
{
	/* the host's slot goes to the remote to read; the remote's back to the host */
	enum amp_bulk_slot_state to =
		p->role == AMP_BULK_ROLE_HOST ? AMP_BULK_SLOT_REMOTE_READING : AMP_BULK_SLOT_HOST;
	enum amp_bulk_status st = local_slot(p, slot);

	if (st != AMP_BULK_OK)
		return st;
	if (length == 0 || !in_slot(p, offset, length))
		return AMP_BULK_E_RANGE;
	st = may_move(p, slot, filling_state(p), to, true, holder);
	if (st != AMP_BULK_OK)
		return st;
	/* a submitted slot remembers its client on the host: whose RELEASE it awaits */
	set_state(p, slot, to, p->role == AMP_BULK_ROLE_HOST ? holder : 0);
	make_desc(p, slot, offset, length, d);
	return AMP_BULK_OK;
}

enum amp_bulk_status amp_bulk_done(struct amp_bulk_pool *p, uint32_t holder, uint32_t slot,
				   struct amp_bulk_desc *d)
{
	enum amp_bulk_status st = local_slot(p, slot);

	if (st == AMP_BULK_OK)
		st = may_move(p, slot, reading_state(p), AMP_BULK_SLOT_HOST, true, holder);
	if (st != AMP_BULK_OK)
		return st;
	set_state(p, slot, AMP_BULK_SLOT_HOST, 0);
	make_desc(p, slot, 0, 0, d);
	return AMP_BULK_OK;
}

enum amp_bulk_status amp_bulk_host_post(struct amp_bulk_pool *p, struct amp_bulk_desc *d)
{
	uint32_t i;

	if (p->role != AMP_BULK_ROLE_HOST)
		return AMP_BULK_E_INVAL;
	if (!p->ready)
		return AMP_BULK_E_NOPOOL;
	if (!find_slot(p, AMP_BULK_SLOT_HOST, &i))
		return AMP_BULK_E_NOSLOT;
	set_state(p, i, AMP_BULK_SLOT_REMOTE_EMPTY, 0);
	make_desc(p, i, 0, p->info.slot_size, d);
	return AMP_BULK_OK;
}

/* The transition a received descriptor asks for, by role and message type. */
struct transition {
	enum amp_bulk_slot_state from, to;
	bool whole_slot; /* POST lends whole slots */
	bool needs_bytes;
	bool to_holder; /* the slot's new holder is the message's peer */
};

static bool transition_of(const struct amp_bulk_pool *p, uint8_t type, struct transition *t)
{
	t->whole_slot = t->needs_bytes = t->to_holder = false;
	if (p->role == AMP_BULK_ROLE_HOST && type == AMP_BULK_RELEASE) {
		t->from = AMP_BULK_SLOT_REMOTE_READING;
		t->to = AMP_BULK_SLOT_HOST;
	} else if (p->role == AMP_BULK_ROLE_HOST && type == AMP_BULK_FILLED) {
		t->from = AMP_BULK_SLOT_REMOTE_EMPTY;
		t->to = AMP_BULK_SLOT_HOST_READING;
		t->needs_bytes = t->to_holder = true;
	} else if (p->role == AMP_BULK_ROLE_REMOTE && type == AMP_BULK_SUBMIT) {
		t->from = AMP_BULK_SLOT_HOST;
		t->to = AMP_BULK_SLOT_REMOTE_READING;
		t->needs_bytes = t->to_holder = true;
	} else if (p->role == AMP_BULK_ROLE_REMOTE && type == AMP_BULK_POST) {
		t->from = AMP_BULK_SLOT_HOST;
		t->to = AMP_BULK_SLOT_REMOTE_EMPTY;
		t->whole_slot = true;
	} else {
		return false;
	}
	return true;
}

static enum amp_bulk_status check_received(const struct amp_bulk_pool *p, uint8_t type,
					   const struct amp_bulk_desc *d)
{
	struct transition t;

	if (!transition_of(p, type, &t))
		return AMP_BULK_E_TYPE;
	if (!p->ready)
		return AMP_BULK_E_NOPOOL;
	/* before the slot: an old pool's index need not fit this one */
	if (d->generation != p->info.generation)
		return AMP_BULK_E_STALE;
	if (d->slot >= p->info.slot_count)
		return AMP_BULK_E_SLOT;
	if (!in_slot(p, d->offset, d->length) || (t.needs_bytes && d->length == 0) ||
	    (t.whole_slot && (d->offset != 0 || d->length != p->info.slot_size)))
		return AMP_BULK_E_RANGE;
	return may_move(p, d->slot, t.from, t.to, false, 0);
}

static void count_received(struct amp_bulk_counters *c, enum amp_bulk_status st)
{
	switch (st) {
	case AMP_BULK_OK:
		c->accepted++;
		return;
	case AMP_BULK_E_NOPOOL:
	case AMP_BULK_E_STALE:
		c->stale++;
		break;
	case AMP_BULK_E_SLOT:
		c->bad_slot++;
		break;
	case AMP_BULK_E_RANGE:
		c->bad_range++;
		break;
	case AMP_BULK_E_ALREADY:
		c->duplicate++;
		break;
	case AMP_BULK_E_TYPE:
		c->wrong_type++;
		break;
	default: /* AMP_BULK_E_OWNER */
		c->not_owner++;
		break;
	}
	c->refused++;
}

enum amp_bulk_status amp_bulk_receive_desc(struct amp_bulk_pool *p, uint8_t type, uint32_t holder,
					   const struct amp_bulk_desc *d)
{
	enum amp_bulk_status st = check_received(p, type, d);
	struct transition t;

	if (st == AMP_BULK_OK && transition_of(p, type, &t))
		set_state(p, d->slot, t.to, t.to_holder ? holder : 0);
	count_received(&p->counters, st);
	return st;
}

enum amp_bulk_status amp_bulk_receive_msg(struct amp_bulk_pool *p, const uint8_t *msg, uint32_t len,
					  struct amp_bulk_received *out)
{
	enum amp_bulk_status st = amp_bulk_hdr_decode(msg, len, &out->hdr);

	out->accepted = 0;
	if (st != AMP_BULK_OK)
		return st;
	if (!amp_bulk_type_has_descs(out->hdr.type))
		return AMP_BULK_E_TYPE; /* POOL and POOL_ACK are the caller's */
	/* copy every descriptor out first: the buffer is shared memory */
	for (uint32_t i = 0; i < out->hdr.count; i++)
		amp_bulk_desc_decode(msg, i, &out->descs[i]);
	for (uint32_t i = 0; i < out->hdr.count; i++) {
		out->status[i] =
			amp_bulk_receive_desc(p, out->hdr.type, out->hdr.peer, &out->descs[i]);
		if (out->status[i] == AMP_BULK_OK)
			out->accepted++;
	}
	return AMP_BULK_OK;
}

uint32_t amp_bulk_pool_count(const struct amp_bulk_pool *p, enum amp_bulk_slot_state state)
{
	return (uint32_t)state < AMP_BULK_SLOT_STATES ? p->in_state[state] : 0;
}

const struct amp_bulk_slot *amp_bulk_pool_slot(const struct amp_bulk_pool *p, uint32_t slot)
{
	return slot < p->info.slot_count && slot < p->capacity ? &p->slots[slot] : NULL;
}
