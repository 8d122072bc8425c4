/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the amplink command-line tool. */
#ifndef AMPLINK_CLI_H
#define AMPLINK_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <amplink/amplink.h>

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cmd_bench(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_channels(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_send_verified(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_grant(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_assign(int argc, char **argv);
int cmd_unassign(int argc, char **argv);

struct option;
/*
 * After getopt_long (run with opterr = 0 and a leading ':' in its short
 * options) returned c for something wrong: prints one line naming the
 * unknown option, the option missing its value, or the bad value; returns 2.
 */
int cli_bad_option(const char *cmd, char **argv, const struct option *opts, int c);

/* Prints "amplink: <what>: <why>" with a hint for the usual causes. */
void cli_report_open_error(enum amp_transport t, const char *device, int err);

/* Parses "512", "4K", "1M" (powers of two); -1 on error. */
int cli_parse_size(const char *s, size_t *out);

/* Parses a comma-separated list of transports into a mask; -1 on error. */
int cli_parse_transports(const char *s, unsigned int *mask);

#endif
