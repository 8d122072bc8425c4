/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlink-check bulk-requests: what a client may and may not do with the
 * pool of bulk transfers (include/uapi/linux/rpmsg_netlink.h), with raw
 * requests on the firmware's rpmsg-netlink channel: the device node maps
 * the pool and nothing beyond it; BULK_ACQUIRE, _SUBMIT and _RELEASE refuse
 * every slot that is not the client's to name (EINVAL, nothing moves), bad
 * counts and ranges; a client gets at most its share, and BULK_READY once a
 * slot comes back; a SUBMIT for no connection comes back from the firmware;
 * a closed socket's slots return to the pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nlcheck.h"

#define BULK_CHANNEL "rpmsg-netlink"

struct bulk_req {
	uint8_t cmd;
	const uint32_t *slots;			     /* ACQUIRE: none; RELEASE: the slots */
	uint32_t count;				     /* ACQUIRE: COUNT; RELEASE: slots */
	const struct rpmsg_netlink_bulk_desc *descs; /* SUBMIT */
	size_t descs_len;			     /* bytes of descs */
	bool no_conn_id;
	uint32_t flags;
};

/* One bulk request, its answer's errno (0: done; ACQUIRE's slots in nl->slots). */
static int bulk_request(struct nl *nl, const struct bulk_req *r)
{
	struct nlmsghdr *nlh =
		nl_request(nl, nl->family, r->cmd == RPMSG_NETLINK_CMD_BULK_ACQUIRE ? 0 : NLM_F_ACK,
			   r->cmd, RPMSG_NETLINK_FAMILY_VERSION);
	int rc;

	mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_CHANNEL, nl->channel);
	if (r->cmd == RPMSG_NETLINK_CMD_BULK_ACQUIRE)
		mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_COUNT, r->count);
	if (r->cmd == RPMSG_NETLINK_CMD_BULK_RELEASE)
		mnl_attr_put(nlh, RPMSG_NETLINK_A_SLOTS, r->count * sizeof(uint32_t), r->slots);
	if (r->cmd == RPMSG_NETLINK_CMD_BULK_SUBMIT) {
		mnl_attr_put(nlh, RPMSG_NETLINK_A_DESCS, r->descs_len, r->descs);
		if (!r->no_conn_id)
			mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_CONN_ID, 0xdead);
		mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_SEQ, 1);
		mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_FLAGS, r->flags);
	}
	nl->n_slots = 0;
	rc = nl_send(nl, nlh);
	if (!rc)
		rc = nl_wait_ack(nl, REPLY_TIMEOUT_MS);
	return rc < 0 ? -rc : rc;
}

static void expect_bulk(struct nl *nl, const char *what, const struct bulk_req *r, int want)
{
	expect_answer(nl, what, bulk_request(nl, r), want);
}

static int acquire(struct nl *nl, uint32_t count)
{
	struct bulk_req r = {.cmd = RPMSG_NETLINK_CMD_BULK_ACQUIRE, .count = count};

	return bulk_request(nl, &r);
}

static int release(struct nl *nl, const uint32_t *slots, uint32_t count)
{
	struct bulk_req r = {.cmd = RPMSG_NETLINK_CMD_BULK_RELEASE, .slots = slots, .count = count};

	return bulk_request(nl, &r);
}

/* The pool as the channel reports it now, through nl. */
static bool pool_of(struct nl *nl, struct channel_info *ci)
{
	return !nl_get_channel(nl, nl->channel, ci) && ci->has_pool;
}

/* Waits up to 10 s for the pool's counter attr to read want (a bound: it returns at once). */
static bool pool_reads(struct nl *nl, int attr, uint64_t want, struct channel_info *ci)
{
	int64_t end = now_ms() + 10000;

	while (pool_of(nl, ci) && ci->pool[attr] != want) {
		if (now_ms() > end)
			return false;
		nl_pump(nl, 10);
	}
	return ci->has_pool;
}

static void check_mmap(const struct channel_info *ci)
{
	size_t size =
		ci->pool[RPMSG_NETLINK_BULK_SLOT_SIZE] * ci->pool[RPMSG_NETLINK_BULK_SLOT_COUNT];
	char path[64];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/dev/amplink-pool%u",
		 (unsigned int)ci->pool[RPMSG_NETLINK_BULK_POOL]);
	fd = open(path, O_RDWR | O_CLOEXEC);
	check(fd >= 0, "the pool's device node opens read-write");
	if (fd < 0)
		return;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED, "the whole pool maps shared, read-write");
	if (p != MAP_FAILED)
		munmap(p, size);
	p = mmap(NULL, size + 4096, PROT_READ, MAP_SHARED, fd, 0);
	check(p == MAP_FAILED && errno == EINVAL, "a page more than the pool is refused (EINVAL)");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)size);
	check(p == MAP_FAILED && errno == EINVAL, "a page past the pool's end is refused (EINVAL)");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(p == MAP_FAILED && errno == EINVAL, "a private mapping is refused (EINVAL)");
	close(fd);
}

/* A slot that is neither of held[0..n) nor anybody's to be named by us. */
static uint32_t foreign_slot(const uint32_t *held, uint32_t n, uint32_t count)
{
	for (uint32_t s = 0; s < count; s++) {
		bool mine = false;

		for (uint32_t i = 0; i < n; i++)
			mine |= held[i] == s;
		if (!mine)
			return s;
	}
	return count;
}

static void check_misuse(struct nl *nl, struct nl *other, const uint32_t *held, uint32_t count,
			 uint32_t slot_size)
{
	uint32_t stranger = foreign_slot(held, 4, count);
	uint32_t beyond = count, twice[2] = {held[0], held[0]};
	struct rpmsg_netlink_bulk_desc d[2] = {{held[0], 0, 100}, {held[0], 0, 100}};
	struct bulk_req r = {.cmd = RPMSG_NETLINK_CMD_BULK_RELEASE, .slots = &beyond, .count = 1};

	expect_bulk(nl, "RELEASE of a slot beyond the pool", &r, EINVAL);
	r.slots = twice;
	r.count = 2;
	expect_bulk(nl, "RELEASE of one's slot named twice", &r, EINVAL);
	r.slots = &stranger;
	r.count = 1;
	expect_bulk(nl, "RELEASE of a slot one does not hold", &r, EINVAL);
	r.slots = held;
	expect_bulk(other, "RELEASE of another socket's slot", &r, EINVAL);

	r = (struct bulk_req){
		.cmd = RPMSG_NETLINK_CMD_BULK_SUBMIT, .descs = d, .descs_len = sizeof(d[0])};
	d[0] = (struct rpmsg_netlink_bulk_desc){stranger, 0, 100};
	expect_bulk(nl, "SUBMIT of a slot one does not hold", &r, EINVAL);
	d[0] = (struct rpmsg_netlink_bulk_desc){held[0], 0, 0};
	expect_bulk(nl, "SUBMIT of an empty range", &r, EINVAL);
	d[0] = (struct rpmsg_netlink_bulk_desc){held[0], slot_size - 1, 2};
	expect_bulk(nl, "SUBMIT of a range past the slot's end", &r, EINVAL);
	d[0] = (struct rpmsg_netlink_bulk_desc){held[0], 0xffffffffu, 2};
	expect_bulk(nl, "SUBMIT of a range whose end wraps", &r, EINVAL);
	d[0] = (struct rpmsg_netlink_bulk_desc){held[0], 0, 100};
	r.descs_len = sizeof(d);
	expect_bulk(nl, "SUBMIT naming one slot twice", &r, EINVAL);
	r.descs_len = sizeof(d[0]) - 4;
	expect_bulk(nl, "SUBMIT with a cut descriptor", &r, EINVAL);
	r.descs_len = sizeof(d[0]);
	r.no_conn_id = true;
	expect_bulk(nl, "SUBMIT without CONN_ID", &r, EINVAL);
	r.no_conn_id = false;
	r.flags = RPMSG_NETLINK_BULK_F_CRC;
	expect_bulk(nl, "SUBMIT with F_CRC and no CRC", &r, EINVAL);
	r.flags = 1u << 30;
	expect_bulk(nl, "SUBMIT with an unknown flag", &r, EINVAL);
	d[0] = (struct rpmsg_netlink_bulk_desc){held[0], 0, 100};
	r.flags = 0;
	expect_bulk(other, "SUBMIT of another socket's slot", &r, EINVAL);
}

int case_bulk_requests(void)
{
	struct nl *nl = calloc(1, sizeof(*nl)), *other = calloc(1, sizeof(*nl));
	struct channel_info start, ci;
	uint32_t held[RPMSG_NETLINK_BULK_DESC_MAX], count, share, got = 0, slot_size, others;

	if (!nl || !other || nl_client_of(nl, BULK_CHANNEL, false, &start) ||
	    nl_client_of(other, BULK_CHANNEL, false, NULL))
		return 1;
	if (!start.has_pool || !start.pool[RPMSG_NETLINK_BULK_READY]) {
		fail("the firmware's channel has no pool the firmware took");
		return 0;
	}
	count = (uint32_t)start.pool[RPMSG_NETLINK_BULK_SLOT_COUNT];
	share = (uint32_t)start.pool[RPMSG_NETLINK_BULK_SHARE];
	slot_size = (uint32_t)start.pool[RPMSG_NETLINK_BULK_SLOT_SIZE];
	ok("pool %u: %u slots of %u bytes, a client's share %u",
	   (unsigned int)start.pool[RPMSG_NETLINK_BULK_POOL], count, slot_size, share);
	check_mmap(&start);

	struct bulk_req r = {.cmd = RPMSG_NETLINK_CMD_BULK_ACQUIRE, .count = 0};

	expect_bulk(nl, "ACQUIRE of 0 slots", &r, ERANGE);
	r.count = RPMSG_NETLINK_BULK_DESC_MAX + 1;
	expect_bulk(nl, "ACQUIRE of 30 slots", &r, ERANGE);
	check(release(other, &got, 1) == ENODEV,
	      "RELEASE from a socket with no endpoint -> ENODEV");

	check(acquire(nl, 4) == 0 && nl->n_slots == 4, "ACQUIRE of 4 slots gives 4");
	memcpy(held, nl->slots, sizeof(uint32_t) * 4);
	check(pool_of(nl, &ci) && ci.pool[RPMSG_NETLINK_BULK_CLIENTS] == 4 &&
		      ci.pool[RPMSG_NETLINK_BULK_FREE] == start.pool[RPMSG_NETLINK_BULK_FREE] - 4,
	      "the pool counts them with the client");
	check(acquire(other, 1) == 0 && other->n_slots == 1, "another socket acquires one");
	others = other->slots[0];
	check_misuse(nl, other, held, count, slot_size);
	check(pool_of(nl, &ci) && ci.pool[RPMSG_NETLINK_BULK_CLIENTS] == 5,
	      "after every refusal the 5 slots are where they were");

	/* the share: more slots until EAGAIN, then one back brings BULK_READY */
	got = 4;
	while (got < share && got < RPMSG_NETLINK_BULK_DESC_MAX && acquire(nl, 1) == 0 &&
	       nl->n_slots == 1)
		held[got++] = nl->slots[0];
	check(got == share && acquire(nl, 1) == EAGAIN,
	      "a client gets its share of slots and then EAGAIN");
	nl->bulk_ready = 0;
	check(release(nl, held, 1) == 0, "giving one back");
	for (int64_t end = now_ms() + 10000; !nl->bulk_ready && now_ms() < end;)
		nl_pump(nl, 10);
	check(nl->bulk_ready > 0, "BULK_READY follows once a slot came back");

	/* a SUBMIT for no connection: the firmware releases it undelivered */
	struct rpmsg_netlink_bulk_desc d = {held[1], 0, 100};

	r = (struct bulk_req){
		.cmd = RPMSG_NETLINK_CMD_BULK_SUBMIT, .descs = &d, .descs_len = sizeof(d)};
	expect_bulk(nl, "SUBMIT of one's own slot (for no connection)", &r, 0);
	check(pool_reads(nl, RPMSG_NETLINK_BULK_LENT, start.pool[RPMSG_NETLINK_BULK_LENT], &ci) &&
		      ci.pool[RPMSG_NETLINK_BULK_CLIENTS] == got - 2 + 1,
	      "the firmware released it undelivered: back in the pool");

	/* a closed socket's slots come back */
	nl_close(nl);
	check(pool_reads(other, RPMSG_NETLINK_BULK_CLIENTS, 1, &ci),
	      "a closed socket's slots came back to the pool");
	check(release(other, &others, 1) == 0 &&
		      pool_reads(other, RPMSG_NETLINK_BULK_CLIENTS, 0, &ci) &&
		      ci.pool[RPMSG_NETLINK_BULK_FREE] == start.pool[RPMSG_NETLINK_BULK_FREE],
	      "every slot is back where it started");
	nl_close(other);
	return 0;
}
