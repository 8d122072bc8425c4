/* SPDX-License-Identifier: BSD-3-Clause */
#include "rpmsg_dev.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (!f)
		return -1;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		rc = 0;
	}
	fclose(f);
	return rc;
}

int amp_find_char_device(const char *name, char *path, size_t path_len)
{
	DIR *d = opendir("/sys/class/rpmsg");
	struct dirent *e;
	int rc = -1;

	if (!d)
		return -1;
	while (rc != 0 && (e = readdir(d)) != NULL) {
		char attr[PATH_MAX], value[64], dev[PATH_MAX];

		if (strncmp(e->d_name, "rpmsg", 5) || !strncmp(e->d_name, "rpmsg_ctrl", 10))
			continue;
		snprintf(attr, sizeof(attr), "/sys/class/rpmsg/%s/name", e->d_name);
		snprintf(dev, sizeof(dev), "/dev/%s", e->d_name);
		if (read_line(attr, value, sizeof(value)) || strcmp(value, name) ||
		    access(dev, F_OK))
			continue;
		snprintf(path, path_len, "%s", dev);
		rc = 0;
	}
	closedir(d);
	if (rc != 0)
		errno = ENOENT;
	return rc;
}

int amp_channel_remote_address(const char *name, uint32_t *addr)
{
	DIR *d = opendir("/sys/bus/rpmsg/devices");
	struct dirent *e;
	int rc = -1;

	if (!d)
		return -1;
	while (rc != 0 && (e = readdir(d)) != NULL) {
		char attr[PATH_MAX], value[64];

		snprintf(attr, sizeof(attr), "/sys/bus/rpmsg/devices/%s/name", e->d_name);
		if (read_line(attr, value, sizeof(value)) || strcmp(value, name))
			continue;
		snprintf(attr, sizeof(attr), "/sys/bus/rpmsg/devices/%s/dst", e->d_name);
		if (read_line(attr, value, sizeof(value)) == 0) {
			*addr = (uint32_t)strtoul(value, NULL, 0);
			rc = 0;
		}
	}
	closedir(d);
	if (rc != 0)
		errno = ENOENT;
	return rc;
}
