/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * churn-stress (issue 11): many client processes at once, each opening
 * sockets one after the other and doing random-size transfers to the echo
 * service (several SENDs in flight at a time, random flags, now and then a
 * request the module must refuse), some sockets closed with SENDs still in
 * flight, some processes leaving with their socket open, and the parent
 * SIGKILLing processes at random and, when the runner lets it (stop:STOP,
 * cont:CONT), stopping and continuing the firmware so that transmit queues
 * fill, SENDs are refused and replies are still on their way when sockets
 * close.
 *
 * Every byte a client receives is checked to be its own: every transfer's
 * bytes derive from the socket's unique number and the transfer's number,
 * and every mtu-sized piece (one rpmsg message, echoed as one) starts with a
 * tag naming them. A RECV that is not the next part of what the socket sent
 * is a leak (defect 1: a reply for another socket, earlier or later); the
 * tag tells whose bytes they were. Afterwards the family must answer, an
 * echo be byte-exact and the channel be back to its clients before the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "nlcheck.h"

#define CHURN_MAGIC 0xc4a11e5du
#define CHURN_TAG_WORDS 4
#define CHURN_TAG_SIZE (CHURN_TAG_WORDS * 4)
#define CHURN_PIPELINE 8     /* SENDs in flight per socket, at most (more than the queue) */
#define CHURN_BATCH 4	     /* in an ordinary batch, at most */
#define CHURN_REPORTS 5	     /* detailed reports per process */
#define CHURN_GRACE_MS 30000 /* for the processes to finish after the run */
#define CHURN_MAX_CLIENTS 64

/* Counters of the whole run, in memory shared with the client processes. */
struct churn_shared {
	uint64_t transfers;	     /* SENDs accepted and echoed whole, byte-exact */
	uint64_t bytes;		     /* bytes of those */
	uint64_t accepted;	     /* SENDs accepted */
	uint64_t refused;	     /* SENDs refused with EAGAIN (queue full) */
	uint64_t resumed;	     /* SENDs with RPMSG_NETLINK_F_RESUME */
	uint64_t invalid;	     /* bad flags or TIMEOUT_MS refused with EINVAL */
	uint64_t sockets;	     /* sockets opened */
	uint64_t inflight_closes;    /* sockets closed with SENDs in flight */
	uint64_t exits_open;	     /* processes that exited with such a socket open */
	uint64_t foreign_bytes;	     /* bytes received that were not the socket's */
	uint64_t foreign_recvs;	     /* RECVs carrying them */
	uint64_t misordered;	     /* own bytes out of place (lost or reordered) */
	uint64_t errors;	     /* anything else unexpected */
	uint32_t next_uid;	     /* socket numbers, from 1 */
	int busy[CHURN_MAX_CLIENTS]; /* slot's process is inside a transfer */
};

enum pending_state { P_UNKNOWN, P_ACCEPTED, P_REFUSED };

/* One SEND of a socket, from the request until its ack and whole echo. */
struct pending {
	uint32_t nlseq;
	uint32_t tseq; /* transfer number within the socket */
	size_t len;
	size_t echoed;
	enum pending_state state;
	bool expect_invalid;
	uint8_t *data;
};

struct churn_client {
	struct churn_shared *sh;
	struct nl *nl;
	int slot;
	uint32_t uid;
	uint32_t next_tseq;
	bool need_resume; /* a SEND was refused: the next one carries RESUME */
	struct pending p[CHURN_PIPELINE];
	uint8_t *bufs[CHURN_PIPELINE];
	size_t np;
	uint64_t seed;
	int reports;
};

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static uint32_t pick(uint64_t *seed, uint32_t n)
{
	return (uint32_t)(xorshift(seed) % n);
}

/* A detailed message from a client process (the first few only). */
static void churn_report(struct churn_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void churn_report(struct churn_client *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (c->reports++ >= CHURN_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAIL  socket %" PRIu32 " (process slot %d): %s\n", c->uid, c->slot, msg);
	fflush(stdout);
}

static void churn_error(struct churn_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void churn_error(struct churn_client *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	add(&c->sh->errors, 1);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	churn_report(c, "%s", msg);
}

/*
 * The bytes of transfer tseq of socket uid: a stream of its own, and at the
 * start of every mtu-sized piece (one rpmsg message, echoed as one) a tag
 * {magic, uid, tseq, piece}.
 */
static void churn_fill(uint8_t *d, size_t len, uint32_t uid, uint32_t tseq, uint32_t mtu)
{
	uint64_t s = (((uint64_t)uid << 32) | tseq) * 0x9e3779b97f4a7c15ull | 1;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x = xorshift(&s);

		memcpy(d + i, &x, 8);
	}
	for (; i < len; i++)
		d[i] = (uint8_t)(xorshift(&s) >> 24);
	for (size_t off = 0; off + CHURN_TAG_SIZE <= len; off += mtu) {
		uint32_t tag[CHURN_TAG_WORDS] = {CHURN_MAGIC, uid, tseq, (uint32_t)(off / mtu)};

		memcpy(d + off, tag, sizeof(tag));
	}
}

/* Log-uniform from 1 byte to the largest SEND. */
static size_t churn_size(uint64_t *seed)
{
	double f = (double)pick(seed, 100000) / 100000.0;
	size_t len = (size_t)exp(f * log((double)RPMSG_NETLINK_MAX_DATA));

	return len < 1 ? 1 : len > RPMSG_NETLINK_MAX_DATA ? RPMSG_NETLINK_MAX_DATA : len;
}

/* The first SEND whose echo is still due (accepted, or its ack not read yet). */
static struct pending *churn_due(struct churn_client *c)
{
	for (size_t i = 0; i < c->np; i++)
		if (c->p[i].state != P_REFUSED && c->p[i].echoed < c->p[i].len)
			return &c->p[i];
	return NULL;
}

/* A RECV's data: the next bytes this socket is owed, or a leak. */
static void churn_recv(struct churn_client *c, const uint8_t *d, size_t n)
{
	struct pending *p = churn_due(c);
	uint32_t tag[CHURN_TAG_WORDS];

	if (p && n <= p->len - p->echoed && !memcmp(d, p->data + p->echoed, n)) {
		p->echoed += n;
		return;
	}
	if (n >= CHURN_TAG_SIZE) {
		memcpy(tag, d, sizeof(tag));
		if (tag[0] == CHURN_MAGIC && tag[1] == c->uid) {
			add(&c->sh->misordered, 1);
			churn_report(
				c,
				"its own bytes out of place: %zu bytes of its transfer %" PRIu32
				" (piece %" PRIu32 ") while %s",
				n, tag[2], tag[3],
				p ? "owed the next bytes of another transfer" : "owed nothing");
			return;
		}
	}
	add(&c->sh->foreign_bytes, n);
	add(&c->sh->foreign_recvs, 1);
	if (n >= CHURN_TAG_SIZE && tag[0] == CHURN_MAGIC)
		churn_report(c,
			     "LEAK: received %zu bytes of %s socket %" PRIu32
			     " (its transfer %" PRIu32 ", piece %" PRIu32 ")",
			     n, tag[1] < c->uid ? "the earlier" : "the later", tag[1], tag[2],
			     tag[3]);
	else
		churn_report(c, "LEAK: received %zu bytes that are not the next of its own%s", n,
			     p ? "" : " (it was owed nothing)");
}

static int churn_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= RPMSG_NETLINK_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void churn_ack(struct churn_client *c, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	int err = -e->error;
	struct pending *p = NULL;

	for (size_t i = 0; i < c->np; i++)
		if (c->p[i].nlseq == nlh->nlmsg_seq && c->p[i].state == P_UNKNOWN)
			p = &c->p[i];
	if (!p) {
		churn_error(c, "an ack for request %" PRIu32 " it is not waiting for (%s)",
			    nlh->nlmsg_seq, strerror(err));
		return;
	}
	if (p->expect_invalid) {
		p->state = P_REFUSED;
		if (err == EINVAL)
			add(&c->sh->invalid, 1);
		else
			churn_error(c, "a SEND with a bad flag or TIMEOUT_MS -> %s, expected %s",
				    err ? strerror(err) : "success", strerror(EINVAL));
		return;
	}
	if (!err) {
		p->state = P_ACCEPTED;
		add(&c->sh->accepted, 1);
		return;
	}
	p->state = P_REFUSED;
	if (p->echoed)
		churn_error(c, "transfer %" PRIu32 " refused (%s) after %zu of its bytes came back",
			    p->tseq, strerror(err), p->echoed);
	if (err == EAGAIN) {
		c->need_resume = true;
		add(&c->sh->refused, 1);
	} else {
		churn_error(c, "SEND of %zu bytes -> %s", p->len, strerror(err));
	}
}

static void churn_msg(struct churn_client *c, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RPMSG_NETLINK_A_MAX + 1] = {0};
	const struct genlmsghdr *genl;
	const struct nlattr *data;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		churn_ack(c, nlh);
		return;
	}
	if (nlh->nlmsg_type != c->nl->family)
		return;
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd != RPMSG_NETLINK_CMD_RECV)
		return;
	mnl_attr_parse(nlh, sizeof(*genl), churn_attr_cb, tb);
	data = tb[RPMSG_NETLINK_A_DATA];
	if (!data || !tb[RPMSG_NETLINK_A_CHANNEL] ||
	    mnl_attr_get_u32(tb[RPMSG_NETLINK_A_CHANNEL]) != c->nl->channel) {
		churn_error(c, "a RECV without DATA or from another channel");
		return;
	}
	churn_recv(c, mnl_attr_get_payload(data), mnl_attr_get_payload_len(data));
}

/* Reads one datagram (up to timeout_ms for it): 1, 0 on timeout, -errno. */
static int churn_pump(struct churn_client *c, int timeout_ms)
{
	struct pollfd pfd = {.fd = mnl_socket_get_fd(c->nl->sock), .events = POLLIN};
	ssize_t n = recv(pfd.fd, c->nl->buf, sizeof(c->nl->buf), MSG_DONTWAIT);
	int left;

	if (n < 0 && errno == EAGAIN) {
		int rc = poll(&pfd, 1, timeout_ms);

		if (rc <= 0)
			return rc < 0 ? -errno : 0;
		n = recv(pfd.fd, c->nl->buf, sizeof(c->nl->buf), MSG_DONTWAIT);
	}
	if (n < 0)
		return errno == EAGAIN ? 1 : -errno;
	left = (int)n;
	for (const struct nlmsghdr *nlh = (struct nlmsghdr *)c->nl->buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left))
		churn_msg(c, nlh);
	return 1;
}

/* Sends one SEND of a new transfer (or, invalid, one the module must refuse). */
static int churn_send(struct churn_client *c, bool invalid, bool bulk)
{
	struct pending *p = &c->p[c->np];
	struct send_opts o = {0};
	size_t len = bulk ? RPMSG_NETLINK_MAX_DATA : churn_size(&c->seed);
	int rc;

	*p = (struct pending){.tseq = c->next_tseq++, .len = len, .data = c->bufs[c->np]};
	churn_fill(p->data, len, c->uid, p->tseq, c->nl->mtu);
	if (invalid) {
		p->expect_invalid = true;
		if (pick(&c->seed, 2)) {
			o.has_flags = true;
			o.flags = 1u << (2 + pick(&c->seed, 30)); /* not RPMSG_NETLINK_F_ALL */
		} else {
			o.has_timeout = true;
			o.timeout_ms = pick(&c->seed, 5000);
		}
	} else if (c->need_resume || pick(&c->seed, 10) == 0) {
		o.has_flags = true;
		o.flags = RPMSG_NETLINK_F_RESUME;
		add(&c->sh->resumed, 1);
		c->need_resume = false;
	} else if (pick(&c->seed, 10) == 0) {
		o.has_flags = true; /* an explicit 0 */
	}
	rc = nl_send_data(c->nl, p->data, len, &o);
	if (rc) {
		churn_error(c, "sending a SEND of %zu bytes: %s", len, strerror(-rc));
		return rc;
	}
	p->nlseq = c->nl->ack_seq;
	c->np++;
	return 0;
}

static bool churn_settled(const struct churn_client *c)
{
	for (size_t i = 0; i < c->np; i++)
		if (c->p[i].state == P_UNKNOWN ||
		    (c->p[i].state == P_ACCEPTED && c->p[i].echoed < c->p[i].len))
			return false;
	return true;
}

/* Waits until every SEND in flight is acked and echoed; counts them. */
static int churn_settle(struct churn_client *c)
{
	int64_t end = now_ms() + REPLY_TIMEOUT_MS;
	size_t progress = 0;
	int rc = 0;

	while (!churn_settled(c)) {
		size_t now_progress = 0;
		int64_t left = end - now_ms();

		if (left <= 0) {
			struct pending *p = churn_due(c);

			churn_error(c,
				    "transfer %" PRIu32
				    ": %zu of %zu bytes back, no progress in %d ms",
				    p ? p->tseq : 0, p ? p->echoed : 0, p ? p->len : 0,
				    REPLY_TIMEOUT_MS);
			rc = -ETIMEDOUT;
			break;
		}
		rc = churn_pump(c, (int)left);
		if (rc < 0) {
			churn_error(c, "receiving: %s", strerror(-rc));
			break;
		}
		rc = 0;
		for (size_t i = 0; i < c->np; i++)
			now_progress += c->p[i].echoed + (c->p[i].state != P_UNKNOWN);
		if (now_progress != progress) {
			progress = now_progress;
			end = now_ms() + REPLY_TIMEOUT_MS;
		}
	}
	for (size_t i = 0; i < c->np; i++) {
		if (c->p[i].state == P_ACCEPTED && c->p[i].echoed == c->p[i].len) {
			add(&c->sh->transfers, 1);
			add(&c->sh->bytes, c->p[i].len);
		}
	}
	c->np = 0;
	return rc;
}

/* One client process: sockets one after the other until the run ends. */
static void churn_process(struct churn_shared *sh, const struct nl *tmpl, int slot, uint64_t seed,
			  int64_t end)
{
	struct churn_client c = {.sh = sh, .slot = slot, .seed = seed};
	int sockets = 1 + (int)pick(&c.seed, 8);

	c.nl = malloc(sizeof(*c.nl));
	for (int i = 0; i < CHURN_PIPELINE; i++)
		c.bufs[i] = malloc(RPMSG_NETLINK_MAX_DATA);
	if (!c.nl || !c.bufs[CHURN_PIPELINE - 1]) {
		churn_error(&c, "out of memory");
		_exit(1);
	}
	for (int s = 0; s < sockets && now_ms() < end; s++) {
		uint32_t ending = pick(&c.seed, 8);
		int ops = 1 + (int)pick(&c.seed, 12);
		int rc = nl_open(c.nl, true);

		if (rc) {
			churn_error(&c, "socket: %s", strerror(-rc));
			_exit(1);
		}
		c.nl->family = tmpl->family;
		c.nl->channel = tmpl->channel;
		c.nl->mtu = tmpl->mtu;
		c.nl->remote = tmpl->remote;
		c.uid = __atomic_add_fetch(&sh->next_uid, 1, __ATOMIC_RELAXED);
		c.next_tseq = 0;
		c.need_resume = false;
		c.np = 0;
		add(&sh->sockets, 1);
		for (int op = 0; op < ops && now_ms() < end; op++) {
			bool invalid = !c.need_resume && pick(&c.seed, 32) == 0;
			/* now and then more than the transmit queue takes at once */
			bool bulk = !invalid && pick(&c.seed, 64) == 0;
			int n = invalid ? 1
				: bulk	? CHURN_PIPELINE
					: 1 + (int)pick(&c.seed, CHURN_BATCH);

			__atomic_store_n(&sh->busy[slot], 1, __ATOMIC_RELAXED);
			for (int k = 0; k < n && !rc; k++)
				rc = churn_send(&c, invalid, bulk);
			if (!rc)
				rc = churn_settle(&c);
			__atomic_store_n(&sh->busy[slot], 0, __ATOMIC_RELAXED);
			if (rc)
				break;
		}
		if (!rc && ending < 2) {
			/* SENDs in flight (queued, or their echoes on the way) when it goes */
			int n = 1 + (int)pick(&c.seed, CHURN_PIPELINE);

			__atomic_store_n(&sh->busy[slot], 1, __ATOMIC_RELAXED);
			for (int k = 0; k < n && !rc; k++)
				rc = churn_send(&c, false, false);
			if (!rc && ending == 1 && s == sockets - 1) {
				add(&sh->exits_open, 1);
				_exit(0);
			}
			add(&sh->inflight_closes, 1);
			c.np = 0;
			__atomic_store_n(&sh->busy[slot], 0, __ATOMIC_RELAXED);
		}
		nl_close(c.nl);
	}
	_exit(0);
}

static int sigchld_pipe[2] = {-1, -1};

static void on_sigchld(int sig)
{
	int saved = errno;
	char b = 0;

	(void)sig;
	if (write(sigchld_pipe[1], &b, 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	errno = saved;
}

/* Asks the runner to signal the firmware (--signal-firmware-on NAME:SIGNAL). */
static bool signal_firmware(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", run_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		fail("cannot create %s: %s", path, strerror(errno));
		return false;
	}
	close(fd);
	/* the runner saw the creation; the next one must be a creation too */
	unlink(path);
	return true;
}

static pid_t churn_spawn(struct churn_shared *sh, const struct nl *tmpl, int slot, uint64_t *seed,
			 int64_t end)
{
	uint64_t child_seed = xorshift(seed) | 1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		close(sigchld_pipe[0]);
		close(sigchld_pipe[1]);
		churn_process(sh, tmpl, slot, child_seed, end);
	}
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	return pid;
}

/* Reaps what has exited; respawns while the run lasts. Returns the processes left. */
static int churn_reap(struct churn_shared *sh, const struct nl *tmpl, pid_t *pids, int clients,
		      uint64_t *seed, int64_t end, uint64_t *died)
{
	int status, alive = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < clients; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
				fail("client process %d died of signal %d", (int)pid,
				     WTERMSIG(status));
				(*died)++;
			} else if (WIFEXITED(status) && WEXITSTATUS(status)) {
				fail("client process %d exited with status %d", (int)pid,
				     WEXITSTATUS(status));
				(*died)++;
			}
			__atomic_store_n(&sh->busy[i], 0, __ATOMIC_RELAXED);
			if (now_ms() < end)
				pids[i] = churn_spawn(sh, tmpl, i, seed, end);
		}
	}
	for (int i = 0; i < clients; i++)
		alive += pids[i] > 0;
	return alive;
}

static void churn_wait_wakeup(int timeout_ms)
{
	struct pollfd pfd = {.fd = sigchld_pipe[0], .events = POLLIN};
	char drain[64];

	if (timeout_ms < 0)
		timeout_ms = 0;
	if (poll(&pfd, 1, timeout_ms) > 0)
		while (read(sigchld_pipe[0], drain, sizeof(drain)) > 0)
			;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int case_churn_stress(int seconds, uint64_t seed, int clients)
{
	struct churn_shared *sh;
	struct nl *tmpl = malloc(sizeof(*tmpl));
	struct channel_info before, after;
	pid_t pids[CHURN_MAX_CLIENTS] = {0};
	pid_t killed[CHURN_MAX_CLIENTS] = {0}; /* not killed twice */
	uint64_t first_seed = seed = seed ? seed : (uint64_t)now_ms() | 1;
	uint64_t kills = 0, kills_busy = 0, stops = 0, died = 0;
	struct sigaction sa = {0};
	int64_t start, end, next_kill, next_stop, cont_at = 0, grace;
	bool stopped = false;
	double t;
	int alive;

	if (clients < 1 || clients > CHURN_MAX_CLIENTS) {
		fail("--clients must be 1..%d", CHURN_MAX_CLIENTS);
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || !tmpl || nl_client(tmpl, false, &before))
		return 1;
	memset(sh, 0, sizeof(*sh));
	if (pipe2(sigchld_pipe, O_NONBLOCK | O_CLOEXEC)) {
		fail("pipe2: %s", strerror(errno));
		return 1;
	}
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	printf("      seed %" PRIu64 " (again: --seed %" PRIu64 "), %d s, %d client processes, "
	       "mtu %" PRIu32 ", %" PRIu64 " clients on the channel before\n",
	       first_seed, first_seed, seconds, clients, tmpl->mtu,
	       before.stats[RPMSG_NETLINK_STAT_CLIENTS]);

	start = now_ms();
	end = start + (int64_t)seconds * 1000;
	next_kill = start + 20 + pick(&seed, 300);
	next_stop = start + 300 + pick(&seed, 2000);
	for (int i = 0; i < clients; i++)
		pids[i] = churn_spawn(sh, tmpl, i, &seed, end);
	for (;;) {
		int64_t now = now_ms(), wake;

		churn_reap(sh, tmpl, pids, clients, &seed, end, &died);
		if (now >= end)
			break;
		if (now >= next_kill) {
			int i = (int)pick(&seed, (uint32_t)clients);

			if (pids[i] > 0 && killed[i] != pids[i]) {
				killed[i] = pids[i];
				kills_busy += __atomic_load_n(&sh->busy[i], __ATOMIC_RELAXED) != 0;
				kill(pids[i], SIGKILL);
				kills++;
			}
			next_kill = now + 20 + pick(&seed, 300);
		}
		if (!stopped && now >= next_stop) {
			stopped = signal_firmware("stop");
			if (stopped)
				stops++;
			cont_at = now + 10 + pick(&seed, 300);
			next_stop = stopped ? INT64_MAX : end;
		} else if (stopped && now >= cont_at) {
			stopped = !signal_firmware("cont");
			next_stop = now + 300 + pick(&seed, 2000);
		}
		wake = min64(min64(next_kill, end), stopped ? cont_at : next_stop);
		churn_wait_wakeup((int)(wake - now));
	}
	if (stopped && !signal_firmware("cont"))
		return 1;
	/* the processes finish their transfer in hand (with the firmware running again) */
	grace = now_ms() + CHURN_GRACE_MS;
	while ((alive = churn_reap(sh, tmpl, pids, clients, &seed, end, &died)) > 0 &&
	       now_ms() < grace)
		churn_wait_wakeup((int)(grace - now_ms()));
	if (alive) {
		fail("%d client processes still running %d s after the end; killing them", alive,
		     CHURN_GRACE_MS / 1000);
		for (int i = 0; i < clients; i++)
			if (pids[i] > 0)
				kill(pids[i], SIGKILL);
		while (churn_reap(sh, tmpl, pids, clients, &seed, end, &died) > 0)
			churn_wait_wakeup(1000);
	}
	t = (double)(now_ms() - start) / 1000.0;
	signal(SIGCHLD, SIG_DFL);

	ok("%" PRIu64 " transfers echoed byte-exact (%" PRIu64 " bytes, %.1f MB) in %.0f s; "
	   "%" PRIu64 " SENDs accepted, %" PRIu64 " refused with EAGAIN, %" PRIu64
	   " with RESUME, %" PRIu64 " bad ones refused with EINVAL",
	   get(&sh->transfers), get(&sh->bytes), (double)get(&sh->bytes) / 1e6, t,
	   get(&sh->accepted), get(&sh->refused), get(&sh->resumed), get(&sh->invalid));
	ok("%" PRIu64 " sockets, %" PRIu64 " closed with SENDs in flight, %" PRIu64
	   " left open by an exiting process, %" PRIu64 " processes SIGKILLed (%" PRIu64
	   " mid-transfer), %" PRIu64 " firmware stops",
	   get(&sh->sockets), get(&sh->inflight_closes), get(&sh->exits_open), kills, kills_busy,
	   stops);
	if (get(&sh->foreign_bytes) || get(&sh->foreign_recvs))
		fail("LEAK: %" PRIu64 " foreign bytes in %" PRIu64
		     " RECVs reached sockets they were not for",
		     get(&sh->foreign_bytes), get(&sh->foreign_recvs));
	else
		ok("foreign bytes: 0 (no socket received a byte it did not send)");
	check(!get(&sh->misordered), "no socket's own bytes came out of place");
	if (get(&sh->errors))
		fail("%" PRIu64 " unexpected errors (the first ones above)", get(&sh->errors));
	check(!died, "no client process died other than by the runner's SIGKILLs");
	check(get(&sh->transfers) > 0, "transfers completed");

	/* what must still work */
	{
		struct nl *nl = malloc(sizeof(*nl));
		uint8_t *data = malloc(RPMSG_NETLINK_MAX_DATA);
		int64_t until = now_ms() + 10000;
		uint64_t left = UINT64_MAX;
		char why[160] = "";
		int rc;

		if (!nl || !data || nl_client(nl, true, NULL)) {
			fail("the family does not answer after the run");
			return 1;
		}
		check(nl_dump_channels(nl, &after, 1) >= 1, "the family still answers (dump)");
		fill_random(data, RPMSG_NETLINK_MAX_DATA, &seed);
		rc = echo_once(nl, data, RPMSG_NETLINK_MAX_DATA, why, sizeof(why));
		if (rc)
			fail("an echo of the largest SEND: %s", why);
		else
			ok("an echo of the largest SEND is byte-exact");
		nl_close(nl);
		free(nl);
		free(data);
		/* the sockets' endpoints close as their releases finish */
		for (;;) {
			if (!nl_get_channel(tmpl, tmpl->channel, &after))
				left = after.stats[RPMSG_NETLINK_STAT_CLIENTS];
			if (left == before.stats[RPMSG_NETLINK_STAT_CLIENTS] || now_ms() >= until)
				break;
			sched_yield();
		}
		if (left == before.stats[RPMSG_NETLINK_STAT_CLIENTS])
			ok("CLIENTS back to %" PRIu64 ": every socket's client is gone", left);
		else
			fail("CLIENTS %" PRIu64 " 10 s after the run, %" PRIu64 " before: leaked "
			     "clients",
			     left, before.stats[RPMSG_NETLINK_STAT_CLIENTS]);
	}
	printf("      channel stats over the run: TX_BYTES +%" PRIu64 " RX_BYTES +%" PRIu64
	       " RX_DROPS +%" PRIu64 " TX_ERRORS +%" PRIu64 " TX_REFUSED +%" PRIu64 "\n",
	       stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_BYTES),
	       stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_BYTES),
	       stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_DROPS),
	       stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_ERRORS),
	       stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_REFUSED));
	check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_BYTES) >= get(&sh->bytes) &&
		      stat_delta(&before, &after, RPMSG_NETLINK_STAT_RX_BYTES) >= get(&sh->bytes),
	      "TX_BYTES and RX_BYTES grew by at least the bytes verified");
	check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_REFUSED) >= get(&sh->refused),
	      "TX_REFUSED counts at least the refusals seen");
	check(stat_delta(&before, &after, RPMSG_NETLINK_STAT_TX_ERRORS) == 0, "no TX_ERRORS");
	nl_close(tmpl);
	free(tmpl);
	munmap(sh, sizeof(*sh));
	close(sigchld_pipe[0]);
	close(sigchld_pipe[1]);
	return 0;
}
