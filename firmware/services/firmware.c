/* SPDX-License-Identifier: BSD-3-Clause */
#include "firmware/firmware.h"
#include "firmware/bench.h"

int firmware_start(struct firmware *fw, struct rp_device *dev, uint32_t (*now_ms)(void))
{
	int rc = amp_node_init(&fw->node, dev, now_ms);

	if (rc == RP_OK)
		rc = echo_service_start(&fw->echo, dev, FIRMWARE_ECHO_SERVICE);
	if (rc == RP_OK && (bench_service_init(&fw->node) != AMP_OK ||
			    bench_source_service_init(&fw->node) != AMP_OK))
		rc = RP_EINVAL;
	if (rc == RP_OK && firmware_user_services_init(&fw->node) != AMP_OK)
		rc = RP_EINVAL;
	return rc;
}
