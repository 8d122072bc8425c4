/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sends a block through a file descriptor while reading the echo back, and
 * checks the echo byte for byte. Writing and reading overlap (two threads),
 * as they must: the firmware only echoes while the reader drains.
 */
#ifndef VBOARD_EXCHANGE_H
#define VBOARD_EXCHANGE_H

#include <stddef.h>

struct exchange_result {
	size_t sent;
	size_t received;
	size_t first_mismatch;	      /* offset, or SIZE_MAX when the echo is exact */
	unsigned long writes_refused; /* ENOMEM/EAGAIN from the driver, retried */
	char error[160];	      /* empty when all went well */
};

/*
 * max_write: largest single write (the message size for rpmsg_char, which
 * maps one write to one message). timeout_ms bounds the whole exchange.
 */
int exchange_echo(int fd, size_t len, size_t max_write, int timeout_ms, unsigned int seed,
		  struct exchange_result *res);

#endif
