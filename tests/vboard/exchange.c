/* SPDX-License-Identifier: BSD-3-Clause */
#include "exchange.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct writer {
	int fd;
	const uint8_t *data;
	size_t len;
	size_t max_write;
	size_t sent;
	long long deadline;
	unsigned long refused;
	int error;
};

static void fill_pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	uint32_t x = seed * 2654435761u + 1u;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *write_all(void *arg)
{
	struct writer *w = arg;

	while (w->sent < w->len) {
		size_t chunk = w->len - w->sent;

		if (chunk > w->max_write)
			chunk = w->max_write;
		ssize_t n = write(w->fd, w->data + w->sent, chunk);

		if (n < 0 && errno == EINTR)
			continue;
		/*
		 * rpmsg_tty refuses with ENOMEM while every transmit buffer is in
		 * flight and never signals when one frees up (its write_room is
		 * constant), so a writer can only back off and retry.
		 */
		if (n < 0 && (errno == ENOMEM || errno == EAGAIN) && now_ms() < w->deadline) {
			w->refused++;
			poll(NULL, 0, 1);
			continue;
		}
		if (n <= 0) {
			w->error = n < 0 ? errno : EIO;
			break;
		}
		w->sent += (size_t)n;
	}
	return NULL;
}

/* Reads until len bytes arrived or the deadline passed; returns bytes read. */
static size_t read_until(int fd, uint8_t *buf, size_t len, long long deadline, int *error)
{
	size_t got = 0;

	while (got < len) {
		long long left = deadline - now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (left <= 0) {
			*error = ETIMEDOUT;
			break;
		}
		int r = poll(&p, 1, (int)left);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*error = r == 0 ? ETIMEDOUT : errno;
			break;
		}
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*error = n < 0 ? errno : EIO;
			break;
		}
		got += (size_t)n;
	}
	return got;
}

static size_t first_difference(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return SIZE_MAX;
}

int exchange_echo(int fd, size_t len, size_t max_write, int timeout_ms, unsigned int seed,
		  struct exchange_result *res)
{
	uint8_t *out = malloc(len ? len : 1);
	uint8_t *in = malloc(len ? len : 1);
	long long deadline = now_ms() + timeout_ms;
	struct writer w = {
		.fd = fd, .data = out, .len = len, .max_write = max_write, .deadline = deadline};
	pthread_t thread;
	int read_error = 0;

	memset(res, 0, sizeof(*res));
	res->first_mismatch = SIZE_MAX;
	if (!out || !in) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		free(out);
		free(in);
		return -1;
	}
	fill_pattern(out, len, seed);
	if (pthread_create(&thread, NULL, write_all, &w) != 0) {
		snprintf(res->error, sizeof(res->error), "cannot start the writer thread");
		free(out);
		free(in);
		return -1;
	}
	res->received = read_until(fd, in, len, deadline, &read_error);
	if (read_error) {
		/* The writer may be stuck on a dead device: leave it, the process ends soon. */
		pthread_detach(thread);
		snprintf(res->error, sizeof(res->error),
			 "reading the echo: %s after %zu of %zu bytes", strerror(read_error),
			 res->received, len);
		free(in);
		return -1;
	}
	pthread_join(thread, NULL);
	res->sent = w.sent;
	res->writes_refused = w.refused;
	if (w.error)
		snprintf(res->error, sizeof(res->error), "writing: %s after %zu bytes",
			 strerror(w.error), w.sent);
	res->first_mismatch = first_difference(out, in, len);
	if (!res->error[0] && res->first_mismatch != SIZE_MAX)
		snprintf(res->error, sizeof(res->error), "echo differs at byte %zu",
			 res->first_mismatch);
	free(out);
	free(in);
	return res->error[0] ? -1 : 0;
}
