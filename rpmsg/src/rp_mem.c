/* SPDX-License-Identifier: BSD-3-Clause */
#include "rpmsg/rp_mem.h"

#include <stddef.h>

static int range_inside(uint64_t start, uint64_t len, uint64_t base, uint64_t size)
{
	/* Written so that no addition can wrap. */
	return start >= base && start - base <= size && len <= size - (start - base);
}

void *rp_mem_to_ptr(const struct rp_mem *mem, uint64_t addr, uint64_t len)
{
	for (unsigned int i = 0; i < mem->count; i++) {
		const struct rp_mem_region *r = &mem->regions[i];

		if (range_inside(addr, len, r->bus_addr, r->size))
			return r->local + (addr - r->bus_addr);
	}
	return NULL;
}

int rp_mem_to_bus(const struct rp_mem *mem, const void *ptr, uint64_t len, uint64_t *addr)
{
	uintptr_t p = (uintptr_t)ptr;

	for (unsigned int i = 0; i < mem->count; i++) {
		const struct rp_mem_region *r = &mem->regions[i];

		if (range_inside(p, len, (uintptr_t)r->local, r->size)) {
			*addr = r->bus_addr + (p - (uintptr_t)r->local);
			return 0;
		}
	}
	return -1;
}
