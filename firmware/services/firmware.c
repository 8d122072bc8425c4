/* SPDX-License-Identifier: BSD-3-Clause */
#include "firmware/firmware.h"

static const char *const bench_names[FIRMWARE_BENCH_CHANNELS] = {
	[FIRMWARE_BENCH_TTY] = FIRMWARE_TTY_SERVICE,
	[FIRMWARE_BENCH_RAW] = FIRMWARE_RAW_SERVICE,
	[FIRMWARE_BENCH_NETLINK] = FIRMWARE_NETLINK_SERVICE,
};

static void fill_stats(struct bench_service *svc, struct amp_stats *s)
{
	const struct firmware *fw = svc->owner;
	const struct rp_device *dev = fw->dev;

	s->rx_msgs = dev->stats.rx_msgs;
	s->tx_msgs = dev->stats.tx_msgs;
	s->kicks_in = fw->kicks_in;
	s->irqs_out = dev->to_driver.stats.notifies_sent + dev->to_device.stats.notifies_sent;
	s->kicks_avoided =
		dev->to_driver.stats.notifies_avoided + dev->to_device.stats.notifies_avoided;
	s->tx_waits = dev->stats.tx_waits;
	s->rx_dropped = dev->stats.rx_dropped;
	s->peers_gone = dev->stats.peers_gone;
	for (unsigned int i = 0; i < FIRMWARE_BENCH_CHANNELS; i++) {
		s->frames_ok += fw->bench[i].frames_ok;
		s->frames_bad += fw->bench[i].frames_bad;
		s->errors += fw->bench[i].errors;
	}
}

int firmware_start(struct firmware *fw, struct rp_device *dev, uint32_t (*now_ms)(void))
{
	int rc = RP_OK;

	fw->dev = dev;
	fw->now_ms = now_ms;
	fw->kicks_in = 0;
	for (unsigned int i = 0; i < FIRMWARE_BENCH_CHANNELS && rc == RP_OK; i++)
		rc = bench_service_start(&fw->bench[i], dev, bench_names[i], now_ms, fill_stats,
					 fw);
	if (rc == RP_OK)
		rc = echo_service_start(&fw->echo, dev, FIRMWARE_ECHO_SERVICE);
	return rc;
}

int firmware_poll(struct firmware *fw)
{
	/* Replies that waited for buffers go first, in order. */
	for (unsigned int i = 0; i < FIRMWARE_BENCH_CHANNELS; i++)
		bench_service_flush(&fw->bench[i]);
	return rp_poll(fw->dev, 0);
}
