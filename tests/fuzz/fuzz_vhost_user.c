/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hostile vhost-user frontend. The input is a sequence of messages, each
 * one byte saying which file descriptors to attach (count in bits 0-1, kind
 * in bits 2-3: the guest-memory file, an eventfd, a pipe), then a 12-byte
 * header and as much payload as the header claims or the input still has.
 * The backend must answer or hang up, never crash, leak or read out of
 * bounds; a started device gets its ring pointers checked like the port does.
 */
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "send_fds.h"
#include "vhost_user.h"

#define GUEST_SIZE (64u * 1024u)
#define MAX_MESSAGES 64

static int guest_fd = -1;

static void start(struct vu_backend *vu)
{
	void *desc, *avail, *used;

	for (unsigned int q = 0; q < VU_NUM_QUEUES; q++)
		if (vu_backend_ring_pointers(vu, q, &desc, &avail, &used) == 0)
			/* The pointers must be usable, or ASan says so here. */
			memset(used, 0, 4);
}

static void stop(struct vu_backend *vu)
{
	(void)vu;
}

static uint16_t position(struct vu_backend *vu, unsigned int index)
{
	return vu->vrings[index].base;
}

static const struct vu_backend_ops ops = {start, stop, position};

static int make_fd(unsigned int kind)
{
	int p[2];

	switch (kind) {
	case 0:
		return dup(guest_fd);
	case 1:
		return eventfd(0, EFD_CLOEXEC);
	default:
		if (pipe(p) != 0)
			return -1;
		close(p[0]);
		return p[1];
	}
}

/* Sends one message with its fds; returns the bytes of input it used. */
static size_t send_one(int sock, const uint8_t *data, size_t size)
{
	unsigned int nfds = data[0] & 3u, kind = (data[0] >> 2) & 3u;
	struct vu_header h;
	int fds[3];

	memcpy(&h, data + 1, sizeof(h));
	size_t payload = size - 1 - sizeof(h);

	if (payload > h.size)
		payload = h.size;

	struct iovec iov = {(void *)(data + 1), sizeof(h) + payload};

	for (unsigned int i = 0; i < nfds; i++)
		fds[i] = make_fd(kind);
	(void)send_with_fds(sock, &iov, 1, fds, nfds);
	for (unsigned int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return 1 + sizeof(h) + payload;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_backend vu;
	int sv[2];
	unsigned int messages = 0;

	if (guest_fd < 0) {
		guest_fd = memfd_create("guest", MFD_CLOEXEC);
		if (guest_fd < 0 || ftruncate(guest_fd, GUEST_SIZE) != 0)
			__builtin_trap();
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	vu_backend_init(&vu, (1ull << 0) | (1ull << 29) | (1ull << 32), 256, &ops, NULL);
	vu.conn_fd = sv[0];
	while (size > sizeof(struct vu_header) && messages < MAX_MESSAGES) {
		size_t used = send_one(sv[1], data, size);

		data += used;
		size -= used;
		messages++;
	}
	/* A short last message then reads as the frontend hanging up mid-way. */
	shutdown(sv[1], SHUT_WR);
	while (messages-- > 0 && vu_backend_handle(&vu) == 0)
		;
	vu_backend_close(&vu);
	close(sv[1]);
	return 0;
}
