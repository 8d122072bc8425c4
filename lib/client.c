/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The message layer's client: a connection to a named firmware service,
 * whole messages both ways, credits both ways (docs/protocol.md,
 * "Messaging"). The transports only move bytes (transport.h); everything
 * they receive goes in place through the shared frame parser, and a
 * message's payload is reassembled straight into a buffer of its size.
 *
 * Credit the firmware gives us is in payload bytes: a message goes out in
 * frames as credit comes (all but the last with MORE), so any credit held
 * can be used. Credit we give the firmware is in rpmsg messages: the
 * firmware cuts messages into frames of one rpmsg message each and never
 * puts two MSG frames in one (a CREDIT may ride in front of the frame that
 * ends a message, when both fit), so a MSG frame of n bytes took ceil((20 + n) /
 * 496) of them (one, as the firmware cuts), on every transport. An rpmsg message is "freed" once
 * all its bytes left the transport's receive buffer and the application will not make us hold them:
 * those of the message being reassembled while nothing is queued (the application is waiting for
 * it), or those of a queued message when the application reads it. Freed messages go back in one
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

#include "client_internal.h"
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
	uint32_t len; /* bytes of its frames received whole */
	uint32_t cap; /* bytes data holds */
	uint32_t seq;
	uint32_t units;			 /* rpmsg messages that carried its frames so far */
	uint32_t units_done;		 /* ... those of frames received whole */
	uint32_t credited;		 /* of units, already counted in freed */
	uint32_t frame_len, frame_units; /* the frame arriving */
	int err;       /* 0, or what recv reports instead: EBADMSG, EPROTO, ENOMEM */
	uint32_t base; /* bytes of it amp_client_recv_pieces() handed over, let go of */
	bool tail;     /* the rest of a message handed over in pieces: not recv()'s */
	bool discard;  /* the rest of one reported failed already: dropped when whole */
};

/*
 * amp_client_recv_pieces(): the call in progress, and the message it hands
 * over, which may outlive a call (one that timed out half-way).
 */
struct pieces {
	amp_piece_fn fn; /* NULL: no call in progress */
	void *ctx;
	bool active; /* a message is being handed over */
	uint32_t seq;
	uint64_t off; /* its bytes handed over so far */
	int end;      /* 0: going on; 1: its last piece went; -errno: it failed */
	bool ended;   /* its last part arrived (it may still wait in the queue) */
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
	/* messages sent that the firmware reported lost (ERROR BAD_CRC, BAD_SLOTS) */
	uint32_t lost;
	bool lost_unreported; /* the next send says so (EIO) */
	/* receiving */
	struct amp_stream stream;
	uint8_t ctl[CTL_MAX];	    /* the current control frame's first bytes */
	struct rx_msg *cur;	    /* the message being reassembled, or NULL */
	bool in_msg_frame;	    /* the frame arriving is one of cur's */
	uint32_t cur_got;	    /* bytes of that frame so far */
	struct rx_msg *head, *tail; /* whole messages not yet read */
	uint32_t freed;		    /* rpmsg messages freed, not yet given back */
	/* sending: the unsent bytes of a frame the transport took part of */
	uint8_t *rest;
	size_t rest_len, rest_off;
	/* a diagnostics request (bench channels): the reply awaited, by type and seq */
	uint8_t diag_type;
	uint32_t diag_seq;
	bool in_diag;	   /* the frame arriving is that reply */
	int diag_status;   /* 0 while waiting, 1 when it came whole, -1 on ERROR */
	uint32_t diag_len; /* its payload bytes */
	uint8_t diag[AMP_ECHO_MAX_LEN];
	uint32_t diag_next; /* the last seq a request used */
	/* the next whole-frame MSG payload's CRC, computed by the caller */
	const uint32_t *crc_hint;
	uint32_t writes; /* write_some calls, for amp_transfer */
	/* a bench call's lazy deadline (call_deadline()) */
	bool lazy_waited;
	int64_t lazy_fixed;
	bool tx_started; /* the last send_until() got a frame out */
	/* replies of bench calls that gave up waiting: they still come, first */
	uint32_t replies_owed;
	/* messages of this many bytes or more go by reference (ch.bulk) */
	uint32_t bulk_threshold;
	struct pieces pieces;
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
	return timeout_ms < 0 ? FOREVER : amp_clock_ms() + timeout_ms;
}

/*
 * Makes the descriptor readable exactly while a message is queued or the
 * remote is gone. Called as each public call returns (nothing changes
 * between calls), so a message received and read within one call costs no
 * eventfd write and read.
 */
static void sync_fd(struct amp_client *c)
{
	bool want = c->state == DEAD || c->head != NULL;
	int saved = errno;
	uint64_t v = 1;

	if (want && !c->signalled)
		c->signalled = write(c->evfd, &v, sizeof(v)) == sizeof(v);
	else if (!want && c->signalled)
		c->signalled = read(c->evfd, &v, sizeof(v)) != sizeof(v);
	errno = saved;
}

/* rc, once the descriptor says what is true now: the end of every public call. */
static long synced(struct amp_client *c, long rc)
{
	sync_fd(c);
	return rc;
}

static void go_dead(struct amp_client *c, int err)
{
	if (c->state == DEAD)
		return;
	c->state = DEAD;
	c->dead_errno = err;
}

/* The message being reassembled frees its rpmsg messages as they arrive, if it is next in line. */
static void credit_head_of_line(struct amp_client *c)
{
	struct rx_msg *m = c->cur;

	if (!m || c->head)
		return;
	uint32_t arrived = m->units_done;

	if (c->in_msg_frame)
		arrived += units_of((uint64_t)AMP_FRAME_HDR_SIZE + c->cur_got, false);

	if (arrived > m->credited) {
		c->freed += arrived - m->credited;
		m->credited = arrived;
	}
}

/* Forgets the message being reassembled; the rpmsg messages it used are freed. */
static void drop_cur(struct amp_client *c)
{
	struct rx_msg *m = c->cur;

	if (!m)
		return;
	c->freed += m->units - m->credited;
	free(m->data);
	free(m);
	c->cur = NULL;
}

/*
 * A message seq begins: if another was being handed over in pieces and is
 * not over, the firmware abandoned it.
 */
static void message_begins(struct amp_client *c, uint32_t seq)
{
	struct pieces *p = &c->pieces;

	if (p->active && p->seq != seq && !p->end && !p->ended)
		p->end = -EBADMSG;
}

/*
 * The message handed over in pieces failed (err) before its end: reported
 * once, so what is still to come of it is dropped, counted for credit.
 */
static void pieces_fail(struct amp_client *c, int err)
{
	struct pieces *p = &c->pieces;
	struct rx_msg *m = c->cur;

	if (!p->end)
		p->end = -err;
	if (p->ended)
		return;
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m) {
			go_dead(c, ENOMEM);
			return;
		}
		m->seq = p->seq;
		c->cur = m;
	}
	if (m->seq == p->seq) {
		m->discard = true;
		if (!m->err)
			m->err = err;
	}
}

/* Room for another frame of len bytes in the message being reassembled. */
static void grow_cur(struct rx_msg *m, uint32_t len)
{
	if (m->err)
		return;
	if (len > AMP_MSG_MAX - m->base - m->len) {
		m->err = EPROTO; /* broke the protocol: counted for credit, never stored */
		free(m->data);
		m->data = NULL;
		return;
	}
	uint32_t need = m->len + len;

	if (need <= m->cap)
		return;
	uint32_t cap = m->cap ? m->cap : 512u;

	while (cap < need)
		cap = cap > AMP_MSG_MAX / 2 ? AMP_MSG_MAX : cap * 2u;
	uint8_t *data = realloc(m->data, cap);

	if (!data) {
		m->err = ENOMEM;
		free(m->data);
		m->data = NULL;
		return;
	}
	m->data = data;
	m->cap = cap;
}

static void on_header(struct amp_client *c, const struct amp_frame_hdr *h)
{
	c->in_msg_frame = false;
	c->cur_got = 0;
	memset(c->ctl, 0, sizeof(c->ctl));
	c->in_diag = c->diag_type && h->type == c->diag_type && h->seq == c->diag_seq &&
		     h->len <= sizeof(c->diag);
	/* MSG frames before OPENED are stale: a previous owner's. */
	if (h->type != AMP_FRAME_MSG || c->state != OPEN)
		return;
	/* Every MSG frame took rpmsg messages of the window, whatever it says. */
	uint32_t units = units_of((uint64_t)AMP_FRAME_HDR_SIZE + h->len, true);

	if (h->flags & AMP_FRAME_F_ABORT || (c->cur && c->cur->seq != h->seq))
		drop_cur(c); /* abandoned by the firmware */
	if (h->flags & AMP_FRAME_F_ABORT) {
		c->freed += units;
		if (c->pieces.active && c->pieces.seq == h->seq && !c->pieces.end)
			c->pieces.end = -EBADMSG;
		return;
	}
	message_begins(c, h->seq);
	if (!c->cur) {
		c->cur = calloc(1, sizeof(*c->cur));
		if (!c->cur) {
			go_dead(c, ENOMEM);
			return;
		}
		c->cur->seq = h->seq;
	}
	struct rx_msg *m = c->cur;

	m->frame_len = h->len;
	m->frame_units = units;
	m->units += units;
	grow_cur(m, h->len);
	c->in_msg_frame = true;
}

static void on_payload(struct amp_client *c, const struct amp_stream_event *ev)
{
	if (c->in_msg_frame) {
		struct rx_msg *m = c->cur;

		/* grow_cur() made room for the whole frame, or marked m failed */
		if (m->data && !m->err)
			memcpy(m->data + m->len + ev->offset, ev->data, ev->len);
		c->cur_got += ev->len;
		credit_head_of_line(c);
	} else if (c->in_diag) {
		/* on_header checked that the whole payload fits */
		memcpy(c->diag + ev->offset, ev->data, ev->len);
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

/* The firmware reported a message of ours lost: counted, and the next send says so. */
static void note_lost(struct amp_client *c)
{
	if (c->lost < UINT32_MAX)
		c->lost++;
	c->lost_unreported = true;
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
		/* A message of ours arrived broken or named slots it may not: it is gone. */
		else if (c->state == OPEN && (amp_get32(c->ctl) == AMP_STATUS_BAD_CRC ||
					      amp_get32(c->ctl) == AMP_STATUS_BAD_SLOTS))
			note_lost(c);
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

/* The message being reassembled is whole (or failed): it joins the queue for recv. */
static void queue_whole(struct amp_client *c, struct rx_msg *m)
{
	c->cur = NULL;
	if (m->discard) {
		c->freed += m->units - m->credited;
		free(m->data);
		free(m);
		return;
	}
	m->tail = c->pieces.active && m->seq == c->pieces.seq;
	if (m->tail)
		c->pieces.ended = true;
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

static void on_end(struct amp_client *c, const struct amp_stream_event *ev)
{
	struct rx_msg *m = c->cur;

	if (!c->in_msg_frame) {
		if (c->in_diag && ev->crc_ok) {
			c->diag_status = 1;
			c->diag_len = ev->hdr.len;
			c->diag_type = 0;
		} else if (c->diag_type && ev->crc_ok && ev->hdr.type == AMP_FRAME_ERROR &&
			   ev->hdr.seq == c->diag_seq) {
			c->diag_status = -1;
			c->diag_type = 0;
		}
		c->in_diag = false;
		if (ev->crc_ok && ev->hdr.type != AMP_FRAME_MSG)
			on_control(c, &ev->hdr);
		return;
	}
	c->in_msg_frame = false;
	m->len += m->frame_len;
	m->units_done += m->frame_units;
	if (!ev->crc_ok && !m->err)
		m->err = EBADMSG;
	if (ev->hdr.flags & AMP_FRAME_F_MORE) {
		/* more frames of it follow: this one's messages are free already */
		credit_head_of_line(c);
		return;
	}
	queue_whole(c, m);
}

/* Hands the bytes of the library's copy over as one piece, and lets go of them. */
static void hand_copied(struct amp_client *c, struct rx_msg *m)
{
	struct pieces *p = &c->pieces;

	if (p->end)
		return;
	if (m->err) {
		pieces_fail(c, m->err);
		return;
	}
	if (m->len) {
		p->fn(p->ctx, p->off, m->data, m->len);
		p->off += m->len;
	}
	/*
	 * What went is let go: the buffer keeps only the frame arriving, so a
	 * message taken in pieces needs no memory of its size.
	 */
	uint32_t partial = c->cur == m && c->in_msg_frame ? c->cur_got : 0;

	if (m->len && partial)
		memmove(m->data, m->data + m->len, partial);
	m->base += m->len;
	m->len = 0;
}

/* Whether in goes straight to the amp_client_recv_pieces() call in progress. */
static bool in_place_wanted(const struct amp_client *c, const struct amp_bulk_in *in)
{
	const struct pieces *p = &c->pieces;

	if (!p->fn || p->end)
		return false;
	if (p->active)
		return in->seq == p->seq;
	/* the next message, with nothing before it */
	return !c->head && !c->cur;
}

/*
 * Hands in's ranges to the call in progress where they lie, in the pool,
 * once they are checked (in the mapping, their CRC); the slots go back
 * after. What came of the message before, copied, goes first. False when
 * in does not pass: it goes the copying way, which fails the message.
 */
static bool hand_in_place(struct amp_client *c, const struct amp_bulk_in *in)
{
	struct pieces *p = &c->pieces;
	uint64_t bytes = amp_bulk_in_bytes(in);
	const uint8_t *base;
	uint32_t crc = 0, units = 0;

	base = amp_bulk_view_in(&c->ch, in, in->has_crc ? &crc : NULL);
	if (!base || (in->has_crc && crc != in->crc))
		return false;
	if (c->cur)
		hand_copied(c, c->cur);
	if (!p->active) {
		p->active = true;
		p->seq = in->seq;
		p->off = 0;
		p->ended = false;
	}
	/* no larger than the copying way lets a message grow (grow_cur()) */
	if (!p->end && bytes > AMP_MSG_MAX - p->off)
		pieces_fail(c, EPROTO);
	for (uint32_t i = 0; i < in->count && !p->end; i++) {
		const struct amp_bulk_range *r = &in->ranges[i];

		p->fn(p->ctx, p->off, base + (size_t)r->slot * c->ch.bulk->slot_size + r->offset,
		      r->length);
		p->off += r->length;
	}
	for (uint32_t i = 0; i < in->count; i++)
		units += amp_bulk_units(in->ranges[i].length);
	amp_bulk_release_in(&c->ch, in);
	/* read: the window's units are free, as a copied message's would be */
	c->freed += units;
	if (!in->more) {
		p->ended = true;
		drop_cur(c); /* what was copied of it is handed over, or dropped */
		if (!p->end)
			p->end = 1;
	}
	return true;
}

/*
 * A message (or part of one) the firmware sent by reference: handed over in
 * place to amp_client_recv_pieces(), or copied out of its slots, which go
 * back at once; it counts against the window as the frames it stands for
 * would (amp_bulk_units(), docs/protocol.md).
 */
static void on_bulk_in(void *ctx, const struct amp_bulk_in *in)
{
	struct amp_client *c = ctx;
	uint64_t total = amp_bulk_in_bytes(in);
	struct rx_msg *m;
	uint32_t crc;

	if (c->state != OPEN || in->conn_id != c->conn_id || c->in_msg_frame) {
		/* another connection's, or in the middle of a frame: not ours to take */
		(void)amp_bulk_copy_in(&c->ch, in, NULL, &crc);
		return;
	}
	if (c->cur && c->cur->seq != in->seq)
		drop_cur(c); /* abandoned by the firmware */
	message_begins(c, in->seq);
	if (in_place_wanted(c, in) && hand_in_place(c, in))
		return;
	if (!c->cur) {
		c->cur = calloc(1, sizeof(*c->cur));
		if (!c->cur) {
			(void)amp_bulk_copy_in(&c->ch, in, NULL, &crc);
			go_dead(c, ENOMEM);
			return;
		}
		c->cur->seq = in->seq;
	}
	m = c->cur;
	grow_cur(m, total > UINT32_MAX ? UINT32_MAX : (uint32_t)total);
	if (amp_bulk_copy_in(&c->ch, in, m->err ? NULL : m->data + m->len, &crc) != 0 && !m->err)
		m->err = EPROTO;
	else if (!m->err && in->has_crc && crc != in->crc)
		m->err = EBADMSG;
	if (!m->err)
		m->len += (uint32_t)total;
	for (uint32_t i = 0; i < in->count; i++) {
		m->units += amp_bulk_units(in->ranges[i].length);
		m->units_done += amp_bulk_units(in->ranges[i].length);
	}
	credit_head_of_line(c);
	if (in->more)
		return;
	queue_whole(c, m);
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

/* Writes the rest of a frame begun: 0 when done, -1 with EAGAIN or the failure. */
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

/* Keeps iov's bytes from offset done on as the rest of the frame. */
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

		c->writes++;
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
		deadline = amp_clock_ms() + c->timeout_ms; /* no memory to keep it: finish now */
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
	return write_frame(c, iov, len ? 2 : 1, deadline);
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
	uint32_t returned = c->freed;

	amp_put32(more, returned);
	/*
	 * What arrives while the frame goes out (the transport hands it to the
	 * sink as it waits) is freed meanwhile: only what the frame says is
	 * returned. Zeroing the count lost those units for good, and with
	 * them the firmware's credit, until both sides waited for each other.
	 */
	if (write_control(c, AMP_FRAME_CREDIT, 0, more, sizeof(more), deadline) == 0)
		c->freed -= returned;
}

/*
 * The deadline a wait of this call uses. A lazy one (AMP_DEADLINE_LAZY, the
 * bench calls) stays unread for the call's first wait, which the reply
 * usually ends; later waits, or a wait that must be bounded more tightly
 * (fix), count from the clock, read once per call.
 */
static int64_t call_deadline(struct amp_client *c, int64_t deadline, bool fix)
{
	if (deadline >= 0)
		return deadline;
	if (!fix && !c->lazy_waited) {
		c->lazy_waited = true;
		return deadline;
	}
	c->lazy_waited = true;
	if (c->lazy_fixed == 0)
		c->lazy_fixed = amp_deadline_fix(deadline);
	return c->lazy_fixed;
}

/* A bench call begins: its lazy deadline is unread. */
static int64_t lazy_call(struct amp_client *c)
{
	c->lazy_waited = false;
	c->lazy_fixed = 0;
	return AMP_DEADLINE_LAZY(c->timeout_ms);
}

/*
 * Waits until deadline for input and takes all of it: 0 once something was
 * read, -1 with ETIMEDOUT, or the connection's end. Owed credit that the
 * transport refused is retried meanwhile.
 */
static int pump(struct amp_client *c, int64_t deadline)
{
	for (;;) {
		bool owing = c->state != DEAD && (c->rest || credit_owed(c));
		int64_t until;

		deadline = call_deadline(c, deadline, owing);
		until = deadline;
		/* What must go out first: the rest of a frame, then owed credit. */
		if (owing) {
			int64_t now = amp_clock_ms();

			if (c->rest)
				(void)finish_rest(c, now);
			flush_credit(c, now);
			if ((c->rest || credit_owed(c)) && until > now + CREDIT_RETRY_MS)
				until = now + CREDIT_RETRY_MS;
		}
		int rc = c->ch.ops->input(&c->ch, until, on_input, c);

		if (rc != 0 && errno != ETIMEDOUT) {
			int err = errno;

			/* What arrived whole before it went away stays readable. */
			go_dead(c, err == EIO || err == EPIPE ? ENODEV : err);
			errno = c->dead_errno;
			return -1;
		}
		if (credit_owed(c))
			flush_credit(c, amp_clock_ms());
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

/* Waits until the firmware grants credit: 0, or -1 (EAGAIN/ETIMEDOUT, or the end). */
static int wait_credit(struct amp_client *c, int64_t deadline, bool nowait)
{
	while (c->tx_credit == 0) {
		if (nowait || pump(c, deadline) != 0)
			return errno == ETIMEDOUT || nowait ? not_now(nowait) : -1;
		if (c->state == DEAD) {
			errno = c->dead_errno;
			return -1;
		}
	}
	return 0;
}

/*
 * Tells the firmware to drop the message whose first frames went: an empty
 * MSG with ABORT, after whatever rest of a frame is still going out. Best
 * effort, bounded; a connection that cannot take it is failing anyway.
 */
static void abort_message(struct amp_client *c, uint32_t seq)
{
	int64_t deadline = amp_clock_ms() + c->timeout_ms;
	uint8_t hdr[AMP_FRAME_HDR_SIZE];
	struct iovec iov = {hdr, sizeof(hdr)};

	if (c->rest && finish_rest(c, deadline) != 0)
		return;
	amp_frame_encode_flags(hdr, AMP_FRAME_MSG, AMP_FRAME_F_ABORT, seq, 0, 0);
	(void)write_frame(c, &iov, 1, deadline);
}

/*
 * One message by reference (bulk transfers), in parts as byte credit
 * allows: a SUBMIT costs what its bytes would in frames (docs/protocol.md).
 * A part that went makes it the connection's message seq whatever happens
 * next; a wait that runs out after one abandons the message (ABORT), as
 * for frames.
 */
static int send_bulk(struct amp_client *c, const struct amp_bulk_source *src, size_t len,
		     int64_t deadline)
{
	uint32_t seq = c->tx_seq + 1;
	size_t off = 0;

	while (off < len) {
		ssize_t n;

		if (wait_credit(c, deadline, false) != 0)
			break;
		size_t budget = len - off < c->tx_credit ? len - off : c->tx_credit;

		/* a caller that has the whole message's CRC lets its receiver check that */
		n = amp_bulk_send_part(&c->ch, c->conn_id, seq, src, off, len, budget, !c->crc_hint,
				       deadline, on_input, c);
		if (n < 0)
			break;
		c->tx_started = true;
		c->tx_seq = seq;
		c->tx_credit -= (uint32_t)n;
		off += (size_t)n;
	}
	if (off == len)
		return 0;

	int err = errno;

	if (err == EIO || err == EPIPE || err == ENODEV)
		return transport_failed(c);
	if (off > 0 && c->state != DEAD)
		abort_message(c, seq);
	errno = err;
	return -1;
}

/*
 * One message, in frames as credit allows. Without waiting (timeout 0) it
 * goes only if the credit held covers it all. A wait that runs out after
 * the first frame went abandons the message (ABORT): it is not delivered.
 */
static int send_until(struct amp_client *c, const struct amp_bulk_source *src, size_t len,
		      int64_t deadline, bool nowait)
{
	static const uint8_t nothing[1];
	const uint8_t *p = src->data ? src->data : nothing; /* an empty message needs no bytes */
	uint32_t seq = c->tx_seq + 1;
	size_t off = 0;

	c->tx_started = false;
	if (c->state == DEAD) {
		errno = c->dead_errno;
		return -1;
	}
	if (len > c->max_message) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->lost_unreported) {
		c->lost_unreported = false; /* said once; amp_client_lost() keeps count */
		errno = EIO;
		return -1;
	}
	if (c->rest && finish_rest(c, deadline) != 0)
		return errno == EAGAIN ? not_now(nowait) : -1;
	flush_credit(c, deadline);
	if (nowait && c->tx_credit < len) {
		/* what arrived may be the credit we need */
		(void)pump(c, amp_clock_ms());
		if (c->tx_credit < len)
			return not_now(true);
	}
	if (c->ch.bulk && len > 0 && len >= c->bulk_threshold) {
		int rc = send_bulk(c, src, len, nowait ? amp_clock_ms() : deadline);

		if (rc == 0 || c->tx_started || c->state == DEAD ||
		    (errno != EOPNOTSUPP && errno != ECONNRESET))
			/* EAGAIN: a SUBMIT found no room by the deadline */
			return rc != 0 && (errno == ETIMEDOUT || errno == EAGAIN) ? not_now(nowait)
										  : rc;
		/* the pool went before anything of it did: frames it is */
	}
	if (!src->data && len > 0) {
		/* frames need the bytes in a buffer: amp_client_send_fill() makes one */
		errno = EOPNOTSUPP;
		return -1;
	}
	do {
		/* a frame the transport took only part of goes out whole first */
		if (c->rest && finish_rest(c, deadline) != 0) {
			int err = errno;

			c->tx_seq = seq;
			if (off > 0 && c->state != DEAD)
				abort_message(c, seq);
			errno = err;
			return err == EAGAIN ? not_now(nowait) : -1;
		}
		if (len - off > 0 && wait_credit(c, deadline, nowait) != 0) {
			int err = errno;

			if (off > 0 && c->state != DEAD)
				abort_message(c, seq);
			c->tx_seq = seq;
			errno = err;
			return -1;
		}
		uint32_t n = len - off < c->tx_credit ? (uint32_t)(len - off) : c->tx_credit;
		uint16_t flags = off + n < len ? AMP_FRAME_F_MORE : 0;
		uint8_t hdr[AMP_FRAME_HDR_SIZE];
		struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)(p + off), n}};

		/* a caller that has the message's CRC saves computing it again */
		uint32_t crc = c->crc_hint && off == 0 && n == len ? *c->crc_hint
								   : amp_crc32(0, p + off, n);

		amp_frame_encode_flags(hdr, AMP_FRAME_MSG, flags, seq, n, crc);
		if (write_frame(c, iov, n ? 2 : 1, deadline) != 0) {
			int err = errno;

			if (off > 0 && c->state != DEAD && err == EAGAIN)
				abort_message(c, seq);
			c->tx_seq = seq;
			errno = err;
			return err == EAGAIN ? not_now(nowait) : -1;
		}
		c->tx_started = true;
		c->tx_credit -= n;
		off += n;
	} while (off < len);
	c->tx_seq = seq;
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
	if (credit_owed(c))
		flush_credit(c, amp_clock_ms());
}

/*
 * Where recv() puts a message by reference as its parts arrive during the
 * call (one copy, out of the slots): the caller's buffer, and what lies
 * beyond cap.
 */
struct recv_into {
	uint8_t *buf;
	size_t cap;
	uint8_t *spill; /* the message's bytes from cap on */
	size_t spill_len;
	bool nomem;
};

static void piece_recv(void *ctx, size_t offset, const void *data, size_t len)
{
	struct recv_into *r = ctx;
	const uint8_t *p = data;

	if (offset < r->cap) {
		size_t n = len < r->cap - offset ? len : r->cap - offset;

		memcpy(r->buf + offset, p, n);
		p += n;
		len -= n;
	}
	if (len == 0 || r->nomem)
		return;
	uint8_t *more = realloc(r->spill, r->spill_len + len);

	if (!more) {
		r->nomem = true;
		return;
	}
	memcpy(more + r->spill_len, p, len);
	r->spill = more;
	r->spill_len += len;
}

/* The first len bytes recv() took into r, as a message of the library's own. */
static struct rx_msg *recv_into_msg(const struct recv_into *r, uint32_t seq, uint64_t len)
{
	struct rx_msg *m = calloc(1, sizeof(*m));
	size_t in_buf = len < r->cap ? (size_t)len : r->cap;

	if (!m)
		return NULL;
	m->seq = seq;
	m->data = malloc(len ? (size_t)len : 1u);
	if (!m->data || r->nomem) {
		m->err = ENOMEM;
		return m;
	}
	memcpy(m->data, r->buf, in_buf);
	memcpy(m->data + in_buf, r->spill, (size_t)len - in_buf);
	m->len = m->cap = (uint32_t)len;
	return m;
}

/*
 * A message by reference recv() took in part when its wait ran out: what
 * came goes back to the library's memory, where the rest joins it as
 * usual (the units of what came were freed as it was copied).
 */
static void recv_into_park(struct amp_client *c, const struct recv_into *r)
{
	struct pieces *p = &c->pieces;
	struct rx_msg *m;

	if (!p->active)
		return;
	/* one that failed a check goes on in cur, failed: nothing to keep */
	if (!c->cur) {
		m = recv_into_msg(r, p->seq, p->off);
		if (!m)
			go_dead(c, ENOMEM);
		c->cur = m;
	}
	*p = (struct pieces){0};
}

/* recv()'s message by reference is over: its length, or -1 with errno. */
static ssize_t recv_into_end(struct amp_client *c, struct recv_into *r)
{
	struct pieces *p = &c->pieces;
	uint64_t len = p->off;
	uint32_t seq = p->seq;
	int end = p->end;

	*p = (struct pieces){0};
	if (end > 0 && len > r->cap) {
		/* too large for buf: it stays, whole, for a larger one */
		struct rx_msg *m = recv_into_msg(r, seq, len);

		if (!m || m->err) {
			/* lost for want of memory: reported once, here */
			if (m)
				free(m->data);
			free(m);
			end = -ENOMEM;
		} else {
			m->next = c->head;
			c->head = m;
			if (!c->tail)
				c->tail = m;
			end = -EMSGSIZE;
		}
	} else if (end > 0 && r->nomem) {
		end = -ENOMEM;
	}
	if (end < 0) {
		errno = -end;
		return -1;
	}
	return (ssize_t)len;
}

static ssize_t recv_until(struct amp_client *c, void *buf, size_t cap, int64_t deadline,
			  bool nowait)
{
	struct pieces *p = &c->pieces;
	struct recv_into into = {buf, cap, NULL, 0, false};
	ssize_t rc = -1;

	/*
	 * A frame's rest goes first if the transport takes it now;
	 * otherwise the waits below keep trying (pump), while receiving.
	 */
	if (c->rest && c->state != DEAD)
		(void)finish_rest(c, amp_clock_ms());
	if (p->active && c->state == DEAD)
		*p = (struct pieces){0}; /* lost with the connection */
	if (p->active) {
		errno = EBUSY; /* amp_client_recv_pieces() has to finish it */
		return -1;
	}
	for (;;) {
		struct rx_msg *m = c->head;

		/* a part that failed its checks ended it, in the library's memory */
		if (p->active && m && m->tail) {
			if (!p->end)
				p->end = m->err ? -m->err : -EPROTO;
			pop(c);
			continue;
		}
		if (p->end) {
			rc = recv_into_end(c, &into);
			break;
		}
		if (m && !p->active) {
			size_t len = m->len;

			if (m->err) {
				int err = m->err;

				pop(c);
				errno = err;
				break;
			}
			if (len > cap) {
				errno = EMSGSIZE;
				break;
			}
			if (len)
				memcpy(buf, m->data, len);
			pop(c);
			rc = (ssize_t)len;
			break;
		}
		if (c->state == DEAD) {
			*p = (struct pieces){0};
			errno = c->dead_errno;
			break;
		}
		/* a message by reference that begins now goes straight into buf */
		p->fn = piece_recv;
		p->ctx = &into;
		int waited = pump(c, deadline);

		p->fn = NULL;
		if (waited != 0 && c->state != DEAD && !p->end) {
			recv_into_park(c, &into);
			rc = not_now(nowait);
			break;
		}
	}
	free(into.spill);
	return rc;
}

/*
 * The message being handed over in pieces: its copied parts (the one being
 * reassembled, or its rest queued whole), then what comes, until it ends.
 */
static void hand_next(struct amp_client *c)
{
	struct pieces *p = &c->pieces;
	struct rx_msg *m = c->head;

	if (!p->active && m) {
		/* a whole message came before: one piece, from our copy */
		p->active = true;
		p->seq = m->seq;
		p->off = 0;
		p->ended = true;
		m->tail = true;
	} else if (!p->active && c->cur && !c->cur->discard) {
		/* (the rest of one reported failed already is no message to take) */
		p->active = true;
		p->seq = c->cur->seq;
		p->off = 0;
		p->ended = false;
	}
	if (!p->active)
		return;
	if (m && m->tail) {
		hand_copied(c, m);
		pop(c);
		if (!p->end)
			p->end = 1;
	} else if (c->cur && c->cur->seq == p->seq) {
		hand_copied(c, c->cur);
	}
}

static ssize_t pieces_until(struct amp_client *c, int64_t deadline, bool nowait)
{
	struct pieces *p = &c->pieces;

	if (c->rest && c->state != DEAD)
		(void)finish_rest(c, amp_clock_ms());
	for (;;) {
		hand_next(c);
		if (p->end) {
			int end = p->end;
			uint64_t len = p->off;

			*p = (struct pieces){.fn = p->fn, .ctx = p->ctx};
			if (end < 0) {
				errno = -end;
				return -1;
			}
			return (ssize_t)len;
		}
		if (c->state == DEAD) {
			/* a message half-way is lost with the connection */
			*p = (struct pieces){.fn = p->fn, .ctx = p->ctx};
			errno = c->dead_errno;
			return -1;
		}
		/* a pump that ran out may still have brought the end */
		if (pump(c, deadline) != 0 && c->state != DEAD && !p->end) {
			hand_next(c);
			if (!p->end)
				return not_now(nowait);
		}
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
	int64_t deadline = amp_clock_ms() + c->timeout_ms;
	uint8_t open[AMP_OPEN_FIXED_SIZE + AMP_SERVICE_NAME_MAX];
	/* the firmware's large messages come by reference if we can read the pool */
	struct amp_open o = {.window = c->window, .flags = c->ch.bulk ? AMP_OPEN_F_BULK : 0};

	amp_open_encode(open, &o);
	memcpy(open + AMP_OPEN_FIXED_SIZE, service, name_len);
	/*
	 * On a tty or char device the previous owner may have died half-way
	 * through a frame, which then swallows our OPEN; the firmware abandons
	 * it once nothing came for AMP_FRAME_STALL_MS, so an OPEN still
	 * unanswered by then goes once more, under a new seq.
	 */
	int64_t retry_at = amp_clock_ms() + AMP_FRAME_STALL_MS + 100;
	bool retried = false;

	c->open_seq = open_seq();
	if (write_control(c, AMP_FRAME_OPEN, c->open_seq, open, AMP_OPEN_FIXED_SIZE + name_len,
			  deadline) != 0)
		return errno == EAGAIN ? not_now(false) : -1;
	while (c->state == OPENING && !c->open_errno) {
		if (c->rest && finish_rest(c, deadline) != 0 && errno != EAGAIN)
			return -1;
		bool retry_due = !retried && retry_at < deadline;

		if (pump(c, retry_due ? retry_at : deadline) == 0)
			continue;
		if (errno != ETIMEDOUT || !retry_due)
			return -1;
		retried = true;
		c->open_seq = open_seq();
		if (write_control(c, AMP_FRAME_OPEN, c->open_seq, open,
				  AMP_OPEN_FIXED_SIZE + name_len, deadline) != 0)
			return errno == EAGAIN ? not_now(false) : -1;
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

/*
 * Maps the channel's pool when messages may go by reference: on netlink
 * unless the options say never (without a pool, frames it is), always on
 * shm (without one, EOPNOTSUPP).
 */
static int setup_bulk(struct amp_client *c, const struct amp_client_options *o)
{
	bool shm = o->transport == AMP_TRANSPORT_SHM;

	c->bulk_threshold = o->bulk_threshold ? o->bulk_threshold : shm ? 1 : AMP_BULK_THRESHOLD;
	if (!shm && (o->transport != AMP_TRANSPORT_NETLINK || o->bulk_threshold == AMP_BULK_NEVER))
		return 0;
	/* shm asked for the pool: one the firmware is about to take is waited for */
	if ((shm ? amp_netlink_bulk_map_wait(&c->ch, amp_clock_ms() + c->timeout_ms)
		 : amp_netlink_bulk_map(&c->ch)) != 0)
		return shm ? -1 : 0;
	c->ch.bulk_sink = on_bulk_in;
	return 0;
}

/*
 * channel_errnos: the errnos of amp_channel_open() (ENOENT: no device or
 * module; EPROTONOSUPPORT: a firmware without the service), not those of
 * amp_client_open() (ENODEV, ENOENT).
 */
static struct amp_client *client_open(const char *service, const struct amp_client_options *opts,
				      bool channel_errnos)
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
		int err = errno == ENOENT && !channel_errnos ? ENODEV : errno;

		c->ch.ops = NULL;
		free_client(c);
		errno = err;
		return NULL;
	}
	c->timeout_ms = c->ch.timeout_ms;
	if (setup_bulk(c, &o) != 0) {
		int err = errno;

		free_client(c);
		errno = err;
		return NULL;
	}
	amp_stream_init(&c->stream, crc_fn);
	uint32_t holds = c->ch.ops->rx_window(&c->ch);

	c->window = o.window && o.window < holds ? o.window : holds;
	if (c->window == 0)
		c->window = 1;
	if (setup_fd(c) != 0 || connect_service(c, service, name_len) != 0) {
		int err = errno == ENOENT && channel_errnos ? EPROTONOSUPPORT : errno;

		free_client(c);
		errno = err;
		return NULL;
	}
	sync_fd(c);
	return c;
}

struct amp_client *amp_client_open(const char *service, const struct amp_client_options *opts)
{
	return client_open(service, opts, false);
}

int amp_client_send(struct amp_client *c, const void *data, size_t len, int timeout_ms)
{
	if (!c || (len && !data)) {
		errno = EINVAL;
		return -1;
	}
	const struct amp_bulk_source src = {.data = data};

	return (int)synced(c, send_until(c, &src, len, deadline_of(timeout_ms), timeout_ms == 0));
}

int amp_client_send_fill(struct amp_client *c, size_t len, amp_fill_fn fill, void *ctx,
			 int timeout_ms)
{
	const struct amp_bulk_source in_place = {.fill = fill, .ctx = ctx};
	int64_t deadline = deadline_of(timeout_ms);
	uint8_t *buf;
	int rc;

	if (!c || !fill) {
		errno = EINVAL;
		return -1;
	}
	rc = send_until(c, &in_place, len, deadline, timeout_ms == 0);
	if (rc == 0 || c->tx_started || errno != EOPNOTSUPP)
		return (int)synced(c, rc);
	/* in frames: fill() writes a buffer of ours, which goes as amp_client_send()'s would */
	buf = malloc(len ? len : 1);
	if (!buf)
		return (int)synced(c, -1);
	if (len > 0 && fill(ctx, 0, buf, len) != 0) {
		free(buf);
		errno = ECANCELED;
		return (int)synced(c, -1);
	}
	rc = send_until(c, &(struct amp_bulk_source){.data = buf}, len, deadline, timeout_ms == 0);
	free(buf);
	return (int)synced(c, rc);
}

ssize_t amp_client_recv(struct amp_client *c, void *buf, size_t cap, int timeout_ms)
{
	if (!c || (cap && !buf)) {
		errno = EINVAL;
		return -1;
	}
	return synced(c, recv_until(c, buf, cap, deadline_of(timeout_ms), timeout_ms == 0));
}

ssize_t amp_client_recv_pieces(struct amp_client *c, amp_piece_fn piece, void *ctx, int timeout_ms)
{
	ssize_t rc;

	if (!c || !piece) {
		errno = EINVAL;
		return -1;
	}
	c->pieces.fn = piece;
	c->pieces.ctx = ctx;
	rc = pieces_until(c, deadline_of(timeout_ms), timeout_ms == 0);
	c->pieces.fn = NULL;
	return synced(c, rc);
}

size_t amp_client_pending_size(const struct amp_client *c)
{
	return c && c->head && !c->head->err && !c->head->tail ? c->head->len : 0;
}

ssize_t amp_client_call(struct amp_client *c, const void *req, size_t req_len, void *reply,
			size_t cap, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);

	if (!c || (req_len && !req) || (cap && !reply)) {
		errno = EINVAL;
		return -1;
	}
	if (c->pieces.active && c->state != DEAD) {
		errno = EBUSY; /* the reply could not be taken: nothing is sent */
		return -1;
	}
	if (send_until(c, &(struct amp_bulk_source){.data = req}, req_len, deadline,
		       timeout_ms == 0) != 0)
		return synced(c, -1);
	return synced(c, recv_until(c, reply, cap, deadline, timeout_ms == 0));
}

int amp_client_fd(const struct amp_client *c)
{
	return c ? c->epfd : -1;
}

uint32_t amp_client_max_message(const struct amp_client *c)
{
	return c ? c->max_message : 0;
}

uint32_t amp_client_lost(const struct amp_client *c)
{
	return c ? c->lost : 0;
}

void amp_client_close(struct amp_client *c)
{
	if (!c)
		return;
	if (c->state == OPEN) {
		int64_t deadline =
			amp_clock_ms() +
			(c->timeout_ms < CLOSE_BOUND_MS ? c->timeout_ms : CLOSE_BOUND_MS);
		uint8_t status[4];

		amp_put32(status, AMP_STATUS_CLOSED);
		if (!c->rest || finish_rest(c, deadline) == 0)
			write_control(c, AMP_FRAME_CLOSE, 0, status, sizeof(status), deadline);
	}
	free_client(c);
}

/* --- for bench channels (lib/channel.c) ------------------------------------ */

struct amp_client *amp_client_open_channel(const char *service,
					   const struct amp_client_options *opts)
{
	return client_open(service, opts, true);
}

struct amp_channel *amp_client_channel(struct amp_client *c)
{
	return &c->ch;
}

struct amp_client *amp_channel_client(struct amp_channel *ch)
{
	/* every amp_channel is the first member of a client */
	return (struct amp_client *)ch;
}

/* The errnos of a reply that came and was taken, failed (its CRC, the library's memory). */
static bool reply_failed(int err)
{
	return err == EBADMSG || err == EPROTO || err == ENOMEM;
}

/* A piece of a message nobody wants. */
static void piece_dropped(void *ctx, size_t offset, const void *data, size_t len)
{
	(void)ctx;
	(void)offset;
	(void)data;
	(void)len;
}

/* Where a bench fetch's reply goes: the caller's buffer, while it fits. */
struct fetch_into {
	uint8_t *buf;
	size_t cap;
	bool overflow;
};

static void piece_into(void *ctx, size_t offset, const void *data, size_t len)
{
	struct fetch_into *f = ctx;

	if (offset > f->cap || len > f->cap - offset)
		f->overflow = true;
	else
		memcpy(f->buf + offset, data, len);
}

/* Takes the next message piece by piece into piece(ctx, ...): its length, or -1 with errno. */
static ssize_t take_pieces(struct amp_client *c, amp_piece_fn piece, void *ctx, int64_t deadline)
{
	ssize_t n;

	c->pieces.fn = piece;
	c->pieces.ctx = ctx;
	n = pieces_until(c, deadline, false);
	c->pieces.fn = NULL;
	return n;
}

/* Waits for the next message and drops it unread: 0, or -1 with errno. */
static int drop_next(struct amp_client *c, int64_t deadline)
{
	/* one a fetch that gave up took half-way: the rest of it */
	if (c->pieces.active)
		return take_pieces(c, piece_dropped, NULL, deadline) < 0 ? -1 : 0;
	for (;;) {
		struct rx_msg *m = c->head;

		if (m) {
			int err = m->err;

			pop(c);
			errno = err;
			return err ? -1 : 0;
		}
		if (c->state == DEAD) {
			errno = c->dead_errno;
			return -1;
		}
		if (pump(c, deadline) != 0 && c->state != DEAD)
			return -1;
	}
}

/*
 * A bench call that gave up waiting leaves its reply owed: the service
 * answers every message whose first frame went, an abandoned one too. Owed
 * replies come before the next call's and are dropped unread, so that no
 * call takes an earlier one's reply for its own.
 */
static int drop_owed_replies(struct amp_client *c, int64_t deadline)
{
	for (; c->replies_owed > 0; c->replies_owed--)
		if (drop_next(c, deadline) != 0 && !reply_failed(errno))
			return -1;
	return 0;
}

/*
 * A bench call's request went (or part of it) but no reply was taken: one
 * is owed. rc and errno are what taking it gave: a reply that came and
 * failed (its CRC, the library's memory) was taken all the same.
 */
static void note_owed_reply(struct amp_client *c, ssize_t rc)
{
	if (rc < 0 && !reply_failed(errno) && c->tx_started && c->state != DEAD)
		c->replies_owed++;
}

int amp_client_block(struct amp_client *c, const void *data, size_t len, uint32_t crc,
		     struct amp_ack *ack, struct amp_transfer *t)
{
	int64_t deadline = lazy_call(c);
	uint8_t reply[AMP_ACK_SIZE];
	ssize_t n;
	int rc;

	c->writes = 0;
	t->seq = c->tx_seq;
	t->writes = 0;
	if (drop_owed_replies(c, deadline) != 0)
		return (int)synced(c, -1);
	c->crc_hint = &crc;
	/* data stays valid until the ack came: the transport need not copy it */
	c->ch.borrowing = c->ch.ops->borrow_end != NULL;
	rc = send_until(c, &(struct amp_bulk_source){.data = data}, len, deadline, false);
	c->crc_hint = NULL;
	t->seq = c->tx_seq;
	t->writes = c->writes;
	n = rc == 0 ? recv_until(c, reply, sizeof(reply), deadline, false) : -1;
	note_owed_reply(c, n);
	if (n >= 0 && n != AMP_ACK_SIZE) {
		errno = EPROTO;
		n = -1;
	}
	if (n == AMP_ACK_SIZE)
		amp_ack_decode(reply, ack);
	if (c->ch.borrowing) {
		int err = errno;

		/* an ack for all of it says every byte arrived */
		c->ch.ops->borrow_end(&c->ch, n == AMP_ACK_SIZE && ack->received == len);
		errno = err;
	}
	return (int)synced(c, n < 0 ? -1 : 0);
}

ssize_t amp_client_fetch(struct amp_client *c, const void *req, size_t req_len, void *buf,
			 size_t cap, struct amp_transfer *t)
{
	int64_t deadline = lazy_call(c);
	struct fetch_into into = {buf, cap, false};
	ssize_t n;

	c->writes = 0;
	t->seq = c->tx_seq;
	t->writes = 0;
	if (drop_owed_replies(c, deadline) != 0)
		return synced(c, -1);
	/* piece by piece into buf: a block by reference is copied once, from its slots */
	n = send_until(c, &(struct amp_bulk_source){.data = req}, req_len, deadline, false) == 0
		    ? take_pieces(c, piece_into, &into, deadline)
		    : -1;
	/* one half-way when the wait ran out is owed: its rest is dropped next time */
	note_owed_reply(c, n);
	if (n >= 0 && into.overflow) {
		errno = EMSGSIZE; /* taken whole, too large for buf */
		n = -1;
	}
	t->seq = c->tx_seq;
	t->writes = c->writes;
	return synced(c, n);
}

int amp_client_diag(struct amp_client *c, uint8_t type, const void *payload, size_t len,
		    uint8_t reply_type, void *reply, size_t reply_len)
{
	int64_t deadline = lazy_call(c);
	uint8_t hdr[AMP_FRAME_HDR_SIZE];
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)payload, len}};

	if (len > AMP_ECHO_MAX_LEN || reply_len > sizeof(c->diag)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->state == DEAD) {
		errno = c->dead_errno;
		return -1;
	}
	c->diag_seq = ++c->diag_next ? c->diag_next : ++c->diag_next;
	c->diag_type = reply_type;
	c->diag_status = 0;
	amp_frame_encode(hdr, type, c->diag_seq, (uint32_t)len, amp_crc32(0, payload, len));
	if (write_frame(c, iov, len ? 2 : 1, deadline) != 0) {
		c->diag_type = 0;
		return (int)synced(c, -1);
	}
	while (c->diag_status == 0 && c->state != DEAD)
		if (pump(c, deadline) != 0) {
			c->diag_type = 0;
			return (int)synced(c, -1);
		}
	c->diag_type = 0;
	if (c->diag_status == 0) {
		errno = c->dead_errno;
		return (int)synced(c, -1);
	}
	if (c->diag_status < 0 || c->diag_len != reply_len) {
		errno = EPROTO;
		return (int)synced(c, -1);
	}
	memcpy(reply, c->diag, reply_len);
	return (int)synced(c, 0);
}
