/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink firmware as a host process: serves a virtio-rpmsg device over
 * vhost-user, so a Linux kernel (User-Mode Linux's virtio_uml) talks to the
 * same firmware code the Cortex-M4 runs. Kick eventfds stand in for the
 * IPCC doorbells, the frontend's shared memory for the M4's SRAM.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <firmware/firmware.h>
#include <rpmsg/rp_relax.h>
#include <rpmsg/rpmsg.h>

#include "log.h"
#include "test_services.h"
#include "vhost_user.h"

/*
 * Measured on the vboard: an rpmsg_char writer's 496-byte messages come
 * about 45 us apart but with long gaps now and then; a 32 KiB transfer
 * costs ~60 doorbells with no window, 5-10 with 100 us, 1-4 with 300 us.
 */
#ifndef DEFAULT_BUSY_POLL_US
#define DEFAULT_BUSY_POLL_US 300u
#endif

struct port {
	struct vu_backend vu;
	struct rp_device dev;
	struct firmware fw;
	bool started; /* firmware running over the current rings */
	bool failed;  /* the driver broke the protocol; serve nothing more */
	bool once;
	int ready_fd;
	uint32_t busy_poll_us; /* keep polling this long after the last message */
	bool test_services;    /* --test-services */
};

static void notify_driver(struct rp_link *link, unsigned int queue)
{
	struct port *p = link->priv;

	vu_backend_call(&p->vu, queue);
}

static const struct rp_ops port_rp_ops = {.notify = notify_driver};

static uint32_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void port_start(struct vu_backend *vu)
{
	struct port *p = vu->priv;
	struct rp_rings rings = {.num = (uint16_t)vu->vrings[0].num};
	uint64_t acked = vu->features_acked;
	int rc;

	if (vu->vrings[0].num != vu->vrings[1].num) {
		log_error("queues have different sizes (%u, %u); rpmsg needs them equal",
			  vu->vrings[0].num, vu->vrings[1].num);
		p->failed = true;
		return;
	}
	rings.event_idx = (acked >> RP_VIRTIO_RING_F_EVENT_IDX) & 1;
	for (unsigned int q = 0; q < VU_NUM_QUEUES; q++) {
		if (vu_backend_ring_pointers(vu, q, &rings.desc[q], &rings.avail[q],
					     &rings.used[q]) != 0) {
			p->failed = true;
			return;
		}
		/* resume where the frontend says */
		rings.resume[q] = (uint16_t)vu->vrings[q].base;
	}
	rc = rp_device_init(&p->dev, &rings, &vu->guest_mem, (acked >> RP_VIRTIO_RPMSG_F_NS) & 1,
			    &port_rp_ops, p);
	if (rc == RP_OK)
		rc = firmware_start(&p->fw, &p->dev, monotonic_ms);
	/*
	 * The module's pool is guest pages: reachable through the memory table
	 * the descriptors already go through, and nothing outside it.
	 */
	if (rc == RP_OK)
		rc = amp_node_bulk_init(&p->fw.node, &vu->guest_mem);
	if (rc == RP_OK && p->test_services && test_services_init(&p->fw.node) != AMP_OK)
		rc = RP_EINVAL;
	if (rc != RP_OK) {
		log_error("starting the firmware: %s", rp_strerror(rc));
		p->failed = true;
		return;
	}
	p->started = true;
	p->failed = false;
	log_info("firmware started (event index %s, name service %s)",
		 rings.event_idx ? "on" : "off", p->dev.link.ns_enabled ? "on" : "off");
}

static void port_stop(struct vu_backend *vu)
{
	struct port *p = vu->priv;

	if (p->started) {
		firmware_stop(&p->fw);
		log_info("firmware stopped (%u messages in, %u out)", p->dev.link.stats.rx_msgs,
			 p->dev.link.stats.tx_msgs);
	}
	p->started = false;
}

static uint16_t port_ring_position(struct vu_backend *vu, unsigned int index)
{
	struct port *p = vu->priv;

	if (!p->started)
		return vu->vrings[index].base;
	return index == RP_QUEUE_TO_DRIVER ? p->dev.link.to_driver.last_avail
					   : p->dev.link.to_device.last_avail;
}

static const struct vu_backend_ops port_vu_ops = {
	.start = port_start,
	.stop = port_stop,
	.ring_position = port_ring_position,
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Longest stretch spent polling before the control socket gets a look. */
#define BUSY_POLL_SLICE_NS 20000000u

static bool serve_poll(struct port *p)
{
	int rc = firmware_poll(&p->fw);

	if (rc < 0) {
		log_error("driver broke the virtio protocol (%s); device stopped until reset",
			  rp_strerror(rc));
		p->failed = true;
	}
	return rc > 0;
}

/*
 * Linux's virtio_rpmsg_bus kicks once per message unless we say we need
 * none, and a writer sends its next message within tens of microseconds of
 * the last. So rather than ask for a doorbell the moment the ring is empty,
 * keep looking for busy_poll_us after the last message with doorbells off,
 * as the M4 (a core of its own) can afford. Then doorbells go back on and
 * one ordinary pass (which re-checks the ring after arming them) decides:
 * sleep if it found nothing, otherwise keep polling. A message held for
 * want of transmit buffers does not count as progress, so it waits for its
 * doorbell instead of keeping the loop spinning.
 * Returns true when work is still waiting (a time slice ended).
 */
static bool busy_poll(struct port *p)
{
	uint64_t window = (uint64_t)p->busy_poll_us * 1000u;
	uint64_t start = monotonic_ns();
	uint64_t last = start;

	if (!window || !p->dev.link.link_up)
		return false;
	rp_set_polling(&p->dev.link, true);
	while (!p->failed) {
		uint64_t now = monotonic_ns();

		if (serve_poll(p)) {
			last = now;
		} else if (now - last >= window) {
			rp_set_polling(&p->dev.link, false);
			if (!serve_poll(p))
				return false;
			rp_set_polling(&p->dev.link, true);
			last = now;
		}
		if (now - start >= BUSY_POLL_SLICE_NS) {
			rp_set_polling(&p->dev.link, false);
			return !p->failed;
		}
		rp_cpu_relax();
	}
	rp_set_polling(&p->dev.link, false);
	return false;
}

/* Returns true when work is still waiting and the caller must not sleep. */
static bool serve_kicks(struct port *p)
{
	uint64_t kicked_to_driver = vu_backend_take_kick(&p->vu, RP_QUEUE_TO_DRIVER);
	uint64_t kicked_to_device = vu_backend_take_kick(&p->vu, RP_QUEUE_TO_DEVICE);

	if (!p->started || p->failed)
		return false;
	for (uint64_t i = 0; i < kicked_to_driver + kicked_to_device; i++)
		firmware_note_kick(&p->fw);
	/* The driver's first kick on its receive queue follows DRIVER_OK. */
	if (kicked_to_driver && !p->dev.link.link_up) {
		log_info("driver ready, announcing services");
		rp_link_up(&p->dev);
	}
	serve_poll(p);
	return !p->failed && busy_poll(p);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: amplink-fw-vhost-user --socket PATH [OPTIONS]\n"
		"\n"
		"Runs the amplink firmware as a vhost-user backend serving a virtio-rpmsg\n"
		"device (virtio id 7), e.g. for User-Mode Linux started with\n"
		"virtio_uml.device=PATH:7.\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH     unix socket to listen on (required)\n"
		"      --max-queue N     largest vring accepted (power of two, default %u)\n"
		"      --no-event-idx    do not offer VIRTIO_RING_F_EVENT_IDX\n"
		"      --busy-poll-us N  after the last message, keep polling N microseconds\n"
		"                        with doorbells off before sleeping (default %u; 0: off)\n"
		"      --test-services   also serve \"test-echo\" and \"test-probe\" (the "
		"vboard's\n"
		"                        end-to-end tests)\n"
		"      --once            exit when the frontend disconnects\n"
		"      --ready-fd FD     write \"ready\\n\" to FD once listening, then close it\n"
		"  -v, --verbose         more diagnostics (repeat for protocol traces)\n"
		"  -h, --help            show this help\n"
		"\n"
		"Channels: \"rpmsg-netlink\", \"rpmsg-tty\" and \"rpmsg-raw\" carry amplink\n"
		"frames (the firmware's services by name, and the diagnostics amplink bench\n"
		"uses); \"amplink-echo\" echoes raw rpmsg messages.\n"
		"Stops cleanly on SIGTERM or SIGINT.\n",
		RP_VQ_MAX_NUM, DEFAULT_BUSY_POLL_US);
}

struct options {
	const char *socket;
	unsigned int busy_poll_us;
	unsigned int max_queue;
	bool event_idx;
	bool once;
	bool test_services;
	int ready_fd;
};

static int parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 0xffffffffu)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_MAX_QUEUE = 256,
		OPT_NO_EVENT_IDX,
		OPT_ONCE,
		OPT_READY_FD,
		OPT_BUSY_POLL,
		OPT_TEST_SERVICES
	};
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"max-queue", required_argument, NULL, OPT_MAX_QUEUE},
		{"no-event-idx", no_argument, NULL, OPT_NO_EVENT_IDX},
		{"once", no_argument, NULL, OPT_ONCE},
		{"ready-fd", required_argument, NULL, OPT_READY_FD},
		{"busy-poll-us", required_argument, NULL, OPT_BUSY_POLL},
		{"test-services", no_argument, NULL, OPT_TEST_SERVICES},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned int fd;
	int c;

	*o = (struct options){.max_queue = RP_VQ_MAX_NUM,
			      .event_idx = true,
			      .ready_fd = -1,
			      .busy_poll_us = DEFAULT_BUSY_POLL_US};
	while ((c = getopt_long(argc, argv, "s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case OPT_MAX_QUEUE:
			if (parse_uint(optarg, &o->max_queue) || o->max_queue == 0 ||
			    o->max_queue > RP_VQ_MAX_NUM || (o->max_queue & (o->max_queue - 1))) {
				fprintf(stderr,
					"amplink-fw: --max-queue must be a power of two "
					"from 1 to %u\n",
					RP_VQ_MAX_NUM);
				return 2;
			}
			break;
		case OPT_NO_EVENT_IDX:
			o->event_idx = false;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_TEST_SERVICES:
			o->test_services = true;
			break;
		case OPT_READY_FD:
			if (parse_uint(optarg, &fd) || fd > 1024) {
				fprintf(stderr, "amplink-fw: --ready-fd needs a file descriptor\n");
				return 2;
			}
			o->ready_fd = (int)fd;
			break;
		case OPT_BUSY_POLL:
			if (parse_uint(optarg, &o->busy_poll_us) || o->busy_poll_us > 1000000) {
				fprintf(stderr, "amplink-fw: --busy-poll-us takes 0 to 1000000\n");
				return 2;
			}
			break;
		case 'v':
			log_verbosity++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !o->socket) {
		fprintf(stderr, "amplink-fw: %s\n",
			o->socket ? "unexpected arguments" : "--socket PATH is required");
		usage(stderr);
		return 2;
	}
	return 0;
}

static int open_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	sigdelset(&set, SIGPIPE);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void say_ready(int fd)
{
	static const char msg[] = "ready\n";

	if (fd < 0)
		return;
	if (write(fd, msg, sizeof(msg) - 1) < 0)
		log_error("--ready-fd %d: %s", fd, strerror(errno));
	close(fd);
}

/* How long poll() may sleep: until the next timer, or for ever. */
static int sleep_ms(const struct port *p, bool pending)
{
	uint32_t next;

	if (pending)
		return 0;
	if (!p->started || p->failed)
		return -1;
	next = firmware_next_timeout(&p->fw);
	return next > INT32_MAX ? -1 : (int)next;
}

/* Timers that came due while we slept. */
static bool serve_timers(struct port *p)
{
	if (!p->started || p->failed || firmware_next_timeout(&p->fw) != 0)
		return false;
	return serve_poll(p) || firmware_next_timeout(&p->fw) == 0;
}

/* Returns the exit status once a signal arrives or, with --once, the frontend leaves. */
static int serve(struct port *p, int sig_fd)
{
	bool pending = false;

	for (;;) {
		struct pollfd fds[4] = {
			{.fd = sig_fd, .events = POLLIN},
			{.fd = p->vu.conn_fd >= 0 ? p->vu.conn_fd : p->vu.listen_fd,
			 .events = POLLIN},
			{.fd = p->vu.vrings[0].kick_fd, .events = POLLIN},
			{.fd = p->vu.vrings[1].kick_fd, .events = POLLIN},
		};

		if (poll(fds, 4, sleep_ms(p, pending)) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return 1;
		}
		if (fds[0].revents) {
			log_info("signal received, shutting down");
			return 0;
		}
		if (fds[2].revents || fds[3].revents || pending)
			pending = serve_kicks(p);
		else
			pending = serve_timers(p);
		if (!fds[1].revents)
			continue;
		if (p->vu.conn_fd < 0) {
			if (vu_backend_accept(&p->vu) != 0)
				log_error("accepting a frontend: %s", strerror(errno));
		} else if (vu_backend_handle(&p->vu) != 0 && p->once) {
			return p->failed ? 1 : 0;
		}
	}
}

int main(int argc, char **argv)
{
	static struct port p;
	struct options o;
	int rc = parse_options(argc, argv, &o);
	uint64_t features = (1ull << RP_VIRTIO_RPMSG_F_NS) | (1ull << RP_VIRTIO_F_VERSION_1);

	if (rc)
		return rc;
	if (o.event_idx)
		features |= 1ull << RP_VIRTIO_RING_F_EVENT_IDX;
	int sig_fd = open_signalfd();

	if (sig_fd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return 1;
	}
	vu_backend_init(&p.vu, features, o.max_queue, &port_vu_ops, &p);
	if (vu_backend_listen(&p.vu, o.socket) != 0) {
		log_error("listening on %s: %s", o.socket, strerror(errno));
		return 1;
	}
	p.once = o.once;
	p.test_services = o.test_services;
	p.busy_poll_us = o.busy_poll_us;
	say_ready(o.ready_fd);
	rc = serve(&p, sig_fd);
	vu_backend_close(&p.vu);
	close(sig_fd);
	return rc;
}
