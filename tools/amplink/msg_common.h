/* SPDX-License-Identifier: BSD-3-Clause */
/* What amplink send, listen and call share: options, input, output, errors. */
#ifndef AMPLINK_MSG_COMMON_H
#define AMPLINK_MSG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <amplink/amplink.h>

enum msg_format { MSG_TEXT, MSG_HEX, MSG_RAW };

/* The options every message command takes: -t, -d, -w, --timeout. */
struct msg_opts {
	struct amp_client_options client;
	int timeout_ms; /* of each send, receive or call; -1 without bound */
};

/* Option values of the shared options (long-only ones are >= 256). */
#define MSG_OPT_TIMEOUT 256
#define MSG_OPT_WINDOW 'w'

/* 1 when c was a shared option and its value is good, 0 when c is not one, -1 bad value. */
int msg_option(struct msg_opts *m, int c, const char *arg);

/* Connects, or prints one line saying why not (with a hint) and returns NULL. */
struct amp_client *msg_connect(const char *cmd, const char *service, const struct msg_opts *m);

/* Hex bytes from args ("01ff", "01 ff", "01:ff", several args); -1 and one line on error. */
int msg_parse_hex(const char *cmd, char **args, int n, uint8_t **out, size_t *len);

/* All of a file, or of stdin for NULL or "-"; -1 and one line on error. */
int msg_read_all(const char *cmd, const char *path, uint8_t **out, size_t *len);

/* One message: text (one line, escaped), hex (one line) or raw (as is). */
void msg_print(enum msg_format f, const uint8_t *p, size_t len);

/* What went wrong with a connection, in one line. */
void msg_report(const char *cmd, const char *what, int err);

#endif
