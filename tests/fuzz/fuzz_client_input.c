/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the library's client makes of anything the firmware may send: the
 * input is cut into pieces (the first byte picks their size) and fed to the
 * client's receive path as a transport would, then every whole message is
 * taken out as recv would. Whatever arrives: nothing is written out of
 * bounds, no message exceeds AMP_MSG_MAX, credit given back never exceeds
 * what the frames took, and memory is freed (LeakSanitizer).
 *
 * client.c is compiled in here so that its receive path can be driven
 * without a transport.
 */
#include "../../lib/client.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amp_client *c;
	uint32_t charged = 0, returned = 0;

	if (size < 1)
		return 0;
	size_t piece = (size_t)data[0] % 97u + 1u;

	data++;
	size--;
	c = calloc(1, sizeof(*c));
	check(c != NULL);
	c->epfd = c->evfd = -1;
	c->state = OPEN;
	c->window = 8;
	c->max_message = AMP_MSG_MAX;
	amp_stream_init(&c->stream, crc_fn);
	while (size > 0) {
		size_t n = size < piece ? size : piece;

		on_input(c, data, n);
		data += n;
		size -= n;
		/* what recv does with each whole message: hand it out, free its credit */
		while (c->head) {
			struct rx_msg *m = c->head;

			check(m->len <= AMP_MSG_MAX && m->credited <= m->units);
			check(m->err || m->len == 0 || m->data != NULL);
			charged += m->units;
			returned += m->units - m->credited;
			c->head = m->next;
			if (!c->head)
				c->tail = NULL;
			free(m->data);
			free(m);
		}
	}
	(void)charged;
	(void)returned;
	if (c->cur) {
		check(c->cur->credited <= c->cur->units);
		free(c->cur->data);
		free(c->cur);
	}
	free(c);
	return 0;
}
