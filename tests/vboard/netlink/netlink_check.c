/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs inside the vboard against rpmsg_netlink.ko, talking Generic Netlink
 * with libmnl directly (no library of ours), the family resolved by name.
 * The channel under test must echo every message back to its sender.
 *
 *   netlink-check [--channel NAME] CASE
 *
 * Cases: echo, concurrent, bad-requests, stall, no-permission, netns,
 * unbind, firmware-kill, rmmod, gone, gone-stalled, gone-overflow,
 * gone-removed, bind, bind-no-permission, stale-replies, churn,
 * churn-stress (cases_churn.c), fuzz (cases_fuzz.c), port-reuse,
 * release-vs-remove, send-cost, fill-ring, and the access model's grant,
 * limits, assign (cases_access.c), bulk-requests (cases_bulk.c). See
 * usage() for what each one checks.
 */
#include <amplink/frame.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rpmsg_netlink.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nlcheck.h"

/* ---- cases ---- */

static int case_echo(void)
{
	static const size_t sizes[] = {1, 495, 496, 497, 4096, 32768, RPMSG_NETLINK_MAX_DATA};
	struct channel_info before, after;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint64_t bytes = 0, msgs = 0;
	const size_t big = 1024 * 1024;
	struct nl *nl = malloc(sizeof(*nl));
	uint8_t *data = malloc(big);
	char why[160];
	double t0, t;
	int rc;

	if (!nl || !data || nl_client(nl, true, &before))
		return 1;
	printf("      channel %u \"%s\": 0x%x -> 0x%x, mtu %u\n", before.id, before.name,
	       before.src, before.dst, before.mtu);
	check(before.mtu > 0 && before.mtu <= RPMSG_NETLINK_MAX_DATA, "GET_CHANNEL reports an MTU");
	fill_random(data, big, &seed);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		rc = echo_once(nl, data, sizes[i], why, sizeof(why));
		if (rc)
			fail("echo of %zu bytes in one SEND: %s", sizes[i], why);
		else
			ok("echo of %zu bytes in one SEND, byte-exact", sizes[i]);
		bytes += sizes[i];
		msgs += messages_for(sizes[i], before.mtu);
	}

	/* 1 MiB as a stream of SENDs, reassembled in order */
	t0 = now_s();
	rc = 0;
	for (size_t off = 0; off < big && !rc; off += RPMSG_NETLINK_MAX_DATA) {
		size_t len =
			big - off < RPMSG_NETLINK_MAX_DATA ? big - off : RPMSG_NETLINK_MAX_DATA;

		rc = echo_once(nl, data + off, len, why, sizeof(why));
		if (rc)
			fail("1 MiB echo, at offset %zu: %s", off, why);
		bytes += len;
		msgs += messages_for(len, before.mtu);
	}
	t = now_s() - t0;
	if (!rc)
		ok("echo of 1 MiB in %zu SENDs, byte-exact (%.0f ms, %.1f MB/s each way)",
		   (big + RPMSG_NETLINK_MAX_DATA - 1) / RPMSG_NETLINK_MAX_DATA, t * 1e3,
		   big / t / 1e6);

	/* latency of a 32 KiB round trip and of a one-message one */
	t0 = now_s();
	for (int i = 0; i < 20 && !rc; i++) {
		rc = echo_once(nl, data, 32768, why, sizeof(why));
		bytes += 32768;
		msgs += messages_for(32768, before.mtu);
	}
	t = now_s() - t0;
	if (!rc)
		printf("      32 KiB echo through netlink: %.2f ms on average\n", t * 1e3 / 20);
	t0 = now_s();
	for (int i = 0; i < 200 && !rc; i++) {
		rc = echo_once(nl, data, 64, why, sizeof(why));
		bytes += 64;
		msgs += 1;
	}
	t = now_s() - t0;
	if (!rc)
		printf("      64-byte round trip through netlink: %.0f us on average\n",
		       t * 1e6 / 200);
	check(!nl->rx_bad, "every RECV: right channel, remote's address as SRC, 1..MTU bytes");

	rc = nl_get_channel(nl, nl->channel, &after);
	check(!rc, "GET_CHANNEL (doit) answers");
	if (!rc) {
		check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_BYTES) == bytes &&
			      stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_BYTES) == bytes,
		      "TX_BYTES and RX_BYTES grew by the bytes echoed");
		check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_MSGS) == msgs &&
			      stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_MSGS) == msgs,
		      "TX_MSGS and RX_MSGS grew by ceil(len / MTU) per SEND");
		check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_ERRORS) == 0 &&
			      stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_DROPS) == 0,
		      "no TX_ERRORS, no RX_DROPS");
		check(after.stats[RPMSG_NETLINK_STAT_CLIENTS] ==
			      before.stats[RPMSG_NETLINK_STAT_CLIENTS] + 1,
		      "CLIENTS counts this socket's endpoint");
		check(after.src == before.src && after.dst == before.dst &&
			      !strcmp(after.name, before.name),
		      "doit and dump agree on name and addresses");
	}
	nl_close(nl);

	/* the endpoint goes away with the socket */
	if (!nl_client(nl, false, NULL)) {
		rc = nl_get_channel(nl, nl->channel, &after);
		check(!rc && after.stats[RPMSG_NETLINK_STAT_CLIENTS] ==
				      before.stats[RPMSG_NETLINK_STAT_CLIENTS],
		      "closing the socket closes its endpoint (CLIENTS back)");
		nl_close(nl);
	}
	free(data);
	free(nl);
	return 0;
}

struct worker {
	int index;
	int transfers;
	int errors;
	uint64_t bytes;
	char why[160];
	pthread_barrier_t *start;
};

static void *concurrent_worker(void *arg)
{
	struct worker *w = arg;
	struct nl *nl = malloc(sizeof(*nl));
	uint8_t *data = malloc(RPMSG_NETLINK_MAX_DATA);
	uint64_t seed = 0x1234567ull * (uint64_t)(w->index + 1);

	if (!nl || !data || nl_client(nl, true, NULL)) {
		w->errors++;
		snprintf(w->why, sizeof(w->why), "no client");
		pthread_barrier_wait(w->start);
		goto out;
	}
	pthread_barrier_wait(w->start);
	for (int i = 0; i < w->transfers; i++) {
		/* log-uniform sizes from 1 byte to the maximum */
		double f = (double)(xorshift(&seed) % 10000) / 10000.0;
		size_t len = (size_t)exp(f * log((double)RPMSG_NETLINK_MAX_DATA));
		char why[160];

		if (len < 1)
			len = 1;
		if (len > RPMSG_NETLINK_MAX_DATA)
			len = RPMSG_NETLINK_MAX_DATA;
		/* the first byte says who sent it, the rest is this client's stream */
		fill_random(data, len, &seed);
		data[0] = (uint8_t)w->index;
		if (echo_once(nl, data, len, why, sizeof(why))) {
			w->errors++;
			snprintf(w->why, sizeof(w->why), "transfer %d (%zu bytes): %.100s", i, len,
				 why);
			break;
		}
		w->bytes += len;
	}
	if (nl->rx_bad)
		w->errors++;
out:
	if (nl)
		nl_close(nl);
	free(nl);
	free(data);
	return NULL;
}

static int case_concurrent(void)
{
	struct worker w[CONCURRENT_CLIENTS];
	pthread_t th[CONCURRENT_CLIENTS];
	pthread_barrier_t start;
	struct channel_info before, after;
	struct nl *nl = malloc(sizeof(*nl));
	uint64_t total = 0;
	double t0, t;
	int bad = 0;

	if (!nl || nl_client(nl, false, &before))
		return 1;
	pthread_barrier_init(&start, NULL, CONCURRENT_CLIENTS + 1);
	for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
		w[i] = (struct worker){
			.index = i, .transfers = CONCURRENT_TRANSFERS, .start = &start};
		pthread_create(&th[i], NULL, concurrent_worker, &w[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_s();
	for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
		pthread_join(th[i], NULL);
		total += w[i].bytes;
		if (w[i].errors) {
			fail("client %d: %s", i, w[i].why[0] ? w[i].why : "a RECV broke the rules");
			bad++;
		}
	}
	t = now_s() - t0;
	if (!bad)
		ok("%d clients x %d random-size transfers (1..%d bytes), each got exactly its own "
		   "bytes back (%.1f MB in %.1f s)",
		   CONCURRENT_CLIENTS, CONCURRENT_TRANSFERS, RPMSG_NETLINK_MAX_DATA, total / 1e6,
		   t);
	if (!nl_get_channel(nl, nl->channel, &after)) {
		check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_BYTES) == total &&
			      stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_BYTES) == total,
		      "TX_BYTES and RX_BYTES grew by the total");
		check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_DROPS) == 0, "no RX_DROPS");
		check(after.stats[RPMSG_NETLINK_STAT_CLIENTS] ==
			      before.stats[RPMSG_NETLINK_STAT_CLIENTS],
		      "every client's endpoint closed with its socket");
	} else {
		fail("GET_CHANNEL after the run");
	}
	nl_close(nl);
	free(nl);
	return 0;
}

static void expect_errno(struct nl *nl, const char *what, const void *data, size_t len,
			 const struct send_opts *o, int want)
{
	expect_answer(nl, what, nl_send_acked(nl, data, len, o), want);
}

/* Raw request with a bad header, to check the family's strictness. */
static void expect_raw(struct nl *nl, const char *what, uint8_t cmd, uint8_t reserved,
		       uint16_t extra_flags, int want)
{
	struct nlmsghdr *nlh = nl_request(nl, nl->family, NLM_F_ACK | extra_flags, cmd,
					  RPMSG_NETLINK_FAMILY_VERSION);
	struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	int rc;

	genl->reserved = reserved;
	mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_CHANNEL, nl->channel);
	rc = nl_send(nl, nlh);
	if (!rc)
		rc = nl_wait_ack(nl, REPLY_TIMEOUT_MS);
	rc = rc < 0 ? -rc : rc;
	if (rc == want)
		ok("%s -> %s", what, want ? strerror(want) : "success");
	else
		fail("%s -> %s, expected %s", what, rc ? strerror(rc) : "success",
		     want ? strerror(want) : "success");
}

static int case_bad_requests(void)
{
	static uint8_t data[RPMSG_NETLINK_MAX_DATA + 8];
	struct channel_info before, after, ci;
	struct nl *nl = malloc(sizeof(*nl));
	struct send_opts o;
	int rc;

	if (!nl || nl_client(nl, true, &before))
		return 1;
	memset(data, 0x5a, sizeof(data));

	o = (struct send_opts){.no_channel = true};
	expect_errno(nl, "SEND without CHANNEL", data, 16, &o, EINVAL);
	o = (struct send_opts){.no_data = true};
	expect_errno(nl, "SEND without DATA", data, 0, &o, EINVAL);
	expect_errno(nl, "SEND with empty DATA", data, 0, NULL, EINVAL);
	expect_errno(nl, "SEND with DATA of MAX_DATA + 1 bytes", data, RPMSG_NETLINK_MAX_DATA + 1,
		     NULL, ERANGE);
	o = (struct send_opts){.channel = 0x7ffffff0};
	expect_errno(nl, "SEND to an unknown channel id", data, 16, &o, ENODEV);
	o = (struct send_opts){.has_flags = true, .flags = 1u << 2};
	expect_errno(nl, "SEND with an unknown flag bit", data, 16, &o, EINVAL);
	o = (struct send_opts){.has_flags = true, .flags = 0x80000000u | RPMSG_NETLINK_F_RESUME};
	expect_errno(nl, "SEND with RESUME and an unknown flag bit", data, 16, &o, EINVAL);
	o = (struct send_opts){.has_flags = true, .flags = 1u << 0};
	expect_errno(nl, "SEND with version 1's NONBLOCK (bit 0)", data, 16, &o, EINVAL);
	o = (struct send_opts){.has_timeout = true, .timeout_ms = 1000};
	expect_errno(nl, "SEND with version 1's TIMEOUT_MS", data, 16, &o, EINVAL);
	o = (struct send_opts){.extra_attr = RPMSG_NETLINK_A_NAME};
	expect_errno(nl, "SEND with an attribute SEND does not take (NAME)", data, 16, &o, EINVAL);
	o = (struct send_opts){.extra_attr = RPMSG_NETLINK_A_MAX + 1};
	expect_errno(nl, "SEND with an attribute type past the last", data, 16, &o, EINVAL);
	o = (struct send_opts){.short_channel = true};
	expect_errno(nl, "SEND with a 2-byte CHANNEL", data, 16, &o, EINVAL);
	expect_raw(nl, "SEND with genlmsghdr.reserved set", RPMSG_NETLINK_CMD_SEND, 1, 0, EINVAL);
	expect_raw(nl, "RECV as a request", RPMSG_NETLINK_CMD_RECV, 0, 0, EOPNOTSUPP);
	expect_raw(nl, "GET_CHANNEL with NLM_F_REPLACE", RPMSG_NETLINK_CMD_GET_CHANNEL, 0,
		   NLM_F_REPLACE, EINVAL);

	rc = nl_get_channel(nl, 0x7ffffff0, &ci);
	check(rc == ENODEV, "GET_CHANNEL of an unknown channel id -> ENODEV");

	/* nothing above reached the wire or counted as a send error */
	rc = nl_get_channel(nl, nl->channel, &after);
	check(!rc && !memcmp(before.stats, after.stats, sizeof(before.stats)),
	      "requests refused by validation leave every counter alone");

	/* valid edge cases: exactly MAX_DATA, RESUME with nothing refused */
	nl->rx_len = 0;
	expect_errno(nl, "SEND of exactly MAX_DATA bytes", data, RPMSG_NETLINK_MAX_DATA, NULL, 0);
	o = (struct send_opts){.has_flags = true, .flags = RPMSG_NETLINK_F_RESUME};
	expect_errno(nl, "SEND of one message with RESUME, nothing refused before", data, 100, &o,
		     0);
	expect_errno(nl, "SEND of one message", data, 100, NULL, 0);
	rc = nl_wait_rx(nl, RPMSG_NETLINK_MAX_DATA + 200, REPLY_TIMEOUT_MS);
	check(!rc && nl->rx_len == RPMSG_NETLINK_MAX_DATA + 200, "their echoes came back");
	rc = nl_get_channel(nl, nl->channel, &after);
	check(!rc && stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_ERRORS) == 0 &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_BYTES) ==
			      RPMSG_NETLINK_MAX_DATA + 200,
	      "TX_BYTES counts them, TX_ERRORS does not move");
	nl_close(nl);
	free(nl);
	return 0;
}

static void touch(const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", run_dir, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	else
		fail("cannot create %s: %s", path, strerror(errno));
}

struct waiter {
	struct nl *nl;
	const uint8_t *data;
	size_t len;
	int rc;
	int64_t took;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	int64_t t0 = now_ms();

	w->rc = nl_send_acked(w->nl, w->data, w->len, NULL);
	w->took = now_ms() - t0;
	return NULL;
}

/*
 * Needs the runner's --signal-firmware-on stop:STOP and cont:CONT: with the
 * firmware stopped, the tx ring fills and stays full. SEND never waits: the
 * transmit queue takes what the ring cannot, then SENDs are refused with
 * EAGAIN, and later ones too until one says RESUME; nobody else is held
 * up; TX_READY comes once the firmware drains; everything accepted goes
 * out, in order.
 */
static int case_stall(void)
{
	enum { BLOCKS = 64 };
	static uint8_t data[BLOCKS][RPMSG_NETLINK_MAX_DATA];
	static uint8_t want[BLOCKS * RPMSG_NETLINK_MAX_DATA];
	struct channel_info before, after, ci;
	struct nl *nl = malloc(sizeof(*nl));
	struct nl *other = malloc(sizeof(*other));
	struct send_opts o;
	int64_t t0, t, slowest = 0;
	size_t accepted = 0, n = 0;
	int rc = 0;

	if (!nl || !other || nl_client(nl, true, &before) || nl_client(other, true, NULL))
		return 1;
	for (int i = 0; i < BLOCKS; i++)
		memset(data[i], 'a' + i % 26, sizeof(data[i]));

	touch("stop");
	usleep(200 * 1000);

	/* accepted until the queue is full, each at once */
	for (; n < BLOCKS; n++) {
		t0 = now_ms();
		rc = nl_send_acked(nl, data[n], sizeof(data[n]), NULL);
		t = now_ms() - t0;
		slowest = t > slowest ? t : slowest;
		if (rc)
			break;
		memcpy(want + accepted, data[n], sizeof(data[n]));
		accepted += sizeof(data[n]);
	}
	check(rc == EAGAIN && slowest < 200,
	      "SENDs into a full ring are accepted, then refused with EAGAIN, none waiting");
	if (accepted >= RPMSG_NETLINK_TX_QUEUE - RPMSG_NETLINK_MAX_DATA &&
	    accepted <= RPMSG_NETLINK_TX_QUEUE + 64 * 1024)
		ok("%zu bytes accepted: the transmit queue (%d) and what the ring took", accepted,
		   RPMSG_NETLINK_TX_QUEUE);
	else
		fail("%zu bytes accepted before the first refusal", accepted);

	rc = nl_send_acked(nl, "x", 1, NULL);
	check(rc == EAGAIN && strstr(nl->ack_msg, "RESUME"),
	      "after a refusal, a SEND that would fit is refused too (until RESUME)");

	/* nothing waits in the kernel, so nobody else is held up */
	t0 = now_ms();
	rc = nl_get_channel(other, other->channel, &ci);
	t = now_ms() - t0;
	check(!rc && t < 200, "another socket's GET_CHANNEL answers at once");
	check(!rc && ci.stats[RPMSG_NETLINK_STAT_CLIENTS] == 1 &&
		      stat_delta(&before, &ci, RPMSG_NETLINK_STAT_TX_REFUSED) == 2 &&
		      stat_delta(&before, &ci, RPMSG_NETLINK_STAT_TX_ERRORS) == 0,
	      "TX_REFUSED counts both refusals, TX_ERRORS neither; one endpoint");

	touch("cont");
	t0 = now_ms();
	while (!nl->tx_ready && !nl->down && now_ms() - t0 < REPLY_TIMEOUT_MS)
		nl_pump(nl, 100);
	check(nl->tx_ready == 1, "TX_READY came once the firmware drained the queue");

	o = (struct send_opts){.has_flags = true, .flags = RPMSG_NETLINK_F_RESUME};
	rc = nl_send_acked(nl, data[n], sizeof(data[n]), &o);
	check(rc == 0, "the refused SEND, again with RESUME, is accepted");
	if (!rc) {
		memcpy(want + accepted, data[n], sizeof(data[n]));
		accepted += sizeof(data[n]);
	}
	rc = nl_wait_rx(nl, accepted, REPLY_TIMEOUT_MS);
	check(!rc && nl->rx_len == accepted && !memcmp(nl->rx, want, accepted),
	      "every accepted byte came back, in order, nothing else");
	rc = nl_get_channel(other, other->channel, &after);
	check(!rc && stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_BYTES) == accepted,
	      "TX_BYTES counts exactly what was accepted");
	nl->rx_len = 0;
	{
		char why[160];

		rc = echo_once(nl, data[0], sizeof(data[0]), why, sizeof(why));
		if (rc)
			fail("echo after the stall: %s", why);
		else
			ok("echo after the stall, byte-exact");
	}
	nl_close(nl);
	nl_close(other);
	free(nl);
	free(other);
	return 0;
}

static int nl_bind_req(struct nl *nl, uint8_t cmd, const char *name, bool has_flags,
		       uint32_t flags);

static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

static int case_no_permission(void)
{
	struct nl *nl = malloc(sizeof(*nl));
	struct channel_info ci, all[16];
	char data[16] = "unprivileged";
	int rc, n;

	if (!nl)
		return 1;
	rc = drop_privileges();
	if (rc) {
		fail("cannot drop to uid 65534: %s", strerror(-rc));
		return 1;
	}
	check(getuid() == 65534 && geteuid() == 65534, "running as uid 65534 without capabilities");
	if (nl_client(nl, false, &ci))
		return 1;
	ok("family resolved and channel found by dump without privileges");
	rc = nl_get_channel(nl, nl->channel, &ci);
	check(!rc && ci.mtu > 0, "GET_CHANNEL (doit) works without CAP_NET_ADMIN");
	n = nl_dump_channels(nl, all, 16);
	check(n >= 1, "GET_CHANNEL (dump) works without CAP_NET_ADMIN");
	expect_errno(nl, "SEND without CAP_NET_ADMIN", data, sizeof(data), NULL, EPERM);
	check(nl_join_events(nl) == 0, "joining the events group works without privileges");
	nl_close(nl);

	/*
	 * GENL_UNS_ADMIN_PERM: what counts is CAP_NET_ADMIN over the network
	 * namespace. A new user namespace alone gives none over this one...
	 */
	if (unshare(CLONE_NEWUSER)) {
		fail("unshare(CLONE_NEWUSER) as uid 65534: %s", strerror(errno));
	} else if (!nl_client(nl, false, &ci)) {
		uint32_t id = ci.id;

		expect_errno(nl, "SEND as root of a new user namespace, same network namespace",
			     data, sizeof(data), NULL, EPERM);
		nl_close(nl);
		/*
		 * ...and a network namespace it owns has no channel: the
		 * channel is in the initial one (docs/security.md)
		 */
		if (unshare(CLONE_NEWNET)) {
			fail("unshare(CLONE_NEWNET) in the new user namespace: %s",
			     strerror(errno));
		} else if (!nl_open(nl, false) && !nl_resolve_family(nl)) {
			check(nl_dump_channels(nl, all, 16) == 0,
			      "its own network namespace lists no channel");
			check(nl_get_channel(nl, id, &ci) == ENODEV,
			      "GET_CHANNEL of the channel's id there -> ENODEV");
			nl->channel = id;
			expect_errno(nl,
				     "SEND from a network namespace owned by the new user "
				     "namespace",
				     data, sizeof(data), NULL, ENODEV);
			nl_close(nl);
		} else {
			fail("no netlink socket in the new network namespace");
		}
	}
	free(nl);
	return 0;
}

/*
 * A channel is in the initial network namespace: a new one, even with every
 * capability, neither lists it nor sees its events nor uses it, and its
 * traffic does not disturb the initial namespace's clients (cases_access.c
 * assigns channels to other namespaces).
 */
static int case_netns(void)
{
	struct nl *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct channel_info ci, all[16];
	uint8_t da[3000], db[16] = "other namespace";
	uint64_t seed = 42;
	char why[160];
	uint32_t id;

	if (!a || !b || nl_client(a, true, &ci))
		return 1;
	id = ci.id;
	if (unshare(CLONE_NEWNET)) {
		fail("unshare(CLONE_NEWNET): %s", strerror(errno));
		return 1;
	}
	if (nl_open(b, true) || nl_resolve_family(b) || nl_join_events(b)) {
		fail("no netlink socket in the new network namespace");
		return 1;
	}
	ok("family resolved from a new network namespace");
	check(nl_dump_channels(b, all, 16) == 0, "the new namespace lists no channel");
	check(nl_get_channel(b, id, &ci) == ENODEV, "GET_CHANNEL of the channel's id -> ENODEV");
	b->channel = id;
	expect_errno(b, "SEND there as root with CAP_NET_ADMIN", db, sizeof(db), NULL, ENODEV);
	fill_random(da, sizeof(da), &seed);
	for (int i = 0; i < 20; i++) {
		if (echo_once(a, da, sizeof(da), why, sizeof(why))) {
			fail("round %d in the initial namespace: %s", i, why);
			break;
		}
		if (i == 19)
			ok("the initial namespace's socket echoes as before");
	}
	if (!strcmp(channel_name, ECHO_SERVICE)) {
		int64_t end = now_ms() + REPLY_TIMEOUT_MS;

		/* the channel goes and comes: events in the initial namespace only */
		if (nl_join_events(a) ||
		    nl_bind_req(a, RPMSG_NETLINK_CMD_UNBIND, ECHO_SERVICE, false, 0) ||
		    nl_bind_req(a, RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE, false, 0))
			fail("UNBIND and BIND " ECHO_SERVICE " from the initial namespace");
		while (!a->up_events && now_ms() < end)
			nl_pump(a, (int)(end - now_ms()));
		check(a->down_events && a->up_events,
		      "the initial namespace sees CHANNEL_DOWN and CHANNEL_UP");
	}
	/* whatever went to b is queued by now */
	while (nl_pump(b, 0) > 0)
		;
	check(!b->up_events && !b->down_events && !b->rx_len,
	      "nothing of the channel reached the new namespace's socket");
	nl_close(a);
	nl_close(b);
	free(a);
	free(b);
	return 0;
}

/* A client streaming SENDs until something fails. */
struct streamer {
	pthread_t th;
	struct nl *nl;
	volatile bool stop;
	int err;	 /* the SEND errno that ended it */
	int64_t fail_at; /* when it learned the channel was gone */
	uint64_t transfers;
};

static void *streamer_main(void *arg)
{
	struct streamer *s = arg;
	static uint8_t data[RPMSG_NETLINK_MAX_DATA];
	struct send_opts o = {0};

	while (!s->stop) {
		int rc;

		s->nl->rx_len = 0;
		rc = nl_send_acked(s->nl, data, sizeof(data), &o);
		if (rc || s->nl->down) {
			s->err = rc;
			s->fail_at = now_ms();
			break;
		}
		rc = nl_wait_rx(s->nl, sizeof(data), 2 * FAIL_WITHIN_MS);
		if (rc || s->nl->down) {
			s->err = s->nl->down ? ENODEV : ETIMEDOUT;
			s->fail_at = now_ms();
			break;
		}
		s->transfers++;
	}
	return NULL;
}

/* A client that sent once and now only waits for replies. */
static int idle_client(struct nl *nl)
{
	char why[160];

	if (nl_client(nl, true, NULL))
		return -1;
	if (echo_once(nl, (const uint8_t *)"idle", 4, why, sizeof(why))) {
		fail("idle client's first echo: %s", why);
		return -1;
	}
	return 0;
}

/* Waits until the idle client sees CHANNEL_DOWN; returns when, or -1. */
static int64_t wait_down(struct nl *nl, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (!nl->down && now_ms() < end)
		nl_pump(nl, (int)(end - now_ms()));
	return nl->down ? now_ms() : -1;
}

enum disruption { UNBIND, FIRMWARE_KILL, RMMOD };

static int disrupt(enum disruption how)
{
	switch (how) {
	case UNBIND: {
		FILE *f = fopen("/sys/bus/virtio/drivers/virtio_rpmsg_bus/unbind", "w");
		int rc;

		if (!f)
			return -errno;
		rc = fputs("virtio0", f) < 0 ? -errno : 0;
		if (fclose(f) && !rc)
			rc = -errno;
		return rc;
	}
	case FIRMWARE_KILL:
		touch("kill-firmware");
		return 0;
	case RMMOD: {
		/*
		 * The system call itself, not rmmod(8): starting a process in
		 * UML can take longer than the bound being checked.
		 */
		return syscall(SYS_delete_module, "rpmsg_netlink", O_NONBLOCK) == 0 ? 0 : -errno;
	}
	}
	return -EINVAL;
}

static const char *const disruption_names[] = {"unbinding the virtio device",
					       "killing the firmware", "rmmod"};

/*
 * Streaming clients and idle ones; then the channel goes away. Every client
 * must learn it (ENODEV or CHANNEL_DOWN; a timeout counts when the firmware
 * died) within FAIL_WITHIN_MS, the events group must report CHANNEL_DOWN,
 * and nothing may hang.
 */
static int case_disruption(enum disruption how, bool stalled)
{
	enum { STREAMERS = 3, IDLE = 2 };
	struct streamer s[STREAMERS];
	struct nl *idle[IDLE], *events = malloc(sizeof(*events));
	struct channel_info ci, all[16];
	int64_t t0, worst = 0;
	int rc, n;

	if (!events || nl_client(events, false, &ci) || nl_join_events(events))
		return 1;
	for (int i = 0; i < IDLE; i++) {
		idle[i] = malloc(sizeof(*idle[i]));
		if (!idle[i] || idle_client(idle[i]))
			return 1;
	}
	for (int i = 0; i < STREAMERS; i++) {
		s[i] = (struct streamer){.nl = malloc(sizeof(struct nl))};
		if (!s[i].nl || nl_client(s[i].nl, true, NULL))
			return 1;
	}
	if (stalled) {
		touch("stop");
		usleep(100 * 1000);
	}
	for (int i = 0; i < STREAMERS; i++)
		pthread_create(&s[i].th, NULL, streamer_main, &s[i]);
	usleep(300 * 1000);

	t0 = now_ms();
	rc = disrupt(how);
	if (rc) {
		fail("%s: %s", disruption_names[how], strerror(-rc));
		for (int i = 0; i < STREAMERS; i++)
			s[i].stop = true;
	} else {
		printf("      %s took %" PRId64 " ms\n", disruption_names[how], now_ms() - t0);
	}

	for (int i = 0; i < STREAMERS; i++) {
		int64_t took;

		pthread_join(s[i].th, NULL);
		took = s[i].fail_at - t0;
		if (took > worst)
			worst = took;
		if (s[i].err == 0)
			fail("streaming client %d never failed", i);
		else if (took > FAIL_WITHIN_MS)
			fail("streaming client %d failed (%s) only after %" PRId64 " ms", i,
			     strerror(s[i].err), took);
		else
			ok("streaming client %d (%" PRIu64
			   " transfers) failed with %s%s after %" PRId64 " ms",
			   i, s[i].transfers, strerror(s[i].err),
			   s[i].nl->down ? " and CHANNEL_DOWN" : "", took);
	}
	if (stalled)
		touch("cont");
	for (int i = 0; i < IDLE; i++) {
		int64_t at = wait_down(idle[i], FAIL_WITHIN_MS);

		if (at < 0)
			fail("idle client %d got no CHANNEL_DOWN", i);
		else
			ok("idle client %d got CHANNEL_DOWN after %" PRId64 " ms", i, at - t0);
	}
	check(wait_down(events, FAIL_WITHIN_MS) >= 0, "the events group got CHANNEL_DOWN");

	/* the channel is gone for everyone, and later requests fail cleanly */
	if (how == RMMOD) {
		struct nl *late = malloc(sizeof(*late));

		rc = late ? nl_open(late, false) : -ENOMEM;
		if (!rc)
			rc = nl_resolve_family(late);
		check(rc == -ENOENT, "after rmmod the family is gone");
		rc = nl_send_acked(s[0].nl, "x", 1, NULL);
		check(rc != 0, "SEND on an old socket after rmmod fails");
		if (late)
			nl_close(late);
		free(late);
	} else {
		n = nl_dump_channels(events, all, 16);
		rc = 0;
		for (int i = 0; i < n; i++)
			if (!strcmp(all[i].name, channel_name))
				rc = 1;
		check(n >= 0 && !rc, "the dump no longer lists the channel");
		rc = nl_send_acked(s[0].nl, "x", 1, NULL);
		check(rc == ENODEV, "a later SEND to the old id -> ENODEV");
	}

	for (int i = 0; i < STREAMERS; i++) {
		nl_close(s[i].nl);
		free(s[i].nl);
	}
	for (int i = 0; i < IDLE; i++) {
		nl_close(idle[i]);
		free(idle[i]);
	}
	nl_close(events);
	free(events);
	(void)worst;
	return 0;
}

/* After a reload the module binds again and echoes. */
static int case_echo_small(void)
{
	struct nl *nl = malloc(sizeof(*nl));
	uint8_t data[2000];
	uint64_t seed = 7;
	char why[160];

	if (!nl || nl_client(nl, true, NULL))
		return 1;
	fill_random(data, sizeof(data), &seed);
	if (echo_once(nl, data, sizeof(data), why, sizeof(why)))
		fail("echo: %s", why);
	else
		ok("echo of %zu bytes on channel %u", sizeof(data), nl->channel);
	nl_close(nl);
	free(nl);
	return 0;
}

/* ---- going away and binding ---- */

static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/*
 * Sends one amplink frame on nl's channel (the firmware's bench service) and
 * waits for the whole answer, which must be of type want; its payload goes
 * to out. Returns 0 or an errno.
 */
static int frame_round_trip(struct nl *nl, uint8_t type, const uint8_t *payload, uint32_t len,
			    uint8_t want, uint8_t *out, size_t cap)
{
	static uint32_t seq;
	uint8_t msg[AMP_FRAME_HDR_SIZE + AMP_ECHO_MAX_LEN];
	struct amp_frame_hdr h;
	int rc;

	if (len > AMP_ECHO_MAX_LEN)
		return EMSGSIZE;
	amp_frame_encode(msg, type, ++seq, len, crc32_ieee(payload, len));
	memcpy(msg + AMP_FRAME_HDR_SIZE, payload, len);
	nl->rx_len = 0;
	rc = nl_send_acked(nl, msg, AMP_FRAME_HDR_SIZE + len, NULL);
	if (rc)
		return rc;
	rc = nl_wait_rx(nl, AMP_FRAME_HDR_SIZE, REPLY_TIMEOUT_MS);
	if (rc)
		return -rc;
	if (amp_frame_decode(nl->rx, &h) != AMP_STATUS_OK || h.type != want || h.seq != seq ||
	    h.len > cap)
		return EPROTO;
	rc = nl_wait_rx(nl, AMP_FRAME_HDR_SIZE + h.len, REPLY_TIMEOUT_MS);
	if (rc)
		return -rc;
	memcpy(out, nl->rx + AMP_FRAME_HDR_SIZE, h.len);
	return 0;
}

/* The firmware's count of Linux endpoints announced destroyed (STATS). */
static int firmware_peers_gone(struct nl *stats, uint32_t *out)
{
	uint8_t payload[AMP_STATS_SIZE];
	struct amp_stats st;
	int rc = frame_round_trip(stats, AMP_FRAME_STATS_REQUEST, (const uint8_t *)"", 0,
				  AMP_FRAME_STATS, payload, sizeof(payload));

	if (rc)
		return rc;
	amp_stats_decode(payload, &st);
	*out = st.peers_gone;
	return 0;
}

/* Polls STATS until peers_gone reaches want or timeout_ms pass; the last value. */
static uint32_t wait_peers_gone(struct nl *stats, uint32_t want, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	uint32_t got = 0;

	for (;;) {
		if (firmware_peers_gone(stats, &got))
			return UINT32_MAX;
		if (got >= want || now_ms() >= end)
			return got;
		usleep(20 * 1000);
	}
}

/*
 * A client of the channel called name: opens a socket, gets an answer
 * (an ECHO frame on the bench service, raw bytes elsewhere), so that it
 * has an endpoint. Returns 0 or an errno; the socket stays open.
 */
static int client_round(struct nl *nl, const char *name)
{
	static const uint8_t hello[] = "going away soon";
	uint8_t reply[sizeof(hello)];
	char why[160];
	int rc;

	rc = nl_client_of(nl, name, false, NULL);
	if (rc)
		return -rc;
	if (!strcmp(name, RPMSG_NETLINK_SERVICE)) {
		rc = frame_round_trip(nl, AMP_FRAME_ECHO, hello, sizeof(hello),
				      AMP_FRAME_ECHO_REPLY, reply, sizeof(reply));
		if (!rc && memcmp(reply, hello, sizeof(hello)))
			rc = EBADMSG;
	} else {
		rc = echo_once(nl, hello, sizeof(hello), why, sizeof(why));
	}
	if (rc)
		nl_close(nl);
	return rc;
}

/* n clients of the channel called name, each answered once, then closed. */
static int clients_come_and_go(const char *name, int n)
{
	struct nl *nl = malloc(sizeof(*nl));
	int rc = nl ? 0 : ENOMEM;

	for (int i = 0; i < n && !rc; i++) {
		rc = client_round(nl, name);
		if (!rc)
			nl_close(nl);
	}
	free(nl);
	return rc;
}

static int get_stats_of(struct nl *nl, const char *name, struct channel_info *out)
{
	struct channel_info all[16];
	int n = nl_dump_channels(nl, all, 16);

	for (int i = 0; i < n; i++) {
		if (!strcmp(all[i].name, name)) {
			*out = all[i];
			return 0;
		}
	}
	return ENODEV;
}

/*
 * Closing a client socket tells the firmware (peers_gone), once per client,
 * also when its process is killed; a socket that never sent says nothing.
 */
static int case_gone(void)
{
	struct nl *stats = malloc(sizeof(*stats)), *cl = malloc(sizeof(*cl));
	struct channel_info before, after;
	uint32_t p0 = 0, p = 0;
	int pipefd[2];
	pid_t pid;
	char b;
	int rc;

	if (!stats || !cl || nl_client_of(stats, RPMSG_NETLINK_SERVICE, false, NULL))
		return 1;
	rc = firmware_peers_gone(stats, &p0);
	check(!rc, "STATS from the firmware's bench service");
	if (rc)
		return 1;
	get_stats_of(stats, RPMSG_NETLINK_SERVICE, &before);

	rc = clients_come_and_go(RPMSG_NETLINK_SERVICE, GONE_CLIENTS);
	check(!rc, "clients opened, answered (ECHO) and closed");
	p = wait_peers_gone(stats, p0 + GONE_CLIENTS, 5000);
	if (p == p0 + GONE_CLIENTS)
		ok("peers_gone grew by %d for %d closed clients", GONE_CLIENTS, GONE_CLIENTS);
	else
		fail("peers_gone grew by %d for %d closed clients", (int)(p - p0), GONE_CLIENTS);
	usleep(100 * 1000);
	check(!firmware_peers_gone(stats, &p) && p == p0 + GONE_CLIENTS,
	      "and by no more afterwards");
	check(!get_stats_of(stats, RPMSG_NETLINK_SERVICE, &after) &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_SENT) == GONE_CLIENTS &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST) == 0,
	      "GONE_SENT counts each, GONE_LOST none");

	/* a socket without an endpoint has nothing to announce */
	if (!nl_client_of(cl, RPMSG_NETLINK_SERVICE, false, NULL))
		nl_close(cl);
	check(!firmware_peers_gone(stats, &p) && p == p0 + GONE_CLIENTS,
	      "a socket that never sent is not announced");

	/* a client killed by SIGKILL */
	if (pipe(pipefd)) {
		fail("pipe: %s", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (!client_round(cl, RPMSG_NETLINK_SERVICE) && write(pipefd[1], "k", 1) == 1)
			for (;;)
				pause();
		_exit(1);
	}
	close(pipefd[1]);
	if (pid < 0 || read(pipefd[0], &b, 1) != 1) {
		fail("the client to be killed did not get its answer");
		if (pid > 0)
			kill(pid, SIGKILL);
	} else {
		kill(pid, SIGKILL);
	}
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	p = wait_peers_gone(stats, p0 + GONE_CLIENTS + 1, 5000);
	check(p == p0 + GONE_CLIENTS + 1, "a SIGKILLed client is announced once");
	nl_close(stats);
	free(stats);
	free(cl);
	return 0;
}

/*
 * Needs the runner's stop/cont: with the firmware stopped and the ring
 * full, closing a client waits about 100 ms for a buffer, then queues its
 * notice (GONE_QUEUED, not GONE_LOST) and returns; once the firmware
 * resumes, the notice goes out and the firmware hears of it exactly once.
 */
static int case_gone_stalled(void)
{
	static uint8_t data[RPMSG_NETLINK_MAX_DATA];
	struct nl *stats = malloc(sizeof(*stats)), *victim = malloc(sizeof(*victim));
	struct nl *filler = malloc(sizeof(*filler));
	struct send_opts o = {0};
	struct channel_info before, after;
	uint32_t p0 = 0, p = 0;
	int64_t t0, t;
	int rc = 0, sends = 0;

	if (!stats || !victim || !filler ||
	    nl_client_of(stats, RPMSG_NETLINK_SERVICE, false, NULL) ||
	    nl_client(filler, true, NULL))
		return 1;
	if (firmware_peers_gone(stats, &p0) || client_round(victim, RPMSG_NETLINK_SERVICE)) {
		fail("STATS or the victim's first answer");
		return 1;
	}
	get_stats_of(stats, RPMSG_NETLINK_SERVICE, &before);

	touch("stop");
	usleep(200 * 1000);
	while (sends < 1000 && !(rc = nl_send_acked(filler, data, sizeof(data), &o)))
		sends++;
	check(rc == EAGAIN, "the tx ring and the transmit queue are full (SEND -> EAGAIN)");

	t0 = now_ms();
	nl_close(victim);
	t = now_ms() - t0;
	if (t >= 80 && t < 100 + FAIL_WITHIN_MS)
		ok("closing a client with the ring full waited %" PRId64 " ms, then returned", t);
	else
		fail("closing a client with the ring full took %" PRId64 " ms", t);
	check(!get_stats_of(stats, RPMSG_NETLINK_SERVICE, &after) &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST) == 0 &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_SENT) == 0 &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_QUEUED] == 1,
	      "the notice is queued (GONE_QUEUED 1), neither lost nor sent");

	touch("cont");
	p = wait_peers_gone(stats, p0 + 1, 10000);
	if (p == p0 + 1)
		ok("after the firmware resumes, it hears of the closed client");
	else
		fail("after the firmware resumes, peers_gone grew by %d, expected 1",
		     (int)(p - p0));
	check(!get_stats_of(stats, RPMSG_NETLINK_SERVICE, &after) &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_SENT) == 1 &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST) == 0 &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_QUEUED] == 0,
	      "GONE_SENT counts it, GONE_LOST does not, nothing queued");
	check(!clients_come_and_go(RPMSG_NETLINK_SERVICE, 1) &&
		      wait_peers_gone(stats, p0 + 2, 5000) == p0 + 2,
	      "a client closed later is announced too, once");
	check(!firmware_peers_gone(stats, &p) && p == p0 + 2,
	      "and nothing more: the queued notice went exactly once");
	nl_close(filler);
	nl_close(stats);
	free(filler);
	free(victim);
	free(stats);
	return 0;
}

/* BIND or UNBIND; returns 0 or the ack's errno. */
static int nl_bind_req(struct nl *nl, uint8_t cmd, const char *name, bool has_flags, uint32_t flags)
{
	struct nlmsghdr *nlh;
	int rc;

	nlh = nl_request(nl, nl->family, NLM_F_ACK, cmd, RPMSG_NETLINK_FAMILY_VERSION);
	if (name)
		mnl_attr_put_strz(nlh, RPMSG_NETLINK_A_NAME, name);
	if (has_flags)
		mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_FLAGS, flags);
	rc = nl_send(nl, nlh);
	if (!rc)
		rc = nl_wait_ack(nl, REPLY_TIMEOUT_MS);
	return rc < 0 ? -rc : rc;
}

static void expect_bind(struct nl *nl, const char *what, uint8_t cmd, const char *name,
			bool has_flags, uint32_t flags, int want)
{
	expect_answer(nl, what, nl_bind_req(nl, cmd, name, has_flags, flags), want);
}

/* GET_BINDING dump; fills out[] and returns how many, or negative errno. */
static int nl_dump_bindings(struct nl *nl, struct binding_info *out, size_t max)
{
	nl->binds = out;
	nl->n_binds = 0;
	nl->max_binds = max;

	int rc = nl_dump(nl, RPMSG_NETLINK_CMD_GET_BINDING);

	nl->binds = NULL;
	return rc ? rc : (int)nl->n_binds;
}

static void read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

/*
 * What sysfs says of the rpmsg device called name: its driver ("" when
 * none) and its driver_override ("(null)" when none). False if no device.
 */
static bool rpmsg_dev_state(const char *name, char *driver, char *override, size_t len)
{
	DIR *d = opendir("/sys/bus/rpmsg/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char path[512], buf[64], target[512];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/rpmsg/devices/%s/name", e->d_name);
		read_line(path, buf, sizeof(buf));
		if (strcmp(buf, name))
			continue;
		found = true;
		snprintf(path, sizeof(path), "/sys/bus/rpmsg/devices/%s/driver_override",
			 e->d_name);
		read_line(path, override, len);
		snprintf(path, sizeof(path), "/sys/bus/rpmsg/devices/%s/driver", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		snprintf(driver, len, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : "");
	}
	closedir(d);
	return found;
}

/* Pumps events until a CHANNEL_UP names name; true if one came. */
static bool wait_up(struct nl *nl, const char *name, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (strcmp(nl->last_up, name) && now_ms() < end)
		nl_pump(nl, (int)(end - now_ms()));
	return !strcmp(nl->last_up, name);
}

/*
 * Runs with the module loaded with bind=amplink-echo: the echo channel is
 * there and echoes; BIND, UNBIND and GET_BINDING; what each refuses; a
 * channel bound without NOTIFY hears nothing of closed clients, one bound
 * with it hears each; unbinding announces no client; rmmod leaves no
 * driver_override behind.
 */
static int case_bind(void)
{
	struct nl *adm = malloc(sizeof(*adm)), *stats = malloc(sizeof(*stats));
	struct nl *ev = malloc(sizeof(*ev)), *cl = malloc(sizeof(*cl));
	struct binding_info binds[8];
	struct channel_info ci, before, after;
	char drv[64], ovr[64], why[160];
	char long_name[40];
	uint8_t data[1000];
	uint64_t seed = 99;
	uint32_t p0 = 0, p = 0;
	int n, rc;

	if (!adm || !stats || !ev || !cl)
		return 1;
	if (nl_client_of(adm, ECHO_SERVICE, true, &ci))
		return 1;
	ok("bind=%s at load: channel %u \"%s\" listed", ECHO_SERVICE, ci.id, ci.name);
	n = nl_dump_bindings(adm, binds, 8);
	check(n == 1 && !strcmp(binds[0].name, ECHO_SERVICE) && binds[0].flags == 0,
	      "GET_BINDING lists it, without NOTIFY");
	fill_random(data, sizeof(data), &seed);
	rc = echo_once(adm, data, sizeof(data), why, sizeof(why));
	check(!rc, "a raw SEND to it comes back byte-exact in RECV");

	if (nl_client_of(stats, RPMSG_NETLINK_SERVICE, false, NULL) ||
	    firmware_peers_gone(stats, &p0))
		return 1;

	/* without NOTIFY the firmware hears nothing of closed clients */
	get_stats_of(adm, ECHO_SERVICE, &before);
	rc = clients_come_and_go(ECHO_SERVICE, GONE_CLIENTS);
	check(!rc, "clients of the bound channel opened, echoed and closed");
	usleep(200 * 1000);
	check(!firmware_peers_gone(stats, &p) && p == p0,
	      "bound without NOTIFY: peers_gone unchanged after its clients closed");
	check(!get_stats_of(adm, ECHO_SERVICE, &after) &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_SENT) == 0 &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST) == 0,
	      "and GONE_SENT, GONE_LOST stay 0");

	/* what BIND and UNBIND refuse */
	expect_bind(adm, "BIND rpmsg-tty (rpmsg_tty holds it)", RPMSG_NETLINK_CMD_BIND, "rpmsg-tty",
		    false, 0, EBUSY);
	check(rpmsg_dev_state("rpmsg-tty", drv, ovr, sizeof(drv)) && !strcmp(drv, "rpmsg_tty") &&
		      !strcmp(ovr, "(null)"),
	      "rpmsg-tty still bound to rpmsg_tty, no driver_override");
	n = nl_dump_bindings(adm, binds, 8);
	check(n == 1, "a refused BIND binds nothing");
	expect_bind(adm, "BIND " ECHO_SERVICE " again", RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE, false,
		    0, EEXIST);
	expect_bind(adm, "BIND " RPMSG_NETLINK_SERVICE, RPMSG_NETLINK_CMD_BIND,
		    RPMSG_NETLINK_SERVICE, false, 0, EEXIST);
	expect_bind(adm, "BIND \"\"", RPMSG_NETLINK_CMD_BIND, "", false, 0, EINVAL);
	memset(long_name, 'x', 32);
	long_name[32] = '\0';
	expect_bind(adm, "BIND a 32-byte name", RPMSG_NETLINK_CMD_BIND, long_name, false, 0,
		    EINVAL);
	expect_bind(adm, "BIND without NAME", RPMSG_NETLINK_CMD_BIND, NULL, false, 0, EINVAL);
	expect_bind(adm, "BIND with an unknown flag", RPMSG_NETLINK_CMD_BIND, "some-name", true,
		    1u << 7, EINVAL);
	expect_bind(adm, "UNBIND a name never bound", RPMSG_NETLINK_CMD_UNBIND, "some-name", false,
		    0, ENOENT);

	/* UNBIND: the channel goes down for its clients and the events group */
	if (nl_client_of(ev, ECHO_SERVICE, false, NULL) || nl_join_events(ev) ||
	    client_round(cl, ECHO_SERVICE))
		return 1;
	expect_bind(adm, "UNBIND " ECHO_SERVICE, RPMSG_NETLINK_CMD_UNBIND, ECHO_SERVICE, false, 0,
		    0);
	check(wait_down(ev, FAIL_WITHIN_MS) >= 0, "the events group got CHANNEL_DOWN");
	check(wait_down(cl, FAIL_WITHIN_MS) >= 0, "its client got CHANNEL_DOWN");
	check(get_stats_of(adm, ECHO_SERVICE, &after) == ENODEV, "the dump no longer lists it");
	check(nl_dump_bindings(adm, binds, 8) == 0, "GET_BINDING lists nothing");
	check(rpmsg_dev_state(ECHO_SERVICE, drv, ovr, sizeof(drv)) && !drv[0] &&
		      !strcmp(ovr, "(null)"),
	      "the device has no driver and no driver_override");
	rc = nl_send_acked(cl, "x", 1, NULL);
	check(rc == ENODEV, "a SEND to the old id -> ENODEV");
	nl_close(cl);

	/* BIND with NOTIFY at run time: each closed client is announced */
	ev->last_up[0] = '\0';
	expect_bind(adm, "BIND " ECHO_SERVICE " with NOTIFY", RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE,
		    true, RPMSG_NETLINK_BIND_F_NOTIFY, 0);
	check(wait_up(ev, ECHO_SERVICE, FAIL_WITHIN_MS), "the events group got CHANNEL_UP");
	n = nl_dump_bindings(adm, binds, 8);
	check(n == 1 && !strcmp(binds[0].name, ECHO_SERVICE) &&
		      binds[0].flags == RPMSG_NETLINK_BIND_F_NOTIFY,
	      "GET_BINDING lists it with NOTIFY");
	rc = client_round(cl, ECHO_SERVICE);
	check(!rc, "the channel is back and echoes");
	if (!rc)
		nl_close(cl);
	p = wait_peers_gone(stats, p0 + 1, 5000);
	check(p == p0 + 1, "bound with NOTIFY: its closed client is announced");
	rc = clients_come_and_go(ECHO_SERVICE, GONE_CLIENTS);
	p = wait_peers_gone(stats, p0 + 1 + GONE_CLIENTS, 5000);
	check(!rc && p == p0 + 1 + GONE_CLIENTS, "and so is each of 5 more");

	/* removing the channel announces no client */
	if (client_round(cl, ECHO_SERVICE))
		return 1;
	expect_bind(adm, "UNBIND " ECHO_SERVICE " with a client open", RPMSG_NETLINK_CMD_UNBIND,
		    ECHO_SERVICE, false, 0, 0);
	check(wait_down(cl, FAIL_WITHIN_MS) >= 0, "its client got CHANNEL_DOWN");
	nl_close(cl);
	usleep(100 * 1000);
	check(!firmware_peers_gone(stats, &p) && p == p0 + 1 + GONE_CLIENTS,
	      "no client announced when the channel itself goes");

	/* bound again, then rmmod: no driver_override may name the module */
	expect_bind(adm, "BIND " ECHO_SERVICE, RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE, false, 0, 0);
	check(rpmsg_dev_state(ECHO_SERVICE, drv, ovr, sizeof(drv)) &&
		      !strcmp(drv, "rpmsg_netlink") && !strcmp(ovr, "rpmsg_netlink"),
	      "the device is ours through its driver_override");
	nl_close(adm);
	nl_close(ev);
	nl_close(stats);
	rc = system("rmmod rpmsg_netlink");
	check(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "rmmod");
	check(rpmsg_dev_state(ECHO_SERVICE, drv, ovr, sizeof(drv)) && !drv[0] &&
		      !strcmp(ovr, "(null)"),
	      "after rmmod: no driver, no driver_override");
	free(adm);
	free(stats);
	free(ev);
	free(cl);
	return 0;
}

/* BIND and UNBIND need CAP_NET_ADMIN and CAP_SYS_MODULE; the dump does not. */
static int case_bind_no_permission(void)
{
	struct nl *nl = malloc(sizeof(*nl));
	struct binding_info binds[8];
	int rc;

	if (!nl)
		return 1;
	rc = drop_privileges();
	if (rc) {
		fail("cannot drop to uid 65534: %s", strerror(-rc));
		return 1;
	}
	if (nl_client(nl, false, NULL))
		return 1;
	expect_bind(nl, "BIND as uid 65534", RPMSG_NETLINK_CMD_BIND, "some-name", false, 0, EPERM);
	expect_bind(nl, "UNBIND as uid 65534", RPMSG_NETLINK_CMD_UNBIND, ECHO_SERVICE, false, 0,
		    EPERM);
	rc = nl_dump_bindings(nl, binds, 8);
	check(rc == 1 && !strcmp(binds[0].name, ECHO_SERVICE),
	      "GET_BINDING works without privileges");
	nl_close(nl);
	free(nl);
	return 0;
}

/* CLIENTS of the channel under test as nl sees it, or -1. */
static int64_t clients_of(struct nl *nl)
{
	struct channel_info ci;

	if (nl_get_channel(nl, nl->channel, &ci))
		return -1;
	return (int64_t)ci.stats[RPMSG_NETLINK_STAT_CLIENTS];
}

/* Polls until the channel has want clients; true if it did within timeout_ms. */
static bool wait_clients(struct nl *nl, int64_t want, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	do {
		if (clients_of(nl) == want)
			return true;
		sched_yield();
	} while (now_ms() < end);
	return false;
}

/* How many of the len bytes at p are c. */
static size_t count_byte(const uint8_t *p, size_t len, uint8_t c)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == c;
	return n;
}

/*
 * One message of len bytes filled with c: raw, or on the module's own
 * service an ECHO frame (seq c) whose ECHO_REPLY is as long; *reply is what
 * comes back.
 */
static void stale_message(bool frames, uint8_t c, uint8_t *msg, uint8_t *reply, size_t len)
{
	memset(msg, c, len);
	memcpy(reply, msg, len);
	if (frames) {
		uint32_t plen = (uint32_t)(len - AMP_FRAME_HDR_SIZE);
		uint32_t crc = crc32_ieee(msg + AMP_FRAME_HDR_SIZE, plen);

		amp_frame_encode(msg, AMP_FRAME_ECHO, c, plen, crc);
		amp_frame_encode(reply, AMP_FRAME_ECHO_REPLY, c, plen, crc);
	}
}

/*
 * Issue 11, defect 1. Needs the runner's stop/cont. With the firmware
 * stopped, a client fills the tx ring with its messages and closes; a new
 * socket's SEND creates its endpoint and waits for a buffer; the firmware
 * resumes and answers the closed client's messages (to the closed client's
 * address) before the new one's. The new socket receives its own answer
 * and nothing else. On the echo channel the messages are raw; on the
 * module's own service (--channel rpmsg-netlink) they are ECHO frames, and
 * the closed client's "gone" message cannot go (the ring is full).
 */
static int case_stale_replies(void)
{
	static uint8_t old_data[RPMSG_NETLINK_MAX_DATA], new_data[RPMSG_NETLINK_MAX_DATA];
	static uint8_t old_reply[RPMSG_NETLINK_MAX_DATA], new_reply[RPMSG_NETLINK_MAX_DATA];
	struct send_opts nonblock = {0};
	struct nl *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct nl *watch = malloc(sizeof(*watch));
	bool frames = !strcmp(channel_name, RPMSG_NETLINK_SERVICE);
	size_t len, sent = 0, stale;
	int64_t end;
	int rc = 0;

	if (!a || !b || !watch || nl_client(a, true, NULL) || nl_client(b, true, NULL) ||
	    nl_client(watch, false, NULL))
		return 1;
	len = a->mtu;
	if (frames && len > AMP_FRAME_HDR_SIZE + AMP_ECHO_MAX_LEN)
		len = AMP_FRAME_HDR_SIZE + AMP_ECHO_MAX_LEN;
	stale_message(frames, 'A', old_data, old_reply, len);
	stale_message(frames, 'B', new_data, new_reply, len);
	printf("      %s of %zu bytes on \"%s\"\n", frames ? "ECHO frames" : "raw messages", len,
	       channel_name);
	if (!wait_clients(watch, 0, 1000)) {
		fail("the channel has clients before the test");
		return 1;
	}

	/* once the stop has landed, the ring fills and stays full */
	touch("stop");
	end = now_ms() + REPLY_TIMEOUT_MS;
	while (now_ms() < end && !(rc = nl_send_acked(a, old_data, len, &nonblock)))
		sent++;
	if (rc != EAGAIN) {
		fail("filling the tx ring with the firmware stopped: %s after %zu messages",
		     rc ? strerror(rc) : "never full", sent);
		touch("cont");
		return 1;
	}
	while (nl_pump(a, 0) > 0)
		;
	stale = sent * len - a->rx_len;
	check(stale > 0 && stale % len == 0 && !a->rx_bad,
	      "the firmware is stopped with some of the first client's messages unanswered");
	printf("      %zu of its %zu messages are still to be answered when it closes\n",
	       stale / len, sent);
	nl_close(a);
	check(wait_clients(watch, 0, 5000), "the closed client's endpoint is gone");

	{
		struct waiter wt = {.nl = b, .len = len, .data = new_data};
		pthread_t th;

		pthread_create(&th, NULL, waiter_main, &wt);
		/* the new socket's endpoint exists (its SEND waits for a buffer) */
		check(wait_clients(watch, 1, 5000), "a new socket's SEND has its endpoint");
		touch("cont");
		pthread_join(th, NULL);
		check(wt.rc == 0, "its SEND goes out once the firmware resumes");
	}
	/* the firmware answers in order: the stale replies went out before this one */
	rc = nl_wait_rx(b, len, REPLY_TIMEOUT_MS);
	while (nl_pump(b, 0) > 0)
		;
	if (!rc && b->rx_len == len && !memcmp(b->rx, new_reply, len))
		ok("the new socket received its own answer and nothing else");
	else
		fail("the new socket received %zu bytes, %zu of them the closed client's; it sent "
		     "%zu",
		     b->rx_len, count_byte(b->rx, b->rx_len, 'A'), len);
	nl_close(b);
	nl_close(watch);
	free(a);
	free(b);
	free(watch);
	return 0;
}

#define CHURN_CLIENTS 2000

/*
 * Issue 11, defect 1, as traffic: CHURN_CLIENTS sockets one after the
 * other, each sending one message tagged with its number; odd ones wait for
 * their echo, even ones close at once (their echo may still be on its way).
 * Every byte any of them receives must carry its own tag.
 */
static int case_churn(void)
{
	struct nl *tmpl = malloc(sizeof(*tmpl)), *c = malloc(sizeof(*c));
	uint8_t data[64];
	unsigned int foreign = 0, complete = 0, waited = 0, errors = 0;

	if (!tmpl || !c || nl_client(tmpl, false, NULL))
		return 1;
	for (uint32_t i = 0; i < CHURN_CLIENTS; i++) {
		size_t len = 4 * (1 + i % 16);
		bool wait = i % 2;
		int rc;

		for (size_t w = 0; w < len; w += 4)
			memcpy(data + w, &i, 4);
		rc = nl_open(c, false);
		if (rc) {
			fail("socket %u: %s", i, strerror(-rc));
			return 1;
		}
		c->family = tmpl->family;
		c->channel = tmpl->channel;
		c->mtu = tmpl->mtu;
		c->remote = tmpl->remote;
		rc = nl_send_acked(c, data, len, NULL);
		if (rc) {
			if (errors++ < 5)
				fail("socket %u: SEND: %s", i, strerror(rc));
		} else if (wait) {
			waited++;
			if (!nl_wait_rx(c, len, REPLY_TIMEOUT_MS))
				complete++;
		}
		while (nl_pump(c, 0) > 0)
			;
		for (size_t w = 0; w + 4 <= c->rx_len; w += 4) {
			uint32_t tag;

			memcpy(&tag, c->rx + w, 4);
			if (tag != i) {
				if (foreign++ < 5)
					fail("socket %u received a reply to socket %u", i, tag);
			}
		}
		if (c->rx_len % 4 || c->rx_bad)
			foreign++;
		nl_close(c);
	}
	check(!errors, "every socket's SEND went out");
	if (complete == waited)
		ok("%u of %u sockets that waited got their whole echo", complete, waited);
	else
		fail("%u of %u sockets that waited got their whole echo", complete, waited);
	if (!foreign)
		ok("%d sockets in a row: none received a reply it did not cause", CHURN_CLIENTS);
	else
		fail("%d sockets in a row: %u replies (4-byte words) reached the wrong socket",
		     CHURN_CLIENTS, foreign);
	nl_close(tmpl);
	free(tmpl);
	free(c);
	return 0;
}

/*
 * For scripts that need the tx ring full (tests/vboard/timeouts.sh): after
 * the runner's stop, sends messages until the module refuses one.
 * Succeeds once a SEND finds the ring full, which shows the firmware has
 * stopped taking messages.
 */
static int case_fill_ring(void)
{
	static uint8_t data[RPMSG_NETLINK_MAX_DATA];
	struct send_opts o = {0};
	struct nl *nl = malloc(sizeof(*nl));
	int64_t end = now_ms() + REPLY_TIMEOUT_MS;
	unsigned int sent = 0;
	int rc = 0;

	if (!nl || nl_client(nl, true, NULL))
		return 1;
	while (now_ms() < end && !(rc = nl_send_acked(nl, data, nl->mtu, &o)))
		sent++;
	if (rc == EAGAIN)
		ok("the tx ring is full (after %u messages)", sent);
	else
		fail("filling the tx ring: %s after %u messages", rc ? strerror(rc) : "never full",
		     sent);
	nl_close(nl);
	free(nl);
	return 0;
}

/*
 * The echo channel bound again with NOTIFY, so that its closed clients are
 * announced to the firmware (whose peers_gone counts every announcement,
 * whatever the channel). ev has joined the events group.
 */
static int echo_with_notify(struct nl *adm, struct nl *ev)
{
	int rc;

	ev->last_up[0] = '\0';
	rc = nl_bind_req(adm, RPMSG_NETLINK_CMD_UNBIND, ECHO_SERVICE, false, 0);
	if (!rc)
		rc = nl_bind_req(adm, RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE, true,
				 RPMSG_NETLINK_BIND_F_NOTIFY);
	if (!rc && !wait_up(ev, ECHO_SERVICE, 5000))
		rc = ETIMEDOUT;
	if (rc)
		fail("binding %s again with NOTIFY: %s", ECHO_SERVICE, strerror(rc));
	return rc;
}

/* With the firmware stopped (runner: stop), SENDs until the ring and queue are full. */
static int fill_ring_of(struct nl *filler)
{
	static uint8_t data[RPMSG_NETLINK_MAX_DATA];
	struct send_opts o = {0};
	int rc = 0, sends = 0;

	while (sends < 1000 && !(rc = nl_send_acked(filler, data, sizeof(data), &o)))
		sends++;
	check(rc == EAGAIN, "the tx ring and the transmit queue are full (SEND -> EAGAIN)");
	return rc == EAGAIN ? 0 : -1;
}

/*
 * Needs the runner's stop/cont. On the echo channel bound with NOTIFY,
 * RPMSG_NETLINK_GONE_QUEUE + 3 clients close while the firmware is stopped
 * and the ring full: the queue takes RPMSG_NETLINK_GONE_QUEUE notices, the
 * 3 beyond it are lost (GONE_LOST 3), and once the firmware resumes it
 * hears of exactly the queued ones.
 */
static int case_gone_overflow(void)
{
	enum { EXTRA = 3, VICTIMS = RPMSG_NETLINK_GONE_QUEUE + EXTRA };
	struct nl *adm = malloc(sizeof(*adm)), *ev = malloc(sizeof(*ev));
	struct nl *stats = malloc(sizeof(*stats)), *filler = malloc(sizeof(*filler));
	struct nl *victims[VICTIMS];
	struct channel_info before, after;
	uint32_t p0 = 0, p = 0;
	int64_t t0;

	if (!adm || !ev || !stats || !filler ||
	    nl_client_of(adm, RPMSG_NETLINK_SERVICE, false, NULL) ||
	    nl_client_of(ev, RPMSG_NETLINK_SERVICE, false, NULL) || nl_join_events(ev) ||
	    nl_client_of(stats, RPMSG_NETLINK_SERVICE, false, NULL) || echo_with_notify(adm, ev) ||
	    nl_client_of(filler, ECHO_SERVICE, true, NULL))
		return 1;
	for (int i = 0; i < VICTIMS; i++) {
		victims[i] = malloc(sizeof(*victims[i]));
		if (!victims[i] || client_round(victims[i], ECHO_SERVICE)) {
			fail("client %d of %s did not get its echo", i, ECHO_SERVICE);
			return 1;
		}
	}
	ok("%d clients of %s (NOTIFY) echoed once", VICTIMS, ECHO_SERVICE);
	if (firmware_peers_gone(stats, &p0) || get_stats_of(adm, ECHO_SERVICE, &before)) {
		fail("STATS or the echo channel's counters");
		return 1;
	}

	touch("stop");
	usleep(200 * 1000);
	if (fill_ring_of(filler)) {
		touch("cont");
		return 1;
	}

	t0 = now_ms();
	for (int i = 0; i < VICTIMS; i++)
		nl_close(victims[i]);
	printf("      closing %d clients with the ring full took %" PRId64 " ms\n", VICTIMS,
	       now_ms() - t0);
	check(!get_stats_of(adm, ECHO_SERVICE, &after) &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_QUEUED] == RPMSG_NETLINK_GONE_QUEUE &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST) == EXTRA &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_SENT) == 0,
	      "GONE_QUEUED is the queue's size, GONE_LOST the 3 beyond it, GONE_SENT 0");
	printf("      GONE_QUEUED %" PRIu64 ", GONE_LOST +%" PRIu64 ", GONE_SENT +%" PRIu64 "\n",
	       after.stats[RPMSG_NETLINK_STAT_GONE_QUEUED],
	       stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST),
	       stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_SENT));

	touch("cont");
	p = wait_peers_gone(stats, p0 + RPMSG_NETLINK_GONE_QUEUE, 20000);
	if (p == p0 + RPMSG_NETLINK_GONE_QUEUE)
		ok("after the firmware resumes, it hears of the %d queued clients",
		   RPMSG_NETLINK_GONE_QUEUE);
	else
		fail("after the firmware resumes, peers_gone grew by %d, expected %d",
		     (int)(p - p0), RPMSG_NETLINK_GONE_QUEUE);
	check(!get_stats_of(adm, ECHO_SERVICE, &after) &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_QUEUED] == 0 &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_SENT) ==
			      RPMSG_NETLINK_GONE_QUEUE &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST) == EXTRA,
	      "GONE_SENT counts the queued ones, GONE_LOST still 3, nothing queued");
	check(!firmware_peers_gone(stats, &p) && p == p0 + RPMSG_NETLINK_GONE_QUEUE,
	      "and the firmware heard of no more");

	nl_close(filler);
	nl_close(stats);
	nl_close(ev);
	nl_close(adm);
	for (int i = 0; i < VICTIMS; i++)
		free(victims[i]);
	free(filler);
	free(stats);
	free(ev);
	free(adm);
	return 0;
}

/*
 * Needs the runner's stop/cont. Clients of the echo channel (bound with
 * NOTIFY) close while the firmware is stopped and the ring full, so their
 * notices are queued; then the channel goes away with them still queued:
 * UNBIND (or rmmod, with how == RMMOD). The removal is clean and quick,
 * the queue is dropped without counting anything lost, and the firmware,
 * once resumed, never hears of those clients.
 */
static int case_gone_removed(enum disruption how)
{
	enum { QUEUED = 3 };
	struct nl *adm = malloc(sizeof(*adm)), *ev = malloc(sizeof(*ev));
	struct nl *stats = malloc(sizeof(*stats)), *filler = malloc(sizeof(*filler));
	struct nl *victims[QUEUED];
	struct channel_info before, after, svc_before, svc_after;
	uint32_t p0 = 0, p = 0;
	int64_t t0, t;
	int rc;

	if (!adm || !ev || !stats || !filler ||
	    nl_client_of(adm, RPMSG_NETLINK_SERVICE, false, NULL) ||
	    nl_client_of(ev, RPMSG_NETLINK_SERVICE, false, NULL) || nl_join_events(ev) ||
	    nl_client_of(stats, RPMSG_NETLINK_SERVICE, false, NULL) || echo_with_notify(adm, ev) ||
	    nl_client_of(filler, ECHO_SERVICE, true, NULL))
		return 1;
	for (int i = 0; i < QUEUED; i++) {
		victims[i] = malloc(sizeof(*victims[i]));
		if (!victims[i] || client_round(victims[i], ECHO_SERVICE)) {
			fail("client %d of %s did not get its echo", i, ECHO_SERVICE);
			return 1;
		}
	}
	if (firmware_peers_gone(stats, &p0) || get_stats_of(adm, ECHO_SERVICE, &before) ||
	    get_stats_of(adm, RPMSG_NETLINK_SERVICE, &svc_before)) {
		fail("STATS or the channels' counters");
		return 1;
	}

	touch("stop");
	usleep(200 * 1000);
	if (fill_ring_of(filler)) {
		touch("cont");
		return 1;
	}
	for (int i = 0; i < QUEUED; i++)
		nl_close(victims[i]);
	check(!get_stats_of(adm, ECHO_SERVICE, &after) &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_QUEUED] == QUEUED &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_GONE_LOST) == 0,
	      "3 closed clients: their notices are queued, none lost");

	t0 = now_ms();
	if (how == RMMOD) {
		rc = system("rmmod rpmsg_netlink");
		rc = WIFEXITED(rc) && WEXITSTATUS(rc) == 0 ? 0 : EIO;
	} else {
		rc = nl_bind_req(adm, RPMSG_NETLINK_CMD_UNBIND, ECHO_SERVICE, false, 0);
	}
	t = now_ms() - t0;
	if (!rc && t < FAIL_WITHIN_MS)
		ok("%s with notices queued took %" PRId64 " ms",
		   how == RMMOD ? "rmmod" : "UNBIND " ECHO_SERVICE, t);
	else
		fail("%s with notices queued: %s after %" PRId64 " ms",
		     how == RMMOD ? "rmmod" : "UNBIND " ECHO_SERVICE, rc ? strerror(rc) : "done",
		     t);
	touch("cont");
	if (how == RMMOD)
		goto out; /* netlink-test.sh loads the module again and echoes */

	check(get_stats_of(adm, ECHO_SERVICE, &after) == ENODEV, "the dump no longer lists it");
	/* the firmware answers in ring order: STATS comes after all that went */
	check(!firmware_peers_gone(stats, &p) && p == p0,
	      "the firmware never hears of the dropped notices");
	check(!get_stats_of(adm, RPMSG_NETLINK_SERVICE, &svc_after) &&
		      stat_delta(&svc_before, &svc_after, RPMSG_NETLINK_STAT_GONE_LOST) == 0,
	      "nothing counted lost on the channel that stayed");
	ev->last_up[0] = '\0';
	rc = nl_bind_req(adm, RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE, true,
			 RPMSG_NETLINK_BIND_F_NOTIFY);
	check(!rc && wait_up(ev, ECHO_SERVICE, 5000), "BIND " ECHO_SERVICE " again");
	check(!clients_come_and_go(ECHO_SERVICE, 1) &&
		      wait_peers_gone(stats, p0 + 1, 5000) == p0 + 1,
	      "a client of the channel bound again is announced once");
	check(!get_stats_of(adm, ECHO_SERVICE, &after) &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_QUEUED] == 0 &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_SENT] == 1 &&
		      after.stats[RPMSG_NETLINK_STAT_GONE_LOST] == 0,
	      "the new channel: GONE_SENT 1, GONE_LOST 0, nothing queued");
out:
	nl_close(filler);
	nl_close(stats);
	nl_close(ev);
	nl_close(adm);
	for (int i = 0; i < QUEUED; i++)
		free(victims[i]);
	free(filler);
	free(stats);
	free(ev);
	free(adm);
	return 0;
}

/* Sets a parameter of the module; 0 or -errno. */
static int module_param_set(const char *name, const char *value)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/sys/module/rpmsg_netlink/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	rc = fputs(value, f) < 0 ? -errno : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static void *close_main(void *arg)
{
	nl_close(arg);
	return NULL;
}

/*
 * Issue 11, defect 5: netlink frees a socket's port id before the module
 * hears the socket is gone. With that window widened (release_delay_ms), a
 * new socket binds the released one's port id and sends: it must get an
 * endpoint of its own, not inherit the old one, and keep it after the old
 * socket's release has run.
 */
static int case_port_reuse(void)
{
	struct nl *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *watch = malloc(sizeof(*watch));
	struct channel_info ci;
	char why[160];
	pthread_t th;
	uint32_t port;
	int64_t end;
	int rc;

	if (!a || !b || !watch || nl_client(a, true, NULL) || nl_client(watch, false, NULL))
		return 1;
	check(!echo_once(a, (const uint8_t *)"old", 3, why, sizeof(why)),
	      "the first socket has its endpoint");
	port = a->portid;
	if (module_param_set("release_delay_ms", "1000")) {
		fail("cannot set release_delay_ms: %s", strerror(errno));
		return 1;
	}
	pthread_create(&th, NULL, close_main, a);
	/* the port id is free as soon as the release has begun */
	end = now_ms() + 5000;
	while ((rc = nl_open_port(b, true, port)) == -EADDRINUSE && now_ms() < end)
		poll(NULL, 0, 1); /* polling for the moment, not a synchronisation */
	check(rc == 0, "a new socket binds the released socket's port id during its release");
	if (!rc)
		rc = nl_resolve_family(b);
	if (!rc)
		rc = nl_find_named(b, channel_name, &ci);
	check(!rc && !echo_once(b, (const uint8_t *)"new", 3, why, sizeof(why)),
	      "the new socket's SEND is answered");
	int64_t during = clients_of(watch);

	if (during == 2)
		ok("it has an endpoint of its own (the channel has the old one and the new one)");
	else
		fail("the channel has %" PRId64 " endpoints during the release, not 2 (the old "
		     "one and the new one)",
		     during);
	pthread_join(th, NULL);
	module_param_set("release_delay_ms", "0");
	check(wait_clients(watch, 1, 5000),
	      "once the old socket's release has run, the new socket's endpoint stays");
	b->rx_len = 0;
	check(!rc && !echo_once(b, (const uint8_t *)"again", 5, why, sizeof(why)) && b->rx_len == 5,
	      "and it is answered, with nothing of the old socket's");
	free(a);
	nl_close(b);
	nl_close(watch);
	free(b);
	free(watch);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The median time in microseconds of n 1-byte SENDs that the module
 * refuses (EAGAIN: nl's queue is full and none says RESUME), each from the
 * request to its ack: the Generic Netlink round trip, the lookup of the
 * sender's client and the refusal, no transport. -1 on failure.
 */
static double refused_send_us(struct nl *nl, int n)
{
	double *t = calloc((size_t)n, sizeof(*t)), us = -1;
	uint8_t b = 'x';
	int rc = 0;

	for (int i = 0; t && i < n; i++) {
		double t0 = now_s();

		rc = nl_send_acked(nl, &b, 1, NULL);
		t[i] = (now_s() - t0) * 1e6;
		if (rc != EAGAIN)
			break;
	}
	if (!t || rc != EAGAIN) {
		fail("a SEND with the queue full -> %s, expected %s", rc ? strerror(rc) : "success",
		     strerror(EAGAIN));
	} else {
		qsort(t, (size_t)n, sizeof(*t), cmp_double);
		us = t[n / 2];
	}
	free(t);
	return us;
}

/*
 * What the lookup of a SEND's client costs with many clients on the channel
 * (issue 11: it was a walk of the channel's list). Needs the runner's
 * stop/cont. others sockets send a byte each (clients on the channel), then
 * a new socket (the newest client, the last on the list) fills its queue
 * with the firmware stopped and times 1-byte SENDs that are refused with
 * EAGAIN after the lookup; then the others close and it times them again.
 * Prints the medians; fails only if something fails.
 */
static int case_send_cost(int others)
{
	static uint8_t big[RPMSG_NETLINK_MAX_DATA];
	struct nl *nl = malloc(sizeof(*nl)), *b = malloc(sizeof(*b));
	struct mnl_socket **socks = calloc((size_t)others, sizeof(*socks));
	struct channel_info ci;
	double crowded, alone;
	uint8_t x = 'y';
	int opened = 0, rc;
	int64_t end;

	if (!nl || !b || !socks || nl_client(nl, true, NULL) || nl_open(b, false))
		return 1;
	b->family = nl->family;
	b->channel = nl->channel;
	for (; opened < others; opened++) {
		socks[opened] = mnl_socket_open(NETLINK_GENERIC);
		if (!socks[opened] || mnl_socket_bind(socks[opened], 0, MNL_SOCKET_AUTOPID) < 0) {
			fail("socket %d: %s", opened, strerror(errno));
			break;
		}
		b->sock = socks[opened];
		if (nl_send_acked(b, &x, 1, NULL)) {
			fail("SEND from socket %d: %s", opened, strerror(b->ack_err));
			opened++;
			break;
		}
	}
	b->sock = NULL;
	/* the newest client: last on the channel's list */
	if (nl_send_acked(nl, &x, 1, NULL) || nl_wait_rx(nl, 1, REPLY_TIMEOUT_MS))
		fail("the measuring socket's first echo");
	if (!nl_get_channel(nl, nl->channel, &ci))
		printf("      %" PRIu64 " clients on the channel\n",
		       ci.stats[RPMSG_NETLINK_STAT_CLIENTS]);
	touch("stop");
	end = now_ms() + REPLY_TIMEOUT_MS;
	while (!(rc = nl_send_acked(nl, big, sizeof(big), NULL)) && now_ms() < end)
		;
	if (rc != EAGAIN) {
		fail("filling the queue with the firmware stopped: %s",
		     rc ? strerror(rc) : "never full");
		touch("cont");
		return 1;
	}
	crowded = refused_send_us(nl, 5000);
	for (int i = 0; i < opened; i++)
		if (socks[i])
			mnl_socket_close(socks[i]);
	alone = refused_send_us(nl, 5000);
	touch("cont");
	if (crowded > 0 && alone > 0)
		ok("a refused 1-byte SEND (median of 5000): %.1f us with %d other clients, %.1f us "
		   "alone",
		   crowded, opened, alone);
	nl_close(b);
	nl_close(nl);
	free(socks);
	free(b);
	free(nl);
	return 0;
}

/*
 * Issue 11, defect 4: a released socket's client is taken off its channel's
 * list before its endpoint is destroyed. With that window widened
 * (release_delay_ms), the channel is removed inside it: remove() must wait
 * for the closer (the endpoint is destroyed while the device still exists;
 * the vboard fails on any WARN or BUG, the debug kernel on KASAN too).
 */
static int case_release_vs_remove(void)
{
	struct nl *a = malloc(sizeof(*a)), *watch = malloc(sizeof(*watch));
	char why[160];
	pthread_t th;
	int64_t end, t0, took;
	int rc;

	if (!a || !watch || nl_client(a, true, NULL) || nl_client(watch, false, NULL))
		return 1;
	check(!echo_once(a, (const uint8_t *)"x", 1, why, sizeof(why)),
	      "a client with its endpoint");
	if (module_param_set("release_delay_ms", "500")) {
		fail("cannot set release_delay_ms: %s", strerror(errno));
		return 1;
	}
	pthread_create(&th, NULL, close_main, a);
	/* off the list (after the first delay), its endpoint not yet destroyed */
	end = now_ms() + 5000;
	while (clients_of(watch) != 0 && now_ms() < end)
		poll(NULL, 0, 5); /* polling for the moment, not a synchronisation */
	t0 = now_ms();
	rc = disrupt(UNBIND);
	took = now_ms() - t0;
	pthread_join(th, NULL);
	module_param_set("release_delay_ms", "0");
	if (!rc && took >= 300)
		ok("unbinding the device waited %" PRId64 " ms for the client being closed", took);
	else
		fail("unbinding: %s after %" PRId64 " ms (expected a wait for the closer)",
		     rc ? strerror(-rc) : "done", took);
	free(a);
	nl_close(watch);
	free(watch);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: netlink-check [--channel NAME] [--run-dir DIR] [--seconds N] [--seed S] "
		"[--clients N] CASE\n"
		"  echo           1..65024 bytes in one SEND and 1 MiB in several, byte-exact; "
		"stats\n"
		"  echo-small     one 2000-byte echo\n"
		"  concurrent     %d clients x %d random-size transfers, no cross-talk\n"
		"  bad-requests   every validation error and its errno; counters untouched\n"
		"  stall          queue, EAGAIN, RESUME, TX_READY with the firmware stopped "
		"(runner: stop/cont)\n"
		"  no-permission  uid 65534 without capabilities, also as root of a user "
		"namespace: SEND -> EPERM, GET works; in its own network namespace the "
		"channel is absent\n"
		"  netns          a new network namespace (root) neither lists nor uses the "
		"channel\n"
		"  unbind         unbind virtio0 while clients wait: ENODEV/CHANNEL_DOWN in 1 s\n"
		"  firmware-kill  the runner kills the firmware (runner: kill-firmware)\n"
		"  rmmod          rmmod while clients wait (add --stalled to stop the firmware)\n"
		"  gone           closed and killed clients of rpmsg-netlink: peers_gone +1 each\n"
		"  gone-stalled   closing a client with the ring full: ~100 ms, queued, sent "
		"after the firmware resumes (runner: stop/cont)\n"
		"  gone-overflow  more clients close with the ring full than the queue holds: "
		"the extra ones are lost (runner: stop/cont)\n"
		"  gone-removed   UNBIND with notices queued (add --rmmod: rmmod) "
		"(runner: stop/cont)\n"
		"  bind           (module loaded with bind=amplink-echo) BIND, UNBIND, "
		"GET_BINDING, NOTIFY\n"
		"  bind-no-permission  uid 65534: BIND and UNBIND -> EPERM\n"
		"  stale-replies  replies to a closed client never reach the next socket "
		"(runner: stop/cont)\n"
		"  churn          %d sockets in a row: none receives a reply it did not cause\n"
		"  churn-stress   --clients N (default 8) processes for --seconds N (default 20; "
		"--seed S): random transfers, several in flight, bad flags, closes with SENDs in "
		"flight, SIGKILLs, firmware stops (runner: stop/cont); no socket receives a byte "
		"it did not send; then clients back to before, the echo byte-exact\n"
		"  send-cost      the time of a refused 1-byte SEND (the client lookup) with "
		"--clients N other clients on the channel and alone (runner: stop/cont)\n"
		"  port-reuse     a new socket on a released socket's port id, during its "
		"release: an endpoint of its own\n"
		"  release-vs-remove  the device unbound while a released socket's client is "
		"being closed: remove() waits\n"
		"  fuzz           random requests for --seconds N (default 20; --seed S), "
		"then it still works\n"
		"  fill-ring      (firmware stopped) SENDs until the ring and queue are full\n"
		"  grant          GRANT/REVOKE a group: its members SEND without capabilities, "
		"then no more\n"
		"  limits         max_user_clients and max_clients: EMFILE, ENFILE\n"
		"  assign         ASSIGN to a container's network namespace: listed and used "
		"there only; UNASSIGN; the namespace going away\n"
		"  rx-alloc-fail  (debug kernel, failslab) a RECV that cannot be allocated: "
		"dropped, counted, ENOBUFS to its client\n"
		"  bulk-requests  the pool of bulk transfers: its device node maps the pool only; "
		"BULK_ACQUIRE/SUBMIT/RELEASE refuse slots not the client's, bad counts and "
		"ranges; the share, BULK_READY; a closed socket's slots come back\n",
		CONCURRENT_CLIENTS, CONCURRENT_TRANSFERS, CHURN_CLIENTS);
}

int main(int argc, char **argv)
{
	const char *name = NULL;
	bool stalled = false;
	bool rmmod = false;
	int fuzz_seconds = 20;
	uint64_t fuzz_seed = 0;
	int churn_clients = 8;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--channel") && i + 1 < argc)
			channel_name = argv[++i];
		else if (!strcmp(argv[i], "--run-dir") && i + 1 < argc)
			run_dir = argv[++i];
		else if (!strcmp(argv[i], "--stalled"))
			stalled = true;
		else if (!strcmp(argv[i], "--rmmod"))
			rmmod = true;
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			fuzz_seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			fuzz_seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--clients") && i + 1 < argc)
			churn_clients = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!name)
			name = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!name) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(name, "echo"))
		rc = case_echo();
	else if (!strcmp(name, "echo-small"))
		rc = case_echo_small();
	else if (!strcmp(name, "concurrent"))
		rc = case_concurrent();
	else if (!strcmp(name, "bad-requests"))
		rc = case_bad_requests();
	else if (!strcmp(name, "stall"))
		rc = case_stall();
	else if (!strcmp(name, "no-permission"))
		rc = case_no_permission();
	else if (!strcmp(name, "netns"))
		rc = case_netns();
	else if (!strcmp(name, "unbind"))
		rc = case_disruption(UNBIND, false);
	else if (!strcmp(name, "firmware-kill"))
		rc = case_disruption(FIRMWARE_KILL, false);
	else if (!strcmp(name, "rmmod"))
		rc = case_disruption(RMMOD, stalled);
	else if (!strcmp(name, "gone"))
		rc = case_gone();
	else if (!strcmp(name, "gone-stalled"))
		rc = case_gone_stalled();
	else if (!strcmp(name, "gone-overflow"))
		rc = case_gone_overflow();
	else if (!strcmp(name, "gone-removed"))
		rc = case_gone_removed(rmmod ? RMMOD : UNBIND);
	else if (!strcmp(name, "bind"))
		rc = case_bind();
	else if (!strcmp(name, "bind-no-permission"))
		rc = case_bind_no_permission();
	else if (!strcmp(name, "stale-replies"))
		rc = case_stale_replies();
	else if (!strcmp(name, "churn"))
		rc = case_churn();
	else if (!strcmp(name, "churn-stress"))
		rc = case_churn_stress(fuzz_seconds, fuzz_seed, churn_clients);
	else if (!strcmp(name, "send-cost"))
		rc = case_send_cost(churn_clients);
	else if (!strcmp(name, "port-reuse"))
		rc = case_port_reuse();
	else if (!strcmp(name, "fuzz"))
		rc = case_fuzz(fuzz_seconds, fuzz_seed);
	else if (!strcmp(name, "release-vs-remove"))
		rc = case_release_vs_remove();
	else if (!strcmp(name, "fill-ring"))
		rc = case_fill_ring();
	else if (!strcmp(name, "grant"))
		rc = case_grant();
	else if (!strcmp(name, "limits"))
		rc = case_limits();
	else if (!strcmp(name, "assign"))
		rc = case_assign();
	else if (!strcmp(name, "rx-alloc-fail"))
		rc = case_rx_alloc_fail();
	else if (!strcmp(name, "bulk-requests"))
		rc = case_bulk_requests();
	else {
		usage(stderr);
		return 2;
	}
	if (rc)
		failures++;
	printf("%s: %s\n", name, failures ? "FAILED" : "passed");
	return failures ? 1 : 0;
}
