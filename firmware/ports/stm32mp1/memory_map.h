/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Cortex-M4's view of the STM32MP157 memories this firmware uses, and
 * the part of them that Linux keeps for the rpmsg transport.
 *
 * RM0436 (STM32MP157 reference manual), memory map and RETRAM/SRAM sections:
 * - RETRAM, 64 KiB, is seen by the MPU at 0x38000000 and by the MCU at
 *   0x00000000 (its code-bus alias); the M4 fetches its vector table there
 *   after reset.
 * - MCUSRAM is SRAM1 (128 KiB at 0x10000000), SRAM2 (128 KiB at 0x10020000),
 *   SRAM3 (64 KiB at 0x10040000) and SRAM4 (64 KiB at 0x10050000); the MCU
 *   reaches them at 0x10000000 (code-bus alias) and both cores at 0x30000000
 *   (system-bus alias).
 *
 * ST's default device tree for the DK boards (stm32mp15xx-dkx.dtsi, Linux
 * 6.1) gives the firmware retram and mcuram2 (0x10000000, 256 KiB: SRAM1 and
 * SRAM2) and reserves the start of SRAM3 for rpmsg: vdev0vring0 at
 * 0x10040000 and vdev0vring1 at 0x10041000 (4 KiB each), vdev0buffer at
 * 0x10042000 (16 KiB). The linker script keeps the image out of that area.
 */
#ifndef STM32MP1_MEMORY_MAP_H
#define STM32MP1_MEMORY_MAP_H

#define M4_RETRAM_BASE 0x00000000u
#define M4_RETRAM_SIZE 0x00010000u

/* SRAM1 + SRAM2: the firmware's code, data and stack (mcuram2 in the DT). */
#define M4_MCUSRAM_BASE 0x10000000u
#define M4_MCUSRAM_SIZE 0x00040000u

/* The rpmsg area of SRAM3 as laid out by the DT: two vrings, then buffers. */
#define M4_IPC_VRING_BASE 0x10040000u
#define M4_IPC_VRING_SIZE 0x00002000u
#define M4_IPC_BUF_BASE 0x10042000u
#define M4_IPC_BUF_SIZE 0x00004000u
#define M4_IPC_BASE M4_IPC_VRING_BASE
#define M4_IPC_SIZE (M4_IPC_VRING_SIZE + M4_IPC_BUF_SIZE)

/*
 * The same SRAM through the system-bus alias (RM0436: MCUSRAM at 0x30000000
 * for both cores). A device tree that reserves the rpmsg area there makes
 * Linux write these addresses; the M4 reads the same bytes either way.
 */
#define M4_SRAM_SYSBUS_OFFSET 0x20000000u

/*
 * The window where the module's bulk pool may lie (docs/protocol.md, "The
 * M4's view"): the DDR the reserved-memory region covers, the same address
 * for both cores. One MPU region must make it Normal, non-cacheable memory
 * before the firmware touches it (Device memory faults on unaligned
 * accesses), so it is a power of two aligned to its size. A POOL outside it
 * is answered UNREACHABLE: no other DDR is ever touched.
 */
#ifndef M4_BULK_WINDOW_BASE
#define M4_BULK_WINDOW_BASE 0xdd000000u
#endif
#ifndef M4_BULK_WINDOW_SIZE
#define M4_BULK_WINDOW_SIZE 0x01000000u
#endif
_Static_assert((M4_BULK_WINDOW_SIZE & (M4_BULK_WINDOW_SIZE - 1u)) == 0 &&
		       M4_BULK_WINDOW_BASE % M4_BULK_WINDOW_SIZE == 0,
	       "an MPU region: a power of two, aligned to its size");

#endif
