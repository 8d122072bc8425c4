/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-core: the rpmsg core alone, driver role and device role in two
 * processes over shared memory, eventfds as the doorbells, the board's
 * 512-byte buffers. No kernel rpmsg is involved, so the figures are the
 * core's own: time, and the doorbells and payload copies each transfer
 * costs (the two numbers that carry over to a board, where a doorbell is an
 * IPCC interrupt). Two references run in the same process placement:
 * streaming memcpy and an eventfd + shared-memory ping-pong.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rpmsg/rp_relax.h>
#include <rpmsg/rpmsg.h>
#include <rpmsg/rpmsg_driver.h>

#define BUS_BASE 0x10040000u /* the STM32MP1's SRAM, as the M4 would see it */
#define RING_PART 4096u	     /* each ring part on its own page: no false sharing */
#define DRV_ADDR 1024u
#define ECHO_ADDR 1025u
#define SINK_ADDR 1026u
#define CTL_ADDR 1027u
#define SINK_SIZE (16u << 20)
#define MEMCPY_SPAN (64u << 20)
#define MEMCPY_BLOCK (32u << 10)
#define LINE 64u
#define POLL_CLOCK_PASSES 64u
#define MAX_REPEATS 20u

enum ctl_cmd {
	CTL_FIN = 'F',	/* end of a one-way transfer: answer with an ack */
	CTL_QUIT = 'Q', /* device process exits */
};

struct ack {
	uint64_t bytes;
	uint64_t msgs;
	uint64_t seq_errors;
};

/* Counters both processes add to, each on its own cache line. */
struct counters {
	_Alignas(LINE) uint64_t drv_doorbells; /* kicks, driver -> device */
	_Alignas(LINE) uint64_t dev_doorbells; /* interrupts, device -> driver */
	_Alignas(LINE) uint64_t drv_copies;    /* payload copies made on the driver side */
	_Alignas(LINE) uint64_t dev_copies;
};

struct shm {
	struct counters c;
	_Alignas(4096) uint8_t rings[6][RING_PART];
	_Alignas(4096) uint8_t buffers[2u * RP_VQ_MAX_NUM * RP_BUF_SIZE];
	/* the ping-pong reference's message area */
	_Alignas(4096) uint8_t pp[2][RP_BUF_SIZE];
	/* the ideal-ring reference: slots, and each side's position on its own line */
	_Alignas(4096) uint8_t slot[RP_VQ_MAX_NUM][RP_BUF_SIZE];
	_Alignas(LINE) uint64_t produced;
	_Alignas(LINE) uint64_t consumed;
};

struct config {
	unsigned int num;
	int cpu[2];
	unsigned int rtt_iters;
	unsigned int tp_scale; /* divides the repetition counts */
	uint64_t spin_ns;      /* poll this long before sleeping on a doorbell */
	bool json;
	bool check;
	bool run_sleep;	      /* the run where idle sides sleep at once */
	bool run_poll;	      /* the run with a busy-poll window first */
	unsigned int repeats; /* whole measurements, references included */
};

struct side {
	struct rp_link *link; /* the end below that this side plays */
	struct rp_driver driver;
	struct rp_device device;
	struct rp_endpoint ept[3];
	struct shm *shm;
	int efd_in;  /* our doorbell */
	int efd_out; /* the peer's */
	uint64_t *doorbells;
	uint64_t *copies;
	uint64_t spin_ns;
	/* driver: what came back */
	bool got_reply;
	bool got_ack;
	struct ack ack;
	uint8_t reply[RP_MTU];
	/* device: the sink */
	uint8_t *sink;
	uint64_t sink_off;
	uint64_t sink_seq;
	struct ack sink_ack;
	bool quit;
};

static struct rp_mem_region region;
static struct rp_mem mem = {&region, 1};

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench-core: %s: %s\n", what, rc < 0 ? rp_strerror(rc) : strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		die("sched_setaffinity", 0);
}

static void ring_doorbell(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		die("eventfd write", 0);
}

static void doorbell_wait(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) < 0)
		if (errno != EINTR)
			die("eventfd read", 0);
}

static void notify(struct rp_link *link, unsigned int queue)
{
	struct side *s = link->priv;

	(void)queue;
	__atomic_fetch_add(s->doorbells, 1, __ATOMIC_RELAXED);
	ring_doorbell(s->efd_out);
}

static const struct rp_ops ops = {.notify = notify};

static void rings_of(struct shm *shm, unsigned int num, struct rp_rings *r)
{
	*r = (struct rp_rings){.num = (uint16_t)num, .event_idx = true};
	for (unsigned int q = 0; q < 2; q++) {
		r->desc[q] = shm->rings[3 * q];
		r->avail[q] = shm->rings[3 * q + 1];
		r->used[q] = shm->rings[3 * q + 2];
	}
}

/*
 * Sleep until the peer rings, without losing a wakeup: doorbells go back on
 * and one ordinary poll (which re-checks after arming them) runs first.
 */
static void side_sleep(struct side *s)
{
	bool polling = s->link->polling;
	int rc;

	if (polling)
		rp_set_polling(s->link, false);
	rc = rp_poll(s->link, 0);
	if (rc < 0)
		die("poll", rc);
	if (rc == 0)
		doorbell_wait(s->efd_in);
	if (polling)
		rp_set_polling(s->link, true);
}

/* ---- device process ----------------------------------------------------- */

static int echo_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct side *s = ept->priv;
	struct rp_tx_buf tx;
	int rc = rp_tx_get(ept->link, &tx);

	if (rc == RP_EAGAIN)
		return rc; /* held: offered again once the driver gives us a buffer */
	if (rc != RP_OK)
		die("echo", rc);
	memcpy(tx.data, data, len);
	s->copies[0]++;
	return rp_tx_send(ept->link, &tx, ept->addr, src, len);
}

static int sink_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct side *s = ept->priv;
	uint64_t seq;

	(void)src;
	memcpy(&seq, data, sizeof(seq));
	if (len < sizeof(seq) || seq != s->sink_seq)
		s->sink_ack.seq_errors++;
	s->sink_seq++;
	if (s->sink_off + len > SINK_SIZE)
		s->sink_off = 0;
	memcpy(s->sink + s->sink_off, data, len);
	s->copies[0]++;
	s->sink_off += len;
	s->sink_ack.bytes += len;
	s->sink_ack.msgs++;
	return RP_OK;
}

static int ctl_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct side *s = ept->priv;
	uint8_t cmd = len ? *(const uint8_t *)data : 0;
	int rc;

	if (cmd == CTL_QUIT) {
		s->quit = true;
		return RP_OK;
	}
	if (cmd != CTL_FIN)
		return RP_OK;
	rc = rp_send(ept->link, ept->addr, src, &s->sink_ack, sizeof(s->sink_ack));
	if (rc == RP_EAGAIN)
		return rc;
	if (rc != RP_OK)
		die("ack", rc);
	memset(&s->sink_ack, 0, sizeof(s->sink_ack));
	s->sink_seq = 0;
	return RP_OK;
}

/*
 * Has the busy-poll window run out? Reading the clock costs about as much as
 * a pass over the rings, so it is read once per POLL_CLOCK_PASSES idle
 * passes: the window is measured from the first reading after the last
 * pass that found work.
 */
static bool poll_window_over(uint64_t *last, bool *busy, unsigned int *idle, uint64_t spin_ns)
{
	uint64_t now;

	if (++*idle % POLL_CLOCK_PASSES)
		return false;
	now = now_ns();
	if (*busy) {
		*busy = false;
		*last = now;
		return false;
	}
	return now - *last >= spin_ns;
}

static void device_main(struct side *s)
{
	static const rp_ept_cb cbs[3] = {echo_cb, sink_cb, ctl_cb};
	uint64_t last = now_ns();
	unsigned int idle = 0;
	bool busy = false;

	s->sink = malloc(SINK_SIZE);
	if (!s->sink)
		die("malloc", 0);
	memset(s->sink, 0, SINK_SIZE);
	for (unsigned int i = 0; i < 3; i++) {
		int rc = rp_endpoint_create(s->link, &s->ept[i], NULL, ECHO_ADDR + i, cbs[i], s);

		if (rc != RP_OK)
			die("endpoint", rc);
	}
	if (s->spin_ns)
		rp_set_polling(s->link, true);
	while (!s->quit) {
		int rc = rp_poll(s->link, 0);

		if (rc < 0)
			die("device poll", rc);
		if (rc > 0) {
			busy = true;
			continue;
		}
		if (s->spin_ns && !poll_window_over(&last, &busy, &idle, s->spin_ns)) {
			rp_cpu_relax();
			continue;
		}
		side_sleep(s);
		last = now_ns();
	}
	/* The quit message's buffer goes back before we leave. */
	rp_set_polling(s->link, false);
	rp_poll(s->link, 0);
	exit(0);
}

/* ---- driver process ----------------------------------------------------- */

static int drv_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct side *s = ept->priv;

	if (src == CTL_ADDR && len == sizeof(s->ack)) {
		memcpy(&s->ack, data, sizeof(s->ack));
		s->got_ack = true;
		return RP_OK;
	}
	memcpy(s->reply, data, len);
	s->copies[0]++;
	s->got_reply = true;
	return RP_OK;
}

/* Spin (bounded) on the rings, then sleep on the doorbell, until *flag. */
static void drv_wait_flag(struct side *s, bool *flag)
{
	uint64_t last = 0;
	unsigned int idle = 0;
	bool busy = true; /* the window starts at the first clock reading */

	for (;;) {
		int rc = rp_poll(s->link, 0);

		if (rc < 0)
			die("driver poll", rc);
		if (*flag)
			return;
		if (s->spin_ns && !poll_window_over(&last, &busy, &idle, s->spin_ns)) {
			rp_cpu_relax();
			continue;
		}
		side_sleep(s);
	}
}

static void drv_get_tx(struct side *s, struct rp_tx_buf *tx)
{
	uint64_t last = 0;
	unsigned int idle = 0;
	bool busy = true;

	for (;;) {
		int rc = rp_tx_get(s->link, tx);

		if (rc == RP_OK)
			return;
		if (rc != RP_EAGAIN)
			die("tx", rc);
		if (!s->link->polling) {
			/* rp_tx_get() asked for an interrupt before saying EAGAIN. */
			side_sleep(s);
			continue;
		}
		if (!poll_window_over(&last, &busy, &idle, s->spin_ns)) {
			rp_cpu_relax();
			continue;
		}
		/* Window over: retry once asking for the interrupt, then sleep. */
		rp_set_polling(s->link, false);
		rc = rp_tx_get(s->link, tx);
		if (rc == RP_EAGAIN)
			side_sleep(s);
		rp_set_polling(s->link, true);
		if (rc == RP_OK)
			return;
		if (rc != RP_EAGAIN)
			die("tx", rc);
		busy = true;
	}
}

static void drv_send(struct side *s, uint32_t dst, const void *data, uint32_t len)
{
	struct rp_tx_buf tx;
	int rc;

	drv_get_tx(s, &tx);
	memcpy(tx.data, data, len);
	s->copies[0]++;
	rc = rp_tx_send(s->link, &tx, DRV_ADDR, dst, len);
	if (rc != RP_OK)
		die("send", rc);
}

static void drv_ctl(struct side *s, uint8_t cmd)
{
	struct rp_tx_buf tx;
	int rc;

	drv_get_tx(s, &tx);
	tx.data[0] = cmd;
	rc = rp_tx_send(s->link, &tx, DRV_ADDR, CTL_ADDR, 1);
	if (rc != RP_OK)
		die("send", rc);
}

struct snap {
	uint64_t kicks, irqs, copies;
};

static struct snap snap_of(const struct shm *shm)
{
	return (struct snap){
		__atomic_load_n(&shm->c.drv_doorbells, __ATOMIC_RELAXED),
		__atomic_load_n(&shm->c.dev_doorbells, __ATOMIC_RELAXED),
		__atomic_load_n(&shm->c.drv_copies, __ATOMIC_RELAXED) +
			__atomic_load_n(&shm->c.dev_copies, __ATOMIC_RELAXED),
	};
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct dist {
	double median, p99, max; /* microseconds */
};

static struct dist dist_of(uint64_t *t, unsigned int n)
{
	qsort(t, n, sizeof(*t), cmp_u64);
	return (struct dist){t[n / 2] / 1e3, t[(uint64_t)n * 99 / 100] / 1e3, t[n - 1] / 1e3};
}

struct rtt_result {
	uint32_t bytes;
	struct dist d;
	double kicks, irqs, copies; /* per round trip */
};

static struct rtt_result run_rtt(struct side *s, uint32_t bytes, unsigned int iters)
{
	unsigned int warm = iters / 10 + 10;
	uint64_t *t = malloc(sizeof(*t) * iters);
	uint8_t msg[RP_MTU];
	struct snap a, b;

	if (!t)
		die("malloc", 0);
	memset(msg, 0x5a, sizeof(msg));
	for (unsigned int i = 0; i < warm + iters; i++) {
		if (i == warm)
			a = snap_of(s->shm);
		uint64_t t0 = now_ns();

		s->got_reply = false;
		drv_send(s, ECHO_ADDR, msg, bytes);
		drv_wait_flag(s, &s->got_reply);
		if (i >= warm)
			t[i - warm] = now_ns() - t0;
	}
	b = snap_of(s->shm);

	struct rtt_result r = {bytes, dist_of(t, iters), (double)(b.kicks - a.kicks) / iters,
			       (double)(b.irqs - a.irqs) / iters,
			       (double)(b.copies - a.copies) / iters};

	free(t);
	return r;
}

struct tp_result {
	uint64_t bytes;
	unsigned int reps;
	uint64_t msgs;		    /* per transfer */
	double median_ms;	    /* per transfer, including the final ack */
	double mbps;		    /* MB/s (10^6 bytes) at the median */
	double kicks, irqs, copies; /* per transfer */
};

/*
 * Untimed transfers first: a tenth of the timed ones, and at least enough to
 * write the whole sink once, so no timed transfer meets a sink line still
 * out in memory since the sink was allocated (it then stays cached as far as
 * it fits, the same for the core and the ideal ring).
 */
static unsigned int transfer_warmup(uint64_t bytes, unsigned int reps)
{
	uint64_t to_fill_sink = (SINK_SIZE + bytes - 1u) / bytes;
	unsigned int warm = reps / 10u + 1u;

	return to_fill_sink > warm ? (unsigned int)to_fill_sink : warm;
}

static struct tp_result run_tp(struct side *s, const uint8_t *src, uint64_t bytes,
			       unsigned int reps)
{
	unsigned int warm = transfer_warmup(bytes, reps);
	uint64_t *t = malloc(sizeof(*t) * reps);
	struct snap a, b;
	uint64_t msgs = 0;

	if (!t)
		die("malloc", 0);
	for (unsigned int r = 0; r < warm + reps; r++) {
		if (r == warm)
			a = snap_of(s->shm);
		uint64_t t0 = now_ns();
		uint64_t seq = 0;

		/* A stream: the device sees the messages a half ring at a time. */
		rp_tx_batch(s->link, true);
		for (uint64_t off = 0; off < bytes; off += RP_MTU, seq++) {
			uint32_t len = bytes - off < RP_MTU ? (uint32_t)(bytes - off) : RP_MTU;
			struct rp_tx_buf tx;
			int rc;

			/* Zero-copy API: the payload goes straight into the ring buffer. */
			drv_get_tx(s, &tx);
			memcpy(tx.data, src + off, len);
			memcpy(tx.data, &seq, sizeof(seq));
			s->copies[0]++;
			rc = rp_tx_send(s->link, &tx, DRV_ADDR, SINK_ADDR, len);
			if (rc != RP_OK)
				die("send", rc);
		}
		rp_tx_batch(s->link, false);
		s->got_ack = false;
		drv_ctl(s, CTL_FIN);
		drv_wait_flag(s, &s->got_ack);
		if (r >= warm)
			t[r - warm] = now_ns() - t0;
		if (s->ack.bytes != bytes || s->ack.msgs != seq || s->ack.seq_errors) {
			fprintf(stderr,
				"bench-core: transfer of %llu bytes acked as %llu bytes, %llu "
				"messages, %llu out of sequence\n",
				(unsigned long long)bytes, (unsigned long long)s->ack.bytes,
				(unsigned long long)s->ack.msgs,
				(unsigned long long)s->ack.seq_errors);
			exit(1);
		}
		msgs = seq;
	}
	b = snap_of(s->shm);

	struct dist d = dist_of(t, reps);
	struct tp_result res = {bytes,
				reps,
				msgs,
				d.median / 1e3,
				bytes / d.median,
				(double)(b.kicks - a.kicks) / reps,
				(double)(b.irqs - a.irqs) / reps,
				(double)(b.copies - a.copies) / reps};

	free(t);
	return res;
}

/* ---- references --------------------------------------------------------- */

/* GB/s of memcpy in 32 KiB blocks over spans far larger than the caches. */
static double ref_memcpy(int cpu, unsigned int passes)
{
	uint8_t *a = malloc(MEMCPY_SPAN), *b = malloc(MEMCPY_SPAN);
	uint64_t best = UINT64_MAX;

	if (!a || !b)
		die("malloc", 0);
	pin(cpu);
	memset(a, 1, MEMCPY_SPAN);
	memset(b, 2, MEMCPY_SPAN);
	for (unsigned int p = 0; p < passes; p++) {
		uint64_t t0 = now_ns();

		for (size_t off = 0; off < MEMCPY_SPAN; off += MEMCPY_BLOCK)
			memcpy(b + off, a + off, MEMCPY_BLOCK);
		uint64_t dt = now_ns() - t0;

		/* Median would do too; the best pass is the least disturbed one. */
		if (dt < best)
			best = dt;
		__asm__ volatile("" : : "r"(b) : "memory");
	}
	free(a);
	free(b);
	return (double)MEMCPY_SPAN / best;
}

/*
 * Two processes, one 16..496-byte message in shared memory each way, an
 * eventfd per direction: the least a doorbell-driven round trip can cost.
 */
static struct dist ref_pingpong(struct shm *shm, const struct config *cfg, uint32_t bytes,
				unsigned int iters)
{
	int to_b = eventfd(0, 0), to_a = eventfd(0, 0);
	unsigned int warm = iters / 10 + 10;
	uint64_t *t = malloc(sizeof(*t) * iters);
	uint8_t msg[RP_MTU], back[RP_MTU];
	pid_t pid;

	if (to_b < 0 || to_a < 0 || !t)
		die("eventfd", 0);
	memset(msg, 0x5a, sizeof(msg));
	pid = fork();
	if (pid < 0)
		die("fork", 0);
	if (pid == 0) {
		pin(cfg->cpu[1]);
		for (unsigned int i = 0; i < warm + iters; i++) {
			doorbell_wait(to_b);
			memcpy(shm->pp[1], shm->pp[0], bytes);
			ring_doorbell(to_a);
		}
		_exit(0);
	}
	pin(cfg->cpu[0]);
	for (unsigned int i = 0; i < warm + iters; i++) {
		uint64_t t0 = now_ns();

		memcpy(shm->pp[0], msg, bytes);
		ring_doorbell(to_b);
		doorbell_wait(to_a);
		memcpy(back, shm->pp[1], bytes);
		if (i >= warm)
			t[i - warm] = now_ns() - t0;
	}
	waitpid(pid, NULL, 0);
	close(to_a);
	close(to_b);

	struct dist d = dist_of(t, iters);

	free(t);
	return d;
}

/*
 * The least any shared-memory ring can cost for these messages on these two
 * CPUs: the same slots and copies as the core's one-way path (496 bytes into
 * a 512-byte slot, out into a 16 MiB sink), two spinning sides and nothing
 * else: no descriptors, no checks, no doorbells. Returns MB/s at the median.
 */
static double ref_ideal_ring(struct shm *shm, const struct config *cfg, const uint8_t *src,
			     uint64_t bytes, unsigned int reps)
{
	uint64_t msgs = (bytes + RP_MTU - 1) / RP_MTU;
	unsigned int warm = transfer_warmup(bytes, reps);
	uint64_t total = msgs * (reps + warm);
	uint64_t *t = malloc(sizeof(*t) * reps);
	unsigned int num = cfg->num;
	pid_t pid;

	if (!t)
		die("malloc", 0);
	shm->produced = 0;
	shm->consumed = 0;
	pid = fork();
	if (pid < 0)
		die("fork", 0);
	if (pid == 0) {
		uint8_t *sink = malloc(SINK_SIZE);
		uint64_t off = 0;

		if (!sink)
			die("malloc", 0);
		memset(sink, 0, SINK_SIZE);
		pin(cfg->cpu[1]);
		for (uint64_t i = 0; i < total; i++) {
			while (__atomic_load_n(&shm->produced, __ATOMIC_ACQUIRE) == i)
				rp_cpu_relax();
			if (off + RP_MTU > SINK_SIZE)
				off = 0;
			memcpy(sink + off, shm->slot[i % num], RP_MTU);
			off += RP_MTU;
			__atomic_store_n(&shm->consumed, i + 1, __ATOMIC_RELEASE);
		}
		_exit(0);
	}
	pin(cfg->cpu[0]);
	for (unsigned int r = 0; r < reps + warm; r++) {
		uint64_t t0 = now_ns();
		uint64_t base = (uint64_t)r * msgs;

		for (uint64_t m = 0; m < msgs; m++) {
			uint64_t i = base + m;

			while (i - __atomic_load_n(&shm->consumed, __ATOMIC_ACQUIRE) >= num)
				rp_cpu_relax();
			memcpy(shm->slot[i % num], src + (m * RP_MTU) % (SINK_SIZE - RP_MTU),
			       RP_MTU);
			__atomic_store_n(&shm->produced, i + 1, __ATOMIC_RELEASE);
		}
		while (__atomic_load_n(&shm->consumed, __ATOMIC_ACQUIRE) != base + msgs)
			rp_cpu_relax();
		if (r >= warm)
			t[r - warm] = now_ns() - t0;
	}
	waitpid(pid, NULL, 0);

	struct dist d = dist_of(t, reps);

	free(t);
	return bytes / d.median;
}

/* ---- one run of the core ------------------------------------------------ */

struct run {
	uint64_t spin_ns;
	struct rtt_result rtt[3];
	struct tp_result tp[3];
	uint64_t tx_copies_in_core; /* rp_send() copies on the driver side */
};

static const uint32_t rtt_sizes[3] = {16, 64, RP_MTU};
static const uint64_t tp_sizes[3] = {32u << 10, 1u << 20, 16u << 20};
static const unsigned int tp_reps[3] = {400, 40, 6};

static void run_core(struct shm *shm, const struct config *cfg, const uint8_t *src,
		     uint64_t spin_ns, struct run *out)
{
	static struct side drv, dev;
	struct rp_rings rings;
	int to_dev = eventfd(0, 0), to_drv = eventfd(0, 0);
	pid_t pid;
	int rc;

	if (to_dev < 0 || to_drv < 0)
		die("eventfd", 0);
	memset(&shm->c, 0, sizeof(shm->c));
	rings_of(shm, cfg->num, &rings);
	drv = (struct side){.shm = shm,
			    .efd_in = to_drv,
			    .efd_out = to_dev,
			    .doorbells = &shm->c.drv_doorbells,
			    .copies = &shm->c.drv_copies,
			    .spin_ns = spin_ns};
	dev = (struct side){.shm = shm,
			    .efd_in = to_dev,
			    .efd_out = to_drv,
			    .doorbells = &shm->c.dev_doorbells,
			    .copies = &shm->c.dev_copies,
			    .spin_ns = spin_ns};
	/* The driver lays the rings out, as Linux does; the device attaches. */
	drv.link = &drv.driver.link;
	dev.link = &dev.device.link;
	rc = rp_driver_init(&drv.driver, &rings, &mem, shm->buffers, NULL, &ops, &drv);
	if (rc == RP_OK)
		rc = rp_device_init(&dev.device, &rings, &mem, false, &ops, &dev);
	if (rc != RP_OK)
		die("init", rc);
	rp_link_up(&dev.device);
	pid = fork();
	if (pid < 0)
		die("fork", 0);
	if (pid == 0) {
		pin(cfg->cpu[1]);
		device_main(&dev);
	}
	pin(cfg->cpu[0]);
	rc = rp_endpoint_create(drv.link, &drv.ept[0], NULL, DRV_ADDR, drv_cb, &drv);
	if (rc != RP_OK)
		die("endpoint", rc);
	if (spin_ns)
		rp_set_polling(drv.link, true);
	out->spin_ns = spin_ns;
	for (unsigned int i = 0; i < 3; i++)
		out->rtt[i] = run_rtt(&drv, rtt_sizes[i], cfg->rtt_iters);
	for (unsigned int i = 0; i < 3; i++) {
		unsigned int reps = tp_reps[i] / cfg->tp_scale;

		out->tp[i] = run_tp(&drv, src, tp_sizes[i], reps ? reps : 1);
	}
	out->tx_copies_in_core = drv.link->stats.tx_copies;
	drv_ctl(&drv, CTL_QUIT);
	if (waitpid(pid, &rc, 0) != pid || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
		fprintf(stderr, "bench-core: device process failed\n");
		exit(1);
	}
	close(to_dev);
	close(to_drv);
}

/* ---- output ------------------------------------------------------------- */

struct refs {
	double memcpy_gbps;
	struct dist pp[3];
	double ideal_mbps[3];
};

/* One whole measurement: references, then the core, on the same CPUs. */
struct measurement {
	struct refs ref;
	struct run runs[2];
	unsigned int nruns;
};

static const char *mode_name(uint64_t spin_ns, char *buf, size_t len)
{
	if (!spin_ns)
		snprintf(buf, len, "sleep");
	else
		snprintf(buf, len, "poll %llu us, then sleep", (unsigned long long)spin_ns / 1000u);
	return buf;
}

static void print_table(const struct config *cfg, const struct refs *ref, const struct run *runs,
			unsigned int nruns)
{
	printf("bench-core: driver and device roles of the rpmsg core in two processes (CPUs %d "
	       "and %d), %u-entry rings of %u-byte buffers, event index on\n\n",
	       cfg->cpu[0], cfg->cpu[1], cfg->num, RP_BUF_SIZE);
	printf("references (same CPUs):\n");
	printf("  memcpy, 32 KiB blocks over %u MiB:   %8.2f GB/s\n", MEMCPY_SPAN >> 20,
	       ref->memcpy_gbps);
	for (unsigned int i = 0; i < 3; i++)
		printf("  eventfd ping-pong, %3u bytes:        median %6.2f us  p99 %7.2f  max "
		       "%8.2f\n",
		       rtt_sizes[i], ref->pp[i].median, ref->pp[i].p99, ref->pp[i].max);
	for (unsigned int i = 0; i < 3; i++)
		printf("  ideal spinning ring, %8llu bytes: %8.1f MB/s (%.1f%% of memcpy)\n",
		       (unsigned long long)tp_sizes[i], ref->ideal_mbps[i],
		       100.0 * ref->ideal_mbps[i] / (ref->memcpy_gbps * 1e3));
	for (unsigned int r = 0; r < nruns; r++) {
		const struct run *run = &runs[r];
		char mode[64];

		printf("\nwait: %s\n", mode_name(run->spin_ns, mode, sizeof(mode)));
		printf("  round trip  bytes  median us    p99 us    max us  x ping-pong  "
		       "doorbells (kick+irq)  copies\n");
		for (unsigned int i = 0; i < 3; i++) {
			const struct rtt_result *x = &run->rtt[i];

			printf("              %5u  %9.2f %9.2f %9.2f  %11.2f  %6.2f (%.2f+%.2f)  "
			       "%6.2f\n",
			       x->bytes, x->d.median, x->d.p99, x->d.max,
			       x->d.median / ref->pp[i].median, x->kicks + x->irqs, x->kicks,
			       x->irqs, x->copies);
		}
		printf("  one-way     bytes   msgs  median ms      MB/s  %% memcpy  x ideal  "
		       "doorbells (kick+irq)  per 64 msgs  copies/msg\n");
		for (unsigned int i = 0; i < 3; i++) {
			const struct tp_result *x = &run->tp[i];
			double db = x->kicks + x->irqs;

			printf("          %9llu  %5llu  %9.3f  %8.1f  %7.1f%%  %7.2f  %8.2f "
			       "(%.1f+%.1f)  "
			       "%11.3f  %10.2f\n",
			       (unsigned long long)x->bytes, (unsigned long long)x->msgs,
			       x->median_ms, x->mbps, 100.0 * x->mbps / (ref->memcpy_gbps * 1e3),
			       x->mbps / ref->ideal_mbps[i], db, x->kicks, x->irqs,
			       db * 64.0 / (double)x->msgs, x->copies / (double)x->msgs);
		}
	}
	printf("\ncopies: payload memcpy calls per message (one-way: into the ring buffer, out "
	       "of it; the core itself copies nothing on the zero-copy path).\n"
	       "doorbells: eventfd writes, i.e. IPCC interrupts on a board; one-way counts "
	       "include the final ack.\n");
}

static void print_json(const struct config *cfg, const struct refs *ref, const struct run *runs,
		       unsigned int nruns)
{
	printf("{\"queue_size\":%u,\"buffer_size\":%u,\"cpus\":[%d,%d],", cfg->num, RP_BUF_SIZE,
	       cfg->cpu[0], cfg->cpu[1]);
	printf("\"reference\":{\"memcpy_gbps\":%.3f,\"pingpong\":[", ref->memcpy_gbps);
	for (unsigned int i = 0; i < 3; i++)
		printf("%s{\"bytes\":%u,\"median_us\":%.3f,\"p99_us\":%.3f,\"max_us\":%.3f}",
		       i ? "," : "", rtt_sizes[i], ref->pp[i].median, ref->pp[i].p99,
		       ref->pp[i].max);
	printf("],\"ideal_ring_mb_per_s\":[%.1f,%.1f,%.1f]},\"runs\":[", ref->ideal_mbps[0],
	       ref->ideal_mbps[1], ref->ideal_mbps[2]);
	for (unsigned int r = 0; r < nruns; r++) {
		const struct run *run = &runs[r];

		printf("%s{\"spin_us\":%llu,\"round_trip\":[", r ? "," : "",
		       (unsigned long long)run->spin_ns / 1000u);
		for (unsigned int i = 0; i < 3; i++) {
			const struct rtt_result *x = &run->rtt[i];

			printf("%s{\"bytes\":%u,\"median_us\":%.3f,\"p99_us\":%.3f,\"max_us\":%.3f,"
			       "\"ratio_to_pingpong\":%.3f,\"kicks\":%.3f,\"irqs\":%.3f,"
			       "\"copies\":%.3f}",
			       i ? "," : "", x->bytes, x->d.median, x->d.p99, x->d.max,
			       x->d.median / ref->pp[i].median, x->kicks, x->irqs, x->copies);
		}
		printf("],\"one_way\":[");
		for (unsigned int i = 0; i < 3; i++) {
			const struct tp_result *x = &run->tp[i];

			printf("%s{\"bytes\":%llu,\"messages\":%llu,\"reps\":%u,\"median_ms\":%.4f,"
			       "\"mb_per_s\":%.1f,\"ratio_to_memcpy\":%.4f,\"kicks\":%.3f,"
			       "\"irqs\":%.3f,\"copies\":%.3f}",
			       i ? "," : "", (unsigned long long)x->bytes,
			       (unsigned long long)x->msgs, x->reps, x->median_ms, x->mbps,
			       x->mbps / (ref->memcpy_gbps * 1e3), x->kicks, x->irqs, x->copies);
		}
		printf("]}");
	}
	printf("]}\n");
}

/*
 * Counts that hold whatever the machine's load, so a regression in the
 * core's suppression or copying shows without any timing in the test.
 */
static int check(const struct config *cfg, const struct run *sleep_run, const struct run *poll_run)
{
	int bad = 0;

#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "bench-core check failed: " __VA_ARGS__);                  \
			fputc('\n', stderr);                                                       \
			bad = 1;                                                                   \
		}                                                                                  \
	} while (0)

	for (unsigned int i = 0; i < 3; i++) {
		const struct rtt_result *x = &sleep_run->rtt[i];

		/* One message each way, each copied once in and once out of the ring. */
		EXPECT(x->copies > 2.99 && x->copies < 3.01, "%u-byte round trip: %.2f copies",
		       x->bytes, x->copies);
		/* A sleeping peer needs one doorbell per message and nothing else. */
		EXPECT(x->kicks <= 1.0 && x->irqs <= 1.0,
		       "%u-byte round trip: %.2f kicks, %.2f interrupts", x->bytes, x->kicks,
		       x->irqs);
	}
	for (unsigned int i = 0; i < 3; i++) {
		const struct run *runs[2] = {sleep_run, poll_run};

		for (unsigned int r = 0; r < 2; r++) {
			const struct tp_result *x = &runs[r]->tp[i];

			/* Data and fin in, ack out: 1 copy each side per message, no more. */
			EXPECT(x->copies > 2.0 * x->msgs - 0.01 && x->copies < 2.0 * x->msgs + 0.01,
			       "%llu-byte transfer: %.2f copies for %llu messages",
			       (unsigned long long)x->bytes, x->copies,
			       (unsigned long long)x->msgs);
			/*
			 * A sender on a full ring is woken once per half ring,
			 * never once per buffer, whoever waits how.
			 */
			EXPECT(x->irqs <= (double)x->msgs / (cfg->num / 2.0) + 2.0,
			       "%llu-byte transfer: %.2f interrupts for %llu messages",
			       (unsigned long long)x->bytes, x->irqs, (unsigned long long)x->msgs);
		}
		/* Busy polling with a wide window: a handful of doorbells per transfer. */
		EXPECT(poll_run->tp[i].kicks + poll_run->tp[i].irqs <=
			       (double)poll_run->tp[i].msgs / 64.0 + 4.0,
		       "%llu-byte transfer, polling: %.2f doorbells for %llu messages",
		       (unsigned long long)poll_run->tp[i].bytes,
		       poll_run->tp[i].kicks + poll_run->tp[i].irqs,
		       (unsigned long long)poll_run->tp[i].msgs);
	}
	EXPECT(sleep_run->tx_copies_in_core == 0, "the zero-copy path copied %llu messages",
	       (unsigned long long)sleep_run->tx_copies_in_core);
#undef EXPECT
	if (!bad)
		printf("bench-core check: copies and doorbells as expected\n");
	return bad;
}

static void measure(struct shm *shm, const struct config *cfg, const uint8_t *src, uint64_t poll_ns,
		    struct measurement *m)
{
	m->ref.memcpy_gbps = ref_memcpy(cfg->cpu[0], cfg->tp_scale > 1 ? 2 : 5);
	for (unsigned int i = 0; i < 3; i++)
		m->ref.pp[i] = ref_pingpong(shm, cfg, rtt_sizes[i], cfg->rtt_iters);
	for (unsigned int i = 0; i < 3; i++) {
		unsigned int reps = tp_reps[i] / cfg->tp_scale;

		m->ref.ideal_mbps[i] = ref_ideal_ring(shm, cfg, src, tp_sizes[i], reps ? reps : 1);
	}
	m->nruns = 0;
	if (cfg->run_sleep)
		run_core(shm, cfg, src, 0, &m->runs[m->nruns++]);
	if (cfg->run_poll)
		run_core(shm, cfg, src, poll_ns, &m->runs[m->nruns++]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, least and most of n values (n >= 1), in v sorted in place. */
static void print_spread(const char *label, double *v, unsigned int n, const char *unit)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("  %-34s median %7.2f%s  (%.2f .. %.2f)\n", label, v[n / 2], unit, v[0], v[n - 1]);
}

/*
 * The host's placement of the two CPUs moves from run to run (cross-core
 * latency changes with it), so the ratios are given as medians of whole
 * runs, each ratio taken within its own run.
 */
static void print_summary(struct measurement *m, unsigned int n)
{
	double v[MAX_REPEATS];
	char label[64], mode[64];

	printf("\nsummary of %u runs (each ratio within its run):\n", n);
	for (unsigned int r = 0; r < n; r++)
		v[r] = m[r].ref.memcpy_gbps;
	print_spread("memcpy reference, GB/s", v, n, "");
	for (unsigned int k = 0; k < m[0].nruns; k++) {
		printf("wait: %s\n", mode_name(m[0].runs[k].spin_ns, mode, sizeof(mode)));
		for (unsigned int i = 0; i < 3; i++) {
			for (unsigned int r = 0; r < n; r++)
				v[r] = m[r].runs[k].rtt[i].d.median / m[r].ref.pp[i].median;
			snprintf(label, sizeof(label), "round trip %u B, x ping-pong",
				 rtt_sizes[i]);
			print_spread(label, v, n, "");
		}
		for (unsigned int i = 0; i < 3; i++) {
			for (unsigned int r = 0; r < n; r++)
				v[r] = 100.0 * m[r].runs[k].tp[i].mbps /
				       (m[r].ref.memcpy_gbps * 1e3);
			snprintf(label, sizeof(label), "one-way %llu B, %% of memcpy",
				 (unsigned long long)tp_sizes[i]);
			print_spread(label, v, n, "%");
		}
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bench-core [OPTIONS]\n"
		"\n"
		"Benchmarks the rpmsg core alone: driver role and device role in two processes\n"
		"over shared memory, eventfds as doorbells, 512-byte buffers. Measures round\n"
		"trips (16, 64, 496 bytes) and one-way transfers (32 KiB, 1 MiB, 16 MiB of\n"
		"496-byte messages and a final ack), each with the doorbells and payload copies\n"
		"it cost, against two references run on the same CPUs: streaming memcpy and an\n"
		"eventfd + shared-memory ping-pong. Runs once with both sides sleeping on the\n"
		"doorbell when idle, once with a bounded busy poll first.\n"
		"\n"
		"Options:\n"
		"  -q, --queue-size N  vring entries per direction (power of two, default 16)\n"
		"  -c, --cpus A,B      CPUs for the driver and the device (default 0,1; -1: any)\n"
		"  -n, --iterations N  timed round trips per size (default 20000)\n"
		"  -p, --poll-us N     busy-poll window of the polling run (default 50)\n"
		"  -w, --wait MODE     sleep, poll or both runs (default both)\n"
		"  -r, --repeat N      whole measurements, references included (default 1,\n"
		"                      at most 20); with more than one, a summary of the\n"
		"                      ratios' medians follows (--json: one object per line)\n"
		"      --quick         fewer repetitions (a smoke run)\n"
		"      --check         quick run that asserts doorbell and copy counts (never\n"
		"                      times); exit status 1 when one is off\n"
		"  -j, --json          machine-readable output\n"
		"  -h, --help          show this help\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"queue-size", required_argument, NULL, 'q'},
		{"cpus", required_argument, NULL, 'c'},
		{"iterations", required_argument, NULL, 'n'},
		{"poll-us", required_argument, NULL, 'p'},
		{"quick", no_argument, NULL, 'Q'},
		{"wait", required_argument, NULL, 'w'},
		{"repeat", required_argument, NULL, 'r'},
		{"check", no_argument, NULL, 'C'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct config cfg = {.num = 16,
			     .cpu = {0, 1},
			     .rtt_iters = 20000,
			     .tp_scale = 1,
			     .run_sleep = true,
			     .run_poll = true,
			     .repeats = 1};
	unsigned long poll_us = 50;
	int c;

	while ((c = getopt_long(argc, argv, "q:c:n:p:w:r:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			cfg.num = (unsigned int)strtoul(optarg, NULL, 0);
			if (!cfg.num || cfg.num > RP_VQ_MAX_NUM || (cfg.num & (cfg.num - 1))) {
				fprintf(stderr,
					"bench-core: --queue-size: a power of two up to %u\n",
					RP_VQ_MAX_NUM);
				return 2;
			}
			break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &cfg.cpu[0], &cfg.cpu[1]) != 2) {
				fprintf(stderr, "bench-core: --cpus A,B\n");
				return 2;
			}
			break;
		case 'n':
			cfg.rtt_iters = (unsigned int)strtoul(optarg, NULL, 0);
			if (cfg.rtt_iters < 10) {
				fprintf(stderr, "bench-core: --iterations: at least 10\n");
				return 2;
			}
			break;
		case 'p':
			poll_us = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			cfg.run_sleep = !strcmp(optarg, "sleep") || !strcmp(optarg, "both");
			cfg.run_poll = !strcmp(optarg, "poll") || !strcmp(optarg, "both");
			if (!cfg.run_sleep && !cfg.run_poll) {
				fprintf(stderr, "bench-core: --wait sleep, poll or both\n");
				return 2;
			}
			break;
		case 'r':
			cfg.repeats = (unsigned int)strtoul(optarg, NULL, 0);
			if (cfg.repeats < 1 || cfg.repeats > MAX_REPEATS) {
				fprintf(stderr, "bench-core: --repeat: 1 to %u\n", MAX_REPEATS);
				return 2;
			}
			break;
		case 'Q':
			cfg.rtt_iters = 2000;
			cfg.tp_scale = 4;
			break;
		case 'C':
			cfg.check = true;
			cfg.rtt_iters = 500;
			cfg.tp_scale = 8;
			break;
		case 'j':
			cfg.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	struct shm *shm = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shm == MAP_FAILED)
		die("mmap", 0);
	memset(shm, 0, sizeof(*shm));
	region = (struct rp_mem_region){BUS_BASE, sizeof(*shm), (uint8_t *)shm};

	static struct run runs[2];
	uint8_t *src = malloc(SINK_SIZE);

	if (!src)
		die("malloc", 0);
	for (size_t i = 0; i < SINK_SIZE; i++)
		src[i] = (uint8_t)(i * 131u + 7u);
	if (cfg.check) {
		/* Counts only: a wide window so preemption cannot look like a lost batch. */
		cfg.cpu[0] = cfg.cpu[1] = -1;
		run_core(shm, &cfg, src, 0, &runs[0]);
		run_core(shm, &cfg, src, 20000000u, &runs[1]);
		return check(&cfg, &runs[0], &runs[1]);
	}

	static struct measurement m[MAX_REPEATS];

	for (unsigned int r = 0; r < cfg.repeats; r++) {
		measure(shm, &cfg, src, (uint64_t)poll_us * 1000u, &m[r]);
		if (cfg.json)
			print_json(&cfg, &m[r].ref, m[r].runs, m[r].nruns);
		else
			print_table(&cfg, &m[r].ref, m[r].runs, m[r].nruns);
		fflush(stdout);
	}
	if (cfg.repeats > 1 && !cfg.json)
		print_summary(m, cfg.repeats);
	return 0;
}
