/* SPDX-License-Identifier: BSD-3-Clause */
#include "mpu.h"

#include "cortex_m4.h"

bool m4_mpu_bulk_region(uint32_t base, uint32_t size, struct m4_mpu_region *r)
{
	if (size < (1u << MPU_RASR_SIZE_MIN_LOG2) || (size & (size - 1u)) != 0 ||
	    (base & (size - 1u)) != 0)
		return false;
	r->rbar = base;
	r->rasr =
		M4_MPU_BULK_ATTRS | MPU_RASR_SIZE((uint32_t)__builtin_ctz(size)) | MPU_RASR_ENABLE;
	return true;
}

#ifdef __arm__
/*
 * Directly, not through reg_write(): the MPU is part of the core, present
 * in QEMU's Cortex-M4 as on the board, so a test build (where reg_write()
 * is a software IPCC) programs the real one too.
 */
static uint32_t scs_read(uint32_t addr)
{
	return *(const volatile uint32_t *)(uintptr_t)addr;
}

static void scs_write(uint32_t addr, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)addr = value;
}

bool m4_mpu_enable(unsigned int number, const struct m4_mpu_region *r)
{
	if (MPU_TYPE_DREGION(scs_read(MPU_TYPE)) <= number)
		return false;
	/* Accesses under the old map complete before it changes. */
	__asm__ volatile("dmb" ::: "memory");
	scs_write(MPU_CTRL, 0);
	scs_write(MPU_RNR, number);
	scs_write(MPU_RBAR, r->rbar & MPU_RBAR_ADDR_MASK);
	scs_write(MPU_RASR, r->rasr);
	if ((scs_read(MPU_RBAR) & MPU_RBAR_ADDR_MASK) != (r->rbar & MPU_RBAR_ADDR_MASK) ||
	    scs_read(MPU_RASR) != r->rasr) {
		scs_write(MPU_RASR, 0);
		return false;
	}
	scs_write(MPU_CTRL, MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA);
	/* The new map applies to every access and fetch from here on (B3.5.1). */
	__asm__ volatile("dsb\n\tisb" ::: "memory");
	return true;
}
#endif
