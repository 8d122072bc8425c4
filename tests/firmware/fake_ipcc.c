/* SPDX-License-Identifier: BSD-3-Clause */
#include "fake_ipcc.h"

#include <stddef.h>

#include "ipcc.h"
#include "regs.h"

/* Offsets from RM0436's IPCC register map. */
#define C1CR 0x000u
#define C1MR 0x004u
#define C1SCR 0x008u
#define C1TOC2SR 0x00Cu
#define C2CR 0x010u
#define C2MR 0x014u
#define C2SCR 0x018u
#define C2TOC1SR 0x01Cu
#define HWCFGR 0x3F0u
#define VER 0x3F4u

struct fake_ipcc {
	uint32_t c1cr, c1mr, c2cr, c2mr;
	uint32_t c1toc2sr, c2toc1sr;
	uint32_t channels;
	unsigned int bad;
};

static struct fake_ipcc ipcc;
static void (*on_ring)(unsigned int ch);

static void (*on_status_read)(void);

void fake_ipcc_on_ring(void (*fn)(unsigned int ch))
{
	on_ring = fn;
}

void fake_ipcc_on_status_read(void (*fn)(void))
{
	on_status_read = fn;
}

static uint32_t all(void)
{
	return (1u << ipcc.channels) - 1u;
}

void fake_ipcc_reset(unsigned int channels)
{
	ipcc = (struct fake_ipcc){.channels = channels};
	on_status_read = NULL;
	/* Reset values: every channel masked in both directions. */
	ipcc.c1mr = all() | (all() << 16);
	ipcc.c2mr = all() | (all() << 16);
}

uint32_t reg_read(uint32_t addr)
{
	switch (addr - IPCC_BASE) {
	case C1CR:
		return ipcc.c1cr;
	case C1MR:
		return ipcc.c1mr;
	case C1TOC2SR:
		if (on_status_read)
			on_status_read();
		return ipcc.c1toc2sr;
	case C2CR:
		return ipcc.c2cr;
	case C2MR:
		return ipcc.c2mr;
	case C2TOC1SR:
		return ipcc.c2toc1sr;
	case C1SCR:
	case C2SCR:
		return 0; /* write-only */
	case HWCFGR:
		return ipcc.channels;
	case VER:
		return 0x10;
	default:
		ipcc.bad++;
		return 0;
	}
}

void reg_write(uint32_t addr, uint32_t value)
{
	uint32_t lo = value & all();
	uint32_t hi = (value >> 16) & all();

	switch (addr - IPCC_BASE) {
	case C2CR:
		ipcc.c2cr = value & ((1u << 16) | 1u);
		break;
	case C2MR:
		ipcc.c2mr = value & (all() | (all() << 16));
		break;
	case C2SCR: {
		/* CHnC clears the other side's flag towards us, CHnS sets ours. */
		uint32_t rising = hi & ~ipcc.c2toc1sr;

		ipcc.c1toc2sr &= ~lo;
		ipcc.c2toc1sr |= hi;
		for (unsigned int ch = 0; on_ring && ch < ipcc.channels; ch++)
			if (rising & (1u << ch))
				on_ring(ch);
		break;
	}
	default:
		/* Processor 1's registers and read-only ones are not the M4's to write. */
		ipcc.bad++;
		break;
	}
}

void fake_ipcc_linux_send(unsigned int ch)
{
	ipcc.c1toc2sr |= (1u << ch) & all();
}

bool fake_ipcc_linux_take(unsigned int ch)
{
	uint32_t bit = (1u << ch) & all();

	if (!(ipcc.c2toc1sr & bit))
		return false;
	ipcc.c2toc1sr &= ~bit;
	return true;
}

uint32_t fake_ipcc_to_m4(void)
{
	return ipcc.c1toc2sr;
}

uint32_t fake_ipcc_to_linux(void)
{
	return ipcc.c2toc1sr;
}

bool fake_ipcc_rx_line(void)
{
	return (ipcc.c2cr & 1u) && (ipcc.c1toc2sr & ~ipcc.c2mr & all());
}

bool fake_ipcc_tx_line(void)
{
	return (ipcc.c2cr & (1u << 16)) && (~ipcc.c2toc1sr & ~(ipcc.c2mr >> 16) & all());
}

uint32_t fake_ipcc_reg(uint32_t off)
{
	unsigned int bad = ipcc.bad;
	uint32_t v = reg_read(IPCC_BASE + off);

	ipcc.bad = bad;
	return v;
}

unsigned int fake_ipcc_bad_accesses(void)
{
	return ipcc.bad;
}
