/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tty and char transports: a file descriptor each, differing in how
 * writes may be cut and how a full transmit queue shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "rpmsg_dev.h"
#include "transport.h"

/*
 * rpmsg_tty answers ENOMEM while its transmit buffers are all in flight and
 * never signals when one frees (its write_room is constant), so the only
 * way on is to retry. Buffers usually come back within microseconds, so
 * the first retries only yield the CPU; a sleep, however short, can cost a
 * whole scheduler tick (10 ms on some kernels), so pauses come only after.
 */
#define TTY_YIELD_RETRIES 256
#define TTY_RETRY_PAUSE_MS 1

static void wait_writable(unsigned int attempt)
{
	if (attempt < TTY_YIELD_RETRIES)
		sched_yield();
	else
		poll(NULL, 0, TTY_RETRY_PAUSE_MS);
}

/*
 * What a tty or rpmsg_char device that went away answers, and the kernel's
 * internal error numbers a driver may leak (amp_user_errno()).
 */
static int fd_errno(int err)
{
	err = amp_user_errno(err);
	return err == EIO || err == EPIPE || err == ENXIO ? ENODEV : err;
}

static void fd_close(struct amp_channel *ch)
{
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
}

/* Takes at most cap bytes of iov into out (at most 8 pieces); returns the pieces. */
static int clip_iov(const struct iovec *iov, int iovcnt, size_t cap, struct iovec out[8])
{
	int n = 0;

	for (int i = 0; i < iovcnt && n < 8 && cap > 0; i++) {
		if (iov[i].iov_len == 0)
			continue;
		out[n] = iov[i];
		if (out[n].iov_len > cap)
			out[n].iov_len = cap;
		cap -= out[n].iov_len;
		n++;
	}
	return n;
}

static ssize_t fd_write_some(struct amp_channel *ch, const struct iovec *iov, int iovcnt,
			     int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct iovec v[8];
	int n = clip_iov(iov, iovcnt, ch->max_write, v);
	unsigned int refused = 0;

	(void)sink; /* a tty or char device buffers what arrives meanwhile */
	(void)ctx;
	if (n == 0)
		return 0;
	for (;;) {
		ssize_t w = writev(ch->fd, v, n);

		if (w > 0) {
			ch->looks = 0; /* the reply is not there yet */
			return w;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != ENOMEM) {
			errno = fd_errno(errno);
			return -1;
		}
		deadline = amp_deadline_fix(deadline); /* a refusal is no fast path */
		if (amp_ms_left(deadline) == 0) {
			errno = EAGAIN;
			return -1;
		}
		wait_writable(refused++);
	}
}

/*
 * One read of what is there (both devices are non-blocking), after poll
 * unless a look may find it without: after a read that found something
 * (more is likely there in a stream; a reply that came whole costs no read
 * that finds nothing).
 */
static int fd_input(struct amp_channel *ch, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	unsigned int looks = ch->looks;

	ch->looks = 0;
	for (;;) {
		if (looks > 0) {
			looks--;
		} else {
			int rc = amp_wait_fd(ch->fd, POLLIN, deadline);

			if (rc <= 0) {
				if (rc == 0)
					errno = ETIMEDOUT;
				return -1;
			}
		}
		ssize_t n = read(ch->fd, ch->rx, sizeof(ch->rx));

		if (n > 0) {
			ch->looks = 1;
			sink(ctx, ch->rx, (size_t)n);
			return 0;
		}
		if (n == 0) {
			errno = ENODEV; /* hung up */
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN) {
			errno = fd_errno(errno);
			return -1;
		}
	}
}

/* rpmsg_tty drops what does not fit the tty's 64 KiB of flip buffers: 64 messages leave room. */
static uint32_t tty_rx_window(struct amp_channel *ch)
{
	(void)ch;
	return 64;
}

/* rpmsg_char queues without limit; 256 messages (128 KiB) bound our memory. */
static uint32_t char_rx_window(struct amp_channel *ch)
{
	(void)ch;
	return 256;
}

static const struct amp_transport_ops tty_ops = {
	.close = fd_close,
	.write_some = fd_write_some,
	.input = fd_input,
	.rx_window = tty_rx_window,
};
static const struct amp_transport_ops char_ops = {
	.close = fd_close,
	.write_some = fd_write_some,
	.input = fd_input,
	.rx_window = char_rx_window,
};

static int open_device(struct amp_channel *ch, const char *path, int flags,
		       const struct amp_transport_ops *ops)
{
	ch->fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | flags);
	if (ch->fd < 0)
		return -1;
	ch->ops = ops;
	snprintf(ch->device, sizeof(ch->device), "%s", path);
	return 0;
}

int amp_tty_open(struct amp_channel *ch, const char *path)
{
	struct termios t;

	if (open_device(ch, path ? path : "/dev/ttyRPMSG0", O_NONBLOCK, &tty_ops) != 0)
		return -1;
	if (tcgetattr(ch->fd, &t) != 0) {
		fd_close(ch);
		return -1;
	}
	/* Raw: no echo, no line editing, no CR/LF translation, 8-bit clean. */
	cfmakeraw(&t);
	if (tcsetattr(ch->fd, TCSANOW, &t) != 0) {
		fd_close(ch);
		return -1;
	}
	tcflush(ch->fd, TCIOFLUSH);
	ch->max_write = 64 * 1024;
	return 0;
}

int amp_char_open(struct amp_channel *ch, const char *path)
{
	char found[64];

	if (!path) {
		if (amp_find_char_device("rpmsg-raw", found, sizeof(found)) != 0)
			return -1;
		path = found;
	}
	/*
	 * Non-blocking, so that every write ends by the caller's deadline: a
	 * blocking write sleeps in virtio_rpmsg_bus until a tx buffer frees,
	 * up to the bus's own 15 s whatever our timeout, and then fails with
	 * the kernel-internal ERESTARTSYS. With O_NONBLOCK rpmsg_char tries
	 * once (rpmsg_trysendto) and answers EAGAIN when the ring is full.
	 * virtio_rpmsg_bus (6.1) has no poll operation, so rpmsg_char never
	 * reports POLLOUT: the writer retries as on rpmsg_tty (wait_writable)
	 * until its deadline. Reads poll first, as before.
	 */
	if (open_device(ch, path, O_NONBLOCK, &char_ops) != 0)
		return -1;
	/* rpmsg_char turns each write into one message: never more than the MTU. */
	ch->max_write = AMP_RPMSG_MTU;
	return 0;
}
