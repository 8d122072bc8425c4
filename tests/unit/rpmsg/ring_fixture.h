/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared memory for the unit tests: both queues' rings and the message
 * buffers in one static array, seen by the core through one rp_mem region at
 * the bus address of the STM32MP1's SRAM, as on the real board.
 */
#ifndef TESTS_RING_FIXTURE_H
#define TESTS_RING_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rpmsg/rpmsg.h>
#include <rpmsg/rpmsg_driver.h>

#define FX_BUS_BASE 0x10040000u
#define FX_MAX_NUM 64u
#define FX_RING_BYTES 8192u
#define FX_SHM_SIZE (FX_RING_BYTES + 2u * FX_MAX_NUM * RP_BUF_SIZE)

struct ring_fixture {
	uint8_t *shm;
	uint16_t num;
	struct rp_mem_region region;
	struct rp_mem mem;
	struct rp_rings rings;
	uint8_t *buffers; /* 2 * num buffers of RP_BUF_SIZE, for rp_driver_init() */
};

/* Zeroes the shared memory and lays out desc/avail/used for both queues. */
void fx_init(struct ring_fixture *fx, uint16_t num, bool event_idx);

struct rp_vring_desc *fx_desc(const struct ring_fixture *fx, unsigned int q);
struct rp_vring_avail *fx_avail(const struct ring_fixture *fx, unsigned int q);
struct rp_vring_used *fx_used(const struct ring_fixture *fx, unsigned int q);
uint8_t *fx_buf(const struct ring_fixture *fx, unsigned int i);
uint64_t fx_bus(const struct ring_fixture *fx, const void *p);

/*
 * A hostile peer writes the shared rings directly; these helpers do exactly
 * that and nothing more, so the core sees whatever values the test chose.
 */
void fx_write_desc(struct ring_fixture *fx, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		   uint16_t flags);
void fx_post_avail(struct ring_fixture *fx, unsigned int q, uint16_t head);
void fx_post_used(struct ring_fixture *fx, unsigned int q, uint32_t id, uint32_t len);

#define FX_LOG_MAX 64u

/* What an endpoint received, for byte-exact comparisons afterwards. */
struct rx_log {
	unsigned int calls;
	unsigned int count;
	unsigned int refuse; /* answer RP_EAGAIN this many more times */
	uint32_t len[FX_LOG_MAX];
	uint32_t src[FX_LOG_MAX];
	uint32_t dst[FX_LOG_MAX];
	uint8_t data[FX_LOG_MAX][RP_MTU];
};

/* Endpoint callback recording into the rx_log passed as priv. */
int rx_log_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src);

struct ns_event {
	char name[RP_NAME_SIZE];
	uint32_t addr;
	bool created;
};

/* A driver and a device talking over the same fixture. */
struct fx_link {
	struct ring_fixture fx;
	struct rp_driver drv;
	struct rp_device dev;
	unsigned int drv_notify[2]; /* doorbells rung by the driver, per queue */
	unsigned int dev_notify[2]; /* and by the device */
	unsigned int ns_count;
	struct ns_event ns[16];
};

/* Both sides initialised (the driver first, as it owns the layout); link down. */
void fx_link_init(struct fx_link *l, uint16_t num, bool event_idx, bool ns);

/* Only the device side, for tests that play the driver by hand. */
void fx_link_init_device(struct fx_link *l, uint16_t num, bool event_idx);

/* Polls device and driver in turn until neither has anything left to do. */
void fx_link_settle(struct fx_link *l);

/* Fills p with a pattern derived from seed, so misplaced bytes show. */
void fx_pattern(uint8_t *p, uint32_t len, uint32_t seed);

#endif
