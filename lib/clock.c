/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "transport.h"

int64_t amp_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t amp_deadline_fix(int64_t deadline)
{
	return deadline < 0 ? amp_clock_ms() - deadline : deadline;
}

int amp_ms_left(int64_t deadline)
{
	int64_t left = deadline - amp_clock_ms();

	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

int amp_wait_ms(int64_t deadline)
{
	if (deadline < 0)
		return -deadline > INT_MAX ? INT_MAX : (int)-deadline;
	return amp_ms_left(deadline);
}

int amp_wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int rc = poll(&p, 1, amp_wait_ms(deadline));

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL) && !(p.revents & events)) {
			errno = ENODEV;
			return -1;
		}
		return 1;
	}
}

int amp_user_errno(int err)
{
	switch (err) {
	case 512: /* ERESTARTSYS */
	case 513: /* ERESTARTNOINTR */
	case 514: /* ERESTARTNOHAND */
	case 516: /* ERESTART_RESTARTBLOCK */
		/*
		 * With a signal pending the kernel turns these into EINTR or a
		 * restart; one that escapes had none: a wait of the kernel's own
		 * ran out (virtio_rpmsg_bus gives up on a tx buffer after 15 s).
		 */
		return ETIMEDOUT;
	case 515: /* ENOIOCTLCMD */
		return ENOTTY;
	case 524: /* ENOTSUPP */
		return EOPNOTSUPP;
	default:
		/* the rest of include/linux/errno.h (EPROBE_DEFER, EIOCBQUEUED, ...) */
		return err >= 512 && err < 4096 ? EIO : err;
	}
}
