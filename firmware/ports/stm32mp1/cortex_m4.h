/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The few Cortex-M4 system registers the firmware touches. Addresses and
 * bits from the ARMv7-M Architecture Reference Manual (System Control
 * Block B3.2, SysTick B3.3, NVIC B3.4); they are the same on every
 * Cortex-M4, so these work on the STM32MP157 and in QEMU's mps2-an386.
 */
#ifndef STM32MP1_CORTEX_M4_H
#define STM32MP1_CORTEX_M4_H

#include <stdint.h>

#include "regs.h"

#define SCB_ICSR 0xE000ED04u
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_ICSR_PENDSTCLR (1u << 25)
#define SCB_VTOR 0xE000ED08u
#define SCB_SCR 0xE000ED10u
#define SCB_SCR_SLEEPDEEP (1u << 2)
#define SCB_CFSR 0xE000ED28u
#define SCB_HFSR 0xE000ED2Cu
#define SCB_BFAR 0xE000ED38u
#define SCB_CPACR 0xE000ED88u
#define SCB_CPACR_CP10_CP11_FULL (0xFu << 20)

/*
 * The MPU (ARMv7-M ARM B3.5: PMSAv7). RBAR holds the base (bits 31:5),
 * RNR selects the region RBAR and RASR refer to. RASR: region size
 * 2^(SIZE+1) bytes, SIZE >= 4; memory type from TEX, C, B and S (B3.5.7,
 * table B3-13); access permissions AP (table B3-15); XN forbids
 * instruction fetches.
 */
#define MPU_TYPE 0xE000ED90u
#define MPU_TYPE_DREGION(type) (((type) >> 8) & 0xFFu) /* regions; 0: no MPU */
#define MPU_CTRL 0xE000ED94u
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2) /* the default map where no region matches */
#define MPU_RNR 0xE000ED98u
#define MPU_RBAR 0xE000ED9Cu
#define MPU_RBAR_ADDR_MASK 0xFFFFFFE0u
#define MPU_RASR 0xE000EDA0u
#define MPU_RASR_ENABLE (1u << 0)
#define MPU_RASR_SIZE(log2_bytes) (((log2_bytes)-1u) << 1)
#define MPU_RASR_SIZE_MIN_LOG2 5u /* 32 bytes */
#define MPU_RASR_B (1u << 16)
#define MPU_RASR_C (1u << 17)
#define MPU_RASR_S (1u << 18)
#define MPU_RASR_TEX(tex) ((tex) << 19)
#define MPU_RASR_AP_RW (3u << 24) /* read-write, privileged and unprivileged */
#define MPU_RASR_XN (1u << 28)

#define SYST_CSR 0xE000E010u
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)  /* 1: the processor clock */
#define SYST_CSR_COUNTFLAG (1u << 16) /* wrapped since last read; reading clears it */
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
#define SYST_MAX_RELOAD 0x00FFFFFFu

#define NVIC_ISER(n) (0xE000E100u + 4u * ((n) / 32u))
#define NVIC_ICER(n) (0xE000E180u + 4u * ((n) / 32u))
#define NVIC_ISPR(n) (0xE000E200u + 4u * ((n) / 32u))
#define NVIC_ICPR(n) (0xE000E280u + 4u * ((n) / 32u))
#define NVIC_BIT(n) (1u << ((n) % 32u))

static inline void cpu_irq_disable(void)
{
	__asm__ volatile("cpsid i" ::: "memory");
}

/*
 * With PRIMASK set, WFI still wakes when an enabled interrupt becomes
 * pending, but no handler runs: the main loop looks at the hardware
 * itself. No window is lost between "nothing to do" and the sleep, since
 * a pending interrupt makes WFI return at once.
 */
static inline void cpu_wait_for_interrupt(void)
{
	__asm__ volatile("dsb\n\twfi" ::: "memory");
}

static inline uint32_t cpu_ipsr(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, ipsr" : "=r"(v));
	return v;
}

#endif
