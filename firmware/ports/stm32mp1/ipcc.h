/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPCC doorbells, M4 side.
 *
 * The IPCC (RM0436, "Inter-processor communication controller") has
 * channels 1..6, each with one "occupied" flag per direction. Linux's IPCC
 * node says st,proc-id = <0>, so Linux is processor 1 and the M4 is
 * processor 2. ST's device trees (stm32mp15xx-dkx.dtsi, Linux 6.1) give
 * stm32_rproc mboxes = <&ipcc 0>, <&ipcc 1>, <&ipcc 2>, <&ipcc 3> named
 * "vq0", "vq1", "shutdown", "detach"; the cell is the flag's bit index,
 * i.e. RM0436 channel cell + 1 (stm32-ipcc.c uses BIT(chan)).
 *
 * From drivers/remoteproc/stm32_rproc.c:
 * - "vq0" (channel 1) and "vq1" (channel 2) are used both ways: Linux sets
 *   them to kick virtqueue 0 or 1 and gets a callback for virtqueue 0 or 1
 *   when the M4 sets them.
 * - "shutdown" (channel 3) and "detach" (channel 4) go Linux -> M4 only and
 *   Linux blocks until the M4 clears them (tx_block with a 500 ms and a
 *   200 ms timeout): clearing the flag is the acknowledgement.
 */
#ifndef STM32MP1_IPCC_H
#define STM32MP1_IPCC_H

#include <stdbool.h>
#include <stdint.h>

/* RM0436 memory map: the IPCC at the same address for both cores. */
#define IPCC_BASE 0x4C001000u

/* Flag bit indexes (RM0436 channel number minus one). */
#define IPCC_CH_VQ0 0u
#define IPCC_CH_VQ1 1u
#define IPCC_CH_SHUTDOWN 2u
#define IPCC_CH_DETACH 3u

#define IPCC_BIT(ch) (1u << (ch))
#define IPCC_RX_CHANNELS                                                                           \
	(IPCC_BIT(IPCC_CH_VQ0) | IPCC_BIT(IPCC_CH_VQ1) | IPCC_BIT(IPCC_CH_SHUTDOWN) |              \
	 IPCC_BIT(IPCC_CH_DETACH))

/*
 * Masks every channel, then unmasks the receive side of ours and enables
 * the receive interrupt line. Returns the number of channels the IPCC has,
 * or 0 when it has too few for the channels above.
 */
unsigned int ipcc_init(void);

/* Channels Linux has signalled (set towards the M4 and not masked). */
uint32_t ipcc_pending(void);

/* Tells Linux the signals in mask were seen: clears their occupied flags. */
void ipcc_ack(uint32_t mask);

/*
 * Rings the doorbell of a channel towards Linux. Returns true when it rang
 * now, false when the previous ring is still pending: the ring is then
 * deferred until Linux frees the channel (see ipcc_flush()).
 *
 * Why not just skip it: Linux's IPCC handler queues the virtqueue work and
 * only then clears the flag, so the work may already have looked at the
 * ring before our update while the flag still reads occupied. Skipping
 * would leave the update unannounced; ringing again once the channel is
 * free cannot miss it (Linux's mailbox core queues its own kicks the same
 * way).
 */
bool ipcc_notify(unsigned int ch);

/*
 * Rings the deferred doorbells whose channels Linux has freed. Call on every
 * wake-up; while a ring is deferred the "free" interrupt is unmasked for
 * its channel so that the wake-up comes.
 */
void ipcc_flush(void);

/* Doorbells still waiting for their channel to be freed. */
uint32_t ipcc_deferred(void);

/* Masks everything and turns the interrupt line off (before a reset). */
void ipcc_disable(void);

#endif
