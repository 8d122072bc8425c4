/* SPDX-License-Identifier: BSD-3-Clause */
/* Diagnostics of the host port, on stderr; never called from the data path. */
#ifndef VHOST_USER_LOG_H
#define VHOST_USER_LOG_H

extern unsigned int log_verbosity;

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
