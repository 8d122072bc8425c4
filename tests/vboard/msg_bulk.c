/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bulk transfers end to end (docs/protocol.md, "Bulk transfers"): netlink
 * clients whose large messages go by reference through rpmsg_netlink's
 * pool, against the firmware's test services; the pool's counters as
 * GET_CHANNEL reports them (amp_netlink_channels()).
 *
 *   bulk-forged          the test firmware sends forged descriptors (a slot
 *                        beyond the pool, a range past a slot, the previous
 *                        generation, slots it does not hold, garbage): each
 *                        refused and counted by its reason, nothing
 *                        accepted, and the pool goes on working
 *   bulk-concurrent      four processes echo messages of 64 KiB .. 2 MiB
 *                        both ways by reference at once, byte-exact; then
 *                        no slot is left with a client and none refused
 *   bulk-slow-reader     a client that does not read while 16 MiB come back
 *                        to it holds only its window's worth of slots:
 *                        another client is served meanwhile, and the first
 *                        then reads its message whole (nothing overwritten)
 *   bulk-rebind          the bulk channel unbound and bound again: a new
 *                        generation, every lent slot reclaimed on the
 *                        firmware's acknowledgement, none lost, and the pool
 *                        works as before
 *   bulk-paused T        a service that pauses its connection (test-hold)
 *                        holds its client on transport T to the credit it
 *                        granted: by reference (netlink) as in frames (tty),
 *                        a message beyond what is left cannot go until the
 *                        service resumes, and then one of twice the window
 *                        flows, byte-exact
 *   bulk-fill            amp_client_send_fill() by reference: the writer
 *                        is handed slots of the pool mapping in order (no
 *                        copy), the echo comes back byte-exact; a writer
 *                        that refuses its last piece (after a first part
 *                        went by reference) abandons the message
 *                        (ECANCELED, nothing of it echoed, no slot kept)
 *                        and the next message goes as usual
 *   bulk-pieces          amp_client_recv_pieces(): 16 MiB echoed back by
 *                        reference handed over where it lies (every piece
 *                        but a first copied one inside the pool mapping),
 *                        byte-exact, though it is far larger than the
 *                        window; then a block of the bench source taken
 *                        piece by piece in an event loop (timeout 0), the
 *                        next asked for half-way: the calls go on where the
 *                        last stopped, and recv() is EBUSY meanwhile
 *   bulk-recv            amp_client_recv() of messages by reference,
 *                        copied once, straight into the caller's buffer:
 *                        one too large for it stays whole (EMSGSIZE, then
 *                        taken whole), and an event loop of recv()s with
 *                        timeout 0 gets 4 MiB byte-exact across the calls
 *   bulk-firmware-kill   the firmware stopped with slots submitted, then
 *                        killed (the runner's stop and kill-firmware): the
 *                        blocked sender fails within 1 s with ENODEV or
 *                        ECONNRESET (the test's command then unloads the
 *                        module, which must keep the pool's pages: slots
 *                        stay lent while no remote acknowledged a new pool)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../firmware/ports/vhost-user/test_services.h"
#include "msg_check.h"
#include <amp/node.h>
#include <amplink/bench.h>

#define POOL_WAIT_MS 20000
#define BULK_DRIVER "/sys/bus/rpmsg/drivers/rpmsg_netlink_bulk"

static void take_pool(const struct amp_netlink_channel *ch, void *ctx)
{
	struct amp_netlink_pool *out = ctx;

	if (!strcmp(ch->name, "rpmsg-netlink"))
		*out = ch->pool;
}

/* The pool of the firmware's rpmsg-netlink channel, as the module reports it now. */
static struct amp_netlink_pool pool_now(void)
{
	struct amp_netlink_pool p = {0};

	if (amp_netlink_channels(take_pool, &p) != 0)
		p.present = false;
	return p;
}

static uint64_t refused(const struct amp_netlink_pool *p)
{
	return p->stale + p->bad_slot + p->bad_range + p->not_owner + p->duplicate + p->wrong_type;
}

/* A 10 ms pause between looks at a state the test cannot be told of. */
static void pause_briefly(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	nanosleep(&ts, NULL);
}

/* Waits up to ms for the pool to satisfy cond; its last state in *p. */
static bool wait_pool(struct amp_netlink_pool *p, int ms,
		      bool (*cond)(const struct amp_netlink_pool *p, const void *arg),
		      const void *arg)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		*p = pool_now();
		if (cond(p, arg))
			return true;
		if (now_ms() > end)
			return false;
		pause_briefly();
	}
}

static bool pool_ready(const struct amp_netlink_pool *p, const void *arg)
{
	(void)arg;
	return p->present && p->ready;
}

/* Nothing with clients, and everything the module posted back in place. */
static bool pool_quiet(const struct amp_netlink_pool *p, const void *arg)
{
	const struct amp_netlink_pool *before = arg;

	return p->present && p->clients == 0 && p->lent == before->lent && p->free == before->free;
}

/* A message of len bytes to test-echo and back by reference, byte-exact. */
static bool echo_by_reference(struct amp_client *c, uint8_t *out, uint8_t *back, size_t len,
			      unsigned int seed)
{
	fill(out, len, seed);
	return amp_client_send(c, out, len, TIMEOUT_MS) == 0 &&
	       amp_client_recv(c, back, len, TIMEOUT_MS) == (ssize_t)len &&
	       memcmp(out, back, len) == 0;
}

static bool echo_once(size_t len, unsigned int seed)
{
	uint8_t *out = malloc(len), *back = malloc(len);
	struct amp_client *c = open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_NETLINK);
	bool ok = out && back && c && echo_by_reference(c, out, back, len, seed);

	amp_client_close(c);
	free(out);
	free(back);
	return ok;
}

int check_bulk_forged(void)
{
	static const struct {
		uint8_t kind;
		const char *what;
	} forgeries[] = {
		{TEST_FORGE_BAD_SLOT, "a FILLED of a slot beyond the pool"},
		{TEST_FORGE_BAD_RANGE, "a FILLED one byte past its slot"},
		{TEST_FORGE_STALE, "a FILLED of the previous generation"},
		{TEST_FORGE_NOT_OWNER, "a FILLED of a slot never posted"},
		{TEST_FORGE_RELEASE, "a RELEASE of a slot never submitted (the module's already)"},
		{TEST_FORGE_GARBAGE, "garbage on the bulk channel"},
	};
	struct amp_netlink_pool before, after;
	struct amp_client *c;

	if (!wait_pool(&before, POOL_WAIT_MS, pool_ready, NULL)) {
		result(0, "bulk-forged: no pool taken by the firmware");
		return 0;
	}
	c = open_on(TEST_FORGE_SERVICE, AMP_TRANSPORT_NETLINK);
	for (size_t i = 0; c && i < sizeof(forgeries) / sizeof(forgeries[0]); i++) {
		uint8_t answer = 0;
		ssize_t n = amp_client_call(c, &forgeries[i].kind, 1, &answer, 1, TIMEOUT_MS);

		result(n == 1 && answer == forgeries[i].kind, "bulk-forged: the firmware sent %s",
		       forgeries[i].what);
	}
	amp_client_close(c);
	/* its answer came after the forgery in the ring: counted by now */
	after = pool_now();
	result(after.bad_slot == before.bad_slot + 1 && after.bad_range == before.bad_range + 1 &&
		       after.stale == before.stale + 1 && after.not_owner == before.not_owner + 1 &&
		       after.duplicate == before.duplicate + 1 &&
		       after.bad_msgs == before.bad_msgs + 1 && after.accepted == before.accepted,
	       "bulk-forged: refused and counted by reason (bad slot +%llu, bad range +%llu, "
	       "stale +%llu, not its own +%llu, duplicate +%llu, bad messages +%llu; accepted "
	       "+%llu)",
	       (unsigned long long)(after.bad_slot - before.bad_slot),
	       (unsigned long long)(after.bad_range - before.bad_range),
	       (unsigned long long)(after.stale - before.stale),
	       (unsigned long long)(after.not_owner - before.not_owner),
	       (unsigned long long)(after.duplicate - before.duplicate),
	       (unsigned long long)(after.bad_msgs - before.bad_msgs),
	       (unsigned long long)(after.accepted - before.accepted));
	result(after.ready && after.free == before.free && after.lent == before.lent &&
		       after.clients == before.clients,
	       "bulk-forged: no slot moved (%u free, %u lent, %u with clients)", after.free,
	       after.lent, after.clients);
	result(echo_once(1024 * 1024, 77), "bulk-forged: then 1 MiB there and back by reference, "
					   "byte-exact");
	return 0;
}

#define CONCURRENT 4
#define CONCURRENT_ROUNDS 6

/* One of the concurrent processes: its exit status says how it went. */
static int concurrent_child(unsigned int id)
{
	size_t max = 2u * 1024u * 1024u;
	uint8_t *out = malloc(max), *back = malloc(max);
	struct amp_client *c = open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_NETLINK);

	if (!out || !back || !c)
		return 3;
	for (unsigned int r = 0; r < CONCURRENT_ROUNDS; r++) {
		/* 64 KiB .. 2 MiB, not slot-aligned, different in every process */
		size_t len = 65536u + ((size_t)(id * 7919u + r * 104729u) * 4093u) % (max - 65536u);

		if (!echo_by_reference(c, out, back, len, id * 100u + r)) {
			printf("bulk-concurrent: process %u, round %u (%zu bytes): %s\n", id, r,
			       len, strerror(errno));
			return 1;
		}
	}
	amp_client_close(c);
	return 0;
}

int check_bulk_concurrent(void)
{
	struct amp_netlink_pool before, after;
	pid_t kids[CONCURRENT];
	int good = 0;

	if (!wait_pool(&before, POOL_WAIT_MS, pool_ready, NULL)) {
		result(0, "bulk-concurrent: no pool taken by the firmware");
		return 0;
	}
	for (unsigned int i = 0; i < CONCURRENT; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(concurrent_child(i));
	}
	for (unsigned int i = 0; i < CONCURRENT; i++) {
		int status = 0;

		if (kids[i] > 0 && waitpid(kids[i], &status, 0) == kids[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			good++;
	}
	result(good == CONCURRENT,
	       "bulk-concurrent: %d of %d processes echoed %d messages of 64 KiB..2 MiB by "
	       "reference, byte-exact",
	       good, CONCURRENT, CONCURRENT_ROUNDS);
	bool quiet = wait_pool(&after, POOL_WAIT_MS, pool_quiet, &before);

	result(quiet && refused(&after) == refused(&before) && after.dropped == before.dropped &&
		       after.accepted > before.accepted,
	       "bulk-concurrent: afterwards %u slots with clients, %u free, %u lent (as before: "
	       "%u, %u); %llu descriptors accepted, %llu refused, %llu undeliverable",
	       after.clients, after.free, after.lent, before.free, before.lent,
	       (unsigned long long)(after.accepted - before.accepted),
	       (unsigned long long)(refused(&after) - refused(&before)),
	       (unsigned long long)(after.dropped - before.dropped));
	return 0;
}

static bool clients_hold_slots(const struct amp_netlink_pool *p, const void *arg)
{
	(void)arg;
	return p->clients > 0;
}

/* The slots a client holds stop growing: the firmware waits for its window. */
static bool holding_steady(struct amp_netlink_pool *p)
{
	uint32_t last = UINT32_MAX;

	for (int i = 0; i < 100; i++) {
		*p = pool_now();
		if (p->clients == last)
			return true;
		last = p->clients;
		pause_briefly();
		pause_briefly();
	}
	return false;
}

int check_bulk_slow_reader(void)
{
	uint8_t *out = malloc(BIG), *back = malloc(BIG);
	struct amp_client *slow = open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_NETLINK);
	struct amp_client *other = open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_NETLINK);
	uint8_t *small_out = malloc(1024 * 1024), *small_back = malloc(1024 * 1024);
	struct amp_netlink_pool p;
	int served = 0;

	if (!out || !back || !slow || !other || !small_out || !small_back)
		return 0;
	fill(out, BIG, 5);
	result(amp_client_send(slow, out, BIG, TIMEOUT_MS) == 0,
	       "bulk-slow-reader: 16 MiB sent by reference; its echo comes back unread");
	/* the echo begins once the firmware has all 16 MiB: slow on a loaded machine */
	bool holding =
		wait_pool(&p, TIMEOUT_MS / 2, clients_hold_slots, NULL) && holding_steady(&p);

	result(holding && p.clients < p.slot_count / 2,
	       "bulk-slow-reader: the reader holds %u slots of %u, its window's worth, and the "
	       "firmware waits",
	       p.clients, p.slot_count);
	for (unsigned int i = 0; i < 3; i++)
		served += echo_by_reference(other, small_out, small_back, 1024 * 1024, 40 + i);
	result(served == 3,
	       "bulk-slow-reader: meanwhile another client echoed %d of 3 MiB "
	       "by reference",
	       served);
	memset(back, 0, BIG);
	result(amp_client_recv(slow, back, BIG, TIMEOUT_MS) == (ssize_t)BIG &&
		       memcmp(out, back, BIG) == 0,
	       "bulk-slow-reader: then the reader's 16 MiB came whole, byte-exact");
	amp_client_close(slow);
	amp_client_close(other);
	free(out);
	free(back);
	free(small_out);
	free(small_back);
	return 0;
}

/* Writes the bulk channel's device name to the driver's bind or unbind. */
static bool bulk_driver_do(const char *what, const char *device)
{
	char path[256];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", BULK_DRIVER, what);
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fputs(device, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* The rpmsg device of the amplink-bulk channel, as the driver holds it. */
static bool bulk_device(char *out, size_t len)
{
	char cmd[256];
	FILE *p;
	bool ok;

	snprintf(cmd, sizeof(cmd), "ls %s | grep amplink-bulk", BULK_DRIVER);
	p = popen(cmd, "r");
	if (!p)
		return false;
	ok = fgets(out, (int)len, p) != NULL;
	pclose(p);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok && out[0];
}

static bool next_generation_ready(const struct amp_netlink_pool *p, const void *arg)
{
	const struct amp_netlink_pool *before = arg;

	return p->present && p->ready && p->generation != before->generation &&
	       p->lent == before->lent;
}

int check_bulk_rebind(void)
{
	struct amp_netlink_pool before, down, after;
	char device[128];

	if (!wait_pool(&before, POOL_WAIT_MS, pool_ready, NULL) ||
	    !bulk_device(device, sizeof(device))) {
		result(0, "bulk-rebind: no pool taken by the firmware, or no bulk device");
		return 0;
	}
	result(bulk_driver_do("unbind", device), "bulk-rebind: %s unbound", device);
	down = pool_now();
	result(down.present && !down.ready && down.lent == before.lent,
	       "bulk-rebind: the pool lends nothing now, and %u slots stay lent (the remote may "
	       "still hold them)",
	       down.lent);
	result(bulk_driver_do("bind", device), "bulk-rebind: %s bound again", device);
	bool back = wait_pool(&after, POOL_WAIT_MS, next_generation_ready, &before);

	result(back && after.generation == before.generation + 1 &&
		       after.reclaimed >= before.reclaimed + before.lent &&
		       after.free + after.clients + after.lent == after.slot_count,
	       "bulk-rebind: generation %u -> %u taken; %llu slots reclaimed on its "
	       "acknowledgement; %u free + %u with clients + %u lent = %u slots",
	       before.generation, after.generation,
	       (unsigned long long)(after.reclaimed - before.reclaimed), after.free, after.clients,
	       after.lent, after.slot_count);
	result(echo_once(4 * 1024 * 1024, 8),
	       "bulk-rebind: then 4 MiB there and back by reference, byte-exact");
	return 0;
}

/* A netlink client whose large messages go by reference. */
static struct amp_client *open_bulk(const char *service)
{
	return open_on(service, AMP_TRANSPORT_NETLINK);
}

static bool pool_gone(const struct amp_netlink_pool *p, const void *arg)
{
	(void)arg;
	return !p->present;
}

static bool slots_submitted(const struct amp_netlink_pool *p, const void *arg)
{
	const struct amp_netlink_pool *before = arg;

	return p->lent > before->lent;
}

int check_bulk_firmware_kill(const char *run_dir)
{
	struct amp_netlink_pool before, during, after;
	int report[2], status = 0;

	int64_t ended = INT64_MAX, t0;

	if (!wait_pool(&before, POOL_WAIT_MS, pool_ready, NULL) || pipe(report) != 0) {
		result(0, "bulk-firmware-kill: no pool taken by the firmware");
		return 0;
	}
	/*
	 * The firmware is stopped before the sender sends: a quick firmware
	 * would take all 16 MiB before a stop asked for later took effect.
	 */
	int ready[2], go[2];
	char byte;

	if (pipe(ready) != 0 || pipe(go) != 0) {
		result(0, "bulk-firmware-kill: pipes");
		return 0;
	}
	pid_t sender = start_blocked_sender(report[1], open_bulk, ready[1], go[0]);

	result(read(ready[0], &byte, 1) == 1, "bulk-firmware-kill: the sender's client is open");
	signal_runner(run_dir, "stop");
	result(runner_sent(run_dir, "STOP"), "bulk-firmware-kill: the firmware is stopped");
	result(write(go[1], "", 1) == 1 &&
		       wait_pool(&during, POOL_WAIT_MS, slots_submitted, &before),
	       "bulk-firmware-kill: the sender has slots submitted (%u lent, %u before)",
	       during.lent, before.lent);
	signal_runner(run_dir, "kill-firmware");
	t0 = now_ms();
	waitpid(sender, &status, 0);
	if (read(report[0], &ended, sizeof(ended)) != sizeof(ended))
		ended = INT64_MAX;
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ended - t0 <= 1000,
	       "bulk-firmware-kill: the blocked sender failed after %lld ms with ENODEV or "
	       "ECONNRESET (exit %d)",
	       (long long)(ended - t0), WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/*
	 * No channel reports the pool soon (the sender can hear of the end a
	 * moment before the last channel goes); the runner's rmmod says what
	 * stayed lent.
	 */
	result(wait_pool(&after, POOL_WAIT_MS, pool_gone, NULL),
	       "bulk-firmware-kill: the channels went with the firmware");
	return 0;
}

/* test-hold's answer: the message's length and CRC-32, and whether the service was paused. */
static bool hold_answered(struct amp_client *c, const uint8_t *sent, uint32_t len, bool paused)
{
	uint8_t r[TEST_HOLD_REPLY_SIZE];
	uint32_t v[3];

	if (amp_client_recv(c, r, sizeof(r), TIMEOUT_MS) != (ssize_t)sizeof(r))
		return false;
	for (unsigned int i = 0; i < 3; i++)
		v[i] = (uint32_t)r[4 * i] | (uint32_t)r[4 * i + 1] << 8 |
		       (uint32_t)r[4 * i + 2] << 16 | (uint32_t)r[4 * i + 3] << 24;
	return v[0] == len && v[1] == amp_crc32(0, sent, len) && v[2] == paused;
}

int check_bulk_paused(const char *transport)
{
	enum amp_transport t;
	struct amp_client *c;
	uint8_t *buf;
	/* what test-hold grants: a client of the pool gets more than one in frames */
	uint32_t grant = AMP_PIECE_WINDOW_BULK;

	if (amp_transport_parse(transport, &t) != 0) {
		result(0, "bulk-paused: unknown transport '%s'", transport);
		return 0;
	}
	if (t != AMP_TRANSPORT_NETLINK)
		grant = AMP_PIECE_WINDOW;
	c = open_on(TEST_HOLD_SERVICE, t);
	buf = malloc(2u * grant);
	if (!c || !buf) {
		result(0, "bulk-paused: no client of %s on %s", TEST_HOLD_SERVICE, transport);
		goto out;
	}
	fill(buf, 2u * grant, 21);
	result(amp_client_send(c, buf, grant / 4u * 3u, TIMEOUT_MS) == 0 &&
		       hold_answered(c, buf, grant / 4u * 3u, true),
	       "bulk-paused %s: three quarters of the %u-byte window go while paused", transport,
	       grant);
	errno = 0;
	result(amp_client_send(c, buf, grant / 2u, 0) == -1 && errno == EAGAIN,
	       "bulk-paused %s: half the window more does not: no credit came back (%s)", transport,
	       strerror(errno));
	result(amp_client_send(c, buf + 1, grant / 4u, TIMEOUT_MS) == 0 &&
		       hold_answered(c, buf + 1, grant / 4u, true),
	       "bulk-paused %s: the last quarter does", transport);
	result(amp_client_send(c, buf, 2u * grant, TIMEOUT_MS) == 0 &&
		       hold_answered(c, buf, 2u * grant, false),
	       "bulk-paused %s: resumed, twice the window goes, byte-exact", transport);
out:
	amp_client_close(c);
	free(buf);
	return 0;
}

/* The address range this process maps /dev/amplink-pool* at, from /proc/self/maps. */
static bool pool_mapping(uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		found = strstr(line, "/dev/amplink-pool") && sscanf(line, "%lx-%lx", &a, &b) == 2;
		if (found) {
			*lo = a;
			*hi = b;
		}
	}
	if (f)
		fclose(f);
	return found;
}

struct fill_check {
	const uint8_t *src;
	uintptr_t lo, hi; /* the pool's mapping */
	size_t next;	  /* where the next piece must start */
	size_t refuse_at; /* the piece with this byte is refused; SIZE_MAX: none */
	unsigned int pieces, outside, out_of_order;
	size_t largest;
};

static int fill_checked(void *ctx, size_t offset, void *buf, size_t len)
{
	struct fill_check *f = ctx;
	uintptr_t at = (uintptr_t)buf;

	if (offset + len > f->refuse_at)
		return -1;
	f->pieces++;
	f->outside += at < f->lo || at + len > f->hi;
	f->out_of_order += offset != f->next;
	if (len > f->largest)
		f->largest = len;
	memcpy(buf, f->src + offset, len);
	f->next = offset + len;
	return 0;
}

int check_bulk_fill(void)
{
	const size_t len = 1024 * 1024 + 100;
	struct amp_netlink_pool before, after;
	uint8_t *out = malloc(len), *back = malloc(len);
	struct amp_client *c = NULL;
	struct fill_check f = {.src = out, .refuse_at = SIZE_MAX};

	if (!out || !back || !wait_pool(&before, POOL_WAIT_MS, pool_ready, NULL) ||
	    !(c = open_bulk(TEST_ECHO_SERVICE)) || !pool_mapping(&f.lo, &f.hi)) {
		result(0, "bulk-fill: no client of %s with the pool mapped", TEST_ECHO_SERVICE);
		goto out;
	}
	fill(out, len, 31);
	result(amp_client_send_fill(c, len, fill_checked, &f, TIMEOUT_MS) == 0 &&
		       amp_client_recv(c, back, len, TIMEOUT_MS) == (ssize_t)len &&
		       memcmp(out, back, len) == 0,
	       "bulk-fill: %zu bytes written in place, echoed byte-exact", len);
	result(f.pieces == (len + before.slot_size - 1) / before.slot_size && f.outside == 0 &&
		       f.out_of_order == 0 && f.largest == before.slot_size,
	       "bulk-fill: in %u pieces of at most a %u-byte slot, in order, all inside the pool "
	       "mapping (%u outside)",
	       f.pieces, before.slot_size, f.outside);

	f = (struct fill_check){.src = out, .lo = f.lo, .hi = f.hi, .refuse_at = len - 50};
	errno = 0;
	result(amp_client_send_fill(c, len, fill_checked, &f, TIMEOUT_MS) == -1 &&
		       errno == ECANCELED,
	       "bulk-fill: a writer that refuses at %zu bytes abandons the message (%s)",
	       f.refuse_at, strerror(errno));
	fill(out, 5000, 32);
	f = (struct fill_check){.src = out, .lo = f.lo, .hi = f.hi, .refuse_at = SIZE_MAX};
	result(amp_client_send_fill(c, 5000, fill_checked, &f, TIMEOUT_MS) == 0 &&
		       amp_client_recv(c, back, len, TIMEOUT_MS) == 5000 &&
		       memcmp(out, back, 5000) == 0,
	       "bulk-fill: the next message is the next echo (nothing of the abandoned one)");
	amp_client_close(c);
	c = NULL;
	result(wait_pool(&after, POOL_WAIT_MS, pool_quiet, &before),
	       "bulk-fill: then no slot with a client (%u), %u lent as before (%u)", after.clients,
	       after.lent, before.lent);
out:
	amp_client_close(c);
	free(out);
	free(back);
	return 0;
}

/* What amp_client_recv_pieces() handed over, checked against what was sent. */
struct pieces_check {
	const uint8_t *expect;
	uintptr_t lo, hi; /* the pool's mapping */
	size_t len;	  /* bytes handed over, in order */
	unsigned int pieces, outside, out_of_order, wrong;
};

static void check_piece(void *ctx, size_t offset, const void *data, size_t len)
{
	struct pieces_check *k = ctx;
	uintptr_t at = (uintptr_t)data;

	k->pieces++;
	k->outside += at < k->lo || at + len > k->hi;
	k->out_of_order += offset != k->len;
	k->wrong += memcmp(data, k->expect + offset, len) != 0;
	k->len = offset + len;
}

/* Waits (poll, up to 5 s) for the client's descriptor, as an event loop does. */
static bool readable(struct amp_client *c)
{
	struct pollfd p = {.fd = amp_client_fd(c), .events = POLLIN};

	return poll(&p, 1, 5000) == 1;
}

/* Asks the bench source for a block of len bytes of seed's pattern. */
static bool ask_block(struct amp_client *c, uint32_t len, uint32_t seed)
{
	uint8_t req[AMP_BENCH_REQUEST_SIZE];

	amp_bench_request_encode(req, &(struct amp_bench_request){len, seed});
	return amp_client_send(c, req, sizeof(req), TIMEOUT_MS) == 0;
}

/*
 * An event loop takes a 4 MiB block piece by piece (timeout 0) and asks for
 * the next block half-way; the next call goes on where the last stopped,
 * and recv() refuses meanwhile.
 */
static void pieces_while_sending(void)
{
	const uint32_t len = 4u * 1024 * 1024, small = 100;
	uint8_t *expect = malloc(len), back[100];
	struct pieces_check k = {.expect = expect};
	struct amp_client *c = open_bulk(AMP_BENCH_SOURCE_SERVICE);
	ssize_t n = 0;
	bool ok;

	for (uint32_t i = 0; expect && i < len; i++)
		expect[i] = amp_bench_pattern(51, i);
	if (!expect || !c || !pool_mapping(&k.lo, &k.hi) || !ask_block(c, len, 51)) {
		result(0, "bulk-pieces: no block from %s", AMP_BENCH_SOURCE_SERVICE);
		amp_client_close(c);
		free(expect);
		return;
	}
	while (n == 0 && k.len == 0 && readable(c)) {
		n = amp_client_recv_pieces(c, check_piece, &k, 0);
		if (n == -1 && errno == EAGAIN)
			n = 0;
	}
	/* a call may find the whole block there (a quick firmware): then there is no half-way */
	bool half = n == 0 && k.len > 0;

	if (half) {
		errno = 0;
		result(amp_client_recv(c, back, sizeof(back), 0) == -1 && errno == EBUSY,
		       "bulk-pieces: %zu of %u bytes handed over so far; recv() meanwhile: EBUSY",
		       k.len, len);
	}
	if (!ask_block(c, small, 52))
		n = -1;
	else if (half)
		n = amp_client_recv_pieces(c, check_piece, &k, TIMEOUT_MS);
	ok = n == (ssize_t)len && k.len == len && k.wrong == 0 && k.out_of_order == 0 &&
	     k.outside < k.pieces;
	result(ok,
	       "bulk-pieces: the whole %u bytes %s, in order, byte-exact (%zd; %u pieces, %u in "
	       "the pool)",
	       len, half ? "across two calls" : "in one call", n, k.pieces, k.pieces - k.outside);
	n = amp_client_recv(c, back, sizeof(back), TIMEOUT_MS);
	for (uint32_t i = 0; n == (ssize_t)small && i < small; i++)
		n = back[i] == amp_bench_pattern(52, i) ? n : -1;
	result(n == (ssize_t)small, "bulk-pieces: and the block asked for meanwhile comes next");
	amp_client_close(c);
	free(expect);
}

int check_bulk_pieces(void)
{
	const size_t big = BIG;
	uint8_t *out = malloc(big);
	struct pieces_check k = {.expect = out};
	struct amp_netlink_pool before;
	struct amp_client *c = NULL;
	ssize_t n;

	if (!out || !wait_pool(&before, POOL_WAIT_MS, pool_ready, NULL) ||
	    !(c = open_bulk(TEST_ECHO_SERVICE)) || !pool_mapping(&k.lo, &k.hi)) {
		result(0, "bulk-pieces: no client of %s with the pool mapped", TEST_ECHO_SERVICE);
		goto out;
	}
	fill(out, big, 41);
	n = amp_client_send(c, out, big, TIMEOUT_MS) == 0
		    ? amp_client_recv_pieces(c, check_piece, &k, TIMEOUT_MS)
		    : -1;
	result(n == (ssize_t)big && k.len == big && k.wrong == 0 && k.out_of_order == 0,
	       "bulk-pieces: %zu bytes back in %u pieces, in order, byte-exact (%zd)", big,
	       k.pieces, n);
	result(k.outside <= 1 && k.pieces > 1,
	       "bulk-pieces: every piece but a first copied one in the pool mapping (%u outside)",
	       k.outside);

	amp_client_close(c);
	c = NULL;
	pieces_while_sending();
out:
	amp_client_close(c);
	free(out);
	return 0;
}

int check_bulk_recv(void)
{
	const size_t len = 4u * 1024 * 1024;
	uint8_t *out = malloc(len), *back = malloc(len), small[1000];
	struct amp_netlink_pool before;
	struct amp_client *c = NULL;
	unsigned int again = 0;
	ssize_t n;

	if (!out || !back || !wait_pool(&before, POOL_WAIT_MS, pool_ready, NULL) ||
	    !(c = open_bulk(TEST_ECHO_SERVICE))) {
		result(0, "bulk-recv: no client of %s with the pool", TEST_ECHO_SERVICE);
		goto out;
	}
	fill(out, len, 61);
	errno = 0;
	n = amp_client_send(c, out, len / 4, TIMEOUT_MS) == 0
		    ? amp_client_recv(c, small, sizeof(small), TIMEOUT_MS)
		    : 0;
	result(n == -1 && errno == EMSGSIZE && amp_client_pending_size(c) == len / 4,
	       "bulk-recv: 1 MiB into 1000 bytes: EMSGSIZE, it stays (%zu bytes pending)",
	       amp_client_pending_size(c));
	result(amp_client_recv(c, back, len, 0) == (ssize_t)(len / 4) &&
		       memcmp(out, back, len / 4) == 0,
	       "bulk-recv: then taken whole, byte-exact");

	/* an event loop: each recv() takes what came and says EAGAIN until it is whole */
	fill(out, len, 62);
	memset(back, 0, len);
	n = amp_client_send(c, out, len, TIMEOUT_MS) == 0 ? -1 : -2;
	while (n == -1 && readable(c)) {
		n = amp_client_recv(c, back, len, 0);
		if (n == -1 && errno == EAGAIN)
			again++;
		else if (n == -1)
			n = -2;
	}
	result(n == (ssize_t)len && memcmp(out, back, len) == 0,
	       "bulk-recv: 4 MiB by recv() with timeout 0 across %u EAGAINs, byte-exact", again);
out:
	amp_client_close(c);
	free(out);
	free(back);
	return 0;
}
