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

static int fd_write(struct amp_channel *ch, const uint8_t *data, size_t len, int64_t deadline,
		    struct amp_transfer *t)
{
	unsigned int refused = 0; /* in a row */
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < ch->max_write ? len - done : ch->max_write;
		ssize_t w = write(ch->fd, data + done, n);

		if (w > 0) {
			done += (size_t)w;
			t->writes++;
			refused = 0;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != ENOMEM)
			return -1;
		t->retries++;
		if (amp_ms_left(deadline) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		wait_writable(refused++);
	}
	return 0;
}

static ssize_t fd_read(struct amp_channel *ch, uint8_t *buf, size_t cap, int64_t deadline)
{
	for (;;) {
		int rc = amp_wait_fd(ch->fd, POLLIN, deadline);

		if (rc <= 0) {
			if (rc == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		ssize_t n = read(ch->fd, buf, cap);

		if (n > 0)
			return n;
		if (n == 0) {
			errno = ENODEV; /* the device went away under us */
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

static void fd_close(struct amp_channel *ch)
{
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
}

static const struct amp_transport_ops fd_ops = {fd_write, fd_read, fd_close};

static int open_device(struct amp_channel *ch, const char *path, int flags)
{
	ch->fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | flags);
	if (ch->fd < 0)
		return -1;
	ch->ops = &fd_ops;
	snprintf(ch->device, sizeof(ch->device), "%s", path);
	return 0;
}

int amp_tty_open(struct amp_channel *ch, const char *path)
{
	struct termios t;

	if (open_device(ch, path ? path : "/dev/ttyRPMSG0", O_NONBLOCK) != 0)
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
	 * Blocking writes: virtio_rpmsg_bus (6.1) has no poll operation, so
	 * rpmsg_char never reports POLLOUT and a non-blocking writer would
	 * have nothing to wait on. A blocking write sleeps until a buffer
	 * frees, at most 15 s (the bus's own bound); reads still poll first.
	 */
	if (open_device(ch, path, 0) != 0)
		return -1;
	/* rpmsg_char turns each write into one message: never more than the MTU. */
	ch->max_write = AMP_RPMSG_MTU;
	return 0;
}
