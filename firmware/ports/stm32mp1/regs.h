/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one place the firmware touches peripheral registers. Drivers go
 * through reg_read()/reg_write() only, so a test build can define
 * AMPLINK_FAKE_REGS and supply both functions itself: the same driver code
 * then runs against a software model of the peripheral, on the host or in
 * an emulator that has no such peripheral.
 */
#ifndef STM32MP1_REGS_H
#define STM32MP1_REGS_H

#include <stdint.h>

#ifdef AMPLINK_FAKE_REGS
uint32_t reg_read(uint32_t addr);
void reg_write(uint32_t addr, uint32_t value);
#else
static inline uint32_t reg_read(uint32_t addr)
{
	return *(const volatile uint32_t *)(uintptr_t)addr;
}

static inline void reg_write(uint32_t addr, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)addr = value;
}
#endif

/*
 * Barriers around doorbells. The peer must see ring updates before the
 * doorbell that announces them (dsb: the writes have completed, not merely
 * been issued), and ring reads must not be hoisted above the status read
 * that told us to look (dmb).
 */
static inline void reg_barrier_before_doorbell(void)
{
#if defined(__arm__) && !defined(AMPLINK_FAKE_REGS)
	__asm__ volatile("dsb" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline void reg_barrier_after_status(void)
{
#if defined(__arm__) && !defined(AMPLINK_FAKE_REGS)
	__asm__ volatile("dmb" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
