/* SPDX-License-Identifier: BSD-3-Clause */
#include "firmware/firmware.h"

int firmware_start(struct firmware *fw, struct rp_device *dev)
{
	int rc;

	fw->dev = dev;
	rc = echo_service_start(&fw->tty_echo, dev, FIRMWARE_TTY_SERVICE);
	if (rc == RP_OK)
		rc = echo_service_start(&fw->raw_echo, dev, FIRMWARE_RAW_SERVICE);
	if (rc == RP_OK)
		rc = echo_service_start(&fw->netlink_echo, dev, FIRMWARE_NETLINK_SERVICE);
	return rc;
}

int firmware_poll(struct firmware *fw)
{
	return rp_poll(fw->dev, 0);
}
