/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log lines in the remoteproc trace buffer, which Linux shows in
 * /sys/kernel/debug/remoteproc/remoteprocN/trace0. Writing to memory costs
 * a few microseconds where a UART would block for milliseconds; still, log
 * state changes and errors only, never per message.
 *
 * The buffer always holds a NUL-terminated string (Linux prints up to the
 * first NUL). When a line no longer fits, writing starts over at the top,
 * so the newest lines survive.
 */
#ifndef STM32MP1_TRACE_H
#define STM32MP1_TRACE_H

#include <stdint.h>

#define TRACE_LINE_MAX 120u

void trace_init(char *buf, uint32_t size);

/*
 * printf subset: %s %c %d %u %x and %%, with an optional 0 flag, width and
 * l modifier (e.g. %08x, or "%08" PRIx32 for a uint32_t). Lines longer than
 * TRACE_LINE_MAX are cut; a newline is added.
 */
void trace_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Lines written since trace_init, and times the buffer started over. */
uint32_t trace_lines(void);
uint32_t trace_wraps(void);

#endif
