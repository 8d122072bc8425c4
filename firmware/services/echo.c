/* SPDX-License-Identifier: BSD-3-Clause */
#include "firmware/echo.h"

static int echo_receive(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct echo_service *svc = ept->priv;
	int rc = rp_send(ept->link, ept->addr, src, data, len);

	if (rc == RP_EAGAIN)
		return rc;
	if (rc == RP_OK)
		svc->echoed++;
	else
		svc->failed++;
	return RP_OK;
}

int echo_service_start(struct echo_service *svc, struct rp_device *dev, const char *name)
{
	svc->echoed = 0;
	svc->failed = 0;
	return rp_endpoint_create(&dev->link, &svc->ept, name, RP_ADDR_ANY, echo_receive, svc);
}
