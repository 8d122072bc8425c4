/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user backend driven by a hostile frontend over a socketpair:
 * well-formed bring-up starts the device; malformed messages get a failure
 * reply or end the connection, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rpmsg/vring.h>

#include "send_fds.h"
#include "vhost_user.h"

#define GUEST_BASE 0x100000ull
#define GUEST_SIZE (1u << 20)
#define RING_NUM 16u

struct fixture {
	struct vu_backend vu;
	int frontend;
	int memfd;
	unsigned int starts, stops;
	uint16_t position;
};

static void on_start(struct vu_backend *vu)
{
	((struct fixture *)vu->priv)->starts++;
}

static void on_stop(struct vu_backend *vu)
{
	((struct fixture *)vu->priv)->stops++;
}

static uint16_t on_position(struct vu_backend *vu, unsigned int index)
{
	(void)index;
	return ((struct fixture *)vu->priv)->position;
}

static const struct vu_backend_ops ops = {on_start, on_stop, on_position};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];

	assert_non_null(f);
	vu_backend_init(&f->vu, 1ull << RP_VIRTIO_RPMSG_F_NS, 256, &ops, f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(vu_backend_attach(&f->vu, sv[0]), 0);
	f->frontend = sv[1];
	f->memfd = memfd_create("guest", MFD_CLOEXEC);
	assert_true(f->memfd >= 0);
	assert_int_equal(ftruncate(f->memfd, GUEST_SIZE), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vu_backend_close(&f->vu);
	close(f->frontend);
	close(f->memfd);
	free(f);
	return 0;
}

static void send_msg(int fd, uint32_t request, uint32_t flags, const void *payload, uint32_t size,
		     const int *fds, unsigned int nfds)
{
	struct vu_header h = {request, flags, size};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, size}};

	assert_int_equal(send_with_fds(fd, iov, size ? 2 : 1, fds, nfds),
			 (ssize_t)(sizeof(h) + size));
}

static void send_u64(struct fixture *f, uint32_t request, uint32_t flags, uint64_t v)
{
	send_msg(f->frontend, request, VU_VERSION | flags, &v, sizeof(v), NULL, 0);
}

static void send_state(struct fixture *f, uint32_t request, uint32_t index, uint32_t num)
{
	struct vu_vring_state s = {index, num};

	send_msg(f->frontend, request, VU_VERSION | VU_FLAG_NEED_REPLY, &s, sizeof(s), NULL, 0);
}

static uint64_t reply_u64(struct fixture *f, uint32_t request)
{
	struct vu_msg m;

	assert_int_equal(read(f->frontend, &m, sizeof(m.hdr) + 8), (ssize_t)(sizeof(m.hdr) + 8));
	assert_int_equal(m.hdr.request, request);
	assert_int_equal(m.hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	assert_int_equal(m.hdr.size, 8);
	return m.payload.u64;
}

/* Sends one message with need-reply, has the backend handle it, returns the status. */
static uint64_t status_of(struct fixture *f, uint32_t request)
{
	assert_int_equal(vu_backend_handle(&f->vu), 0);
	return reply_u64(f, request);
}

static void test_get_features_offers_rpmsg_bits(void **state)
{
	struct fixture *f = *state;

	send_msg(f->frontend, VU_GET_FEATURES, VU_VERSION, NULL, 0, NULL, 0);
	assert_int_equal(vu_backend_handle(&f->vu), 0);
	uint64_t features = reply_u64(f, VU_GET_FEATURES);

	assert_true(features & (1ull << RP_VIRTIO_RPMSG_F_NS));
	assert_true(features & (1ull << VU_F_PROTOCOL_FEATURES));
}

static void test_unoffered_feature_fails_but_keeps_connection(void **state)
{
	struct fixture *f = *state;

	send_u64(f, VU_SET_FEATURES, VU_FLAG_NEED_REPLY, 1ull << 5);
	assert_int_not_equal(status_of(f, VU_SET_FEATURES), 0);
	assert_true(f->vu.conn_fd >= 0);
	assert_int_equal(f->vu.features_acked, 0);
}

static void test_oversize_payload_ends_connection(void **state)
{
	struct fixture *f = *state;
	struct vu_header h = {VU_SET_FEATURES, VU_VERSION, 4096};

	assert_int_equal(write(f->frontend, &h, sizeof(h)), (ssize_t)sizeof(h));
	assert_int_equal(vu_backend_handle(&f->vu), -1);
	assert_int_equal(f->vu.conn_fd, -1);
}

/* A frontend silent in the middle of a message is hung up on, not waited for. */
static void test_stall_inside_message_ends_connection(void **state)
{
	struct fixture *f = *state;
	struct vu_header h = {VU_SET_FEATURES, VU_VERSION, 8};

	assert_int_equal(write(f->frontend, &h, sizeof(h)), (ssize_t)sizeof(h));
	assert_int_equal(vu_backend_handle(&f->vu), -1);
	assert_int_equal(f->vu.conn_fd, -1);
}

static void test_bad_version_ends_connection(void **state)
{
	struct fixture *f = *state;

	send_msg(f->frontend, VU_GET_FEATURES, 2, NULL, 0, NULL, 0);
	assert_int_equal(vu_backend_handle(&f->vu), -1);
}

static void test_wrong_payload_size_ends_connection(void **state)
{
	struct fixture *f = *state;
	uint32_t half = 16;

	send_msg(f->frontend, VU_SET_VRING_NUM, VU_VERSION, &half, sizeof(half), NULL, 0);
	assert_int_equal(vu_backend_handle(&f->vu), -1);
}

static void test_kick_without_fd_ends_connection(void **state)
{
	struct fixture *f = *state;

	send_u64(f, VU_SET_VRING_KICK, 0, 0);
	assert_int_equal(vu_backend_handle(&f->vu), -1);
}

static void test_unexpected_fd_ends_connection(void **state)
{
	struct fixture *f = *state;
	uint64_t v = 0;

	send_msg(f->frontend, VU_SET_FEATURES, VU_VERSION, &v, sizeof(v), &f->memfd, 1);
	assert_int_equal(vu_backend_handle(&f->vu), -1);
}

static void test_queue_out_of_range_ends_connection(void **state)
{
	struct fixture *f = *state;

	send_state(f, VU_SET_VRING_NUM, 2, RING_NUM);
	assert_int_equal(vu_backend_handle(&f->vu), -1);
}

static void test_bad_ring_sizes_fail(void **state)
{
	struct fixture *f = *state;
	static const uint32_t bad[] = {0, 3, 24, 512};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		send_state(f, VU_SET_VRING_NUM, 0, bad[i]);
		assert_int_not_equal(status_of(f, VU_SET_VRING_NUM), 0);
	}
	assert_int_equal(f->vu.vrings[0].num, 0);
}

static void test_unknown_request_fails_but_keeps_connection(void **state)
{
	struct fixture *f = *state;

	send_msg(f->frontend, 99, VU_VERSION | VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0);
	assert_int_not_equal(status_of(f, 99), 0);
	assert_true(f->vu.conn_fd >= 0);
}

static void send_mem_table(struct fixture *f, uint64_t guest, uint64_t size, unsigned int nfds)
{
	struct vu_mem_table t = {.num = 1};
	int fds[2] = {f->memfd, f->memfd};

	t.regions[0] = (struct vu_mem_region){guest, size, guest, 0};
	send_msg(f->frontend, VU_SET_MEM_TABLE, VU_VERSION | VU_FLAG_NEED_REPLY, &t,
		 8 + sizeof(struct vu_mem_region), fds, nfds);
}

static void test_mem_table_fd_count_must_match(void **state)
{
	struct fixture *f = *state;

	send_mem_table(f, GUEST_BASE, GUEST_SIZE, 2);
	assert_int_equal(vu_backend_handle(&f->vu), -1);
	assert_int_equal(f->vu.map_count, 0);
}

static void set_ring(struct fixture *f, uint32_t q, uint64_t base)
{
	struct vu_vring_addr a = {
		.index = q, .desc = base, .avail = base + 0x400, .used = base + 0x800};
	int call[2];
	int kick = eventfd(0, EFD_CLOEXEC);

	assert_int_equal(pipe(call), 0);
	send_state(f, VU_SET_VRING_NUM, q, RING_NUM);
	assert_int_equal(status_of(f, VU_SET_VRING_NUM), 0);
	send_state(f, VU_SET_VRING_BASE, q, 0);
	assert_int_equal(status_of(f, VU_SET_VRING_BASE), 0);
	send_msg(f->frontend, VU_SET_VRING_ADDR, VU_VERSION | VU_FLAG_NEED_REPLY, &a, sizeof(a),
		 NULL, 0);
	assert_int_equal(status_of(f, VU_SET_VRING_ADDR), 0);
	uint64_t idx = q;

	send_msg(f->frontend, VU_SET_VRING_CALL, VU_VERSION | VU_FLAG_NEED_REPLY, &idx, sizeof(idx),
		 &call[1], 1);
	assert_int_equal(status_of(f, VU_SET_VRING_CALL), 0);
	send_msg(f->frontend, VU_SET_VRING_KICK, VU_VERSION | VU_FLAG_NEED_REPLY, &idx, sizeof(idx),
		 &kick, 1);
	assert_int_equal(status_of(f, VU_SET_VRING_KICK), 0);
	close(call[0]);
	close(call[1]);
	close(kick);
}

static void bring_up(struct fixture *f, uint64_t ring_base)
{
	send_u64(f, VU_SET_FEATURES, VU_FLAG_NEED_REPLY,
		 (1ull << VU_F_PROTOCOL_FEATURES) | (1ull << RP_VIRTIO_RPMSG_F_NS));
	assert_int_equal(status_of(f, VU_SET_FEATURES), 0);
	send_mem_table(f, GUEST_BASE, GUEST_SIZE, 1);
	assert_int_equal(status_of(f, VU_SET_MEM_TABLE), 0);
	set_ring(f, 0, ring_base);
	set_ring(f, 1, ring_base + 0x1000);
	assert_int_equal(f->starts, 0);
	for (uint32_t q = 0; q < 2; q++) {
		send_state(f, VU_SET_VRING_ENABLE, q, 1);
		assert_int_equal(status_of(f, VU_SET_VRING_ENABLE), 0);
	}
}

static void test_bring_up_starts_device_once(void **state)
{
	struct fixture *f = *state;
	void *desc, *avail, *used;

	bring_up(f, GUEST_BASE);
	assert_int_equal(f->starts, 1);
	assert_int_equal(vu_backend_ring_pointers(&f->vu, 1, &desc, &avail, &used), 0);
	assert_ptr_equal((uint8_t *)desc + 0x800, used);
}

static void test_region_past_end_of_file_is_refused(void **state)
{
	struct fixture *f = *state;

	send_mem_table(f, GUEST_BASE, 2 * GUEST_SIZE, 1);
	assert_int_not_equal(status_of(f, VU_SET_MEM_TABLE), 0);
	assert_int_equal(f->vu.map_count, 0);
}

static void test_ring_outside_memory_is_refused(void **state)
{
	struct fixture *f = *state;
	void *desc, *avail, *used;

	/* The second ring ends past the region: its pointers must not be handed out. */
	bring_up(f, GUEST_BASE + GUEST_SIZE - 0x1400);
	assert_int_equal(vu_backend_ring_pointers(&f->vu, 0, &desc, &avail, &used), 0);
	assert_int_equal(vu_backend_ring_pointers(&f->vu, 1, &desc, &avail, &used), -1);
}

static void test_get_vring_base_stops_device(void **state)
{
	struct fixture *f = *state;
	struct vu_msg m;

	bring_up(f, GUEST_BASE);
	f->position = 42;
	send_state(f, VU_GET_VRING_BASE, 1, 0);
	assert_int_equal(vu_backend_handle(&f->vu), 0);
	assert_int_equal(read(f->frontend, &m, sizeof(m.hdr) + 8), (ssize_t)(sizeof(m.hdr) + 8));
	assert_int_equal(m.payload.state.num, 42);
	assert_int_equal(f->stops, 1);
	assert_false(f->vu.running);
}

static void test_frontend_hangup_stops_device(void **state)
{
	struct fixture *f = *state;

	bring_up(f, GUEST_BASE);
	shutdown(f->frontend, SHUT_WR);
	assert_int_equal(vu_backend_handle(&f->vu), -1);
	assert_int_equal(f->stops, 1);
	assert_int_equal(f->vu.map_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_get_features_offers_rpmsg_bits),
		T(test_unoffered_feature_fails_but_keeps_connection),
		T(test_oversize_payload_ends_connection),
		T(test_stall_inside_message_ends_connection),
		T(test_bad_version_ends_connection),
		T(test_wrong_payload_size_ends_connection),
		T(test_kick_without_fd_ends_connection),
		T(test_unexpected_fd_ends_connection),
		T(test_queue_out_of_range_ends_connection),
		T(test_bad_ring_sizes_fail),
		T(test_unknown_request_fails_but_keeps_connection),
		T(test_mem_table_fd_count_must_match),
		T(test_bring_up_starts_device_once),
		T(test_region_past_end_of_file_is_refused),
		T(test_ring_outside_memory_is_refused),
		T(test_get_vring_base_stops_device),
		T(test_frontend_hangup_stops_device),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
