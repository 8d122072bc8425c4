/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink: talk to the microcontroller core's firmware, and measure it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{"bench", "measure every transport with verified transfers", cmd_bench},
	{"bind", "serve an rpmsg service through netlink (no name: list them)", cmd_bind},
	{"channels", "list the firmware's channels and the netlink counters", cmd_channels},
	{"send", "send a message to a firmware service (--verified: a file, blocks verified)",
	 cmd_send},
	{"listen", "print a firmware service's messages as they arrive", cmd_listen},
	{"call", "send a request to a firmware service and print its reply", cmd_call},
	{"unbind", "release a service bound with 'amplink bind'", cmd_unbind},
	{"grant", "let a group use a service's channels (no arguments: list)", cmd_grant},
	{"revoke", "take back 'amplink grant'", cmd_revoke},
	{"assign", "move a service's channels to a network namespace", cmd_assign},
	{"unassign", "bring them back to the initial namespace", cmd_unassign},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: amplink COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'amplink COMMAND --help' describes each one.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("amplink %s\n", AMPLINK_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "amplink: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
