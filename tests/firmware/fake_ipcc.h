/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A software model of the STM32MP1 IPCC's register block (RM0436 register
 * semantics: write-1-to-set/clear, status registers read-only, interrupt
 * lines as level functions of status, mask and enable), for running the
 * M4's IPCC driver where there is no IPCC. It supplies reg_read() and
 * reg_write() for builds with AMPLINK_FAKE_REGS, and lets a test play
 * processor 1 (Linux).
 */
#ifndef TESTS_FAKE_IPCC_H
#define TESTS_FAKE_IPCC_H

#include <stdbool.h>
#include <stdint.h>

/* Back to reset values, with this many channels in IPCC_HWCFGR. */
void fake_ipcc_reset(unsigned int channels);

/*
 * Called when the M4 sets a channel towards Linux, at once, in the middle
 * of whatever the M4 is doing: lets a test run Linux's handling while the
 * flag still reads occupied, as an interrupt on the other core can.
 */
void fake_ipcc_on_ring(void (*fn)(unsigned int ch));

/*
 * Called each time the M4 reads its incoming flags (C1TOC2SR), before the
 * value is returned: lets a test play Linux while the M4 polls.
 */
void fake_ipcc_on_status_read(void (*fn)(void));

/* Processor 1 rings channel ch (bit index) towards the M4. */
void fake_ipcc_linux_send(unsigned int ch);

/* Processor 1 takes the M4's ring on ch, if any (as Linux's RX handler). */
bool fake_ipcc_linux_take(unsigned int ch);

/* Occupied flags, per direction (bit per channel). */
uint32_t fake_ipcc_to_m4(void);
uint32_t fake_ipcc_to_linux(void);

/* The M4's interrupt lines as the hardware would drive them. */
bool fake_ipcc_rx_line(void);
bool fake_ipcc_tx_line(void);

/* Raw register value at offset off from the IPCC base (for assertions). */
uint32_t fake_ipcc_reg(uint32_t off);

/* Accesses that real hardware would ignore or that hit no register. */
unsigned int fake_ipcc_bad_accesses(void);

#endif
