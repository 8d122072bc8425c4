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
 */
#ifndef VHOST_USER_TEST_SERVICES_H
#define VHOST_USER_TEST_SERVICES_H

#include <amp/node.h>

#define TEST_ECHO_SERVICE "test-echo"
#define TEST_PROBE_SERVICE "test-probe"
#define TEST_PROBE_REPLY_SIZE 20u

int test_services_init(struct amp_node *node);

#endif
