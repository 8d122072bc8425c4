/* SPDX-License-Identifier: BSD-3-Clause */
#include "ipcc.h"

#include "regs.h"

/*
 * RM0436, IPCC register map. Processor 1 (Linux) owns the C1 registers,
 * processor 2 (this M4) the C2 registers at +0x10; each reads the other's
 * "to me" status register to see what arrived.
 */
#define IPCC_C1TOC2SR (IPCC_BASE + 0x00Cu) /* CHnF: occupied, Linux -> M4 */
#define IPCC_C2CR (IPCC_BASE + 0x010u)	   /* interrupt enables */
#define IPCC_C2MR (IPCC_BASE + 0x014u)	   /* per-channel interrupt masks */
#define IPCC_C2SCR (IPCC_BASE + 0x018u)	   /* write 1 to clear / set flags */
#define IPCC_C2TOC1SR (IPCC_BASE + 0x01Cu) /* CHnF: occupied, M4 -> Linux */
#define IPCC_HWCFGR (IPCC_BASE + 0x3F0u)   /* CHANNELS[7:0] */

/*
 * IPCC_C2CR: RXOIE (bit 0) raises the RX line while an unmasked C1TOC2SR
 * flag is set; TXFIE (bit 16) raises the TX line while an unmasked
 * C2TOC1SR flag is clear.
 */
#define IPCC_CR_RXOIE (1u << 0)
#define IPCC_CR_TXFIE (1u << 16)
/* IPCC_C2MR: CHnOM (bit n-1) masks "occupied", CHnFM (bit n+15) "free"; 1 = masked. */
#define IPCC_MR_OCCUPIED(mask) (mask)
#define IPCC_MR_FREE(mask) ((mask) << 16)
/* IPCC_C2SCR: CHnC (bit n-1) clears C1TOC2SR.CHnF; CHnS (bit n+15) sets C2TOC1SR.CHnF. */
#define IPCC_SCR_CLEAR(mask) (mask)
#define IPCC_SCR_SET(mask) ((mask) << 16)
#define IPCC_HWCFGR_CHANNELS 0xFFu

/* The layout leaves room for 16 channels per direction; the STM32MP15 has 6. */
#define IPCC_MAX_CHANNELS 16u

static uint32_t all_channels;
static uint32_t deferred; /* rings waiting for Linux to free their channel */

/* Unmasks the receive side of our channels and "free" for deferred rings only. */
static void apply_masks(void)
{
	reg_write(IPCC_C2MR, IPCC_MR_OCCUPIED(all_channels & ~IPCC_RX_CHANNELS) |
				     IPCC_MR_FREE(all_channels & ~deferred));
	reg_write(IPCC_C2CR, IPCC_CR_RXOIE | (deferred ? IPCC_CR_TXFIE : 0));
}

unsigned int ipcc_init(void)
{
	unsigned int n = reg_read(IPCC_HWCFGR) & IPCC_HWCFGR_CHANNELS;

	if (n > IPCC_MAX_CHANNELS)
		n = IPCC_MAX_CHANNELS;
	all_channels = (1u << n) - 1u;
	deferred = 0;
	if ((IPCC_RX_CHANNELS & ~all_channels) != 0) {
		ipcc_disable();
		return 0;
	}
	apply_masks();
	return n;
}

uint32_t ipcc_pending(void)
{
	uint32_t occupied = reg_read(IPCC_C1TOC2SR);
	uint32_t masked = reg_read(IPCC_C2MR);

	/* Shared memory read after this must see what the flag announced. */
	reg_barrier_after_status();
	return occupied & ~masked & all_channels & IPCC_RX_CHANNELS;
}

void ipcc_ack(uint32_t mask)
{
	mask &= all_channels;
	if (mask)
		reg_write(IPCC_C2SCR, IPCC_SCR_CLEAR(mask));
}

bool ipcc_notify(unsigned int ch)
{
	uint32_t bit = ch < IPCC_MAX_CHANNELS ? IPCC_BIT(ch) & all_channels : 0;

	if (!bit)
		return false;
	/* The vring update must be visible before Linux can look at it. */
	reg_barrier_before_doorbell();
	if ((reg_read(IPCC_C2TOC1SR) & bit) == 0) {
		reg_write(IPCC_C2SCR, IPCC_SCR_SET(bit));
		return true;
	}
	if ((deferred & bit) == 0) {
		deferred |= bit;
		apply_masks();
	}
	return false;
}

void ipcc_flush(void)
{
	if (!deferred)
		return;

	uint32_t ready = deferred & ~reg_read(IPCC_C2TOC1SR);

	if (!ready)
		return;
	reg_barrier_before_doorbell();
	reg_write(IPCC_C2SCR, IPCC_SCR_SET(ready));
	deferred &= ~ready;
	apply_masks();
}

uint32_t ipcc_deferred(void)
{
	return deferred;
}

void ipcc_disable(void)
{
	deferred = 0;
	reg_write(IPCC_C2CR, 0);
	reg_write(IPCC_C2MR, IPCC_MR_OCCUPIED(all_channels) | IPCC_MR_FREE(all_channels));
}
