/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Generic Netlink fuzzer for rpmsg_netlink: random requests (commands,
 * flags, versions, attributes of random types and lengths, some well
 * formed) from root sockets that come and go, and from short-lived
 * unprivileged processes, some killed half-way. Afterwards the family must
 * still answer and the channel under test still echo byte for byte; the
 * vboard fails the run on any WARN, BUG or Oops in the kernel log (and the
 * debug kernel on KASAN, lockdep and the rest).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "nlcheck.h"

#define FUZZ_SOCKETS 4

/* Commands only an administrator may send: root's random requests leave them out. */
static bool admin_cmd(uint8_t cmd)
{
	return cmd == RPMSG_NETLINK_CMD_BIND || cmd == RPMSG_NETLINK_CMD_UNBIND ||
	       cmd == RPMSG_NETLINK_CMD_GRANT || cmd == RPMSG_NETLINK_CMD_REVOKE ||
	       cmd == RPMSG_NETLINK_CMD_ASSIGN || cmd == RPMSG_NETLINK_CMD_UNASSIGN;
}

static uint32_t pick(uint64_t *seed, uint32_t n)
{
	return (uint32_t)(xorshift(seed) % n);
}

/* One random request on nl; privileged: never an administrator's command. */
static void random_request(struct nl *nl, uint64_t *seed, bool privileged)
{
	static const uint16_t flag_bits[] = {NLM_F_ACK,	   NLM_F_DUMP,	  NLM_F_ROOT,
					     NLM_F_MATCH,  NLM_F_REPLACE, NLM_F_EXCL,
					     NLM_F_CREATE, NLM_F_APPEND,  NLM_F_ECHO};
	static uint8_t payload[70000];
	uint16_t flags = 0;
	uint8_t cmd;

	do
		cmd = (uint8_t)pick(seed, RPMSG_NETLINK_CMD_MAX + 4);
	while (privileged && admin_cmd(cmd));
	for (unsigned int i = 0; i < sizeof(flag_bits) / sizeof(flag_bits[0]); i++)
		if (pick(seed, 4) == 0)
			flags |= flag_bits[i];
	uint16_t type = pick(seed, 16) ? nl->family : (uint16_t)pick(seed, 0x40);
	uint8_t version = pick(seed, 4) ? RPMSG_NETLINK_FAMILY_VERSION : (uint8_t)pick(seed, 256);
	struct nlmsghdr *nlh = nl_request(nl, type, flags, cmd, version);
	unsigned int nattrs = pick(seed, 7);

	if (pick(seed, 32) == 0)
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->reserved =
			(uint16_t)xorshift(seed);
	for (unsigned int i = 0; i < nattrs; i++) {
		uint16_t at = (uint16_t)pick(seed, RPMSG_NETLINK_A_MAX + 4);
		size_t len;

		if (pick(seed, 8) == 0)
			at |= pick(seed, 2) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		switch (pick(seed, 5)) {
		case 0: /* the channel under test, or near it */
			mnl_attr_put_u32(nlh, at, nl->channel + pick(seed, 3) - 1);
			continue;
		case 1: /* a service name, maybe the channel's */
			mnl_attr_put_strz(nlh, at, pick(seed, 2) ? channel_name : "no-such-name");
			continue;
		case 2: /* large data (a SEND's), sometimes too large */
			len = pick(seed, 2) ? pick(seed, RPMSG_NETLINK_MAX_DATA) : 65535 - 64;
			break;
		default:
			len = pick(seed, 64);
			break;
		}
		if (mnl_nlmsg_size(nlh->nlmsg_len - sizeof(*nlh) + MNL_ALIGN(len + 4)) >
		    sizeof(nl->buf))
			break;
		fill_random(payload, len, seed);
		mnl_attr_put(nlh, at, len, payload);
	}
	nl_send(nl, nlh);
}

/*
 * An unprivileged process sends a burst of requests; sometimes it is killed
 * half-way. *sent (shared memory) counts the requests it sent.
 */
static void unprivileged_burst(uint64_t *seed, uint64_t *sent)
{
	uint64_t child_seed = xorshift(seed);
	bool kill_it = pick(seed, 3) == 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct nl *nl = malloc(sizeof(*nl));

		if (setgid(65534) || setuid(65534) || !nl || nl_open(nl, false) ||
		    nl_resolve_family(nl))
			_exit(0);
		nl->channel = 1;
		for (int i = 0; i < 200; i++) {
			random_request(nl, &child_seed, false);
			__atomic_add_fetch(sent, 1, __ATOMIC_RELAXED);
			while (nl_pump(nl, 0) > 0)
				;
		}
		_exit(0);
	}
	if (pid < 0)
		return;
	if (kill_it)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int case_fuzz(int seconds, uint64_t seed)
{
	struct nl *nl[FUZZ_SOCKETS], *check_nl = malloc(sizeof(*check_nl));
	uint64_t first_seed = seed = seed ? seed : (uint64_t)now_ms() | 1;
	struct channel_info ci;
	uint64_t requests = 0, reopened = 0, bursts = 0;
	uint64_t *unpriv = mmap(NULL, sizeof(*unpriv), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int64_t end = now_ms() + (int64_t)seconds * 1000;
	char why[160];
	uint8_t data[3000];

	if (unpriv == MAP_FAILED)
		return 1;
	*unpriv = 0;
	for (int i = 0; i < FUZZ_SOCKETS; i++) {
		nl[i] = malloc(sizeof(*nl[i]));
		if (!nl[i] || nl_client(nl[i], true, NULL))
			return 1;
		nl[i]->near_channels = true;
	}
	printf("      seed %" PRIu64 " (again: --seed %" PRIu64 "), %d s\n", first_seed, first_seed,
	       seconds);
	while (now_ms() < end) {
		struct nl *s = nl[pick(&seed, FUZZ_SOCKETS)];

		for (int i = 0; i < 50; i++, requests++) {
			random_request(s, &seed, true);
			while (nl_pump(s, 0) > 0)
				;
		}
		if (pick(&seed, 8) == 0) { /* a socket closed, maybe with SENDs queued */
			nl_close(s);
			if (nl_client(s, true, NULL))
				return 1;
			s->near_channels = true;
			reopened++;
		}
		if (pick(&seed, 16) == 0) {
			unprivileged_burst(&seed, unpriv);
			bursts++;
		}
	}
	for (int i = 0; i < FUZZ_SOCKETS; i++) {
		nl_close(nl[i]);
		free(nl[i]);
	}
	ok("%" PRIu64 " random requests from root, %" PRIu64 " sockets reopened, %" PRIu64
	   " unprivileged bursts of up to 200 (%" PRIu64 " requests), %" PRIu64 " requests in all",
	   requests, reopened, bursts, *unpriv, requests + *unpriv);
	munmap(unpriv, sizeof(*unpriv));

	/* what must still work */
	fill_random(data, sizeof(data), &seed);
	check(check_nl && !nl_client(check_nl, true, &ci) &&
		      nl_dump_channels(check_nl, &ci, 1) >= 1,
	      "the family still answers (GET_CHANNEL dump)");
	check(check_nl && !echo_once(check_nl, data, sizeof(data), why, sizeof(why)),
	      "the channel still echoes byte for byte");
	if (check_nl)
		nl_close(check_nl);
	free(check_nl);
	return 0;
}
