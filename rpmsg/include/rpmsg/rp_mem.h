/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Translation between bus addresses found in descriptors and local pointers.
 * Every address the peer hands us goes through rp_mem_to_ptr(), which refuses
 * anything not wholly inside one known region.
 */
#ifndef RPMSG_RP_MEM_H
#define RPMSG_RP_MEM_H

#include <stdint.h>

struct rp_mem_region {
	uint64_t bus_addr; /* address as the peer writes it in descriptors */
	uint64_t size;
	uint8_t *local; /* the same bytes as mapped here */
};

struct rp_mem {
	const struct rp_mem_region *regions;
	unsigned int count;
};

/* Local pointer for [addr, addr + len) or NULL when outside every region. */
void *rp_mem_to_ptr(const struct rp_mem *mem, uint64_t addr, uint64_t len);

/* Bus address of local [ptr, ptr + len); returns 0 on success, -1 if unmapped. */
int rp_mem_to_bus(const struct rp_mem *mem, const void *ptr, uint64_t len, uint64_t *addr);

#endif
