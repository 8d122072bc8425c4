/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rx-alloc-fail, on the debug kernel (fault injection): a message the
 * module cannot allocate for its client in the receive interrupt is
 * dropped and counted, and the client's next recv fails with ENOBUFS, so
 * that it learns its stream has a hole instead of waiting for the missing
 * message; afterwards the client is served as before.
 *
 * failslab is armed to fail the next atomic slab allocation once
 * (ignore-gfp-wait: the sender's own requests sleep and are spared). On an
 * idle vboard that is the module's RECV for the echo, in the receive
 * interrupt, but nothing guarantees it (a task filter cannot single it
 * out: interrupts are never filtered in), so an attempt whose fault hit
 * something else is tried again. (6.1's per-cache failslab switch in
 * /sys/kernel/slab is read-only.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nlcheck.h"

#define FAILSLAB_DIR "/sys/kernel/debug/failslab/"
#define DROP_ATTEMPTS 10
#define DROP_WAIT_MS 2000

static int write_value(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f) {
		fail("rx-alloc-fail: %s: %s", path, strerror(errno));
		return -1;
	}
	if (fputs(value, f) < 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc)
		fail("rx-alloc-fail: writing %s to %s: %s", value, path, strerror(errno));
	return rc;
}

/* Makes the next atomic slab allocation fail (once), or stops failing. */
static int arm_failslab(bool on)
{
	static const char *const setup[][2] = {
		{FAILSLAB_DIR "cache-filter", "N"},  {FAILSLAB_DIR "ignore-gfp-wait", "Y"},
		{FAILSLAB_DIR "verbose", "0"},	     {FAILSLAB_DIR "interval", "1"},
		{FAILSLAB_DIR "probability", "100"},
	};

	if (!on)
		return write_value(FAILSLAB_DIR "times", "0") ||
		       write_value(FAILSLAB_DIR "probability", "0");
	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if (write_value(setup[i][0], setup[i][1]))
			return -1;
	return write_value(FAILSLAB_DIR "times", "1");
}

static int rx_drops(struct nl *nl, uint64_t *out)
{
	struct channel_info ci;
	struct nl probe = {0};
	int rc;

	/* a socket of its own: the client's would read its ENOBUFS here */
	if (nl_open(&probe, false) || nl_resolve_family(&probe))
		return -1;
	rc = nl_get_channel(&probe, nl->channel, &ci);
	nl_close(&probe);
	if (rc)
		return -1;
	*out = ci.stats[RPMSG_NETLINK_STAT_RX_DROPS];
	return 0;
}

/*
 * One armed SEND to the echo service: 1 when its echo was dropped (and
 * the recv said ENOBUFS), 0 when the fault hit something else (the echo
 * came whole and nothing was dropped), -1 on a failure.
 */
static int armed_echo(struct nl *nl, const uint8_t *data, size_t len)
{
	uint64_t before, after;
	int rc;

	if (rx_drops(nl, &before) || arm_failslab(true))
		return -1;
	nl->rx_len = 0;
	nl->acked = false;
	/*
	 * Not nl_send_acked(): the echo may come before the SEND's ack is
	 * read, and a socket reports its error before what is queued.
	 */
	rc = nl_send_data(nl, data, len, NULL);
	if (rc == 0)
		rc = nl_wait_rx(nl, len, DROP_WAIT_MS);
	if (arm_failslab(false) || rx_drops(nl, &after))
		return -1;
	int ack = nl->acked ? nl->ack_err : nl_wait_ack(nl, DROP_WAIT_MS);

	if (ack != 0) {
		fail("rx-alloc-fail: the SEND was not accepted: %s",
		     strerror(ack < 0 ? -ack : ack));
		return -1;
	}
	if (rc == 0 && after == before && nl->rx_len == len && !memcmp(nl->rx, data, len))
		return 0;
	if (rc == -ENOBUFS && after == before + 1 && nl->rx_len == 0)
		return 1;
	fail("rx-alloc-fail: recv %s after %zu of %zu bytes, rx_drops %llu -> %llu "
	     "(want ENOBUFS with one drop, or the echo without)",
	     rc ? strerror(-rc) : "succeeded", nl->rx_len, len, (unsigned long long)before,
	     (unsigned long long)after);
	return -1;
}

int case_rx_alloc_fail(void)
{
	uint8_t data[100];
	char why[160];
	struct nl nl = {0};
	int dropped = 0, attempts = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	if (nl_client(&nl, true, NULL) || echo_once(&nl, data, sizeof(data), why, sizeof(why))) {
		fail("rx-alloc-fail: no working client to begin with");
		nl_close(&nl);
		return -1;
	}
	while (!dropped && attempts < DROP_ATTEMPTS) {
		int rc = armed_echo(&nl, data, sizeof(data));

		attempts++;
		if (rc < 0) {
			nl_close(&nl);
			return -1;
		}
		dropped = rc;
	}
	check(dropped, "rx-alloc-fail: a RECV that could not be allocated was dropped, counted, "
		       "and the client's recv said ENOBUFS");
	printf("rx-alloc-fail: %d armed attempt(s)\n", attempts);
	check(echo_once(&nl, data, sizeof(data), why, sizeof(why)) == 0,
	      "rx-alloc-fail: the same client's next echo comes back whole");
	nl_close(&nl);
	return 0;
}
