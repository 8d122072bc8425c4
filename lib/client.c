/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The message layer's client: a connection to a named firmware service,
 * whole messages both ways, credits both ways (docs/protocol.md,
 * "Messaging"). The transports only move bytes (transport.h); everything
 * they receive goes in place through the shared frame parser, and a
 * message's payload is reassembled straight into a buffer of its size.
 *
 * Credit the firmware gives us is in payload bytes: a message goes out only
 * when all of it is covered. Credit we give the firmware is in rpmsg
 * messages: the firmware cuts each frame into 496-byte rpmsg messages and
 * never puts two frames in one, so a MSG of n bytes took ceil((20 + n) /
 * 496) of them, on every transport. An rpmsg message is "freed" once all its
 * bytes left the transport's receive buffer and the application will not
 * make us hold them: those of the message being reassembled while nothing
 * is queued (the application is waiting for it), or those of a queued
 * message when the application reads it. Freed messages go back in one
 * CREDIT frame once they reach half the window, so the queue of unread
 * messages is bounded by the window.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <amplink/frame_stream.h>

#include "rpmsg_dev.h"
#include "transport.h"

/* Largest control payload we look at (OPENED is 12 bytes). */
#define CTL_MAX 16u
/* close() never blocks longer than this for its CLOSE frame. */
#define CLOSE_BOUND_MS 100
/* How often a wait retries what the transport refused (a frame's rest, a CREDIT). */
#define CREDIT_RETRY_MS 1
/* "Without bound", far enough not to overflow. */
#define FOREVER (INT64_MAX / 4)

enum client_state { OPENING, OPEN, DEAD };

struct rx_msg {
	struct rx_msg *next;
	uint8_t *data;
	uint32_t len;
	uint32_t units;	   /* rpmsg messages that carried it */
	uint32_t credited; /* of those, already counted in freed */
	int err;	   /* 0, or what recv reports instead: EBADMSG, EPROTO, ENOMEM */
};

struct amp_client {
	struct amp_channel ch;
	int epfd, evfd; /* amp_client_fd(): the transport's fd and evfd */
	bool signalled; /* evfd is readable */
	int timeout_ms;
	enum client_state state;
	int dead_errno;
	uint32_t open_seq;
	int open_errno; /* while OPENING: set when an ERROR refused our OPEN */
	uint32_t window;
	uint32_t tx_credit; /* payload bytes we may still send */
	uint32_t max_message;
	uint32_t conn_id;
	uint32_t tx_seq;
	/* receiving */
	struct amp_stream stream;
	uint8_t ctl[CTL_MAX]; /* the current control frame's first bytes */
	struct rx_msg *cur;   /* the MSG being reassembled, or NULL */
	uint32_t cur_got;
	struct rx_msg *head, *tail; /* whole messages not yet read */
	uint32_t freed;		    /* rpmsg messages freed, not yet given back */
	/* sending: a committed frame's unsent bytes */
	uint8_t *rest;
	size_t rest_len, rest_off;
};

static uint32_t crc_fn(uint32_t crc, const void *data, uint32_t len)
{
	return amp_crc32(crc, data, len);
}

/* rpmsg messages the firmware used for frame bytes [0, bytes) of a frame. */
static uint32_t units_of(uint64_t bytes, bool whole)
{
	return (uint32_t)(whole ? (bytes + AMP_RPMSG_MTU - 1) / AMP_RPMSG_MTU
				: bytes / AMP_RPMSG_MTU);
}

static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? FOREVER : amp_now_ms() + timeout_ms;
}

/* Makes the descriptor readable exactly while a message is queued or the remote is gone. */
static void sync_fd(struct amp_client *c)
{
	bool want = c->state == DEAD || c->head != NULL;
	uint64_t v = 1;

	if (want && !c->signalled)
		c->signalled = write(c->evfd, &v, sizeof(v)) == sizeof(v);
	else if (!want && c->signalled)
		c->signalled = read(c->evfd, &v, sizeof(v)) != sizeof(v);
}

static void go_dead(struct amp_client *c, int err)
{
	if (c->state == DEAD)
		return;
	c->state = DEAD;
	c->dead_errno = err;
	sync_fd(c);
}

/* The message being reassembled frees its rpmsg messages as they arrive, if it is next in line. */
static void credit_head_of_line(struct amp_client *c)
{
	struct rx_msg *m = c->cur;

	if (!m || c->head)
		return;
	uint32_t arrived = units_of((uint64_t)AMP_FRAME_HDR_SIZE + c->cur_got, false);

	if (arrived > m->credited) {
		c->freed += arrived - m->credited;
		m->credited = arrived;
	}
}

static void on_header(struct amp_client *c, const struct amp_frame_hdr *h)
{
	c->cur = NULL;
	c->cur_got = 0;
	memset(c->ctl, 0, sizeof(c->ctl));
	/* MSG frames before OPENED are stale: a previous owner's. */
	if (h->type != AMP_FRAME_MSG || c->state != OPEN)
		return;
	struct rx_msg *m = calloc(1, sizeof(*m));

	if (!m) {
		go_dead(c, ENOMEM);
		return;
	}
	m->len = h->len;
	m->units = units_of((uint64_t)AMP_FRAME_HDR_SIZE + h->len, true);
	if (h->len > AMP_MSG_MAX)
		m->err = EPROTO; /* broke the protocol: counted for credit, never allocated */
	else if (h->len > 0 && !(m->data = malloc(h->len)))
		m->err = ENOMEM;
	c->cur = m;
}

static void on_payload(struct amp_client *c, const struct amp_stream_event *ev)
{
	if (c->cur) {
		if (c->cur->data)
			memcpy(c->cur->data + ev->offset, ev->data, ev->len);
		c->cur_got += ev->len;
		credit_head_of_line(c);
	} else if (ev->offset < CTL_MAX) {
		uint32_t n = CTL_MAX - ev->offset < ev->len ? CTL_MAX - ev->offset : ev->len;

		memcpy(c->ctl + ev->offset, ev->data, n);
	}
}

static int status_errno(uint32_t status)
{
	switch (status) {
	case AMP_STATUS_NO_SERVICE:
		return ENOENT;
	case AMP_STATUS_BUSY:
		return EBUSY;
	case AMP_STATUS_REFUSED:
		return ECONNREFUSED;
	default:
		return EPROTO;
	}
}

static void on_control(struct amp_client *c, const struct amp_frame_hdr *h)
{
	switch (h->type) {
	case AMP_FRAME_OPENED:
		if (c->state == OPENING && h->seq == c->open_seq && h->len >= AMP_OPENED_SIZE) {
			struct amp_opened o;

			amp_opened_decode(c->ctl, &o);
			c->state = OPEN;
			c->tx_credit = o.credit;
			c->max_message = o.max_message < AMP_MSG_MAX ? o.max_message : AMP_MSG_MAX;
			c->conn_id = o.conn_id;
		}
		break;
	case AMP_FRAME_ERROR:
		if (h->len < AMP_ERROR_SIZE)
			break;
		if (c->state == OPENING && h->seq == c->open_seq && !c->open_errno)
			c->open_errno = status_errno(amp_get32(c->ctl));
		/* These end the connection on the firmware's side. */
		else if (c->state == OPEN && (amp_get32(c->ctl) == AMP_STATUS_NOT_OPEN ||
					      amp_get32(c->ctl) == AMP_STATUS_CREDIT ||
					      amp_get32(c->ctl) == AMP_STATUS_TOO_LARGE))
			go_dead(c, ECONNRESET);
		break;
	case AMP_FRAME_CREDIT:
		if (c->state == OPEN && h->len >= 4) {
			uint32_t more = amp_get32(c->ctl);

			c->tx_credit =
				more > UINT32_MAX - c->tx_credit ? UINT32_MAX : c->tx_credit + more;
		}
		break;
	case AMP_FRAME_CLOSE:
		if (c->state == OPEN)
			go_dead(c, ECONNRESET);
		break;
	default:
		break; /* diagnostics frames are not ours */
	}
}

static void on_end(struct amp_client *c, const struct amp_stream_event *ev)
{
	struct rx_msg *m = c->cur;

	if (!m) {
		if (ev->crc_ok)
			on_control(c, &ev->hdr);
		return;
	}
	c->cur = NULL;
	if (!ev->crc_ok && !m->err)
		m->err = EBADMSG;
	if (m->err) {
		free(m->data);
		m->data = NULL;
	}
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
}

/* The sink of every transport: bytes as they arrived, parsed in place. */
static void on_input(void *ctx, const uint8_t *data, size_t len)
{
	struct amp_client *c = ctx;
	struct amp_stream_event ev;

	for (;;) {
		size_t used = amp_stream_feed(&c->stream, data, len, &ev);

		data += used;
		len -= used;
		switch (ev.type) {
		case AMP_STREAM_NONE:
			return;
		case AMP_STREAM_HEADER:
			on_header(c, &ev.hdr);
			break;
		case AMP_STREAM_PAYLOAD:
			on_payload(c, &ev);
			break;
		case AMP_STREAM_END:
			on_end(c, &ev);
			break;
		case AMP_STREAM_GARBAGE:
			break;
		}
	}
}

/* A transport failure other than "not now" ends the connection. */
static int transport_failed(struct amp_client *c)
{
	go_dead(c, errno == EIO || errno == EPIPE ? ENODEV : errno);
	errno = c->dead_errno;
	return -1;
}

/* Writes the rest of a committed frame: 0 when done, -1 with EAGAIN or the failure. */
static int finish_rest(struct amp_client *c, int64_t deadline)
{
	while (c->rest) {
		struct iovec v = {c->rest + c->rest_off, c->rest_len - c->rest_off};
		ssize_t w = c->ch.ops->write_some(&c->ch, &v, 1, deadline, on_input, c);

		if (w < 0)
			return errno == EAGAIN ? -1 : transport_failed(c);
		c->rest_off += (size_t)w;
		if (c->rest_off == c->rest_len) {
			free(c->rest);
			c->rest = NULL;
		}
	}
	return 0;
}

/* Keeps iov's bytes from offset done on as the committed rest. */
static int keep_rest(struct amp_client *c, const struct iovec *iov, int iovcnt, size_t total,
		     size_t done)
{
	size_t at = 0, skip = done;

	c->rest = malloc(total - done);
	if (!c->rest)
		return -1;
	for (int i = 0; i < iovcnt; i++) {
		size_t n = iov[i].iov_len;

		if (skip >= n) {
			skip -= n;
			continue;
		}
		memcpy(c->rest + at, (const uint8_t *)iov[i].iov_base + skip, n - skip);
		at += n - skip;
		skip = 0;
	}
	c->rest_len = total - done;
	c->rest_off = 0;
	return 0;
}

/*
 * Writes one frame, never cut: 0 when it all went or the rest is kept for
 * later (finish_rest), -1 with EAGAIN when nothing went by deadline, or the
 * transport's failure.
 */
static int write_frame(struct amp_client *c, const struct iovec *iov, int iovcnt, int64_t deadline)
{
	size_t total = 0, done = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	while (done < total) {
		struct iovec v[4];
		int n = 0;
		size_t skip = done;

		for (int i = 0; i < iovcnt && n < 4; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			v[n].iov_base = (uint8_t *)iov[i].iov_base + skip;
			v[n++].iov_len = iov[i].iov_len - skip;
			skip = 0;
		}
		ssize_t w = c->ch.ops->write_some(&c->ch, v, n, deadline, on_input, c);

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (errno != EAGAIN)
			return transport_failed(c);
		if (done == 0)
			return -1;
		if (keep_rest(c, iov, iovcnt, total, done) == 0)
			return 0;
		deadline = amp_now_ms() + c->timeout_ms; /* no memory to keep it: finish now */
	}
	return 0;
}

/* Sends a frame whose payload is a few u32 (CREDIT, CLOSE, OPEN's fixed part) and more bytes. */
static int write_control(struct amp_client *c, uint8_t type, uint32_t seq, const uint8_t *payload,
			 size_t len, int64_t deadline)
{
	uint8_t hdr[AMP_FRAME_HDR_SIZE];
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)payload, len}};

	amp_frame_encode(hdr, type, seq, (uint32_t)len, amp_crc32(0, payload, len));
	return write_frame(c, iov, 2, deadline);
}

static bool credit_owed(const struct amp_client *c)
{
	uint32_t half = c->window / 2 ? c->window / 2 : 1;

	return c->state == OPEN && c->freed >= half;
}

/* Gives freed rpmsg messages back, if enough and if no frame is half-way out. */
static void flush_credit(struct amp_client *c, int64_t deadline)
{
	uint8_t more[4];

	if (!credit_owed(c) || c->rest)
		return;
	amp_put32(more, c->freed);
	if (write_control(c, AMP_FRAME_CREDIT, 0, more, sizeof(more), deadline) == 0)
		c->freed = 0;
}

/*
 * Waits until deadline for input and takes all of it: 0 once something was
 * read, -1 with ETIMEDOUT, or the connection's end. Owed credit that the
 * transport refused is retried meanwhile.
 */
static int pump(struct amp_client *c, int64_t deadline)
{
	for (;;) {
		int64_t until = deadline;

		/* What must go out first: the rest of a frame, then owed credit. */
		if (c->rest && c->state != DEAD)
			(void)finish_rest(c, amp_now_ms());
		flush_credit(c, amp_now_ms());
		if (c->state != DEAD && (c->rest || credit_owed(c)) &&
		    until > amp_now_ms() + CREDIT_RETRY_MS)
			until = amp_now_ms() + CREDIT_RETRY_MS;
		int rc = c->ch.ops->input(&c->ch, until, on_input, c);

		if (rc != 0 && errno != ETIMEDOUT) {
			int err = errno;

			/* What arrived whole before it went away stays readable. */
			go_dead(c, err == EIO || err == EPIPE ? ENODEV : err);
			errno = c->dead_errno;
			return -1;
		}
		flush_credit(c, amp_now_ms());
		sync_fd(c);
		if (rc == 0)
			return 0;
		if (until == deadline || amp_ms_left(deadline) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

static int not_now(bool nowait)
{
	errno = nowait ? EAGAIN : ETIMEDOUT;
	return -1;
}

static int send_until(struct amp_client *c, const void *data, size_t len, int64_t deadline,
		      bool nowait)
{
	if (c->state == DEAD) {
		errno = c->dead_errno;
		return -1;
	}
	if (len > c->max_message) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->rest && finish_rest(c, deadline) != 0)
		return errno == EAGAIN ? not_now(nowait) : -1;
	flush_credit(c, deadline);
	while (c->tx_credit < len) {
		if (pump(c, deadline) != 0)
			return errno == ETIMEDOUT ? not_now(nowait) : -1;
		if (c->state == DEAD) {
			errno = c->dead_errno;
			return -1;
		}
	}
	uint8_t hdr[AMP_FRAME_HDR_SIZE];
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)data, len}};

	amp_frame_encode(hdr, AMP_FRAME_MSG, c->tx_seq + 1, (uint32_t)len, amp_crc32(0, data, len));
	if (write_frame(c, iov, len ? 2 : 1, deadline) != 0)
		return errno == EAGAIN ? not_now(nowait) : -1;
	c->tx_seq++;
	c->tx_credit -= (uint32_t)len;
	flush_credit(c, deadline);
	return 0;
}

static void pop(struct amp_client *c)
{
	struct rx_msg *m = c->head;

	c->head = m->next;
	if (!c->head)
		c->tail = NULL;
	c->freed += m->units - m->credited;
	free(m->data);
	free(m);
	credit_head_of_line(c);
	flush_credit(c, amp_now_ms());
	sync_fd(c);
}

static ssize_t recv_until(struct amp_client *c, void *buf, size_t cap, int64_t deadline,
			  bool nowait)
{
	/*
	 * A committed frame's rest goes first if the transport takes it now;
	 * otherwise the waits below keep trying (pump), while receiving.
	 */
	if (c->rest && c->state != DEAD)
		(void)finish_rest(c, amp_now_ms());
	for (;;) {
		struct rx_msg *m = c->head;

		if (m) {
			size_t len = m->len;

			if (m->err) {
				int err = m->err;

				pop(c);
				errno = err;
				return -1;
			}
			if (len > cap) {
				errno = EMSGSIZE;
				return -1;
			}
			if (len)
				memcpy(buf, m->data, len);
			pop(c);
			return (ssize_t)len;
		}
		if (c->state == DEAD) {
			errno = c->dead_errno;
			return -1;
		}
		if (pump(c, deadline) != 0 && c->state != DEAD)
			return not_now(nowait);
	}
}

static uint32_t open_seq(void)
{
	uint32_t seq = 0;

	/* Unpredictable, so that a stale OPENED for a previous owner never matches. */
	if (getrandom(&seq, sizeof(seq), GRND_NONBLOCK) != sizeof(seq)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		seq = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16;
	}
	return seq ? seq : 1;
}

static void free_client(struct amp_client *c)
{
	while (c->head) {
		struct rx_msg *m = c->head;

		c->head = m->next;
		free(m->data);
		free(m);
	}
	if (c->cur) {
		free(c->cur->data);
		free(c->cur);
	}
	free(c->rest);
	if (c->ch.ops)
		amp_channel_fini(&c->ch);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->evfd >= 0)
		close(c->evfd);
	free(c);
}

static int setup_fd(struct amp_client *c)
{
	struct epoll_event ev = {.events = EPOLLIN};

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->epfd < 0 || c->evfd < 0)
		return -1;
	ev.data.fd = c->ch.fd;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->ch.fd, &ev) != 0)
		return -1;
	ev.data.fd = c->evfd;
	return epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->evfd, &ev);
}

static int connect_service(struct amp_client *c, const char *service, size_t name_len)
{
	int64_t deadline = amp_now_ms() + c->timeout_ms;
	uint8_t open[AMP_OPEN_FIXED_SIZE + AMP_SERVICE_NAME_MAX];
	struct amp_open o = {.window = c->window, .flags = 0};

	amp_open_encode(open, &o);
	memcpy(open + AMP_OPEN_FIXED_SIZE, service, name_len);
	c->open_seq = open_seq();
	if (write_control(c, AMP_FRAME_OPEN, c->open_seq, open, AMP_OPEN_FIXED_SIZE + name_len,
			  deadline) != 0)
		return errno == EAGAIN ? not_now(false) : -1;
	while (c->state == OPENING && !c->open_errno) {
		if (c->rest && finish_rest(c, deadline) != 0 && errno != EAGAIN)
			return -1;
		if (pump(c, deadline) != 0)
			return -1;
	}
	if (c->open_errno) {
		errno = c->open_errno;
		return -1;
	}
	if (c->state == DEAD) {
		errno = c->dead_errno;
		return -1;
	}
	return 0;
}

struct amp_client *amp_client_open(const char *service, const struct amp_client_options *opts)
{
	struct amp_client_options o = {0};
	size_t name_len = service ? strlen(service) : 0;
	struct amp_client *c;

	if (opts)
		o = *opts;
	if (name_len == 0 || name_len > AMP_SERVICE_NAME_MAX ||
	    (unsigned int)o.transport >= AMP_TRANSPORT_COUNT || o.timeout_ms < 0) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->epfd = c->evfd = -1;
	if (amp_channel_init(&c->ch, o.transport, o.device, o.timeout_ms) != 0) {
		int err = errno == ENOENT ? ENODEV : errno; /* ENOENT means no service */

		c->ch.ops = NULL;
		free_client(c);
		errno = err;
		return NULL;
	}
	c->timeout_ms = c->ch.timeout_ms;
	amp_stream_init(&c->stream, crc_fn);
	uint32_t holds = c->ch.ops->rx_window(&c->ch);

	c->window = o.window && o.window < holds ? o.window : holds;
	if (c->window == 0)
		c->window = 1;
	if (setup_fd(c) != 0 || connect_service(c, service, name_len) != 0) {
		int err = errno;

		free_client(c);
		errno = err;
		return NULL;
	}
	return c;
}

int amp_client_send(struct amp_client *c, const void *data, size_t len, int timeout_ms)
{
	if (!c || (len && !data)) {
		errno = EINVAL;
		return -1;
	}
	return send_until(c, data, len, deadline_of(timeout_ms), timeout_ms == 0);
}

ssize_t amp_client_recv(struct amp_client *c, void *buf, size_t cap, int timeout_ms)
{
	if (!c || (cap && !buf)) {
		errno = EINVAL;
		return -1;
	}
	return recv_until(c, buf, cap, deadline_of(timeout_ms), timeout_ms == 0);
}

size_t amp_client_pending_size(const struct amp_client *c)
{
	return c && c->head && !c->head->err ? c->head->len : 0;
}

ssize_t amp_client_call(struct amp_client *c, const void *req, size_t req_len, void *reply,
			size_t cap, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);

	if (!c || (req_len && !req) || (cap && !reply)) {
		errno = EINVAL;
		return -1;
	}
	if (send_until(c, req, req_len, deadline, timeout_ms == 0) != 0)
		return -1;
	return recv_until(c, reply, cap, deadline, timeout_ms == 0);
}

int amp_client_fd(const struct amp_client *c)
{
	return c ? c->epfd : -1;
}

uint32_t amp_client_max_message(const struct amp_client *c)
{
	return c ? c->max_message : 0;
}

void amp_client_close(struct amp_client *c)
{
	if (!c)
		return;
	if (c->state == OPEN) {
		int64_t deadline = amp_now_ms() + (c->timeout_ms < CLOSE_BOUND_MS ? c->timeout_ms
										  : CLOSE_BOUND_MS);
		uint8_t status[4];

		amp_put32(status, AMP_STATUS_CLOSED);
		if (!c->rest || finish_rest(c, deadline) == 0)
			write_control(c, AMP_FRAME_CLOSE, 0, status, sizeof(status), deadline);
	}
	free_client(c);
}
