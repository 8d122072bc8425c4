/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Status codes of the portable rpmsg core. The core is freestanding, so it
 * cannot return errno values; ports map these to whatever they report.
 */
#ifndef RPMSG_RP_STATUS_H
#define RPMSG_RP_STATUS_H

enum rp_status {
	RP_OK = 0,
	RP_EINVAL = -1,	  /* bad argument from the caller */
	RP_EAGAIN = -2,	  /* no buffer now; retry after the peer notifies */
	RP_EMSGSIZE = -3, /* payload larger than the buffer allows */
	RP_EBADMSG = -4,  /* malformed data from the peer (ring or message) */
	RP_ENOENT = -5,	  /* no endpoint at that address */
	RP_EBUSY = -6,	  /* address already in use */
	RP_EFAULT = -7,	  /* peer-supplied address outside shared memory */
	RP_ENOTCONN = -8, /* link not up yet */
	RP_EBROKEN = -9,  /* queue stopped after a protocol violation */
};

/* Short English description of a status code (never NULL). */
const char *rp_strerror(int status);

#endif
