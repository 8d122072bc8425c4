/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Services for the vboard's end-to-end tests, in the host port only (they
 * hold 16 MiB messages, far beyond an M4): amplink-fw-vhost-user
 * --test-services registers them at every start.
 *
 *   "test-echo"   every message back, whole, up to AMP_MSG_MAX, 4 clients
 *   "test-probe"  any message is answered with what test-echo saw, as u32s:
 *                 clients gone, ms since the last went, clients now, clients
 *                 with a message half-way in, messages echoed
 *   "test-sink"   takes messages of up to TEST_SINK_MAX bytes (1 MiB of credit), each
 *                 {u32 index, then bytes (index + i) & 0xff}, checking that
 *                 the indexes count up from 0 and the bytes are right; an
 *                 empty message is answered with three u32s: messages
 *                 taken, out of order, corrupt (and the count starts again)
 *   "test-hold"   takes pieces, one client; pauses its connection when it
 *                 opens and resumes it after two messages (amp_conn_pause():
 *                 no credit goes back meanwhile, by frames or by reference);
 *                 answers each message with three u32s: its length, its
 *                 CRC-32, and whether the connection was paused when it ended
 *   "test-bulk-forge" a one-byte request (enum test_forge) makes the node
 *                 send the module one forged bulk message; the answer (the
 *                 byte, or 0: no pool to forge against) comes after it
 */
#ifndef VHOST_USER_TEST_SERVICES_H
#define VHOST_USER_TEST_SERVICES_H

#include <amp/node.h>

#define TEST_ECHO_SERVICE "test-echo"
#define TEST_PROBE_SERVICE "test-probe"
#define TEST_PROBE_REPLY_SIZE 20u
#define TEST_SINK_SERVICE "test-sink"
#define TEST_SINK_MAX (1024u * 1024u)
#define TEST_SINK_REPLY_SIZE 12u

#define TEST_HOLD_SERVICE "test-hold"
#define TEST_HOLD_REPLY_SIZE 12u

#define TEST_FORGE_SERVICE "test-bulk-forge"
enum test_forge {
	TEST_FORGE_BAD_SLOT = 1,
	TEST_FORGE_BAD_RANGE,
	TEST_FORGE_STALE,
	TEST_FORGE_NOT_OWNER,
	TEST_FORGE_RELEASE,
	TEST_FORGE_GARBAGE,
};

int test_services_init(struct amp_node *node);

#endif
