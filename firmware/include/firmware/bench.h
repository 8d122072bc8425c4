/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bench service (AMP_BENCH_SERVICE, "amplink-bench"), what `amplink
 * bench` measures: an ordinary service of the SDK. A block is one message
 * of any size up to AMP_MSG_MAX, taken in pieces as it arrives (nothing is
 * stored, so a block may be far larger than any buffer of the M4); each is
 * answered with an ack message, struct amp_ack {received, crc, status}: the
 * bytes that really arrived and their CRC-32, BAD_CRC when a frame of it
 * failed its own, so the sender verifies every block end to end.
 */
#ifndef FIRMWARE_BENCH_H
#define FIRMWARE_BENCH_H

#include <amp/node.h>

int bench_service_init(struct amp_node *node);

/*
 * The bench source (AMP_BENCH_SOURCE_SERVICE, amplink/bench.h): blocks
 * towards Linux, each the answer to a request, generated as it goes out.
 */
int bench_source_service_init(struct amp_node *node);

#endif
