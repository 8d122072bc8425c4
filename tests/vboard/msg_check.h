/* SPDX-License-Identifier: BSD-3-Clause */
/* What msg-check's cases share (msg_check.c, msg_bulk.c). */
#ifndef VBOARD_MSG_CHECK_H
#define VBOARD_MSG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <amplink/amplink.h>

#define BIG (16u * 1024u * 1024u)
#define TIMEOUT_MS 60000

/* One line per check: "ok" or "FAIL", then what was checked. */
void result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int64_t now_ms(void);
/* A pattern that differs for every seed and every 4 KiB. */
void fill(uint8_t *p, size_t len, unsigned int seed);
/* A client of service on t (5 s to open); NULL with a failed result. */
struct amp_client *open_on(const char *service, enum amp_transport t);
/* Creates (again) RUN_DIR/name, which the runner's --signal-firmware-on watches. */
void touch(const char *run_dir, const char *name);
void signal_runner(const char *run_dir, const char *name);
/* Waits (up to 10 s) until the runner has sent the firmware sig ("STOP", "KILL"). */
bool runner_sent(const char *run_dir, const char *sig);
/*
 * A child sending 16 MiB to test-echo through a client open() makes, which
 * the test then cuts off: its exit status says how the send ended (0: with
 * ECONNRESET or ENODEV), and it writes its clock then to report_fd. With
 * go_fd >= 0 it writes a byte to ready_fd once its client is open and
 * sends only when a byte comes on go_fd.
 */
pid_t start_blocked_sender(int report_fd, struct amp_client *(*open)(const char *service),
			   int ready_fd, int go_fd);

/* msg_bulk.c */
int check_bulk_forged(void);
int check_bulk_concurrent(void);
int check_bulk_slow_reader(void);
int check_bulk_rebind(void);
int check_bulk_paused(const char *transport);
int check_bulk_fill(void);
int check_bulk_pieces(void);
int check_bulk_recv(void);
int check_bulk_firmware_kill(const char *run_dir);

#endif
