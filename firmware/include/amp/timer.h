/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink firmware SDK: timers. One-shot or periodic, in milliseconds of
 * the port's clock; callbacks run from the node's poll like every other
 * callback. Both ports wake up for them: the vhost-user process sleeps
 * until the next one is due, the Cortex-M4 has a millisecond tick.
 */
#ifndef AMP_TIMER_H
#define AMP_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct amp_node;
struct amp_timer;

typedef void (*amp_timer_fn)(struct amp_timer *t);

struct amp_timer {
	amp_timer_fn fn;
	void *priv;
	uint32_t due;	 /* node clock, ms */
	uint32_t period; /* 0: one-shot */
	bool armed;
	struct amp_timer *next;
};

/* When amp_node_next_timeout() has nothing to wait for. */
#define AMP_NO_TIMEOUT UINT32_MAX

/*
 * Arms t to call fn after delay_ms, then every period_ms (0: once).
 * Re-arming a running timer moves it. AMP_EINVAL without fn.
 */
int amp_timer_start(struct amp_node *n, struct amp_timer *t, uint32_t delay_ms, uint32_t period_ms,
		    amp_timer_fn fn, void *priv);

/* Disarms t; safe from its own callback and when not armed. */
void amp_timer_stop(struct amp_node *n, struct amp_timer *t);

/* The node's clock (ms, wraps after 49 days; compare differences). */
uint32_t amp_now_ms(const struct amp_node *n);

#endif
