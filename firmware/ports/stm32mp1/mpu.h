/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one MPU region the firmware sets up: the bulk pool's window in DDR.
 *
 * The Cortex-M4's default memory map (ARMv7-M ARM B3.1, table B3-1) makes
 * 0xA0000000-0xDFFFFFFF Device memory, execute-never. Device memory takes
 * no unaligned access (UsageFault, escalated to HardFault here) and merges
 * nothing, yet the SDK reads and writes slots with memcpy() and hands
 * services pointers to any offset: the first unaligned byte would fault.
 * One region therefore makes the window Normal memory: non-cacheable (the
 * M4 has no data cache, and the A7 maps the pool write-combine, so neither
 * side caches it), shareable (another master writes it), execute-never
 * (it holds data Linux wrote), read-write. PRIVDEFENA keeps the default map
 * everywhere else, so this region is all the MPU changes.
 *
 * The encoding is a pure function (tested on the host against the
 * architecture's layout); only m4_mpu_enable() touches the hardware.
 */
#ifndef STM32MP1_MPU_H
#define STM32MP1_MPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cortex_m4.h"

/* The region number the pool's window uses (the only one programmed). */
#define M4_MPU_REGION_BULK 0u

/*
 * RASR attributes of the window: Normal, non-cacheable is TEX 001, C 0,
 * B 0 (table B3-13); S 1, shareable; AP 011, full access; XN 1.
 */
#define M4_MPU_BULK_ATTRS (MPU_RASR_XN | MPU_RASR_AP_RW | MPU_RASR_TEX(1u) | MPU_RASR_S)

struct m4_mpu_region {
	uint32_t rbar; /* the base; the region is chosen through RNR */
	uint32_t rasr;
};

/*
 * RBAR and RASR for a region of size bytes at base with the window's
 * attributes. False if it cannot be one region: size not a power of two,
 * smaller than 32 bytes, or base not aligned to it.
 */
bool m4_mpu_bulk_region(uint32_t base, uint32_t size, struct m4_mpu_region *r);

/*
 * Programs region number with r and enables the MPU with PRIVDEFENA
 * (the firmware runs privileged throughout: nothing else changes).
 * Completes outstanding accesses first, and returns after DSB and ISB, so
 * every later access sees the new map. False if the core has no MPU or too
 * few regions, or the region did not read back as written; the MPU is
 * left off then. The core's own registers, so on the target only.
 */
bool m4_mpu_enable(unsigned int number, const struct m4_mpu_region *r);

#endif
