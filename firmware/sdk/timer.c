/* SPDX-License-Identifier: BSD-3-Clause */
#include "node_internal.h"

/* Whether t is due at now; differences, so the clock may wrap. */
static bool is_due(const struct amp_timer *t, uint32_t now)
{
	return (int32_t)(now - t->due) >= 0;
}

void amp_timer_stop(struct amp_node *n, struct amp_timer *t)
{
	for (struct amp_timer **p = &n->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

int amp_timer_start(struct amp_node *n, struct amp_timer *t, uint32_t delay_ms, uint32_t period_ms,
		    amp_timer_fn fn, void *priv)
{
	if (!n || !t || !fn)
		return AMP_EINVAL;
	if (t->armed)
		amp_timer_stop(n, t);
	t->fn = fn;
	t->priv = priv;
	t->period = period_ms;
	t->due = amp_node_clock(n) + delay_ms;
	t->armed = true;
	t->next = n->timers;
	n->timers = t;
	return AMP_OK;
}

void amp_timers_run(struct amp_node *n)
{
	uint32_t now = amp_node_clock(n);
	bool fired;

	/*
	 * A callback may start or stop any timer, so the list is walked afresh
	 * after each call; each timer fires at most once per pass.
	 */
	do {
		fired = false;
		for (struct amp_timer *t = n->timers; t; t = t->next) {
			if (!is_due(t, now))
				continue;
			if (t->period) {
				t->due += t->period;
				/* Behind by more than a period: skip what was missed. */
				if (is_due(t, now))
					t->due = now + t->period;
			} else {
				amp_timer_stop(n, t);
			}
			t->fn(t);
			fired = true;
			break;
		}
	} while (fired);
}

uint32_t amp_node_next_timeout(const struct amp_node *n)
{
	uint32_t now = amp_node_clock(n), best = AMP_NO_TIMEOUT;

	for (const struct amp_timer *t = n->timers; t; t = t->next) {
		uint32_t left = is_due(t, now) ? 0 : t->due - now;

		if (left < best)
			best = left;
	}
	return best;
}
