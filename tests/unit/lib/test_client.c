/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The message layer's client (lib/client.c) over the library's tty
 * transport, on a pseudo-terminal: the library opens the slave as its
 * "/dev/ttyRPMSG0", and a fake firmware in a thread plays the hub on the
 * master, parsing with the shared frame parser, cutting its frames into
 * 496-byte "rpmsg messages" and charging one credit unit per piece. It
 * checks that the client never over-credits it. The test thread waits for
 * the fake firmware's progress on a condition variable (bounded), never by
 * sleeping.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <amplink/amplink.h>
#include <amplink/frame_stream.h>

#include "client_internal.h"

#define PIECE 496u /* what the firmware puts in one rpmsg message */
#define MAX_GOT 64
#define MAX_OUT 4096
#define WAIT_MS 20000

struct out {
	uint8_t *buf;
	size_t len, off;
	size_t charged; /* MSG: frame bytes covered by the units charged so far */
	bool msg;
};

struct fw {
	int master, slave_keep;
	char slave[64];
	pthread_t thread;
	int wake[2];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* configuration */
	uint32_t open_status; /* OK: answer OPENED; else ERROR with it */
	bool stale_first;     /* stale frames before the answer */
	bool malformed_first; /* short or corrupt control frames before the answer */
	uint32_t credit0, max_message;
	bool echo;		  /* echo every MSG back */
	bool grant_on_consume;	  /* give byte credit back as MSGs arrive */
	uint32_t grant_on_credit; /* once: bytes granted when the client's first CREDIT arrives */
	/* state */
	struct amp_stream st;
	uint8_t type;
	uint16_t flags;
	uint32_t seq;
	uint8_t *cur; /* the frame arriving (control) or the message so far (MSG) */
	uint32_t cur_len;
	uint32_t msg_len; /* MSG: bytes of earlier frames of the message */
	bool msg_bad;	  /* MSG: one of its frames failed its CRC */
	uint32_t aborts;  /* messages the client abandoned (ABORT) */
	uint8_t ctl[64];
	bool opened;
	uint32_t window, units; /* units: rpmsg messages we may still send */
	uint32_t opens, credit_frames, closes, close_status, errors;
	struct {
		uint8_t *data;
		uint32_t len;
		bool crc_ok;
	} got[MAX_GOT];
	unsigned int n_got;
	struct out outq[MAX_OUT];
	unsigned int out_head, out_tail; /* messages, in order */
	struct out ctlq[MAX_OUT];
	unsigned int ctl_head, ctl_tail;
	struct out *writing;
	bool hangup, quit, hung_up;
	bool paused; /* stop reading from the client */
	char failure[256];
};

static uint32_t crc_fn(uint32_t crc, const void *data, uint32_t len)
{
	return amp_crc32(crc, data, len);
}

static void fw_fail(struct fw *f, const char *what)
{
	if (!f->failure[0])
		snprintf(f->failure, sizeof(f->failure), "%s", what);
}

static struct out frame_flags(uint8_t type, uint16_t flags, uint32_t seq, const void *payload,
			      size_t len, bool bad_crc)
{
	struct out o = {.buf = malloc(AMP_FRAME_HDR_SIZE + len + 1),
			.len = AMP_FRAME_HDR_SIZE + len};

	amp_frame_encode_flags(o.buf, type, flags, seq, (uint32_t)len,
			       amp_crc32(0, payload, len) ^ (bad_crc ? 1u : 0u));
	if (len)
		memcpy(o.buf + AMP_FRAME_HDR_SIZE, payload, len);
	o.msg = type == AMP_FRAME_MSG;
	return o;
}

static struct out frame(uint8_t type, uint32_t seq, const void *payload, size_t len, bool bad_crc)
{
	return frame_flags(type, 0, seq, payload, len, bad_crc);
}

/* Queues a frame (lock held): MSG frames in order under credit, others first. */
static void queue(struct fw *f, struct out o)
{
	if (o.msg && !f->stale_first) {
		f->outq[f->out_tail++ % MAX_OUT] = o;
	} else {
		o.msg = false; /* stale MSG frames are not charged: the client skips them */
		f->ctlq[f->ctl_tail++ % MAX_OUT] = o;
	}
	if (write(f->wake[1], "", 1) < 0)
		fw_fail(f, "wake");
}

static void queue_u32(struct fw *f, uint8_t type, uint32_t seq, uint32_t a, uint32_t b, int n)
{
	uint8_t p[8];

	amp_put32(p, a);
	amp_put32(p + 4, b);
	queue(f, frame(type, seq, p, 4u * (unsigned int)n, false));
}

/* A whole frame arrived from the client (lock held). */
static void on_frame(struct fw *f, bool crc_ok)
{
	switch (f->type) {
	case AMP_FRAME_OPEN: {
		f->opens++;
		f->window = amp_get32(f->ctl);
		if (f->stale_first) {
			queue_u32(f, AMP_FRAME_OPENED, f->seq + 1, 1u << 20, 1u << 20, 2);
			queue(f, frame(AMP_FRAME_MSG, 1, "stale", 5, false));
			queue_u32(f, AMP_FRAME_ERROR, f->seq - 1, AMP_STATUS_BUSY, 0, 2);
			queue_u32(f, AMP_FRAME_CLOSE, 0, AMP_STATUS_CLOSED, 0, 1);
			f->stale_first = false;
		}
		if (f->malformed_first) {
			uint8_t p[AMP_OPENED_SIZE] = {0};
			struct out bad = frame(AMP_FRAME_OPENED, f->seq, p, sizeof(p), true);

			queue_u32(f, AMP_FRAME_OPENED, f->seq, 0, 0, 1); /* too short */
			queue(f, frame(AMP_FRAME_ERROR, f->seq, p, 2, false));
			bad.msg = false;
			queue(f, bad); /* its CRC fails */
			f->malformed_first = false;
		}
		if (f->open_status != AMP_STATUS_OK) {
			queue_u32(f, AMP_FRAME_ERROR, f->seq, f->open_status, 0, 2);
			break;
		}
		uint8_t p[AMP_OPENED_SIZE];
		struct amp_opened o = {f->credit0, f->max_message, 7};

		amp_opened_encode(p, &o);
		f->units = f->window;
		f->opened = true;
		queue(f, frame(AMP_FRAME_OPENED, f->seq, p, sizeof(p), false));
		break;
	}
	case AMP_FRAME_MSG:
		if (f->flags & AMP_FRAME_F_ABORT) {
			f->aborts++;
			f->msg_len = 0;
			f->msg_bad = false;
			break;
		}
		f->msg_len += f->cur_len;
		f->msg_bad |= !crc_ok;
		if (f->flags & AMP_FRAME_F_MORE)
			break; /* a message in several frames: more to come */
		if (f->n_got == MAX_GOT) {
			fw_fail(f, "too many messages");
			break;
		}
		f->cur_len = f->msg_len;
		crc_ok = !f->msg_bad;
		f->msg_len = 0;
		f->msg_bad = false;
		f->got[f->n_got].data = f->cur;
		f->got[f->n_got].len = f->cur_len;
		f->got[f->n_got++].crc_ok = crc_ok;
		f->cur = NULL;
		if (f->echo)
			queue(f, frame(AMP_FRAME_MSG, f->seq, f->got[f->n_got - 1].data, f->cur_len,
				       false));
		if (f->grant_on_consume)
			queue_u32(f, AMP_FRAME_CREDIT, 0, f->cur_len, 0, 1);
		break;
	case AMP_FRAME_CREDIT:
		f->credit_frames++;
		f->units += amp_get32(f->ctl);
		if (f->units > f->window)
			fw_fail(f, "the client gave back more credit than it was charged");
		if (f->grant_on_credit) {
			queue_u32(f, AMP_FRAME_CREDIT, 0, f->grant_on_credit, 0, 1);
			f->grant_on_credit = 0;
		}
		break;
	case AMP_FRAME_CLOSE:
		f->closes++;
		f->close_status = amp_get32(f->ctl);
		break;
	default:
		f->errors++;
		fw_fail(f, "unexpected frame type");
	}
	pthread_cond_broadcast(&f->cond);
}

static void feed(struct fw *f, const uint8_t *data, size_t len)
{
	struct amp_stream_event ev;

	for (;;) {
		size_t used = amp_stream_feed(&f->st, data, len, &ev);

		data += used;
		len -= used;
		switch (ev.type) {
		case AMP_STREAM_NONE:
			return;
		case AMP_STREAM_HEADER:
			f->type = ev.hdr.type;
			f->flags = ev.hdr.flags;
			f->seq = ev.hdr.seq;
			f->cur_len = ev.hdr.len;
			memset(f->ctl, 0, sizeof(f->ctl));
			if (f->type != AMP_FRAME_MSG || f->msg_len == 0) {
				free(f->cur);
				f->cur = NULL;
			}
			/* a MSG frame continues the message: its bytes go after the others */
			f->cur = realloc(f->cur, (f->type == AMP_FRAME_MSG ? f->msg_len : 0) +
							 ev.hdr.len + 1);
			break;
		case AMP_STREAM_PAYLOAD:
			memcpy(f->cur + (f->type == AMP_FRAME_MSG ? f->msg_len : 0) + ev.offset,
			       ev.data, ev.len);
			if (ev.offset < sizeof(f->ctl))
				memcpy(f->ctl + ev.offset, ev.data,
				       ev.len < sizeof(f->ctl) - ev.offset
					       ? ev.len
					       : sizeof(f->ctl) - ev.offset);
			break;
		case AMP_STREAM_END:
			on_frame(f, ev.crc_ok);
			break;
		case AMP_STREAM_GARBAGE:
			fw_fail(f, "garbage from the client");
			break;
		}
	}
}

/* The next frame to write, or NULL (lock held). */
static struct out *next_out(struct fw *f)
{
	if (f->writing)
		return f->writing;
	if (f->ctl_head != f->ctl_tail)
		return f->writing = &f->ctlq[f->ctl_head % MAX_OUT];
	if (f->out_head != f->out_tail)
		return f->writing = &f->outq[f->out_head % MAX_OUT];
	return NULL;
}

/* Writes what credit allows of the current frame (lock held); false if blocked on credit. */
static bool write_some(struct fw *f)
{
	struct out *o = next_out(f);

	if (!o)
		return false;
	if (o->msg && o->off == o->charged) {
		if (f->units == 0)
			return false;
		f->units--; /* one rpmsg message: the next piece */
		o->charged += PIECE;
	}
	size_t end = o->msg ? o->charged : o->off + PIECE;

	if (end > o->len)
		end = o->len;
	ssize_t w = write(f->master, o->buf + o->off, end - o->off);

	if (w < 0 && errno != EAGAIN)
		fw_fail(f, "write to the client");
	if (w > 0)
		o->off += (size_t)w;
	if (o->off == o->len) {
		free(o->buf);
		if (o == &f->ctlq[f->ctl_head % MAX_OUT])
			f->ctl_head++;
		else
			f->out_head++;
		f->writing = NULL;
	}
	return true;
}

static void *fw_main(void *arg)
{
	struct fw *f = arg;
	static uint8_t buf[65536];

	pthread_mutex_lock(&f->lock);
	while (!f->quit) {
		if (f->hangup && !f->hung_up) {
			close(f->master);
			f->hung_up = true;
		}
		struct out *o = f->hung_up ? NULL : next_out(f);
		bool can_write = o && (!o->msg || o->off < o->charged || f->units > 0);
		struct pollfd p[2] = {
			{f->wake[0], POLLIN, 0},
			{f->hung_up ? -1 : f->master,
			 (short)((f->paused ? 0 : POLLIN) | (can_write ? POLLOUT : 0)), 0}};

		pthread_mutex_unlock(&f->lock);
		poll(p, 2, -1);
		pthread_mutex_lock(&f->lock);
		if (p[0].revents & POLLIN)
			while (read(f->wake[0], buf, sizeof(buf)) > 0)
				;
		if (f->hung_up)
			continue;
		if (p[1].revents & POLLIN) {
			ssize_t n = read(f->master, buf, sizeof(buf));

			if (n > 0)
				feed(f, buf, (size_t)n);
		}
		if (p[1].revents & POLLOUT)
			write_some(f);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static struct fw *fw;

static void fw_start(uint32_t open_status)
{
	fw = calloc(1, sizeof(*fw));
	assert_non_null(fw);
	fw->open_status = open_status;
	fw->credit0 = 2u << 20;
	fw->max_message = 2u << 20;
	fw->grant_on_consume = true;
	amp_stream_init(&fw->st, crc_fn);
	fw->master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(fw->master >= 0);
	assert_int_equal(grantpt(fw->master), 0);
	assert_int_equal(unlockpt(fw->master), 0);
	snprintf(fw->slave, sizeof(fw->slave), "%s", ptsname(fw->master));
	/* Kept open so the master never sees a hangup between two opens of the slave. */
	fw->slave_keep = open(fw->slave, O_RDWR | O_NOCTTY);
	assert_true(fw->slave_keep >= 0);
	fcntl(fw->master, F_SETFL, O_NONBLOCK);
	assert_int_equal(pipe2(fw->wake, O_NONBLOCK | O_CLOEXEC), 0);
	pthread_mutex_init(&fw->lock, NULL);
	pthread_cond_init(&fw->cond, NULL);
}

static void fw_run(void)
{
	assert_int_equal(pthread_create(&fw->thread, NULL, fw_main, fw), 0);
}

static void fw_stop(void)
{
	pthread_mutex_lock(&fw->lock);
	fw->quit = true;
	pthread_mutex_unlock(&fw->lock);
	assert_int_equal(write(fw->wake[1], "", 1), 1);
	pthread_join(fw->thread, NULL);
	char failure[256];

	snprintf(failure, sizeof(failure), "%s", fw->failure);
	if (!fw->hung_up)
		close(fw->master);
	close(fw->slave_keep);
	close(fw->wake[0]);
	close(fw->wake[1]);
	for (unsigned int i = 0; i < fw->n_got; i++)
		free(fw->got[i].data);
	while (fw->ctl_head != fw->ctl_tail)
		free(fw->ctlq[fw->ctl_head++ % MAX_OUT].buf);
	while (fw->out_head != fw->out_tail)
		free(fw->outq[fw->out_head++ % MAX_OUT].buf);
	free(fw->cur);
	free(fw);
	fw = NULL;
	if (failure[0])
		fail_msg("fake firmware: %s", failure);
}

/* Waits (bounded) until the fake firmware has received n messages. */
static void fw_wait_got(unsigned int n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&fw->lock);
	while (fw->n_got < n && !fw->failure[0])
		if (pthread_cond_timedwait(&fw->cond, &fw->lock, &until) != 0)
			break;
	unsigned int got = fw->n_got;

	pthread_mutex_unlock(&fw->lock);
	assert_int_equal(got, n);
}

static void fw_wait_closes(uint32_t n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&fw->lock);
	while (fw->closes < n)
		if (pthread_cond_timedwait(&fw->cond, &fw->lock, &until) != 0)
			break;
	uint32_t closes = fw->closes;

	pthread_mutex_unlock(&fw->lock);
	assert_int_equal(closes, n);
}

static void fw_send(const void *data, size_t len, bool bad_crc)
{
	pthread_mutex_lock(&fw->lock);
	queue(fw, frame(AMP_FRAME_MSG, 1, data, len, bad_crc));
	pthread_mutex_unlock(&fw->lock);
}

/* A message cut as the firmware cuts it: frames of 476 bytes, all but the last with MORE. */
static void fw_send_cut(uint32_t seq, const uint8_t *data, size_t len, bool abort_at_end)
{
	size_t off = 0;

	pthread_mutex_lock(&fw->lock);
	do {
		size_t n = len - off < AMP_MSG_FRAG_MAX ? len - off : AMP_MSG_FRAG_MAX;
		uint16_t more = off + n < len || abort_at_end ? AMP_FRAME_F_MORE : 0;

		queue(fw, frame_flags(AMP_FRAME_MSG, more, seq, data + off, n, false));
		off += n;
	} while (off < len);
	if (abort_at_end)
		queue(fw, frame_flags(AMP_FRAME_MSG, AMP_FRAME_F_ABORT, seq, NULL, 0, false));
	pthread_mutex_unlock(&fw->lock);
}

/* CLOSE after whatever MSG frames were queued before it, as the firmware sends them. */
static void fw_send_close(void)
{
	uint8_t status[4];

	amp_put32(status, AMP_STATUS_CLOSED);
	pthread_mutex_lock(&fw->lock);
	struct out o = frame(AMP_FRAME_CLOSE, 0, status, sizeof(status), false);

	fw->outq[fw->out_tail++ % MAX_OUT] = o;
	assert_int_equal(write(fw->wake[1], "", 1), 1);
	pthread_mutex_unlock(&fw->lock);
}

/* ERROR {status, detail} for the last frame's seq, in order with the MSGs queued before it. */
static void fw_send_error(uint32_t status, uint32_t detail)
{
	uint8_t p[AMP_ERROR_SIZE];

	amp_put32(p, status);
	amp_put32(p + 4, detail);
	pthread_mutex_lock(&fw->lock);
	struct out o = frame(AMP_FRAME_ERROR, fw->seq, p, sizeof(p), false);

	fw->outq[fw->out_tail++ % MAX_OUT] = o;
	assert_int_equal(write(fw->wake[1], "", 1), 1);
	pthread_mutex_unlock(&fw->lock);
}

static void fw_pause(bool paused)
{
	pthread_mutex_lock(&fw->lock);
	fw->paused = paused;
	assert_int_equal(write(fw->wake[1], "", 1), 1);
	pthread_mutex_unlock(&fw->lock);
}

static struct amp_client *open_client(uint32_t window)
{
	struct amp_client_options o = {
		.transport = AMP_TRANSPORT_TTY,
		.device = fw->slave,
		.timeout_ms = WAIT_MS,
		.window = window,
	};

	return amp_client_open("echo", &o);
}

/* The fake firmware started, answering OPEN, and a client of it open. */
static struct amp_client *start_with_client(uint32_t window)
{
	fw_start(AMP_STATUS_OK);
	fw_run();
	struct amp_client *c = open_client(window);

	assert_non_null(c);
	return c;
}

static uint8_t *pattern(size_t len, unsigned int salt)
{
	uint8_t *p = malloc(len + 1);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7u + salt + (i >> 9));
	return p;
}

static void test_open_ok(void **state)
{
	(void)state;
	struct amp_client *c = start_with_client(1000);
	assert_int_equal(amp_client_max_message(c), 2u << 20);
	assert_true(amp_client_fd(c) >= 0);
	assert_int_equal(fw->window, 64); /* clamped to what the tty holds */
	amp_client_close(c);
	fw_wait_closes(1);
	assert_int_equal(fw->close_status, AMP_STATUS_CLOSED);
	fw_stop();
}

static void open_fails(uint32_t status, int err)
{
	fw_start(status);
	fw_run();
	errno = 0;
	assert_null(open_client(0));
	assert_int_equal(errno, err);
	fw_stop();
}

static void test_open_errors(void **state)
{
	(void)state;
	open_fails(AMP_STATUS_NO_SERVICE, ENOENT);
	open_fails(AMP_STATUS_BUSY, EBUSY);
	open_fails(AMP_STATUS_REFUSED, ECONNREFUSED);
}

static void test_open_bad_arguments(void **state)
{
	struct amp_client_options o = {.transport = AMP_TRANSPORT_TTY, .device = "/nonexistent"};

	(void)state;
	errno = 0;
	assert_null(amp_client_open("", &o));
	assert_int_equal(errno, EINVAL);
	assert_null(amp_client_open("0123456789abcdef0123456789abcdef", &o)); /* 32 bytes */
	assert_int_equal(errno, EINVAL);
	assert_null(amp_client_open(NULL, &o));
	assert_int_equal(errno, EINVAL);
	assert_null(amp_client_open("echo", &o));
	assert_int_equal(errno, ENODEV);
}

static void test_stale_frames_skipped(void **state)
{
	uint8_t buf[16];

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw->stale_first = true;
	fw_run();
	struct amp_client *c = open_client(0);

	assert_non_null(c);
	/* The stale MSG and CLOSE were skipped: nothing to read, the connection works. */
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	fw_send("fresh", 5, false);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 5);
	assert_memory_equal(buf, "fresh", 5);
	amp_client_close(c);
	fw_stop();
}

/* Control frames too short for their type, or failing their CRC, are ignored. */
static void test_malformed_control_frames_ignored(void **state)
{
	uint8_t buf[16];

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw->malformed_first = true;
	fw->credit0 = 10;
	fw->grant_on_consume = false;
	fw_run();
	struct amp_client *c = open_client(0);

	assert_non_null(c);
	assert_int_equal(amp_client_max_message(c), 2u << 20);
	pthread_mutex_lock(&fw->lock);
	queue(fw, frame(AMP_FRAME_CREDIT, 0, "", 0, false));	     /* no payload */
	queue(fw, frame(AMP_FRAME_CREDIT, 0, "\xff\xff", 2, false)); /* short */
	queue(fw, frame(AMP_FRAME_CLOSE, 0, "\0\0\0\0", 4, true));   /* corrupt */
	pthread_mutex_unlock(&fw->lock);
	fw_send("alive", 5, false);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 5);
	/* Still 10 bytes of credit, still connected. */
	assert_int_equal(amp_client_send(c, "0123456789", 10, 0), 0);
	assert_int_equal(amp_client_send(c, "x", 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	amp_client_close(c);
	fw_stop();
}

static void test_sizes_both_ways(void **state)
{
	static const size_t sizes[] = {0, 1, 475, 476, 477, 495, 496, 497, 65536, 1u << 20};
	uint8_t *back = malloc((1u << 20) + 1);

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw->echo = true;
	fw_run();
	struct amp_client *c = open_client(0);

	assert_non_null(c);
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *msg = pattern(sizes[i], i);

		assert_int_equal(amp_client_send(c, msg, sizes[i], WAIT_MS), 0);
		fw_wait_got(i + 1);
		assert_int_equal(fw->got[i].len, sizes[i]);
		assert_true(fw->got[i].crc_ok);
		if (sizes[i])
			assert_memory_equal(fw->got[i].data, msg, sizes[i]);
		memset(back, 0xee, sizes[i] + 1);
		assert_int_equal(amp_client_recv(c, back, (1u << 20) + 1, WAIT_MS), sizes[i]);
		if (sizes[i])
			assert_memory_equal(back, msg, sizes[i]);
		assert_int_equal(back[sizes[i]], 0xee);
		free(msg);
	}
	amp_client_close(c);
	free(back);
	fw_stop();
}

static void test_send_waits_for_credit(void **state)
{
	uint8_t a[600], b[600], x[900], buf[1000];

	(void)state;
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(x, 'x', sizeof(x));
	fw_start(AMP_STATUS_OK);
	fw->credit0 = 1000;
	fw->grant_on_consume = false;
	fw->grant_on_credit = 600;
	fw_run();
	struct amp_client *c = open_client(2);

	assert_non_null(c);
	assert_int_equal(amp_client_send(c, a, sizeof(a), 0), 0);
	/* 400 bytes of credit left: without waiting, nothing goes. */
	assert_int_equal(amp_client_send(c, b, sizeof(b), 0), -1);
	assert_int_equal(errno, EAGAIN);
	/*
	 * Waiting, the first 400 bytes go as a frame with MORE; when no more
	 * credit comes in time, the message is abandoned (ABORT): not delivered.
	 */
	assert_int_equal(amp_client_send(c, b, sizeof(b), 50), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(amp_client_send(c, x, sizeof(x), 0), -1);
	assert_int_equal(errno, EAGAIN);
	/*
	 * The firmware grants 600 bytes only once the client returns rpmsg
	 * credit, which the client does only from inside the blocked send:
	 * the 900-byte message costs 2 of the window of 2.
	 */
	fw_send(x, sizeof(x), false);
	assert_int_equal(amp_client_send(c, b, sizeof(b), -1), 0);
	fw_wait_got(2);
	assert_memory_equal(fw->got[0].data, a, sizeof(a));
	assert_int_equal(fw->got[1].len, sizeof(b));
	assert_memory_equal(fw->got[1].data, b, sizeof(b));
	pthread_mutex_lock(&fw->lock);
	assert_int_equal(fw->aborts, 1);
	pthread_mutex_unlock(&fw->lock);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), sizeof(x));
	assert_memory_equal(buf, x, sizeof(x));
	amp_client_close(c);
	fw_stop();
}

/*
 * The transport stops taking bytes half-way through a message: the message
 * is committed (send returns 0), nothing else goes before its rest, and the
 * rest goes first on the next call.
 */
static void test_timeout_mid_message_keeps_the_rest(void **state)
{
	size_t big = 1u << 20;
	uint8_t *m = pattern(big, 5), *back = malloc(big);

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw->echo = true;
	fw_run();
	struct amp_client *c = open_client(0);

	assert_non_null(c);
	fw_pause(true); /* the pty's buffer (far less than 1 MiB) fills up */
	assert_int_equal(amp_client_send(c, m, big, 50), 0);
	assert_int_equal(amp_client_send(c, "next", 4, 0), -1);
	assert_int_equal(errno, EAGAIN); /* the rest of the first cannot go yet */
	fw_pause(false);
	/* recv finishes the rest while it waits: the echo can only come after. */
	assert_int_equal(amp_client_recv(c, back, big, WAIT_MS), big);
	assert_memory_equal(back, m, big);
	assert_int_equal(amp_client_send(c, "next", 4, WAIT_MS), 0);
	assert_int_equal(amp_client_recv(c, back, big, WAIT_MS), 4);
	assert_memory_equal(back, "next", 4);
	fw_wait_got(2);
	assert_int_equal(fw->got[0].len, big);
	assert_true(fw->got[0].crc_ok);
	assert_memory_equal(fw->got[0].data, m, big);
	assert_int_equal(fw->got[1].len, 4);
	amp_client_close(c);
	free(m);
	free(back);
	fw_stop();
}

/*
 * Messages in frames of 476 bytes, as the firmware cuts them, through a
 * window far smaller than one of them; one abandoned half-way (ABORT) is
 * never delivered and its credit comes back.
 */
static void test_messages_in_frames(void **state)
{
	enum { BIG = 100000 };
	uint8_t *big = pattern(BIG, 9), *half = pattern(5000, 3), *buf = malloc(BIG);

	(void)state;
	struct amp_client *c = start_with_client(8);
	fw_send_cut(1, big, BIG, false);
	fw_send_cut(2, half, 5000, true);
	fw_send_cut(3, (const uint8_t *)"", 0, false);
	fw_send_cut(4, half, 477, false);
	assert_int_equal(amp_client_recv(c, buf, BIG, WAIT_MS), BIG);
	assert_memory_equal(buf, big, BIG);
	assert_int_equal(amp_client_recv(c, buf, BIG, WAIT_MS), 0);
	assert_int_equal(amp_client_recv(c, buf, BIG, WAIT_MS), 477);
	assert_memory_equal(buf, half, 477);
	amp_client_close(c);
	free(big);
	free(half);
	free(buf);
	fw_stop();
}

static void test_credit_returned_by_recv(void **state)
{
	enum { N = 40, LEN = 1000 }; /* 3 rpmsg messages each, window 4 */
	uint8_t buf[LEN];

	(void)state;
	struct amp_client *c = start_with_client(4);
	assert_int_equal(fw->window, 4);
	for (unsigned int i = 0; i < N; i++) {
		uint8_t *m = pattern(LEN, i);

		fw_send(m, LEN, false);
		free(m);
	}
	for (unsigned int i = 0; i < N; i++) {
		uint8_t *m = pattern(LEN, i);

		assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), LEN);
		assert_memory_equal(buf, m, LEN);
		free(m);
	}
	pthread_mutex_lock(&fw->lock);
	assert_true(fw->credit_frames >= N * 3 / 2 / 2);
	pthread_mutex_unlock(&fw->lock);
	amp_client_close(c);
	fw_stop();
}

/* What amp_client_send_fill()'s writer saw: the pieces it was asked for, and a refusal. */
struct fill_log {
	const uint8_t *src;
	unsigned int calls;
	size_t next;	  /* the offset the next piece must start at */
	size_t refuse_at; /* refuse a piece that starts here; SIZE_MAX: never */
};

static int fill_from(void *ctx, size_t offset, void *buf, size_t len)
{
	struct fill_log *f = ctx;

	assert_int_equal(offset, f->next);
	f->calls++;
	if (offset == f->refuse_at)
		return -1;
	memcpy(buf, f->src + offset, len);
	f->next = offset + len;
	return 0;
}

static void test_send_fill_in_frames(void **state)
{
	uint8_t *m = pattern(100000, 9);
	struct fill_log f = {.src = m, .refuse_at = SIZE_MAX};

	(void)state;
	struct amp_client *c = start_with_client(0);
	/* without a pool: one piece, the whole message, sent as amp_client_send() sends */
	assert_int_equal(amp_client_send_fill(c, 100000, fill_from, &f, WAIT_MS), 0);
	fw_wait_got(1);
	assert_int_equal(f.calls, 1);
	assert_int_equal(fw->got[0].len, 100000);
	assert_true(fw->got[0].crc_ok);
	assert_memory_equal(fw->got[0].data, m, 100000);
	/* an empty message asks nothing of the writer */
	f = (struct fill_log){.src = m, .refuse_at = SIZE_MAX};
	assert_int_equal(amp_client_send_fill(c, 0, fill_from, &f, WAIT_MS), 0);
	fw_wait_got(2);
	assert_int_equal(f.calls, 0);
	assert_int_equal(fw->got[1].len, 0);
	/* a writer that refuses: nothing goes, and the next message does */
	f = (struct fill_log){.src = m, .refuse_at = 0};
	assert_int_equal(amp_client_send_fill(c, 10, fill_from, &f, WAIT_MS), -1);
	assert_int_equal(errno, ECANCELED);
	f = (struct fill_log){.src = m + 1, .refuse_at = SIZE_MAX};
	assert_int_equal(amp_client_send_fill(c, 10, fill_from, &f, WAIT_MS), 0);
	fw_wait_got(3);
	assert_memory_equal(fw->got[2].data, m + 1, 10);
	/* bad arguments */
	assert_int_equal(amp_client_send_fill(c, 10, NULL, &f, WAIT_MS), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(amp_client_send_fill(NULL, 10, fill_from, &f, WAIT_MS), -1);
	assert_int_equal(errno, EINVAL);
	amp_client_close(c);
	free(m);
	fw_stop();
}

/* What amp_client_recv_pieces() handed over: the bytes, in order, and how. */
struct pieces_got {
	uint8_t data[16384];
	size_t len;
	unsigned int pieces, out_of_order;
};

static void take_piece(void *ctx, size_t offset, const void *data, size_t len)
{
	struct pieces_got *g = ctx;

	g->out_of_order += offset != g->len;
	assert_true(offset + len <= sizeof(g->data));
	memcpy(g->data + offset, data, len);
	g->len = offset + len;
	g->pieces++;
}

/* Frames [from, to) of 476 bytes of data as the firmware cuts them, all with MORE but a last one.
 */
static void fw_send_frames(uint32_t seq, const uint8_t *data, unsigned int from, unsigned int to,
			   bool last)
{
	pthread_mutex_lock(&fw->lock);
	for (unsigned int i = from; i < to; i++)
		queue(fw,
		      frame_flags(AMP_FRAME_MSG, i + 1 == to && last ? 0 : AMP_FRAME_F_MORE, seq,
				  data + (size_t)i * AMP_MSG_FRAG_MAX, AMP_MSG_FRAG_MAX, false));
	pthread_mutex_unlock(&fw->lock);
}

/*
 * Calls amp_client_recv_pieces() that each give up after 100 ms until the
 * pieces of the message so far reach len bytes (a loaded machine may be
 * slow to bring them): each call must end half-way, ETIMEDOUT.
 */
static void take_until(struct amp_client *c, struct pieces_got *g, size_t len)
{
	for (unsigned int tries = 0; g->len < len && tries < 100; tries++) {
		assert_int_equal(amp_client_recv_pieces(c, take_piece, g, 100), -1);
		assert_int_equal(errno, ETIMEDOUT);
	}
	assert_int_equal(g->len, len);
}

static void test_recv_pieces(void **state)
{
	uint8_t *m = pattern(8 * AMP_MSG_FRAG_MAX, 5), buf[16];
	struct pieces_got g = {0};

	(void)state;
	struct amp_client *c = start_with_client(0);
	/* a whole message queued before the call: one piece */
	fw_send("hello", 5, false);
	assert_int_equal(amp_client_recv(c, buf, 0, WAIT_MS), -1); /* wait until it is queued */
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), 5);
	assert_int_equal(g.pieces, 1);
	assert_memory_equal(g.data, "hello", 5);

	/* a message in frames as they come, in order */
	g = (struct pieces_got){0};
	fw_send_cut(2, m, 2000, false);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), 2000);
	assert_int_equal(g.out_of_order, 0);
	assert_memory_equal(g.data, m, 2000);

	/* half of one before the call gives up: the next call goes on from there */
	g = (struct pieces_got){0};
	fw_send_frames(3, m, 0, 3, false);
	take_until(c, &g, 3 * AMP_MSG_FRAG_MAX);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(amp_client_pending_size(c), 0);
	fw_send_frames(3, m, 3, 8, true);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), 8 * AMP_MSG_FRAG_MAX);
	assert_int_equal(g.out_of_order, 0);
	assert_memory_equal(g.data, m, 8 * AMP_MSG_FRAG_MAX);

	/* one the firmware abandons half-way fails; the next is whole */
	g = (struct pieces_got){0};
	fw_send_frames(4, m, 0, 2, false);
	take_until(c, &g, 2 * AMP_MSG_FRAG_MAX);
	fw_send_cut(4, m + 10, 100, true);
	fw_send("next", 4, false);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), -1);
	assert_int_equal(errno, EBADMSG);
	g = (struct pieces_got){0};
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), 4);
	assert_memory_equal(g.data, "next", 4);

	/*
	 * Frames larger than a read: the transport hands a frame's first part
	 * with the end of the one before, which goes as a piece while the
	 * library keeps only the part arriving.
	 */
	g = (struct pieces_got){0};
	uint8_t *big = pattern(12000, 6);

	pthread_mutex_lock(&fw->lock);
	queue(fw, frame_flags(AMP_FRAME_MSG, AMP_FRAME_F_MORE, 6, big, 6000, false));
	queue(fw, frame_flags(AMP_FRAME_MSG, 0, 6, big + 6000, 6000, false));
	pthread_mutex_unlock(&fw->lock);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), 12000);
	assert_int_equal(g.out_of_order, 0);
	assert_memory_equal(g.data, big, 12000);
	free(big);

	/* an empty message has no pieces; bad arguments */
	g = (struct pieces_got){0};
	fw_send("", 0, false);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), 0);
	assert_int_equal(g.pieces, 0);
	assert_int_equal(amp_client_recv_pieces(c, NULL, &g, 0), -1);
	assert_int_equal(errno, EINVAL);
	amp_client_close(c);
	free(m);
	fw_stop();
}

/* The next message right behind one taken in pieces: both whole (review of 2026-12-01). */
static void test_recv_pieces_next_right_behind(void **state)
{
	uint8_t *m = pattern(30 * AMP_MSG_FRAG_MAX, 5), buf[16];
	static struct pieces_got g;

	(void)state;
	struct amp_client *c = start_with_client(0);
	/* half-way when the call gives up; then the rest and the next one */
	g = (struct pieces_got){0};
	fw_send_frames(3, m, 0, 3, false);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, 300), -1);
	fw_send_frames(3, m, 3, 8, true);
	fw_send("next", 4, false);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), 8 * AMP_MSG_FRAG_MAX);
	assert_memory_equal(g.data, m, 8 * AMP_MSG_FRAG_MAX);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 4);
	/* in one call, again and again: the last frame and the next message in one read */
	for (uint32_t i = 0; i < 20; i++) {
		g = (struct pieces_got){0};
		fw_send_frames(5 + 2 * i, m, 0, 30, true);
		pthread_mutex_lock(&fw->lock);
		queue(fw, frame(AMP_FRAME_MSG, 6 + 2 * i, "next", 4, false));
		pthread_mutex_unlock(&fw->lock);
		assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS),
				 30 * AMP_MSG_FRAG_MAX);
		assert_int_equal(g.out_of_order, 0);
		assert_memory_equal(g.data, m, 30 * AMP_MSG_FRAG_MAX);
		assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 4);
		assert_memory_equal(buf, "next", 4);
	}
	amp_client_close(c);
	free(m);
	fw_stop();
}

/* A frame failing its CRC half-way through a message taken in pieces: reported once. */
static void test_recv_pieces_bad_frame_once(void **state)
{
	uint8_t *m = pattern(8 * AMP_MSG_FRAG_MAX, 5), buf[16];
	struct pieces_got g = {0};

	(void)state;
	struct amp_client *c = start_with_client(0);
	pthread_mutex_lock(&fw->lock);
	queue(fw, frame_flags(AMP_FRAME_MSG, AMP_FRAME_F_MORE, 3, m, AMP_MSG_FRAG_MAX, false));
	queue(fw, frame_flags(AMP_FRAME_MSG, AMP_FRAME_F_MORE, 3, m + AMP_MSG_FRAG_MAX,
			      AMP_MSG_FRAG_MAX, true));
	pthread_mutex_unlock(&fw->lock);
	assert_int_equal(amp_client_recv_pieces(c, take_piece, &g, WAIT_MS), -1);
	assert_int_equal(errno, EBADMSG);
	/* the rest of it comes after the call said so: dropped, not reported again */
	fw_send_frames(3, m, 2, 8, true);
	fw_send("next", 4, false);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 4);
	assert_memory_equal(buf, "next", 4);
	amp_client_close(c);
	free(m);
	fw_stop();
}

/* A bench fetch that gave up half-way, whose rest then failed its CRC: the next fetch works. */
static void test_fetch_after_failed_owed_reply(void **state)
{
	uint8_t *m = pattern(8 * AMP_MSG_FRAG_MAX, 5), buf[8192];
	struct amp_transfer t;
	/* the first fetch must give up half-way; under load the others still have time */
	struct amp_client_options o = {.transport = AMP_TRANSPORT_TTY, .timeout_ms = 1000};

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw_run();
	o.device = fw->slave;
	struct amp_client *c = amp_client_open("echo", &o);

	assert_non_null(c);
	fw_send_frames(1, m, 0, 3, false);
	assert_int_equal(amp_client_fetch(c, "req", 3, buf, sizeof(buf), &t), -1);
	assert_int_equal(errno, ETIMEDOUT);
	pthread_mutex_lock(&fw->lock);
	queue(fw, frame_flags(AMP_FRAME_MSG, AMP_FRAME_F_MORE, 1, m + 3 * AMP_MSG_FRAG_MAX,
			      AMP_MSG_FRAG_MAX, true));
	fw->echo = true;
	pthread_mutex_unlock(&fw->lock);
	fw_send_frames(1, m, 4, 8, true);
	for (int i = 0; i < 3; i++) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(amp_client_fetch(c, "req", 3, buf, sizeof(buf), &t), 3);
		assert_memory_equal(buf, "req", 3);
	}
	amp_client_close(c);
	free(m);
	fw_stop();
}

static void test_emsgsize(void **state)
{
	uint8_t *m = pattern(1000, 3), buf[1000];

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw->max_message = 100;
	fw_run();
	struct amp_client *c = open_client(0);

	assert_non_null(c);
	assert_int_equal(amp_client_send(c, m, 101, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	fw_send(m, 1000, false);
	assert_int_equal(amp_client_recv(c, buf, 10, WAIT_MS), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(amp_client_pending_size(c), 1000);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), 0), 1000);
	assert_memory_equal(buf, m, 1000);
	assert_int_equal(amp_client_pending_size(c), 0);
	amp_client_close(c);
	free(m);
	fw_stop();
}

static void test_bad_crc(void **state)
{
	uint8_t buf[600];

	(void)state;
	struct amp_client *c = start_with_client(0);
	fw_send("corrupted by the wire, 600 bytes of it or so", 45, true);
	fw_send("fine", 4, false);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 4);
	assert_memory_equal(buf, "fine", 4);
	amp_client_close(c);
	fw_stop();
}

/* The message a send names by its index among those the fake firmware got. */
static void assert_got(unsigned int i, const char *text)
{
	pthread_mutex_lock(&fw->lock);
	assert_true(i < fw->n_got);
	assert_int_equal(fw->got[i].len, strlen(text));
	assert_memory_equal(fw->got[i].data, text, strlen(text));
	pthread_mutex_unlock(&fw->lock);
}

/*
 * The firmware reports messages of ours lost (ERROR BAD_CRC, BAD_SLOTS):
 * counted, and the next send fails with EIO once, sending nothing; other
 * ERRORs are not losses.
 */
static void test_lost_messages_reported(void **state)
{
	uint8_t buf[16];

	(void)state;
	struct amp_client *c = start_with_client(0);
	assert_int_equal(amp_client_lost(c), 0);
	assert_int_equal(amp_client_send(c, "one", 3, WAIT_MS), 0);
	fw_wait_got(1);
	fw_send_error(AMP_STATUS_BAD_CRC, 3);
	fw_send("mark", 4, false); /* once it is read, so is the ERROR before it */
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 4);
	assert_int_equal(amp_client_lost(c), 1);
	assert_int_equal(amp_client_send(c, "two", 3, WAIT_MS), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(amp_client_send(c, "three", 5, WAIT_MS), 0);
	fw_wait_got(2);
	assert_got(1, "three"); /* "two" never went */

	/* two reports, and an ERROR that is no loss: one EIO, two more counted */
	fw_send_error(AMP_STATUS_BAD_SLOTS, 1);
	fw_send_error(AMP_STATUS_BUSY, 0);
	fw_send_error(AMP_STATUS_BAD_SLOTS, 2);
	fw_send("mark", 4, false);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 4);
	assert_int_equal(amp_client_lost(c), 3);
	assert_int_equal(amp_client_call(c, "four", 4, buf, sizeof(buf), WAIT_MS), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(amp_client_send(c, "five", 4, WAIT_MS), 0);
	fw_wait_got(3);
	assert_got(2, "five");
	assert_int_equal(amp_client_lost(c), 3);
	amp_client_close(c);
	assert_int_equal(amp_client_lost(NULL), 0);
	fw_stop();
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, timeout_ms) == 1;
}

static void test_close_from_firmware(void **state)
{
	uint8_t buf[16];

	(void)state;
	struct amp_client *c = start_with_client(0);
	fw_send("last", 4, false);
	fw_send_close();
	assert_true(readable(amp_client_fd(c), WAIT_MS));
	/* What arrived whole before the CLOSE is still delivered, then the reset. */
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), 4);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_true(readable(amp_client_fd(c), 0));
	assert_int_equal(amp_client_send(c, "x", 1, WAIT_MS), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	amp_client_close(c);
	fw_stop();
}

static void test_hangup(void **state)
{
	uint8_t buf[16];

	(void)state;
	struct amp_client *c = start_with_client(0);
	pthread_mutex_lock(&fw->lock);
	fw->hangup = true;
	assert_int_equal(write(fw->wake[1], "", 1), 1);
	pthread_mutex_unlock(&fw->lock);
	/* The slave kept open by the test does not keep the master's side alive. */
	close(fw->slave_keep);
	fw->slave_keep = open("/dev/null", O_RDONLY);
	assert_true(readable(amp_client_fd(c), WAIT_MS));
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), -1);
	assert_true(errno == ENODEV || errno == ECONNRESET);
	int err = errno;

	assert_true(readable(amp_client_fd(c), 0));
	assert_int_equal(amp_client_send(c, "x", 1, 0), -1);
	assert_int_equal(errno, err);
	amp_client_close(c);
	fw_stop();
}

static void test_call(void **state)
{
	char reply[32];

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw->echo = true;
	fw_run();
	struct amp_client *c = open_client(0);

	assert_non_null(c);
	assert_int_equal(amp_client_call(c, "ping", 4, reply, sizeof(reply), WAIT_MS), 4);
	assert_memory_equal(reply, "ping", 4);
	assert_int_equal(amp_client_call(c, "", 0, reply, sizeof(reply), WAIT_MS), 0);
	amp_client_close(c);
	fw_stop();
}

/* The documented epoll pattern: wait on the fd, then recv(..., 0) until EAGAIN. */
static void test_epoll_loop(void **state)
{
	char buf[32];
	unsigned int n = 0;

	(void)state;
	fw_start(AMP_STATUS_OK);
	fw_run();
	struct amp_client *c = open_client(0);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};

	assert_non_null(c);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, amp_client_fd(c), &ev), 0);
	fw_send("one", 3, false);
	fw_send("two", 3, false);
	fw_send("three", 5, false);
	while (n < 3) {
		assert_int_equal(epoll_wait(ep, &ev, 1, WAIT_MS), 1);
		for (;;) {
			ssize_t len = amp_client_recv(c, buf, sizeof(buf), 0);

			if (len < 0) {
				assert_int_equal(errno, EAGAIN);
				break;
			}
			assert_memory_equal(buf, n == 0 ? "one" : n == 1 ? "two" : "three", len);
			n++;
		}
	}
	assert_false(readable(amp_client_fd(c), 0));
	close(ep);
	amp_client_close(c);
	fw_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_ok),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_bad_arguments),
		cmocka_unit_test(test_stale_frames_skipped),
		cmocka_unit_test(test_malformed_control_frames_ignored),
		cmocka_unit_test(test_sizes_both_ways),
		cmocka_unit_test(test_send_waits_for_credit),
		cmocka_unit_test(test_timeout_mid_message_keeps_the_rest),
		cmocka_unit_test(test_credit_returned_by_recv),
		cmocka_unit_test(test_messages_in_frames),
		cmocka_unit_test(test_send_fill_in_frames),
		cmocka_unit_test(test_recv_pieces),
		cmocka_unit_test(test_recv_pieces_next_right_behind),
		cmocka_unit_test(test_recv_pieces_bad_frame_once),
		cmocka_unit_test(test_fetch_after_failed_owed_reply),
		cmocka_unit_test(test_emsgsize),
		cmocka_unit_test(test_bad_crc),
		cmocka_unit_test(test_lost_messages_reported),
		cmocka_unit_test(test_close_from_firmware),
		cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_call),
		cmocka_unit_test(test_epoll_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
