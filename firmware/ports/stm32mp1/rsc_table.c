/* SPDX-License-Identifier: BSD-3-Clause */
#include "rsc_table.h"

#include <stdint.h>

/* The remoteproc ABI, checked against the layout in include/linux/remoteproc.h. */
_Static_assert(sizeof(struct rsc_vring) == 20, "fw_rsc_vdev_vring is 20 bytes");
_Static_assert(offsetof(struct rsc_vdev, status) == 24, "fw_rsc_vdev.status after the header");
_Static_assert(offsetof(struct rsc_vdev, vring) == 28, "fw_rsc_vdev.vring after reserved[2]");
_Static_assert(sizeof(struct rsc_trace) == 48, "type + fw_rsc_trace is 48 bytes");
_Static_assert(offsetof(struct amplink_rsc_table, vdev) == 24, "entries after 2 offsets");
_Static_assert(sizeof(struct amplink_rsc_table) == 140, "no padding anywhere");

/* Linux reads it through rproc_da_to_va(), so it must be in the M4's memory. */
char amplink_trace_buf[AMPLINK_TRACE_SIZE];

/*
 * Not const: Linux writes into the loaded copy. "used" because only Linux
 * reads it by name; the firmware itself refers to it anyway.
 */
__attribute__((section(".resource_table"), used)) struct amplink_rsc_table amplink_rsc_table =
	AMPLINK_RSC_TABLE_INIT((uint32_t)(uintptr_t)amplink_trace_buf, AMPLINK_TRACE_SIZE);
