/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The resource table Linux's remoteproc reads from the ELF section
 * ".resource_table": one virtio rpmsg device and one trace buffer.
 *
 * The entry layouts are the remoteproc ABI (struct resource_table,
 * fw_rsc_vdev, fw_rsc_vdev_vring, fw_rsc_trace in Linux's
 * include/linux/remoteproc.h), written out here with fixed-width types.
 * Every field is naturally aligned, so no packing is needed; the static
 * asserts in rsc_table.c pin the offsets.
 *
 * Linux writes into the loaded copy while the M4 runs: the vring addresses
 * and notify ids when it creates the virtqueues, the negotiated features,
 * and the virtio status. Read those fields through volatile accesses.
 */
#ifndef STM32MP1_RSC_TABLE_H
#define STM32MP1_RSC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define RSC_TABLE_VERSION 1u
#define RSC_TYPE_TRACE 2u
#define RSC_TYPE_VDEV 3u
#define RSC_ADDR_ANY 0xFFFFFFFFu /* FW_RSC_ADDR_ANY: Linux chooses */

#define VIRTIO_ID_RPMSG 7u
/* Virtio device status bits (virtio 1.x, 2.1). */
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/*
 * 16 buffers per direction, as ST's firmware declares: Linux's rpmsg then
 * allocates 2 x 16 x 512 bytes, exactly the 16 KiB vdev0buffer region.
 */
#define AMPLINK_VRING_NUM 16u
/*
 * Vring alignment 16, as ST's firmware uses: Linux rounds each vring up to a
 * page and the DT gives each one 4 KiB, so the vring (desc, avail, pad to
 * align, used) must fit in 4096 bytes; with 16 entries it takes 438.
 */
#define AMPLINK_VRING_ALIGN 16u
#define AMPLINK_TRACE_SIZE 4096u

struct rsc_vring {
	uint32_t da; /* device address of the vring; Linux fills it in */
	uint32_t align;
	uint32_t num;
	uint32_t notifyid;
	uint32_t pa;
};

struct rsc_vdev {
	uint32_t type; /* RSC_TYPE_VDEV */
	uint32_t id;
	uint32_t notifyid;
	uint32_t dfeatures; /* what the firmware offers */
	uint32_t gfeatures; /* what Linux accepted */
	uint32_t config_len;
	uint8_t status; /* virtio status, written by Linux */
	uint8_t num_of_vrings;
	uint8_t reserved[2];
	struct rsc_vring vring[2];
};

struct rsc_trace {
	uint32_t type; /* RSC_TYPE_TRACE */
	uint32_t da;
	uint32_t len;
	uint32_t reserved;
	char name[32];
};

struct amplink_rsc_table {
	uint32_t ver;
	uint32_t num;
	uint32_t reserved[2];
	uint32_t offset[2];
	struct rsc_vdev vdev;
	struct rsc_trace trace;
};

/* The initial table; trace_da is where the trace buffer is, as the M4 sees it. */
#define AMPLINK_RSC_TABLE_INIT(trace_da, trace_len)                                                \
	{                                                                                          \
		.ver = RSC_TABLE_VERSION, .num = 2,                                                \
		.offset = {offsetof(struct amplink_rsc_table, vdev),                               \
			   offsetof(struct amplink_rsc_table, trace)},                             \
		.vdev =                                                                            \
			{                                                                          \
				.type = RSC_TYPE_VDEV,                                             \
				.id = VIRTIO_ID_RPMSG,                                             \
				.notifyid = 2,                                                     \
				.dfeatures = 1u << 0, /* VIRTIO_RPMSG_F_NS */                      \
				.num_of_vrings = 2,                                                \
				.vring =                                                           \
					{                                                          \
						{RSC_ADDR_ANY, AMPLINK_VRING_ALIGN,                \
						 AMPLINK_VRING_NUM, 0, 0},                         \
						{RSC_ADDR_ANY, AMPLINK_VRING_ALIGN,                \
						 AMPLINK_VRING_NUM, 1, 0},                         \
					},                                                         \
			},                                                                         \
		.trace = {                                                                         \
			.type = RSC_TYPE_TRACE,                                                    \
			.da = (trace_da),                                                          \
			.len = (trace_len),                                                        \
			.name = "amplink-trace",                                                   \
		},                                                                                 \
	}

/* In .resource_table; defined by rsc_table.c on the target. */
extern struct amplink_rsc_table amplink_rsc_table;
extern char amplink_trace_buf[AMPLINK_TRACE_SIZE];

#endif
