/* SPDX-License-Identifier: BSD-3-Clause */
#include "rpmsg_devices.h"

#include "rpmsg_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/rpmsg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for any change in dir (or the deadline); -1 when the deadline passed. */
static int wait_dir_change(int ino, long long deadline)
{
	char buf[4096];
	long long left = deadline - now_ms();
	struct pollfd p = {.fd = ino, .events = POLLIN};

	if (left <= 0 || poll(&p, 1, (int)left) <= 0)
		return -1;
	while (read(ino, buf, sizeof(buf)) > 0)
		;
	return 0;
}

/* Calls found(ctx) until it returns 0, re-checking on every change in dir. */
static int wait_until(const char *dir, int (*found)(void *ctx), void *ctx, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int rc = -1;

	if (ino < 0)
		return -1;
	/* Watch first, then look: a creation in between is not missed. */
	inotify_add_watch(ino, dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB);
	while ((rc = found(ctx)) != 0)
		if (wait_dir_change(ino, deadline) != 0)
			break;
	close(ino);
	if (rc != 0)
		errno = ETIMEDOUT;
	return rc;
}

static int path_exists(void *ctx)
{
	return access(ctx, F_OK) == 0 ? 0 : -1;
}

int wait_for_path(const char *path, int timeout_ms)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	return wait_until(dirname(copy), path_exists, (void *)path, timeout_ms);
}

struct char_search {
	const char *name;
	char *path;
	size_t path_len;
};

static int find_char_now(void *ctx)
{
	struct char_search *s = ctx;

	return amp_find_char_device(s->name, s->path, s->path_len);
}

int find_char_device(const char *name, char *path, size_t path_len, int timeout_ms)
{
	struct char_search s = {.name = name, .path = path, .path_len = path_len};

	return wait_until("/dev", find_char_now, &s, timeout_ms);
}

int channel_remote_address(const char *name, uint32_t *addr)
{
	return amp_channel_remote_address(name, addr);
}

int create_endpoint_device(const char *name, uint32_t dst, char *path, size_t path_len,
			   int timeout_ms)
{
	struct rpmsg_endpoint_info info = {.src = RPMSG_ADDR_ANY, .dst = dst};
	int ctrl = open("/dev/rpmsg_ctrl0", O_RDWR | O_CLOEXEC);
	int rc;

	if (ctrl < 0)
		return -1;
	snprintf(info.name, sizeof(info.name), "%s", name);
	rc = ioctl(ctrl, RPMSG_CREATE_EPT_IOCTL, &info);
	close(ctrl);
	if (rc != 0)
		return -1;
	return find_char_device(name, path, path_len, timeout_ms);
}
