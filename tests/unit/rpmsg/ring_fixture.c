/* SPDX-License-Identifier: BSD-3-Clause */
#include "ring_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static uint8_t shm[FX_SHM_SIZE] __attribute__((aligned(64)));

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1u) & ~(a - 1u);
}

void fx_init(struct ring_fixture *fx, uint16_t num, bool event_idx)
{
	size_t off = 0;

	assert_true(num <= FX_MAX_NUM);
	memset(shm, 0, sizeof(shm));
	memset(fx, 0, sizeof(*fx));
	fx->shm = shm;
	fx->num = num;
	fx->region.bus_addr = FX_BUS_BASE;
	fx->region.size = sizeof(shm);
	fx->region.local = shm;
	fx->mem.regions = &fx->region;
	fx->mem.count = 1;
	fx->rings.num = num;
	fx->rings.event_idx = event_idx;
	for (unsigned int q = 0; q < 2; q++) {
		off = align_up(off, 16);
		fx->rings.desc[q] = shm + off;
		off += rp_vring_desc_size(num);
		fx->rings.avail[q] = shm + off;
		off = align_up(off + rp_vring_avail_size(num), 4);
		fx->rings.used[q] = shm + off;
		off += rp_vring_used_size(num);
	}
	assert_true(off <= FX_RING_BYTES);
	fx->buffers = shm + FX_RING_BYTES;
}

struct rp_vring_desc *fx_desc(const struct ring_fixture *fx, unsigned int q)
{
	return fx->rings.desc[q];
}

struct rp_vring_avail *fx_avail(const struct ring_fixture *fx, unsigned int q)
{
	return fx->rings.avail[q];
}

struct rp_vring_used *fx_used(const struct ring_fixture *fx, unsigned int q)
{
	return fx->rings.used[q];
}

uint8_t *fx_buf(const struct ring_fixture *fx, unsigned int i)
{
	return fx->buffers + (size_t)i * RP_BUF_SIZE;
}

uint64_t fx_bus(const struct ring_fixture *fx, const void *p)
{
	return fx->region.bus_addr + (uint64_t)((const uint8_t *)p - fx->shm);
}

void fx_write_desc(struct ring_fixture *fx, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		   uint16_t flags)
{
	struct rp_vring_desc *d = &fx_desc(fx, q)[i];

	assert_true(i < fx->num);
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = 0;
}

void fx_post_avail(struct ring_fixture *fx, unsigned int q, uint16_t head)
{
	struct rp_vring_avail *a = fx_avail(fx, q);

	a->ring[a->idx & (fx->num - 1u)] = head;
	a->idx++;
}

void fx_post_used(struct ring_fixture *fx, unsigned int q, uint32_t id, uint32_t len)
{
	struct rp_vring_used *u = fx_used(fx, q);

	u->ring[u->idx & (fx->num - 1u)].id = id;
	u->ring[u->idx & (fx->num - 1u)].len = len;
	u->idx++;
}

int rx_log_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct rx_log *log = ept->priv;
	unsigned int i = log->count;

	log->calls++;
	if (log->refuse > 0) {
		log->refuse--;
		return RP_EAGAIN;
	}
	assert_true(i < FX_LOG_MAX);
	assert_true(len <= RP_MTU);
	log->len[i] = len;
	log->src[i] = src;
	log->dst[i] = ept->addr;
	memcpy(log->data[i], data, len);
	log->count++;
	return RP_OK;
}

static void count_notify(struct rp_link *link, unsigned int queue)
{
	struct fx_link *l = link->priv;

	assert_true(queue < 2);
	if (link == &l->dev.link)
		l->dev_notify[queue]++;
	else
		l->drv_notify[queue]++;
}

static void record_ns(struct rp_link *link, const char *name, uint32_t addr, bool created)
{
	struct fx_link *l = link->priv;
	struct ns_event *e;

	assert_true(l->ns_count < sizeof(l->ns) / sizeof(l->ns[0]));
	assert_true(strlen(name) < RP_NAME_SIZE);
	e = &l->ns[l->ns_count++];
	strcpy(e->name, name);
	e->addr = addr;
	e->created = created;
}

static const struct rp_ops fx_ops = {
	.notify = count_notify,
};

void fx_link_init(struct fx_link *l, uint16_t num, bool event_idx, bool ns)
{
	memset(l, 0, sizeof(*l));
	fx_init(&l->fx, num, event_idx);
	assert_int_equal(rp_driver_init(&l->drv, &l->fx.rings, &l->fx.mem, l->fx.buffers, record_ns,
					&fx_ops, l),
			 RP_OK);
	assert_int_equal(rp_device_init(&l->dev, &l->fx.rings, &l->fx.mem, ns, &fx_ops, l), RP_OK);
}

void fx_link_init_device(struct fx_link *l, uint16_t num, bool event_idx)
{
	memset(l, 0, sizeof(*l));
	fx_init(&l->fx, num, event_idx);
	assert_int_equal(rp_device_init(&l->dev, &l->fx.rings, &l->fx.mem, true, &fx_ops, l),
			 RP_OK);
}

void fx_link_settle(struct fx_link *l)
{
	for (unsigned int round = 0; round < 64; round++) {
		int d = rp_poll(&l->dev.link, 0);
		int r = rp_poll(&l->drv.link, 0);

		assert_true(d >= 0);
		assert_true(r >= 0);
		if (d == 0 && r == 0)
			return;
	}
	fail_msg("link did not settle");
}

void fx_pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1u;

	for (uint32_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}
