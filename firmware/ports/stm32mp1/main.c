/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink firmware for the Cortex-M4 of the STM32MP157, started by Linux's
 * remoteproc (stm32_rproc). The same rpmsg core and services as every other
 * port; this file only wires them to the board: where the shared memory is,
 * which interrupts wake the core, and how it sleeps.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include <rpmsg/rp_mem.h>

#include "cortex_m4.h"
#include "ipcc.h"
#include "m4_port.h"
#include "memory_map.h"
#include "mpu.h"
#include "rsc_table.h"
#include "startup.h"
#include "trace.h"

#ifndef AMPLINK_VERSION
#define AMPLINK_VERSION "dev"
#endif

/*
 * IPCC interrupt lines of processor 2 (the M4) at MCU NVIC positions 103
 * (receive: a channel became occupied towards us) and 104 (transmit: a
 * channel we are waiting on became free), per RM0436's MCU interrupt list.
 */
#define IPCC_RX2_IRQ 103u
#define IPCC_TX2_IRQ 104u

/*
 * Addresses in the resource table (vring da) and in descriptors.
 *
 * stm32_rproc translates between Linux's physical addresses and the M4's
 * device addresses with the dma-ranges of the mlahb node
 * (stm32mp151.dtsi: <0x10000000 0x10000000 0x60000> for MCUSRAM, identity;
 * <0x00000000 0x38000000 0x10000> for RETRAM). The vring da it writes
 * into the resource table is that translation of the vdev0vringN region:
 * 0x10040000 and 0x10041000.
 *
 * The buffer addresses in descriptors do not go through that translation:
 * remoteproc's virtio devices do not offer VIRTIO_F_ACCESS_PLATFORM, so the
 * virtio ring puts the buffers' CPU physical addresses (sg_phys) in the
 * descriptors. The buffers come from vdev0buffer, physical 0x10042000 +
 * 16 KiB, and MCUSRAM sits at 0x10000000 for the M4 as well (RM0436), so
 * these too are the M4's own addresses.
 *
 * Both therefore map one to one. The same bytes through the 0x30000000
 * system-bus alias are accepted as well, for device trees that reserve the
 * rpmsg area there. Nothing else is: a descriptor pointing outside the
 * buffer area (into our code, or at the vrings) stops the device.
 */
static const struct rp_mem_region vring_regions[] = {
	{.bus_addr = M4_IPC_VRING_BASE,
	 .size = M4_IPC_VRING_SIZE,
	 .local = (uint8_t *)M4_IPC_VRING_BASE},
	{.bus_addr = M4_IPC_VRING_BASE + M4_SRAM_SYSBUS_OFFSET,
	 .size = M4_IPC_VRING_SIZE,
	 .local = (uint8_t *)M4_IPC_VRING_BASE},
};
static const struct rp_mem_region buf_regions[] = {
	{.bus_addr = M4_IPC_BUF_BASE, .size = M4_IPC_BUF_SIZE, .local = (uint8_t *)M4_IPC_BUF_BASE},
	{.bus_addr = M4_IPC_BUF_BASE + M4_SRAM_SYSBUS_OFFSET,
	 .size = M4_IPC_BUF_SIZE,
	 .local = (uint8_t *)M4_IPC_BUF_BASE},
};
static const struct rp_mem vring_mem = {.regions = vring_regions, .count = 2};
static const struct rp_mem buf_mem = {.regions = buf_regions, .count = 2};

/*
 * The bulk pool's window (memory_map.h), one to one: DDR is at the same
 * address for both cores, so the pool's DMA address the module announces
 * is the M4's too. Given to the port only once the MPU region over it is
 * in place (bulk_window_setup()). M4_BULK=0 builds without bulk transfers.
 */
#ifndef M4_BULK
#define M4_BULK 0
#endif
#if M4_BULK
#if !AMP_NODE_BULK
#error "M4_BULK needs the SDK's bulk path: build with AMP_NODE_BULK=1"
#endif
static const struct rp_mem_region bulk_region = {.bus_addr = M4_BULK_WINDOW_BASE,
						 .size = M4_BULK_WINDOW_SIZE,
						 .local = (uint8_t *)M4_BULK_WINDOW_BASE};
static const struct rp_mem bulk_window = {.regions = &bulk_region, .count = 1};
/* The module's default slots are 64 KiB: a window's worth must fit the table. */
_Static_assert((uint64_t)AMP_BULK_SLOTS * 0x10000u >= M4_BULK_WINDOW_SIZE,
	       "AMP_BULK_SLOTS too small for a pool of 64 KiB slots filling the window");

/* The window as Normal memory (mpu.h says why), or no bulk transfers at all. */
static const struct rp_mem *bulk_window_setup(void)
{
	struct m4_mpu_region r;

	if (!m4_mpu_bulk_region(M4_BULK_WINDOW_BASE, M4_BULK_WINDOW_SIZE, &r) ||
	    !m4_mpu_enable(M4_MPU_REGION_BULK, &r)) {
		trace_log("no MPU region for the bulk window: bulk transfers off");
		return NULL;
	}
	trace_log("bulk window 0x%08" PRIx32 " + 0x%" PRIx32 ": MPU region %u, RASR 0x%08" PRIx32,
		  (uint32_t)M4_BULK_WINDOW_BASE, (uint32_t)M4_BULK_WINDOW_SIZE, M4_MPU_REGION_BULK,
		  r.rasr);
	return &bulk_window;
}
#endif

/*
 * The MCU clock as ST's boot chain sets it on the DK boards (209 MHz). The
 * millisecond tick, and so the services' timers and timeouts, depend on
 * it; build with another value for another clock tree.
 */
#ifndef AMPLINK_M4_CLOCK_HZ
#define AMPLINK_M4_CLOCK_HZ 209000000u
#endif
#define TICK_RELOAD (AMPLINK_M4_CLOCK_HZ / 1000u - 1u)
_Static_assert(TICK_RELOAD <= SYST_MAX_RELOAD, "SysTick cannot count one millisecond");

static struct m4_port port;
static uint32_t ticks_ms; /* SysTick wraps counted so far: milliseconds */

void m4_fault_report(uint32_t exception, const uint32_t *frame)
{
	trace_log("fault: exception %" PRIu32 " at pc 0x%08" PRIx32 " lr 0x%08" PRIx32
		  "; CFSR 0x%08" PRIx32 " HFSR 0x%08" PRIx32 " BFAR 0x%08" PRIx32,
		  exception, frame[6], frame[5], reg_read(SCB_CFSR), reg_read(SCB_HFSR),
		  reg_read(SCB_BFAR));
}

static void nvic_enable(unsigned int irq)
{
	reg_write(NVIC_ISER(irq), NVIC_BIT(irq));
}

static void nvic_clear(unsigned int irq)
{
	reg_write(NVIC_ICPR(irq), NVIC_BIT(irq));
}

static bool nvic_pending(unsigned int irq)
{
	return (reg_read(NVIC_ISPR(irq)) & NVIC_BIT(irq)) != 0;
}

/*
 * The millisecond tick: SysTick wraps every millisecond and its pending
 * flag wakes the main loop (interrupts stay masked, no handler runs), which
 * serves the services' timers. It is also the safety net: a device reset
 * that came without a doorbell is noticed within a millisecond, and should
 * the IPCC interrupt never arrive, rpmsg keeps working slowly and the trace
 * says so instead of hanging.
 */
static void tick_start(void)
{
	reg_write(SYST_RVR, TICK_RELOAD);
	reg_write(SYST_CVR, 0);
	reg_write(SYST_CSR, SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE);
}

/*
 * Milliseconds since start. COUNTFLAG remembers one wrap, so the clock must
 * be read at least once a millisecond: the main loop reads it at every
 * wake-up (the tick itself is one) and the node at every message it
 * handles; only a single piece of work longer than a millisecond would
 * make the clock fall behind, never run ahead.
 */
static uint32_t clock_ms(void)
{
	if (reg_read(SYST_CSR) & SYST_CSR_COUNTFLAG)
		ticks_ms++;
	return ticks_ms;
}

static void sleep_until_interrupt(void)
{
	/* Clear first: what is still asserted (level) pends again at once. */
	nvic_clear(IPCC_RX2_IRQ);
	nvic_clear(IPCC_TX2_IRQ);
	reg_write(SCB_ICSR, SCB_ICSR_PENDSTCLR);
	cpu_wait_for_interrupt();
}

int main(void)
{
	unsigned int tick_finds = 0;
	bool by_ipcc = true;

	cpu_irq_disable();
	trace_init(amplink_trace_buf, sizeof(amplink_trace_buf));
	trace_log("amplink firmware %s, STM32MP157 Cortex-M4", AMPLINK_VERSION);
	/* Plain sleep: deep sleep could let the MCU subsystem enter CStop. */
	reg_write(SCB_SCR, reg_read(SCB_SCR) & ~SCB_SCR_SLEEPDEEP);

	if (!ipcc_init()) {
		trace_log("IPCC has too few channels (need 4); rpmsg disabled");
		return 1;
	}
	tick_start();
#if M4_BULK
	/* Before anything can touch the window: the first POOL comes after link-up. */
	const struct rp_mem *bulk = bulk_window_setup();
#endif
	m4_port_init(&port, &amplink_rsc_table, &vring_mem, &buf_mem, clock_ms);
#if M4_BULK
	port.bulk_window = bulk;
#endif
	nvic_enable(IPCC_RX2_IRQ);
	nvic_enable(IPCC_TX2_IRQ);

	while (m4_port_run(&port) != M4_NEXT_HALT) {
		/* A doorbell only the tick noticed, more than by chance: say so once. */
		if (port.last_events && !by_ipcc && ++tick_finds == 3)
			trace_log("IPCC doorbells found by the periodic tick, not by their "
				  "interrupt (NVIC %u/%u): check the interrupt routing",
				  IPCC_RX2_IRQ, IPCC_TX2_IRQ);
		sleep_until_interrupt();
		by_ipcc = nvic_pending(IPCC_RX2_IRQ) || nvic_pending(IPCC_TX2_IRQ);
		clock_ms();
	}
	reg_write(SYST_CSR, 0);
	trace_log("stopped after %" PRIu32 " wake-ups; doorbells in: %" PRIu32 " vq0, %" PRIu32
		  " vq1; out: %" PRIu32 " rung, %" PRIu32 " deferred",
		  port.stats.wakeups, port.stats.kicks[0], port.stats.kicks[1],
		  port.stats.doorbells, port.stats.doorbells_deferred);
	return 0;
}
