/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink bind / unbind: rpmsg services served by the rpmsg_netlink module. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void print_binding(const char *name, unsigned int flags, void *ctx)
{
	int *count = ctx;

	if ((*count)++ == 0)
		printf("%-32s %s\n", "bound service", "flags");
	printf("%-32s %s\n", name, flags & AMP_NETLINK_BIND_NOTIFY ? "notify" : "-");
}

static void ignore_binding(const char *name, unsigned int flags, void *ctx)
{
	(void)name;
	(void)flags;
	(void)ctx;
}

/* Whether the module's family answers (to tell ENOENTs apart). */
static int module_loaded(void)
{
	return amp_netlink_bindings(ignore_binding, NULL) == 0 || errno != ENOENT;
}

/* One line naming the problem; cmd is "bind" or "unbind". */
static void report(const char *cmd, const char *name, int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		fprintf(stderr, "amplink %s: binding needs CAP_SYS_MODULE (run as root)\n", cmd);
		break;
	case ENOENT:
		if (strcmp(cmd, "unbind") == 0 && module_loaded())
			fprintf(stderr, "amplink unbind: '%s' is not bound (see 'amplink bind')\n",
				name);
		else
			fprintf(stderr,
				"amplink %s: the rpmsg_netlink module is not loaded "
				"(modprobe rpmsg_netlink)\n",
				cmd);
		break;
	case EBUSY:
		fprintf(stderr,
			"amplink %s: '%s' belongs to another driver (see 'amplink channels')\n",
			cmd, name);
		break;
	case EEXIST:
		fprintf(stderr, "amplink %s: '%s' is already served by rpmsg_netlink\n", cmd, name);
		break;
	case EINVAL:
		fprintf(stderr,
			"amplink %s: '%s' is not a valid rpmsg service name (1..31 bytes)\n", cmd,
			name);
		break;
	case ENOSPC:
		fprintf(stderr, "amplink %s: too many services bound already\n", cmd);
		break;
	default:
		fprintf(stderr, "amplink %s: %s: %s\n", cmd, name ? name : "list", strerror(err));
		break;
	}
}

static void bind_usage(FILE *out)
{
	fprintf(out,
		"Usage: amplink bind [NAME [--notify]]\n\n"
		"Binds the rpmsg service NAME to the rpmsg_netlink module: its channels\n"
		"appear in 'amplink channels' and carry raw messages over netlink, now and\n"
		"whenever the firmware announces it again. Without NAME, lists the bound\n"
		"services. Binding needs CAP_SYS_MODULE and CAP_NET_ADMIN (root); a service\n"
		"that another driver holds is left alone.\n\n"
		"  --notify  tell the firmware when a client goes away (Linux's name-service\n"
		"            'endpoint destroyed' message); only for firmware that expects it\n");
}

int cmd_bind(int argc, char **argv)
{
	const char *name = NULL;
	unsigned int flags = 0;
	int count = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			bind_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--notify")) {
			flags |= AMP_NETLINK_BIND_NOTIFY;
		} else if (argv[i][0] == '-' || name) {
			fprintf(stderr, "amplink bind: unexpected argument '%s'\n", argv[i]);
			bind_usage(stderr);
			return 2;
		} else {
			name = argv[i];
		}
	}
	if (!name) {
		if (flags) {
			fprintf(stderr, "amplink bind: --notify needs a NAME\n");
			return 2;
		}
		if (amp_netlink_bindings(print_binding, &count) != 0) {
			report("bind", NULL, errno);
			return 1;
		}
		if (!count)
			printf("(no services bound)\n");
		return 0;
	}
	if (amp_netlink_bind(name, flags) != 0) {
		report("bind", name, errno);
		return 1;
	}
	printf("bound '%s'%s\n", name, flags ? " (notify)" : "");
	return 0;
}

int cmd_unbind(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: amplink unbind NAME\n\n"
		       "Releases a service bound with 'amplink bind': its channels leave the\n"
		       "rpmsg_netlink module (their clients see them go down). Needs root.\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: amplink unbind NAME\n");
		return 2;
	}
	if (amp_netlink_unbind(argv[1]) != 0) {
		report("unbind", argv[1], errno);
		return 1;
	}
	printf("unbound '%s'\n", argv[1]);
	return 0;
}
