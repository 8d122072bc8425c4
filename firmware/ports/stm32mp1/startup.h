/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef STM32MP1_STARTUP_H
#define STM32MP1_STARTUP_H

#include <stdint.h>

/*
 * Interrupt lines in the vector table: the STM32MP15's M4 has 150 (RM0436
 * MCU interrupt list), which makes the 0x298-byte table ST's linker
 * scripts reserve at the start of RETRAM.
 */
#ifndef M4_NUM_IRQS
#define M4_NUM_IRQS 150u
#endif

/*
 * Called on any exception but reset, with its number (IPSR) and the
 * stacked registers r0, r1, r2, r3, r12, lr, pc, xpsr. Weak: a port
 * records it where someone can read it; the core then stops.
 */
void m4_fault_report(uint32_t exception, const uint32_t *frame);

#endif
