/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sensor example's messages, shared by the M4 service and the Linux
 * program. Little-endian on the wire, like every amplink format.
 *
 * Linux -> M4, a command (8 bytes): op, then its argument.
 *   SENSOR_OP_RATE  samples per second, 0 stops (at most SENSOR_MAX_RATE)
 * M4 -> Linux, a batch of samples: header then count samples.
 *   first   sequence number of the first sample (counts from 0 per client)
 *   count   samples in this batch
 *   lost    samples dropped since the last batch because Linux did not
 *           read (the M4 keeps SENSOR_BACKLOG of them)
 *   then count x { value (i32) }: sample n's value is sensor_value(n), so a
 *   reader can check every one.
 */
#ifndef EXAMPLES_SENSOR_PROTO_H
#define EXAMPLES_SENSOR_PROTO_H

#include <stdint.h>

#define SENSOR_SERVICE "sensor"
#define SENSOR_OP_RATE 1u
#define SENSOR_MAX_RATE 1000u
#define SENSOR_CMD_SIZE 8u
#define SENSOR_BATCH_HDR 12u
/* Samples in one batch: a batch fits one rpmsg message. */
#define SENSOR_BATCH_MAX 116u
/* Samples the M4 keeps while Linux does not read. */
#define SENSOR_BACKLOG 2048u

/* A synthetic sensor: a value any reader can recompute from the sequence number. */
static inline int32_t sensor_value(uint32_t n)
{
	return (int32_t)((n * 2654435761u) >> 8) - (1 << 23);
}

#endif
