/* SPDX-License-Identifier: BSD-3-Clause */
#include "rpmsg/rp_status.h"

const char *rp_strerror(int status)
{
	switch (status) {
	case RP_OK:
		return "success";
	case RP_EINVAL:
		return "invalid argument";
	case RP_EAGAIN:
		return "no buffer available, try again";
	case RP_EMSGSIZE:
		return "message too long";
	case RP_EBADMSG:
		return "malformed data from the peer";
	case RP_ENOENT:
		return "no such endpoint";
	case RP_EBUSY:
		return "address already in use";
	case RP_EFAULT:
		return "address outside shared memory";
	case RP_ENOTCONN:
		return "link not up";
	case RP_EBROKEN:
		return "queue stopped after a protocol violation";
	default:
		return "unknown status";
	}
}
