/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs inside the vboard against the firmware started with --test-services:
 * the message layer end to end through libamplink and the real drivers.
 *
 *   msg-check sizes TRANSPORT     messages of 0 B .. 16 MiB both ways, byte-exact
 *                                 (and of AMP_MSG_MAX, 64 MiB, on netlink: by reference)
 *   msg-check stream              the sensor example streaming to 4 netlink
 *                                 clients, one of them not reading for 1 s:
 *                                 no sample lost, no message dropped
 *   msg-check killed-client       a client killed half-way through a message:
 *                                 the service hears it within 100 ms, the next
 *                                 client is served
 *   msg-check late-reply [DIR]   a bench call gives up with the firmware
 *                                 stopped (the runner's stop/cont); the next
 *                                 call is not answered with its late reply
 *   msg-check firmware-kill [DIR] the firmware is killed (the runner's
 *                                 kill-firmware in DIR, default /run/vboard,
 *                                 as $AMPLINK_RUN_DIR) under a blocked recv:
 *                                 it returns within 1 s, ECONNRESET or ENODEV,
 *                                 and the descriptor signals
 *   msg-check two-readers         two netlink clients with small windows take
 *                                 4 MiB blocks from the bench source in turn,
 *                                 in frames: every one arrives (the credit
 *                                 adds up)
 *   msg-check recv-timeouts       a recv that nothing answers ends with
 *                                 ETIMEDOUT, never before its timeout and not
 *                                 long after (5 ms .. 1 s, netlink and tty)
 *   msg-check bulk-*              bulk transfers (msg_bulk.c says what each
 *                                 checks)
 *
 * Prints one line per check and "N passed, N failed"; exits 1 on a failure.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <amplink/amplink.h>
#include <amplink/bench.h>

#include "../../examples/sensor/sensor_proto.h"
#include "../../firmware/ports/vhost-user/test_services.h"
#include "msg_check.h"

static int passed, failed;

void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%-4s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131u + seed * 7u + (i >> 12));
}

struct amp_client *open_on(const char *service, enum amp_transport t)
{
	struct amp_client_options o = {.transport = t, .timeout_ms = 5000};
	struct amp_client *c = amp_client_open(service, &o);

	if (!c)
		result(0, "%s: open %s: %s", amp_transport_name(t), service, strerror(errno));
	return c;
}

/*
 * A netlink client whose messages all go in frames: a large one then waits
 * for credit half-way, which the tests of a sender cut off half-way need
 * (by reference, 16 MiB goes in a few hundred milliseconds, slots as its
 * credit).
 */
static struct amp_client *open_frames_only(const char *service)
{
	struct amp_client_options o = {.transport = AMP_TRANSPORT_NETLINK,
				       .timeout_ms = 5000,
				       .bulk_threshold = AMP_BULK_NEVER};
	struct amp_client *c = amp_client_open(service, &o);

	if (!c)
		result(0, "netlink (frames only): open %s: %s", service, strerror(errno));
	return c;
}

static int check_sizes(const char *transport)
{
	size_t sizes[] = {0, 1, 495, 496, 497, 64 * 1024, 1024 * 1024, BIG, AMP_MSG_MAX};
	size_t n_sizes = sizeof(sizes) / sizeof(sizes[0]);
	enum amp_transport t;

	if (amp_transport_parse(transport, &t) != 0) {
		fprintf(stderr, "msg-check: bad transport '%s'\n", transport);
		return 2;
	}
	/* the largest message only by reference: in frames it would take a minute here */
	if (t != AMP_TRANSPORT_NETLINK)
		n_sizes--;

	size_t largest = sizes[n_sizes - 1];
	uint8_t *out = malloc(largest), *back = malloc(largest);
	struct amp_client *c = out && back ? open_on(TEST_ECHO_SERVICE, t) : NULL;

	for (size_t i = 0; c && i < n_sizes; i++) {
		int64_t t0 = now_ms();

		fill(out, sizes[i], (unsigned int)i);
		memset(back, 0xee, sizes[i]);
		/* every other message waits without bound: both ways of waiting */
		if (amp_client_send(c, out, sizes[i], i % 2 ? -1 : TIMEOUT_MS) != 0) {
			result(0, "%s: send %zu bytes: %s", transport, sizes[i], strerror(errno));
			continue;
		}
		ssize_t n = amp_client_recv(c, back, largest, TIMEOUT_MS);

		result(n == (ssize_t)sizes[i] && memcmp(out, back, sizes[i]) == 0,
		       "%s: %zu bytes there and back, byte-exact (%lld ms)%s%s", transport,
		       sizes[i], (long long)(now_ms() - t0), n < 0 ? ": " : "",
		       n < 0 ? strerror(errno) : "");
	}
	amp_client_close(c);
	free(out);
	free(back);
	return 0;
}

/* --- the sensor example streaming to four clients ------------------------ */

#define READERS 4
#define STREAM_MS 3000
#define PAUSE_FROM_MS 500
#define PAUSE_MS 1000

struct reader {
	struct amp_client *c;
	uint32_t next; /* sequence number expected */
	uint32_t samples, lost, wrong, batches;
};

static void take_batch(struct reader *r, const uint8_t *b, ssize_t len)
{
	if (len < (ssize_t)SENSOR_BATCH_HDR) {
		r->wrong++;
		return;
	}
	uint32_t first = amp_get32(b), count = amp_get32(b + 4), lost = amp_get32(b + 8);

	/* the M4 says how many it dropped since the last batch: they must be the gap */
	if ((size_t)len != SENSOR_BATCH_HDR + 4u * count || first != r->next + lost) {
		r->wrong++;
		return;
	}
	r->lost += lost;
	for (uint32_t i = 0; i < count; i++)
		if ((int32_t)amp_get32(b + SENSOR_BATCH_HDR + 4u * i) != sensor_value(first + i))
			r->wrong++;
	r->next = first + count;
	r->samples += count;
	r->batches++;
}

static uint64_t netlink_drops;

static void sum_drops(const struct amp_netlink_channel *ch, void *ctx)
{
	(void)ctx;
	netlink_drops += ch->rx_drops;
}

static int check_stream(void)
{
	struct reader r[READERS] = {0};
	uint8_t cmd[SENSOR_CMD_SIZE], batch[SENSOR_BATCH_HDR + 4u * SENSOR_BATCH_MAX];
	uint64_t drops_before;

	netlink_drops = 0;
	amp_netlink_channels(sum_drops, NULL);
	drops_before = netlink_drops;
	amp_put32(cmd, SENSOR_OP_RATE);
	amp_put32(cmd + 4, 1000);
	for (int i = 0; i < READERS; i++) {
		r[i].c = open_on(SENSOR_SERVICE, AMP_TRANSPORT_NETLINK);
		if (!r[i].c || amp_client_send(r[i].c, cmd, sizeof(cmd), 5000) != 0) {
			result(0, "stream: client %d could not start the sensor: %s", i,
			       strerror(errno));
			return 0;
		}
	}
	int64_t start = now_ms();

	while (now_ms() - start < STREAM_MS) {
		struct pollfd pfd[READERS];
		int64_t t = now_ms() - start;

		for (int i = 0; i < READERS; i++) {
			bool paused = i == 0 && t >= PAUSE_FROM_MS && t < PAUSE_FROM_MS + PAUSE_MS;

			pfd[i] = (struct pollfd){.fd = paused ? -1 : amp_client_fd(r[i].c),
						 .events = POLLIN};
		}
		if (poll(pfd, READERS, 50) < 0)
			break;
		for (int i = 0; i < READERS; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((n = amp_client_recv(r[i].c, batch, sizeof(batch), 0)) >= 0)
				take_batch(&r[i], batch, n);
			if (errno != EAGAIN)
				r[i].wrong++;
		}
	}
	amp_put32(cmd + 4, 0);
	for (int i = 0; i < READERS; i++) {
		amp_client_send(r[i].c, cmd, sizeof(cmd), 5000);
		result(r[i].lost == 0 && r[i].wrong == 0 && r[i].samples >= STREAM_MS / 2,
		       "stream: reader %d%s: %u samples in %u batches, %u lost, %u wrong", i,
		       i == 0 ? " (did not read for 1 s)" : "", r[i].samples, r[i].batches,
		       r[i].lost, r[i].wrong);
		amp_client_close(r[i].c);
	}
	netlink_drops = 0;
	amp_netlink_channels(sum_drops, NULL);
	result(netlink_drops == drops_before, "stream: rpmsg_netlink dropped %llu messages",
	       (unsigned long long)(netlink_drops - drops_before));
	return 0;
}

/* --- going away ----------------------------------------------------------- */

struct probe {
	uint32_t gone, since_ms, clients, partial, echoed;
};

static int probe(struct amp_client *p, struct probe *out)
{
	uint8_t b[TEST_PROBE_REPLY_SIZE];

	if (amp_client_call(p, "?", 1, b, sizeof(b), 5000) != (ssize_t)sizeof(b))
		return -1;
	*out = (struct probe){amp_get32(b), amp_get32(b + 4), amp_get32(b + 8), amp_get32(b + 12),
			      amp_get32(b + 16)};
	return 0;
}

/* Polls the probe until cond holds or ms pass; returns the time it took, or -1. */
static int64_t wait_probe(struct amp_client *p, struct probe *s, int ms,
			  int (*cond)(const struct probe *s, uint32_t arg), uint32_t arg)
{
	int64_t t0 = now_ms();

	do {
		if (probe(p, s) != 0)
			return -1;
		if (cond(s, arg))
			return now_ms() - t0;
	} while (now_ms() - t0 < ms);
	return -1;
}

static int has_partial(const struct probe *s, uint32_t arg)
{
	(void)arg;
	return s->partial > 0;
}

static int gone_above(const struct probe *s, uint32_t arg)
{
	return s->gone > arg;
}

static int check_killed_client(void)
{
	struct amp_client *p = open_on(TEST_PROBE_SERVICE, AMP_TRANSPORT_NETLINK);
	struct probe s;

	if (!p || probe(p, &s) != 0) {
		result(0, "killed-client: probe: %s", strerror(errno));
		return 0;
	}
	uint32_t gone_before = s.gone;
	pid_t child = fork();

	if (child == 0) {
		/* a message far larger than what one wait for credit lets through */
		uint8_t *m = malloc(BIG);
		struct amp_client *c = open_frames_only(TEST_ECHO_SERVICE);

		if (!m || !c)
			_exit(1);
		fill(m, BIG, 3);
		if (amp_client_send(c, m, BIG, -1) != 0) {
			printf("killed-client: the client's send failed before it was killed: %s\n",
			       strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	int64_t waited = wait_probe(p, &s, 10000, has_partial, 0);

	result(waited >= 0,
	       "killed-client: a client is half-way through a 16 MiB message (probe: %u gone, %u "
	       "clients, %u partial, %u echoed)",
	       s.gone, s.clients, s.partial, s.echoed);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	int64_t heard = wait_probe(p, &s, 2000, gone_above, gone_before);

	result(heard >= 0 && heard <= 100 && s.partial == 0,
	       "killed-client: the service heard the client go within %lld ms (at most 100)",
	       (long long)heard);

	struct amp_client *c = open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_NETLINK);
	uint8_t msg[1000], back[1000];

	fill(msg, sizeof(msg), 9);
	result(c && amp_client_send(c, msg, sizeof(msg), 5000) == 0 &&
		       amp_client_recv(c, back, sizeof(back), 5000) == (ssize_t)sizeof(msg) &&
		       memcmp(msg, back, sizeof(msg)) == 0,
	       "killed-client: the next client's first message comes back whole");
	amp_client_close(c);
	amp_client_close(p);
	return 0;
}

pid_t start_blocked_sender(int report_fd, struct amp_client *(*open)(const char *service),
			   int ready_fd, int go_fd)
{
	pid_t child = fork();

	if (child != 0)
		return child;
	uint8_t *m = malloc(BIG), go;
	struct amp_client *c = open(TEST_ECHO_SERVICE);

	if (!m || !c)
		_exit(3);
	if (go_fd >= 0 && (write(ready_fd, "", 1) != 1 || read(go_fd, &go, 1) != 1))
		_exit(5);
	fill(m, BIG, 5);
	int rc = amp_client_send(c, m, BIG, -1);
	int err = errno;
	int64_t at = now_ms();

	/* the parent measures from its own clock: tell it when */
	if (write(report_fd, &at, sizeof(at)) != sizeof(at))
		_exit(4);
	_exit(rc == 0 ? 1 : err == ECONNRESET || err == ENODEV ? 0 : 2);
}

static int check_firmware_kill(const char *run_dir)
{
	struct amp_client *c[3] = {open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_NETLINK),
				   open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_TTY),
				   open_on(TEST_ECHO_SERVICE, AMP_TRANSPORT_CHAR)};
	struct amp_client *p = open_on(TEST_PROBE_SERVICE, AMP_TRANSPORT_NETLINK);
	char path[256];
	uint8_t buf[64];
	int report[2];
	struct probe s;
	FILE *f;

	if (!p || pipe(report) != 0)
		return 0;
	pid_t sender = start_blocked_sender(report[1], open_frames_only, -1, -1);

	result(wait_probe(p, &s, 10000, has_partial, 0) >= 0,
	       "firmware-kill: a sender is half-way through a 16 MiB message");
	snprintf(path, sizeof(path), "%s/kill-firmware", run_dir);
	f = fopen(path, "w");
	if (!f) {
		result(0, "firmware-kill: cannot create %s: %s", path, strerror(errno));
		return 0;
	}
	fclose(f);
	int64_t t0 = now_ms();

	for (int i = 0; i < 3; i++) {
		if (!c[i])
			continue;
		const char *name = i == 0 ? "netlink" : i == 1 ? "tty" : "char";
		ssize_t n = amp_client_recv(c[i], buf, sizeof(buf), -1);
		int err = errno;
		int64_t took = now_ms() - t0;
		struct pollfd pfd = {.fd = amp_client_fd(c[i]), .events = POLLIN};

		result(n < 0 && (err == ECONNRESET || err == ENODEV) && took <= 1000 &&
			       poll(&pfd, 1, 0) == 1,
		       "firmware-kill: %s: a blocked recv returned after %lld ms: %s; the "
		       "descriptor signals",
		       name, (long long)took, n < 0 ? strerror(err) : "a message?");
		amp_client_close(c[i]);
	}
	int status = 0;
	int64_t ended = 0;

	waitpid(sender, &status, 0);
	if (read(report[0], &ended, sizeof(ended)) != sizeof(ended))
		ended = INT64_MAX;
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ended - t0 <= 1000,
	       "firmware-kill: netlink: a blocked send returned after %lld ms with ECONNRESET or "
	       "ENODEV (exit %d)",
	       (long long)(ended - t0), WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	amp_client_close(p);
	return 0;
}

/*
 * Two netlink clients taking blocks in turn from the bench source, in
 * frames, with small windows (a CREDIT every few frames): each one's credit
 * must add up. A CREDIT whose write let more frames in (the transport hands
 * them over as it sends) used to zero the count it had just taken them
 * into, so the firmware's credit shrank until both ends waited for each
 * other (amplink bench from-fw with two netlink clients hung at 16 MiB in 8
 * of 10 runs).
 */
static int check_two_readers(void)
{
	struct amp_client_options o = {.transport = AMP_TRANSPORT_NETLINK,
				       .timeout_ms = 10000,
				       .window = 32,
				       .bulk_threshold = AMP_BULK_NEVER};
	struct amp_client *c[2] = {amp_client_open(AMP_BENCH_SOURCE_SERVICE, &o),
				   amp_client_open(AMP_BENCH_SOURCE_SERVICE, &o)};
	const uint32_t len = 4u * 1024u * 1024u;
	uint8_t *buf = malloc(len), req[AMP_BENCH_REQUEST_SIZE];
	int good = 0;

	for (uint32_t r = 0; c[0] && c[1] && buf && r < 8; r++) {
		for (int i = 0; i < 2; i++) {
			struct amp_bench_request q = {.len = len, .seed = r * 2u + (uint32_t)i};

			amp_bench_request_encode(req, &q);
			if (amp_client_call(c[i], req, sizeof(req), buf, len, 10000) ==
			    (ssize_t)len)
				good++;
			else
				printf("two-readers: client %d, round %u: %s\n", i, r,
				       strerror(errno));
		}
	}
	result(good == 16, "two-readers: %d of 16 blocks of 4 MiB in frames, two clients in turn",
	       good);
	amp_client_close(c[0]);
	amp_client_close(c[1]);
	free(buf);
	return 0;
}

/* --- small messages refused by a full transmit queue, and resent --------- */

#define REFUSED_MSGS 2000
#define REFUSED_LEN 400

struct refusal_watch {
	const char *run_dir;
	uint64_t refused_at_start;
	volatile int done;
	int seen; /* a refusal was counted, and the firmware let go */
};

static uint64_t sum_refused, sum_errors;

static void sum_tx(const struct amp_netlink_channel *ch, void *ctx)
{
	(void)ctx;
	if (!strcmp(ch->name, "rpmsg-netlink")) {
		sum_refused += ch->tx_refused;
		sum_errors += ch->tx_errors;
	}
}

static int netlink_tx_counts(uint64_t *refused, uint64_t *errors)
{
	sum_refused = sum_errors = 0;
	if (amp_netlink_channels(sum_tx, NULL) != 0)
		return -1;
	*refused = sum_refused;
	*errors = sum_errors;
	return 0;
}

void touch(const char *run_dir, const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", run_dir, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

/* Lets the firmware go on once the module has refused a SEND of ours. */
static void *watch_refusal(void *arg)
{
	struct refusal_watch *w = arg;
	int64_t end = now_ms() + 20000;
	uint64_t refused = 0, errors;

	while (!w->done && now_ms() < end) {
		if (netlink_tx_counts(&refused, &errors) == 0 && refused > w->refused_at_start) {
			w->seen = 1;
			break;
		}
		poll(NULL, 0, 5); /* a polling interval, not a synchronisation */
	}
	touch(w->run_dir, "cont");
	return NULL;
}

/*
 * Small messages go without waiting for their SEND's ack; with the firmware
 * stopped the module's queue fills and refuses, and the library sends the
 * refused ones again, in order, once there is room: the sink service takes
 * every message once, in order, byte-exact.
 */
static int check_refused(const char *run_dir)
{
	struct amp_client *c = open_on(TEST_SINK_SERVICE, AMP_TRANSPORT_NETLINK);
	struct refusal_watch w = {.run_dir = run_dir};
	uint64_t errors_before = 0, refused = 0, errors = 0;
	uint8_t out[REFUSED_LEN], reply[TEST_SINK_REPLY_SIZE];
	int sent = 0;
	pthread_t th;

	if (!c || netlink_tx_counts(&w.refused_at_start, &errors_before) != 0)
		return 0;
	touch(run_dir, "stop");
	pthread_create(&th, NULL, watch_refusal, &w);
	for (; sent < REFUSED_MSGS; sent++) {
		out[0] = (uint8_t)sent;
		out[1] = (uint8_t)(sent >> 8);
		out[2] = (uint8_t)(sent >> 16);
		out[3] = (uint8_t)(sent >> 24);
		for (size_t i = 4; i < sizeof(out); i++)
			out[i] = (uint8_t)(sent + i);
		if (amp_client_send(c, out, sizeof(out), TIMEOUT_MS) != 0) {
			result(0, "refused: send %d: %s", sent, strerror(errno));
			break;
		}
	}
	w.done = 1;
	pthread_join(th, NULL);
	ssize_t n = amp_client_call(c, NULL, 0, reply, sizeof(reply), TIMEOUT_MS);

	if (n < 0)
		result(0, "refused: asking the sink what it took: %s", strerror(errno));

	result(w.seen, "refused: the module refused SENDs while the firmware was stopped");
	result(sent == REFUSED_MSGS && n == (ssize_t)sizeof(reply) &&
		       (int)amp_get32(reply) == sent && amp_get32(reply + 4) == 0 &&
		       amp_get32(reply + 8) == 0,
	       "refused: %d of %d messages of %d bytes sent; the sink took %u, %u out of "
	       "order, %u corrupt",
	       sent, REFUSED_MSGS, REFUSED_LEN, n > 0 ? amp_get32(reply) : 0,
	       n > 0 ? amp_get32(reply + 4) : 0, n > 0 ? amp_get32(reply + 8) : 0);
	result(netlink_tx_counts(&refused, &errors) == 0 && errors == errors_before,
	       "refused: %llu refusals, no SEND failed otherwise",
	       (unsigned long long)(refused - w.refused_at_start));
	amp_client_close(c);
	return 0;
}

/* The runner's stop or cont, again and again: each a new file. */
bool runner_sent(const char *run_dir, const char *sig)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	char path[256], line[32];

	snprintf(path, sizeof(path), "%s/firmware-signals", run_dir);
	for (int64_t end = now_ms() + 10000; now_ms() < end; nanosleep(&pause, NULL)) {
		FILE *f = fopen(path, "r");
		bool found = false;

		while (f && !found && fgets(line, sizeof(line), f))
			found = strcspn(line, "\n") == strlen(sig) &&
				!strncmp(line, sig, strlen(sig));
		if (f)
			fclose(f);
		if (found)
			return true;
	}
	return false;
}

void signal_runner(const char *run_dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", run_dir, name);
	unlink(path);
	touch(run_dir, name);
}

#define LATE_BLOCK 4096
#define LATE_TIMEOUT_MS 1000
#define LATE_TRIES 100

/*
 * One bench call gives up while the firmware is stopped (the runner's stop
 * takes effect some time after we ask, so blocks go until one times out);
 * the firmware goes on; the channel's next call must not take the late
 * reply of the one that gave up for its own.
 */
static int late_reply_on(const char *run_dir, enum amp_transport t, bool source)
{
	struct amp_open_options o = {.transport = t, .timeout_ms = LATE_TIMEOUT_MS};
	struct amp_channel *ch = source ? amp_channel_open_source(&o) : amp_channel_open(&o);
	const char *what = source ? "fetch_block" : "send_block";
	static uint8_t buf[LATE_BLOCK];
	struct amp_transfer tr;
	int tries = 0, rc = 0;

	if (!ch) {
		result(0, "late-reply: %s: open: %s", amp_transport_name(t), strerror(errno));
		return 0;
	}
	signal_runner(run_dir, "stop");
	for (; tries < LATE_TRIES && rc == 0; tries++) {
		memset(buf, tries, sizeof(buf));
		rc = source ? amp_channel_fetch_block(ch, buf, sizeof(buf), &tr)
			    : amp_channel_send_block(ch, buf, sizeof(buf), &tr);
	}
	int err = errno;

	signal_runner(run_dir, "cont");
	result(rc != 0 && err == ETIMEDOUT, "late-reply: %s %s: call %d gave up (%s)",
	       amp_transport_name(t), what, tries, rc ? strerror(err) : "none did");
	memset(buf, 0x5a, sizeof(buf));
	rc = source ? amp_channel_fetch_block(ch, buf, sizeof(buf), &tr)
		    : amp_channel_send_block(ch, buf, sizeof(buf), &tr);
	result(rc == 0,
	       "late-reply: %s %s: the next call got its own reply (%s; %u bytes, status %u)",
	       amp_transport_name(t), what, rc ? strerror(errno) : "verified", tr.acked_bytes,
	       tr.status);
	amp_channel_close(ch);
	return 0;
}

/*
 * A recv on a client of the test echo service, which sends nothing unasked:
 * ETIMEDOUT, never early, and late by no more than a loaded vboard's
 * scheduling; the best of three tries within 5 ms. (A socket's own
 * SO_RCVTIMEO counts in 10 ms ticks and its timer may fire later still: a
 * recv under it alone was 8 to 30 ms late at every timeout here.)
 */
static int check_recv_timeouts(void)
{
	static const int timeouts[] = {5, 60, 400, 1000};
	enum amp_transport ts[] = {AMP_TRANSPORT_NETLINK, AMP_TRANSPORT_TTY};
	uint8_t buf[64];

	for (unsigned int i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		struct amp_client *c = open_on(TEST_ECHO_SERVICE, ts[i]);

		if (!c)
			continue;
		for (unsigned int k = 0; k < sizeof(timeouts) / sizeof(timeouts[0]); k++) {
			int64_t best = INT64_MAX, worst = 0;
			bool timed_out = true;

			for (int try = 0; try < 3; try++) {
				int64_t t0 = now_ms();
				ssize_t rc = amp_client_recv(c, buf, sizeof(buf), timeouts[k]);
				int64_t late = now_ms() - t0 - timeouts[k];

				timed_out &= rc == -1 && errno == ETIMEDOUT;
				best = late < best ? late : best;
				worst = late > worst ? late : worst;
			}
			result(timed_out && best >= 0 && best < 5 && worst <= 100,
			       "recv-timeouts: %s, timeout %d ms: %s, %lld to %lld ms late",
			       amp_transport_name(ts[i]), timeouts[k],
			       timed_out ? "ETIMEDOUT" : "not ETIMEDOUT every time",
			       (long long)best, (long long)worst);
		}
		amp_client_close(c);
	}
	return 0;
}

static int check_late_reply(const char *run_dir)
{
	late_reply_on(run_dir, AMP_TRANSPORT_NETLINK, false);
	late_reply_on(run_dir, AMP_TRANSPORT_NETLINK, true);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "sizes"))
		rc = check_sizes(argv[2]);
	else if (argc == 2 && !strcmp(argv[1], "stream"))
		rc = check_stream();
	else if (argc == 2 && !strcmp(argv[1], "killed-client"))
		rc = check_killed_client();
	else if ((argc == 2 || argc == 3) && !strcmp(argv[1], "firmware-kill"))
		rc = check_firmware_kill(argc == 3 ? argv[2] : "/run/vboard");
	else if ((argc == 2 || argc == 3) && !strcmp(argv[1], "refused"))
		rc = check_refused(argc == 3 ? argv[2] : "/run/vboard");
	else if ((argc == 2 || argc == 3) && !strcmp(argv[1], "late-reply"))
		rc = check_late_reply(argc == 3 ? argv[2] : "/run/vboard");
	else if (argc == 2 && !strcmp(argv[1], "two-readers"))
		rc = check_two_readers();
	else if (argc == 2 && !strcmp(argv[1], "recv-timeouts"))
		rc = check_recv_timeouts();
	else if (argc == 2 && !strcmp(argv[1], "bulk-forged"))
		rc = check_bulk_forged();
	else if (argc == 2 && !strcmp(argv[1], "bulk-concurrent"))
		rc = check_bulk_concurrent();
	else if (argc == 2 && !strcmp(argv[1], "bulk-slow-reader"))
		rc = check_bulk_slow_reader();
	else if (argc == 2 && !strcmp(argv[1], "bulk-rebind"))
		rc = check_bulk_rebind();
	else if (argc == 2 && !strcmp(argv[1], "bulk-fill"))
		rc = check_bulk_fill();
	else if (argc == 2 && !strcmp(argv[1], "bulk-pieces"))
		rc = check_bulk_pieces();
	else if (argc == 2 && !strcmp(argv[1], "bulk-recv"))
		rc = check_bulk_recv();
	else if (argc == 3 && !strcmp(argv[1], "bulk-paused"))
		rc = check_bulk_paused(argv[2]);
	else if ((argc == 2 || argc == 3) && !strcmp(argv[1], "bulk-firmware-kill"))
		rc = check_bulk_firmware_kill(argc == 3 ? argv[2] : "/run/vboard");
	else
		fprintf(stderr, "usage: msg-check sizes TRANSPORT | stream | killed-client | "
				"firmware-kill [RUN_DIR] | refused [RUN_DIR] | late-reply "
				"[RUN_DIR] | two-readers | recv-timeouts | "
				"bulk-forged | bulk-concurrent | bulk-slow-reader | bulk-rebind | "
				"bulk-paused TRANSPORT | bulk-fill | bulk-pieces | bulk-recv | "
				"bulk-firmware-kill [RUN_DIR]\n");
	if (rc)
		return rc;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
