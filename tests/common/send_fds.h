/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests playing a vhost-user frontend: send bytes with file descriptors attached. */
#ifndef TESTS_SEND_FDS_H
#define TESTS_SEND_FDS_H

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define SEND_FDS_MAX 8

/* sendmsg() of iov with nfds (at most SEND_FDS_MAX) descriptors as SCM_RIGHTS. */
static inline ssize_t send_with_fds(int sock, struct iovec *iov, int iovcnt, const int *fds,
				    unsigned int nfds)
{
	char control[CMSG_SPACE(SEND_FDS_MAX * sizeof(int))];
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};

	if (nfds > SEND_FDS_MAX)
		return -1;
	if (nfds) {
		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

#endif
