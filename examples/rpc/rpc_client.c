/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request/reply example, Linux side: three calls to the M4's "rpc"
 * service, each checked.
 *
 *   rpc-client [--transport netlink|tty|char]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include <amplink/amplink.h>

#include "rpc_proto.h"

static struct amp_client *cl;
static uint32_t next_id = 1;

/* One request, one reply: returns the result's length, or -1. */
static ssize_t call(uint32_t op, const void *in, size_t len, uint8_t *out, size_t cap)
{
	uint8_t req[RPC_MAX_MESSAGE], rep[RPC_MAX_MESSAGE];
	uint32_t id = next_id++;

	amp_put32(req, id);
	amp_put32(req + 4, op);
	memcpy(req + RPC_HDR_SIZE, in, len);
	ssize_t n = amp_client_call(cl, req, RPC_HDR_SIZE + len, rep, sizeof(rep), 2000);

	if (n < 0) {
		fprintf(stderr, "rpc-client: call: %s\n", strerror(errno));
		return -1;
	}
	if (n < (ssize_t)RPC_HDR_SIZE || amp_get32(rep) != id || amp_get32(rep + 4) != RPC_OK ||
	    (size_t)n - RPC_HDR_SIZE > cap) {
		fprintf(stderr, "rpc-client: bad reply to request %u\n", id);
		return -1;
	}
	memcpy(out, rep + RPC_HDR_SIZE, (size_t)n - RPC_HDR_SIZE);
	return n - (ssize_t)RPC_HDR_SIZE;
}

int main(int argc, char **argv)
{
	struct amp_client_options o = {.transport = AMP_TRANSPORT_NETLINK};
	uint8_t in[8], out[RPC_MAX_INPUT];
	const char *text = "amplink, end to end";
	int failures = 0;

	if (argc == 3 && !strcmp(argv[1], "--transport") &&
	    amp_transport_parse(argv[2], &o.transport) == 0)
		;
	else if (argc != 1) {
		fprintf(stderr, "usage: rpc-client [--transport netlink|tty|char]\n");
		return 2;
	}
	cl = amp_client_open(RPC_SERVICE, &o);
	if (!cl) {
		fprintf(stderr, "rpc-client: cannot open '%s': %s\n", RPC_SERVICE, strerror(errno));
		return 1;
	}

	amp_put32(in, 40);
	amp_put32(in + 4, 2);
	if (call(RPC_OP_ADD, in, 8, out, sizeof(out)) == 4 && amp_get32(out) == 42)
		printf("add(40, 2) = 42\n");
	else
		failures++;

	ssize_t n = call(RPC_OP_REVERSE, text, strlen(text), out, sizeof(out));

	if (n == (ssize_t)strlen(text)) {
		printf("reverse(\"%s\") = \"%.*s\"\n", text, (int)n, (const char *)out);
		for (size_t i = 0; i < (size_t)n; i++)
			failures += out[i] != (uint8_t)text[n - 1 - (ssize_t)i];
	} else {
		failures++;
	}

	uint32_t want = (uint32_t)crc32(0, (const Bytef *)text, (uInt)strlen(text));

	if (call(RPC_OP_CRC32, text, strlen(text), out, sizeof(out)) == 4 && amp_get32(out) == want)
		printf("crc32(\"%s\") = 0x%08x, as zlib computes it\n", text, want);
	else
		failures++;
	amp_client_close(cl);
	return failures ? 1 : 0;
}
