/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink channels: what the firmware announced, and the netlink counters. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int read_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/rpmsg/devices/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void driver_of(const char *dev, char *buf, size_t len)
{
	char path[512], target[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/rpmsg/devices/%s/driver", dev);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(buf, len, "-");
		return;
	}
	target[n] = '\0';

	/* the driver's name: the link's last part, cut to fit the column */
	const char *name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	size_t name_len = strnlen(name, len - 1);

	memcpy(buf, name, name_len);
	buf[name_len] = '\0';
}

static int list_rpmsg(void)
{
	DIR *d = opendir("/sys/bus/rpmsg/devices");
	struct dirent *e;
	int found = 0;

	if (!d) {
		fprintf(stderr, "amplink: no rpmsg bus (/sys/bus/rpmsg): is rpmsg enabled and the "
				"firmware running?\n");
		return -1;
	}
	printf("%-22s %8s %8s  %s\n", "rpmsg channel", "local", "remote", "driver");
	while ((e = readdir(d)) != NULL) {
		char name[64], src[16], dst[16], drv[64];

		if (e->d_name[0] == '.' || read_attr(e->d_name, "name", name, sizeof(name)))
			continue;
		if (!strcmp(name, "rpmsg_ns") || !strcmp(name, "rpmsg_ctrl"))
			continue;
		read_attr(e->d_name, "src", src, sizeof(src));
		read_attr(e->d_name, "dst", dst, sizeof(dst));
		driver_of(e->d_name, drv, sizeof(drv));
		printf("%-22s %8s %8s  %s\n", name, src, dst, drv);
		found++;
	}
	closedir(d);
	if (!found)
		printf("(none: the firmware has announced nothing yet)\n");
	return 0;
}

/* The channel's pool of bulk transfers, on two lines below it. */
static void print_pool(const struct amp_netlink_pool *p)
{
	unsigned long long refused =
		p->stale + p->bad_slot + p->bad_range + p->not_owner + p->duplicate + p->wrong_type;

	if (!p->present)
		return;
	printf("    pool /dev/amplink-pool%u: %s, generation %u, %u slots of %u KiB (%u free, "
	       "%u with clients, %u lent to the firmware; a client's share %u)\n",
	       p->id, p->ready ? "taken by the firmware" : "not taken by a running firmware",
	       p->generation, p->slot_count, p->slot_size / 1024, p->free, p->clients, p->lent,
	       p->share);
	printf("    descriptors from the firmware: %llu accepted, %llu refused (stale %llu, "
	       "bad slot %llu, bad range %llu, not its own %llu, duplicate %llu, wrong type "
	       "%llu); %llu bad messages, %llu undeliverable, %llu slots reclaimed\n",
	       (unsigned long long)p->accepted, refused, (unsigned long long)p->stale,
	       (unsigned long long)p->bad_slot, (unsigned long long)p->bad_range,
	       (unsigned long long)p->not_owner, (unsigned long long)p->duplicate,
	       (unsigned long long)p->wrong_type, (unsigned long long)p->bad_msgs,
	       (unsigned long long)p->dropped, (unsigned long long)p->reclaimed);
}

static void print_netlink(const struct amp_netlink_channel *c, void *ctx)
{
	int *count = ctx;

	if ((*count)++ == 0)
		printf("\n%3s %-32s %6s %6s %4s %12s %9s %12s %9s %6s %6s %4s\n", "id",
		       "netlink channel", "local", "remote", "mtu", "tx bytes", "tx msgs",
		       "rx bytes", "rx msgs", "tx err", "drops", "cli");
	printf("%3u %-32s %6u %6u %4u %12llu %9llu %12llu %9llu %6llu %6llu %4u\n", c->id, c->name,
	       c->src, c->dst, c->mtu, (unsigned long long)c->tx_bytes,
	       (unsigned long long)c->tx_msgs, (unsigned long long)c->rx_bytes,
	       (unsigned long long)c->rx_msgs, (unsigned long long)c->tx_errors,
	       (unsigned long long)c->rx_drops, c->clients);
	print_pool(&c->pool);
}

int cmd_channels(int argc, char **argv)
{
	int count = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: amplink channels\n\n"
		       "Lists the rpmsg channels the firmware announced and the Linux driver\n"
		       "bound to each, then the rpmsg_netlink channels with their counters and\n"
		       "the pool of bulk transfers of their remote, if it has one.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "amplink channels: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (list_rpmsg() != 0)
		return 1;
	if (amp_netlink_channels(print_netlink, &count) != 0)
		printf("\nnetlink: %s\n",
		       errno == ENOENT ? "rpmsg_netlink module not loaded" : strerror(errno));
	return 0;
}
