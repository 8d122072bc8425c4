// SPDX-License-Identifier: GPL-2.0
/*
 * rpmsg_netlink: bulk transfers (docs/protocol.md, "Bulk transfers")
 *
 * Large messages travel by reference: their bytes sit in a pool of memory
 * shared with the remote processor, cut into slots, and only descriptors
 * cross on the remote's "amplink-bulk" channel, which this file binds. The
 * module owns the pool and keeps the host's slot table
 * (firmware/sdk/bulk_pool.c, built in: the firmware checks descriptors with
 * the same code), so every descriptor is checked here: the firmware's, and
 * the slot numbers clients name over netlink. Clients map the pool from
 * /dev/amplink-pool<N> and read and write slots in place.
 *
 * A pool belongs to a remote processor: the rpmsg channels of one remote
 * share their parent device (the virtio-rpmsg device), whose name is the
 * pool's key. Its record is made by the first channel of that remote to
 * probe; its memory when the bulk channel first probes; both last until
 * the module unloads, whatever the remote does, because a remote being
 * stopped may still write the slots it was lent (remoteproc removes the
 * channels before it stops the processor). The memory comes from a
 * provider: on the vboard, contiguous pages, whose guest physical address
 * the firmware process reaches through the vhost-user memory table it
 * maps anyway; on a board, the region the module's device-tree node
 * reserves (rpnl_region.c), which the remote's MPU window covers.
 *
 * Bring-up: each probe of the bulk channel starts a new generation (seeded
 * at random at load, so that a reloaded module does not repeat one a
 * running firmware knows) and announces the pool (POOL). Only the
 * firmware's POOL_ACK for that generation makes the pool usable, and only
 * then do the slots lent before come back: it proves that the remote holds
 * nothing of the pool any more. The bulk channel's removal stops the pool
 * (nothing is lent or accepted) but takes nothing back.
 *
 * Locking and lifetime:
 *  - rpnl_pools_lock (a mutex) protects the list of pools; records are
 *    freed only at unload, so a channel keeps its pool pointer for life.
 *  - pool->lock (a spinlock, taken with interrupts off: the bulk channel's
 *    receive callback runs in the virtqueue's interrupt) protects the slot
 *    table, the bulk channel's identity (rpdev, dst), the clients owed
 *    BULK_READY and the receive scratch. Nothing sleeps under it; it nests
 *    inside a client's tx_lock.
 *  - pool->tx_lock (a mutex) serialises sending on the bulk channel's
 *    endpoint (POOL, POST, and SUBMITs from clients and from the tx work)
 *    with its removal: remove() clears pool->ept under it, so no send uses
 *    an endpoint that is going. rpmsg_trysendto() never waits, so it may be
 *    held across it; a client's tx_lock nests outside it.
 *  - A client's slots are held in its endpoint's address. Every table
 *    operation on a client's behalf runs under its tx_lock with its
 *    endpoint present, and closing a client clears the endpoint under that
 *    lock, takes its address out of rpnl_addrs, and only then gives its
 *    slots back (rpnl_bulk_client_gone()). A FILLED finds its client by
 *    address under RCU (clients are freed after a grace period) and marks
 *    the slots under pool->lock in the same hold, so either it finds the
 *    client and the closer's give-back comes after, or it does not and
 *    hands the slots straight back: no slot is left with a client that
 *    has gone.
 *  - pool->work (process context) sends what the pool owes the firmware
 *    (the POOL; POSTs to keep pool->post_target slots posted) and tells
 *    clients owed BULK_READY. It is scheduled whenever slots come back and
 *    retries every tick while the ring is full (nothing tells the module
 *    when a tx buffer frees).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/rpmsg.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include <amp/bulk_pool.h>

#include "rpnl.h"

/* Slots are 64 KiB: 29 descriptors in one message cover 1.8 MiB. */
#define RPNL_SLOT_SIZE		SZ_64K
/* The smallest pool worth having when memory is short. */
#define RPNL_POOL_MIN		(4 * RPNL_SLOT_SIZE)
/* The largest block the page allocator gives (6.8 renamed it). */
#ifdef MAX_PAGE_ORDER
#define RPNL_MAX_ORDER		MAX_PAGE_ORDER
#else
/* exclusive before 6.4; 6.4 to 6.7's inclusive one only costs an order */
#define RPNL_MAX_ORDER		(MAX_ORDER - 1)
#endif
/* Long enough for a device name such as "virtio0" or "rpmsg-virtio.0". */
#define RPNL_POOL_KEY		40

static unsigned int rpnl_pool_kib = 4096;
module_param_named(bulk_pool_kib, rpnl_pool_kib, uint, 0444);
MODULE_PARM_DESC(bulk_pool_kib,
		 "KiB of the pool each remote gets for bulk transfers, in 64 KiB slots (at most 4096 on the vboard)");

static unsigned int rpnl_bulk_share;
module_param_named(bulk_share, rpnl_bulk_share, uint, 0644);
MODULE_PARM_DESC(bulk_share,
		 "slots one client may hold acquired or submitted (0: a quarter of the pool)");

static unsigned int rpnl_bulk_posted;
module_param_named(bulk_posted, rpnl_bulk_posted, uint, 0644);
MODULE_PARM_DESC(bulk_posted,
		 "slots kept lent to the firmware to fill (0: half the pool)");

struct rpnl_pool {
	struct list_head node;
	u32 id;
	char key[RPNL_POOL_KEY];

	/* the memory, from a provider; set once, kept until unload */
	bool in_region; /* the board's region (region), else pages */
	struct rpnl_region region;
	struct page *pages;
	unsigned int order;
	size_t size;
	u64 remote_base;
	struct miscdevice misc;
	char misc_name[32];
	bool misc_up;

	/* protects what follows up to tx_lock; see the essay */
	spinlock_t lock;
	bool has_table;
	struct amp_bulk_pool table;
	struct amp_bulk_slot *slots;
	/* the firmware refused this generation's pool */
	bool refused;
	/* the bulk channel, or NULL while there is none */
	struct rpmsg_device *rpdev;
	u32 dst;
	/* clients owed BULK_READY; each entry holds a client reference */
	struct list_head ready_owed;
	/* the received message, copied out of the ring before it is read */
	u8 rx_copy[AMP_BULK_MSG_MAX];
	struct amp_bulk_received rx;
	u64 bad_msgs;
	u64 reclaimed;
	/* FILLEDs no client could take */
	u64 dropped;

	/* serialises sends with the endpoint's removal; see the essay */
	struct mutex tx_lock;
	struct rpmsg_endpoint *ept;
	/* a POOL or POST built but not sent yet (the ring was full) */
	u8 owed_msg[AMP_BULK_MSG_MAX];
	u32 owed_len;
	struct delayed_work work;

	atomic64_t tx_msgs;
	atomic64_t rx_msgs;
};

/* the pools, one per remote processor; records live until unload */
static DEFINE_MUTEX(rpnl_pools_lock);
static LIST_HEAD(rpnl_pools);
static u32 rpnl_next_pool;
/* the generation the next pool counts on from; see the essay */
static u32 rpnl_generation_seed;
static struct rpmsg_driver rpnl_bulk_driver;

/* --- the pool's record and memory ---------------------------------------- */

static const char *rpnl_pool_key(struct rpmsg_device *rpdev)
{
	return rpdev->dev.parent ? dev_name(rpdev->dev.parent) : "";
}

static void rpnl_pool_work(struct work_struct *work);

/*
 * The pool of @rpdev's remote processor, its record made on first use.
 * NULL only without memory for it: that channel has no bulk transfers.
 */
struct rpnl_pool *rpnl_pool_of(struct rpmsg_device *rpdev)
{
	const char *key = rpnl_pool_key(rpdev);
	struct rpnl_pool *pool;

	mutex_lock(&rpnl_pools_lock);
	list_for_each_entry(pool, &rpnl_pools, node)
		if (!strcmp(pool->key, key))
			goto unlock;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		goto unlock;
	pool->id = rpnl_next_pool++;
	strscpy(pool->key, key, sizeof(pool->key));
	spin_lock_init(&pool->lock);
	mutex_init(&pool->tx_lock);
	INIT_LIST_HEAD(&pool->ready_owed);
	INIT_DELAYED_WORK(&pool->work, rpnl_pool_work);
	list_add_tail(&pool->node, &rpnl_pools);
unlock:
	mutex_unlock(&rpnl_pools_lock);
	return pool;
}

static int rpnl_pool_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct miscdevice *misc = file->private_data;
	struct rpnl_pool *pool = container_of(misc, struct rpnl_pool, misc);
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long pages = pool->size >> PAGE_SHIFT;

	/* a private mapping would copy on write: nothing would be shared */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff > pages || len >> PAGE_SHIFT > pages - vma->vm_pgoff)
		return -EINVAL;

#ifdef RPNL_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	/* write-combined, as the kernel maps it */
	if (pool->in_region)
		return rpnl_region_mmap(&pool->region, vma);
	/* the kernel's own mapping of these pages is cached: so is this one */
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(pool->pages) + vma->vm_pgoff, len,
			       vma->vm_page_prot);
}

static const struct file_operations rpnl_pool_fops = {
	.owner = THIS_MODULE,
	.mmap = rpnl_pool_mmap,
	.llseek = noop_llseek,
};

/*
 * Pages provider: the largest contiguous block up to bulk_pool_kib (at
 * most the page allocator's largest order), halving down to RPNL_POOL_MIN
 * when memory is fragmented.
 */
static int rpnl_pool_alloc_pages(struct rpnl_pool *pool)
{
	size_t want = max_t(size_t, (size_t)READ_ONCE(rpnl_pool_kib) * SZ_1K,
			    RPNL_POOL_MIN);
	unsigned int order = min_t(unsigned int, get_order(want),
				   RPNL_MAX_ORDER);

	for (; (PAGE_SIZE << order) >= RPNL_POOL_MIN; order--) {
		pool->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO |
					  __GFP_NOWARN, order);
		if (pool->pages)
			break;
	}
	if (!pool->pages)
		return -ENOMEM;
	pool->order = order;
	pool->size = PAGE_SIZE << order;
	/* the remote's address: the guest physical one on the vboard */
	pool->remote_base = page_to_phys(pool->pages);
	return 0;
}

/* The pool's memory, its table and its device node, once. */
static int rpnl_pool_setup(struct rpnl_pool *pool, struct device *dev)
{
	struct amp_bulk_pool_info info = {};
	struct amp_bulk_slot *slots;
	u32 count;
	int err;

	if (pool->has_table)
		return 0;

	if (!rpnl_region_take(&pool->region)) {
		/* the board's region, whole slots of it */
		pool->in_region = true;
		pool->size = rounddown(pool->region.size, RPNL_SLOT_SIZE);
		pool->remote_base = pool->region.dma;
		err = pool->size ? 0 : -EINVAL;
	} else {
		err = rpnl_pool_alloc_pages(pool);
	}
	if (err) {
		dev_err(dev, "no memory for a pool of bulk transfers\n");
		return err;
	}
	count = pool->size / RPNL_SLOT_SIZE;
	slots = kcalloc(count, sizeof(*slots), GFP_KERNEL);
	if (!slots) {
		err = -ENOMEM;
		goto free_pages;
	}
	info.generation = rpnl_generation_seed;
	info.base = pool->remote_base;
	info.size = pool->size;
	info.slot_size = RPNL_SLOT_SIZE;
	info.slot_count = count;

	snprintf(pool->misc_name, sizeof(pool->misc_name), "amplink-pool%u",
		 pool->id);
	pool->misc.minor = MISC_DYNAMIC_MINOR;
	pool->misc.name = pool->misc_name;
	pool->misc.fops = &rpnl_pool_fops;
	err = misc_register(&pool->misc);
	if (err)
		goto free_slots;
	pool->misc_up = true;

	spin_lock_irq(&pool->lock);
	if (amp_bulk_host_init(&pool->table, slots, count, &info) == AMP_BULK_OK) {
		pool->slots = slots;
		pool->has_table = true;
	}
	spin_unlock_irq(&pool->lock);
	if (!pool->has_table) {
		err = -EINVAL;
		goto deregister;
	}
	dev_info(dev, "pool %u: %zu KiB, %u slots of %u KiB, /dev/%s\n",
		 pool->id, pool->size / SZ_1K, count, RPNL_SLOT_SIZE / SZ_1K,
		 pool->misc_name);
	return 0;

deregister:
	misc_deregister(&pool->misc);
	pool->misc_up = false;
free_slots:
	kfree(slots);
free_pages:
	/* a region taken stays the pool's: it is used by nobody else */
	if (pool->pages)
		__free_pages(pool->pages, pool->order);
	pool->pages = NULL;
	return err;
}

/* Frees a pool at unload, its memory only if no remote may still write it. */
static void rpnl_pool_free(struct rpnl_pool *pool)
{
	u32 lent = 0;

	cancel_delayed_work_sync(&pool->work);
	if (pool->misc_up)
		misc_deregister(&pool->misc);
	if (pool->has_table)
		lent = amp_bulk_pool_count(&pool->table,
					   AMP_BULK_SLOT_REMOTE_READING) +
		       amp_bulk_pool_count(&pool->table,
					   AMP_BULK_SLOT_REMOTE_EMPTY);
	if ((pool->pages || pool->in_region) && lent)
		pr_warn("pool %u: %u slots lent to a remote that may still run: its %zu KiB stay allocated\n",
			pool->id, lent, pool->size / SZ_1K);
	if (pool->in_region && lent)
		rpnl_region_keep();
	else if (pool->pages && !lent)
		__free_pages(pool->pages, pool->order);
	WARN_ON(!list_empty(&pool->ready_owed));
	kfree(pool->slots);
	mutex_destroy(&pool->tx_lock);
	kfree(pool);
}

/* --- sending to the firmware --------------------------------------------- */

/*
 * Sends one message on the pool's bulk channel, never waiting: -ENOMEM
 * when the ring is full, -ENODEV when there is no bulk channel.
 */
int rpnl_bulk_tx(struct rpnl_pool *pool, void *msg, u32 len)
{
	int err = -ENODEV;

	if (!pool)
		return err;
	mutex_lock(&pool->tx_lock);
	if (pool->ept) {
		/*
		 * The slots' bytes are in memory before the remote hears of
		 * them: a DSB on ARMv7, as the M4 is outside the A7's inner
		 * shareable domain.
		 */
		wmb();
		err = rpmsg_trysendto(pool->ept, msg, len, pool->dst);
		if (!err)
			atomic64_inc(&pool->tx_msgs);
	}
	mutex_unlock(&pool->tx_lock);
	return err;
}

static u32 rpnl_pool_post_target(struct rpnl_pool *pool)
{
	u32 target = READ_ONCE(rpnl_bulk_posted);

	if (!target)
		target = pool->table.info.slot_count / 2;
	return min(target, pool->table.info.slot_count);
}

/*
 * Builds a POST of free slots into pool->owed_msg while fewer than the
 * target are posted. Called with pool->tx_lock held.
 */
static void rpnl_pool_build_post(struct rpnl_pool *pool)
{
	struct amp_bulk_hdr h = { .type = AMP_BULK_POST };
	struct amp_bulk_desc d;
	u32 posted;

	spin_lock_irq(&pool->lock);
	if (!pool->has_table || !pool->table.ready)
		goto unlock;
	posted = amp_bulk_pool_count(&pool->table, AMP_BULK_SLOT_REMOTE_EMPTY);
	while (h.count < AMP_BULK_DESC_MAX &&
	       posted + h.count < rpnl_pool_post_target(pool) &&
	       amp_bulk_host_post(&pool->table, &d) == AMP_BULK_OK)
		amp_bulk_desc_encode(pool->owed_msg, h.count++, &d);
	if (h.count)
		pool->owed_len = amp_bulk_hdr_encode(pool->owed_msg, &h);
unlock:
	spin_unlock_irq(&pool->lock);
}

/*
 * Sends what the pool owes the firmware: the POOL, then POSTs up to the
 * target. Returns -ENOMEM when the ring filled first.
 */
static int rpnl_pool_flush(struct rpnl_pool *pool)
{
	int err = 0;

	mutex_lock(&pool->tx_lock);
	while (pool->ept) {
		if (!pool->owed_len)
			rpnl_pool_build_post(pool);
		if (!pool->owed_len)
			break;
		err = rpmsg_trysendto(pool->ept, pool->owed_msg,
				      pool->owed_len, pool->dst);
		if (err == -ENOMEM)
			break;
		if (!err)
			atomic64_inc(&pool->tx_msgs);
		/* anything else: the channel is going, the next pool reclaims */
		err = 0;
		pool->owed_len = 0;
	}
	mutex_unlock(&pool->tx_lock);
	return err;
}

/* Tells the clients owed BULK_READY that slots came back. */
static void rpnl_pool_ready(struct rpnl_pool *pool)
{
	struct rpnl_client *cl, *tmp;
	LIST_HEAD(owed);
	u32 free;

	spin_lock_irq(&pool->lock);
	free = pool->has_table ?
		amp_bulk_pool_count(&pool->table, AMP_BULK_SLOT_HOST) : 0;
	/* a pool that went tells them too: their ACQUIRE says why */
	if (free > 0 || !pool->rpdev || !pool->table.ready)
		list_splice_init(&pool->ready_owed, &owed);
	spin_unlock_irq(&pool->lock);

	list_for_each_entry_safe(cl, tmp, &owed, bulk_ready_node) {
		list_del_init(&cl->bulk_ready_node);
		rpnl_notify_client(cl, RPMSG_NETLINK_CMD_BULK_READY);
		rpnl_client_put(cl);
	}
}

static void rpnl_pool_work(struct work_struct *work)
{
	struct rpnl_pool *pool = container_of(to_delayed_work(work),
					      struct rpnl_pool, work);

	if (rpnl_pool_flush(pool) == -ENOMEM)
		schedule_delayed_work(&pool->work, 1);
	rpnl_pool_ready(pool);
}

static void rpnl_pool_kick(struct rpnl_pool *pool)
{
	mod_delayed_work(system_wq, &pool->work, 0);
}

/* --- what the firmware sends --------------------------------------------- */

static void rpnl_pool_on_ack(struct rpnl_pool *pool, u32 len,
			     struct rpmsg_device *rpdev)
{
	struct amp_bulk_pool_ack ack;
	u32 reclaimed;

	if (len != AMP_BULK_HDR_SIZE + AMP_BULK_POOL_ACK_SIZE ||
	    amp_bulk_pool_ack_decode(pool->rx_copy, &ack) != AMP_BULK_OK) {
		pool->bad_msgs++;
		return;
	}
	if (ack.generation != pool->table.info.generation ||
	    !pool->table.announced) {
		pool->table.counters.stale++;
		return;
	}
	if (ack.status != AMP_BULK_ACK_OK) {
		amp_bulk_host_stop(&pool->table);
		pool->refused = true;
		dev_warn_ratelimited(&rpdev->dev,
				     "pool %u: the firmware refused it (status %u)\n",
				     pool->id, ack.status);
		return;
	}
	if (amp_bulk_host_acknowledged(&pool->table, ack.generation,
				       &reclaimed) == AMP_BULK_OK)
		pool->reclaimed += reclaimed;
}

/*
 * Hands the accepted slots of the FILLED in pool->rx back to the pool: it
 * cannot be delivered. Called with pool->lock held.
 */
static void rpnl_pool_drop_filled(struct rpnl_pool *pool)
{
	const struct amp_bulk_received *rx = &pool->rx;

	for (u32 i = 0; i < rx->hdr.count; i++)
		if (rx->status[i] == AMP_BULK_OK)
			amp_bulk_done(&pool->table, rx->hdr.peer,
				      rx->descs[i].slot, NULL);
	pool->dropped++;
}

/* The uapi's RPMSG_NETLINK_BULK_F_* of a bulk header's flags. */
static u32 rpnl_bulk_flags(u8 flags)
{
	return (flags & AMP_BULK_F_MORE ? RPMSG_NETLINK_BULK_F_MORE : 0) |
	       (flags & AMP_BULK_F_CRC ? RPMSG_NETLINK_BULK_F_CRC : 0);
}

/* BULK_RECV for the FILLED in pool->rx, to @cl; NULL without memory. */
static struct sk_buff *rpnl_bulk_recv_msg(struct rpnl_client *cl,
					  const struct amp_bulk_received *rx)
{
	struct rpmsg_netlink_bulk_desc *descs;
	u32 n = rx->hdr.count;
	struct sk_buff *skb;
	struct nlattr *attr;
	void *hdr;

	skb = genlmsg_new(5 * nla_total_size(sizeof(u32)) +
			  nla_total_size(n * sizeof(*descs)), GFP_ATOMIC);
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &rpnl_family, 0,
			  RPMSG_NETLINK_CMD_BULK_RECV);
	if (!hdr ||
	    nla_put_u32(skb, RPMSG_NETLINK_A_CHANNEL, cl->channel->id) ||
	    nla_put_u32(skb, RPMSG_NETLINK_A_CONN_ID, rx->hdr.conn_id) ||
	    nla_put_u32(skb, RPMSG_NETLINK_A_SEQ, rx->hdr.seq) ||
	    nla_put_u32(skb, RPMSG_NETLINK_A_FLAGS, rpnl_bulk_flags(rx->hdr.flags)) ||
	    nla_put_u32(skb, RPMSG_NETLINK_A_CRC, rx->hdr.crc))
		goto cancel;
	attr = nla_reserve(skb, RPMSG_NETLINK_A_DESCS, n * sizeof(*descs));
	if (!attr)
		goto cancel;
	descs = nla_data(attr);
	for (u32 i = 0; i < n; i++) {
		descs[i].slot = rx->descs[i].slot;
		descs[i].offset = rx->descs[i].offset;
		descs[i].length = rx->descs[i].length;
	}
	genlmsg_end(skb, hdr);
	return skb;

cancel:
	nlmsg_free(skb);
	return NULL;
}

/*
 * A FILLED whose descriptors were all accepted: its slots are the client's
 * at the message's peer address, to read. Called with pool->lock held;
 * returns the message to send once it is dropped and the client it goes
 * to (with a reference), or NULL when the slots went back at once.
 */
static struct sk_buff *rpnl_pool_on_filled(struct rpnl_pool *pool,
					   struct rpnl_client **to)
{
	struct amp_bulk_received *rx = &pool->rx;
	struct rpnl_client *cl = NULL;
	struct sk_buff *skb = NULL;

	if (rx->accepted == rx->hdr.count) {
		rcu_read_lock();
		cl = xa_load(&rpnl_addrs, rx->hdr.peer);
		/* a live client holds its channel: only then is ->channel safe */
		if (cl && !kref_get_unless_zero(&cl->refcount))
			cl = NULL;
		rcu_read_unlock();
		if (cl && cl->channel->pool != pool) {
			rpnl_client_put(cl);
			cl = NULL;
		}
	}
	if (cl) {
		skb = rpnl_bulk_recv_msg(cl, rx);
		if (!skb) {
			rpnl_client_overrun(cl);
			rpnl_client_put(cl);
			cl = NULL;
		}
	}
	if (!skb)
		rpnl_pool_drop_filled(pool);
	*to = cl;
	return skb;
}

/* Receive callback of the bulk channel (the virtqueue's interrupt). */
static int rpnl_bulk_cb(struct rpmsg_device *rpdev, void *data, int len,
			void *priv, u32 src)
{
	struct rpnl_pool *pool = dev_get_drvdata(&rpdev->dev);
	u32 slots[AMP_BULK_DESC_MAX], peer = 0, n = 0;
	struct rpnl_client *to = NULL;
	struct sk_buff *skb = NULL;
	struct amp_bulk_hdr h;
	unsigned long flags;
	bool kick = false;

	if (!pool)
		return 0;
	atomic64_inc(&pool->rx_msgs);

	spin_lock_irqsave(&pool->lock, flags);
	if (pool->rpdev != rpdev || len < 0 || len > AMP_BULK_MSG_MAX ||
	    src != pool->dst) {
		pool->bad_msgs++;
		goto unlock;
	}
	/* read once: the ring is shared with the remote */
	memcpy(pool->rx_copy, data, len);
	/* the slots' bytes are read after the message that names them */
	rmb();
	if (amp_bulk_hdr_decode(pool->rx_copy, len, &h) != AMP_BULK_OK) {
		pool->bad_msgs++;
		goto unlock;
	}
	switch (h.type) {
	case AMP_BULK_POOL_ACK:
		rpnl_pool_on_ack(pool, len, rpdev);
		kick = true;
		break;
	case AMP_BULK_FILLED:
		amp_bulk_receive_msg(&pool->table, pool->rx_copy, len,
				     &pool->rx);
		skb = rpnl_pool_on_filled(pool, &to);
		kick = !skb;
		/* what to hand back if the socket cannot take it */
		peer = h.peer;
		for (n = 0; skb && n < h.count; n++)
			slots[n] = pool->rx.descs[n].slot;
		break;
	default:
		/* RELEASE; anything else is refused and counted by the table */
		if (amp_bulk_type_has_descs(h.type))
			kick = amp_bulk_receive_msg(&pool->table, pool->rx_copy,
						    len, &pool->rx) ==
				       AMP_BULK_OK && pool->rx.accepted;
		else
			pool->bad_msgs++;
		break;
	}
unlock:
	spin_unlock_irqrestore(&pool->lock, flags);

	if (skb && genlmsg_unicast(read_pnet(&to->net), skb, to->portid)) {
		/* a full or closed socket: the slots go back, the stream has a hole */
		spin_lock_irqsave(&pool->lock, flags);
		for (u32 i = 0; i < n; i++)
			amp_bulk_done(&pool->table, peer, slots[i], NULL);
		pool->dropped++;
		spin_unlock_irqrestore(&pool->lock, flags);
		atomic64_inc(&to->channel->stats.rx_drops);
		kick = true;
	}
	if (to)
		rpnl_client_put(to);
	if (kick)
		rpnl_pool_kick(pool);
	return 0;
}

/* --- the bulk channel ---------------------------------------------------- */

static int rpnl_bulk_probe(struct rpmsg_device *rpdev)
{
	struct amp_bulk_pool_info info;
	struct amp_bulk_hdr h = { .type = AMP_BULK_POOL };
	struct rpnl_pool *pool;
	int err;

	if (rpdev->dst == RPMSG_ADDR_ANY || !rpdev->ept) {
		dev_err(&rpdev->dev, "bulk channel has no remote address\n");
		return -EINVAL;
	}
	pool = rpnl_pool_of(rpdev);
	if (!pool)
		return -ENOMEM;

	mutex_lock(&pool->tx_lock);
	if (pool->ept) {
		dev_err(&rpdev->dev, "pool %u has a bulk channel already\n",
			pool->id);
		err = -EBUSY;
		goto unlock;
	}
	err = rpnl_pool_setup(pool, &rpdev->dev);
	if (err)
		goto unlock;

	spin_lock_irq(&pool->lock);
	amp_bulk_host_new_generation(&pool->table, &info);
	pool->refused = false;
	pool->rpdev = rpdev;
	pool->dst = rpdev->dst;
	spin_unlock_irq(&pool->lock);
	pool->ept = rpdev->ept;
	dev_set_drvdata(&rpdev->dev, pool);

	/* a POOL or POST of another generation would be refused: replaced */
	amp_bulk_hdr_encode(pool->owed_msg, &h);
	amp_bulk_pool_info_encode(pool->owed_msg, &info);
	pool->owed_len = AMP_BULK_HDR_SIZE + AMP_BULK_POOL_SIZE;
	rpnl_pool_kick(pool);
	dev_info(&rpdev->dev, "pool %u: generation %u announced\n", pool->id,
		 info.generation);
unlock:
	mutex_unlock(&pool->tx_lock);
	return err;
}

static void rpnl_bulk_remove(struct rpmsg_device *rpdev)
{
	struct rpnl_pool *pool = dev_get_drvdata(&rpdev->dev);

	/* nothing is lent or accepted now; what is lent stays lent */
	spin_lock_irq(&pool->lock);
	amp_bulk_host_stop(&pool->table);
	pool->rpdev = NULL;
	spin_unlock_irq(&pool->lock);

	mutex_lock(&pool->tx_lock);
	pool->ept = NULL;
	pool->owed_len = 0;
	mutex_unlock(&pool->tx_lock);
	/* clients owed BULK_READY hear it; their ACQUIRE says ECONNRESET */
	rpnl_pool_kick(pool);
	dev_info(&rpdev->dev, "pool %u: bulk channel removed\n", pool->id);
}

static const struct rpmsg_device_id rpnl_bulk_id_table[] = {
	{ .name = RPMSG_NETLINK_BULK_SERVICE },
	{ },
};
MODULE_DEVICE_TABLE(rpmsg, rpnl_bulk_id_table);

static struct rpmsg_driver rpnl_bulk_driver = {
	.drv.name = KBUILD_MODNAME "_bulk",
	.id_table = rpnl_bulk_id_table,
	.probe = rpnl_bulk_probe,
	.remove = rpnl_bulk_remove,
	.callback = rpnl_bulk_cb,
};

/* --- clients ------------------------------------------------------------- */

/*
 * A client's endpoint at @addr is closed and no delivery finds it now:
 * the slots it was filling or reading come back (see the essay).
 */
void rpnl_bulk_client_gone(struct rpnl_client *cl, u32 addr)
{
	struct rpnl_pool *pool = cl->channel->pool;
	bool owed = false;
	u32 n = 0;

	if (!pool)
		return;
	spin_lock_irq(&pool->lock);
	if (pool->has_table)
		n = amp_bulk_host_drop_holder(&pool->table, addr);
	if (!list_empty(&cl->bulk_ready_node)) {
		list_del_init(&cl->bulk_ready_node);
		owed = true;
	}
	spin_unlock_irq(&pool->lock);
	if (owed)
		rpnl_client_put(cl);
	if (n)
		rpnl_pool_kick(pool);
}

/*
 * Why @pool lends nothing now: -EOPNOTSUPP (never had a bulk channel, or
 * the firmware refused it), -ECONNRESET (its remote went, or has not
 * acknowledged this generation yet). Called with pool->lock held.
 */
static int rpnl_pool_usable(struct rpnl_pool *pool,
			    struct netlink_ext_ack *extack)
{
	if (!pool || !pool->has_table || pool->refused) {
		NL_SET_ERR_MSG(extack,
			       "no pool for bulk transfers on this channel's remote");
		return -EOPNOTSUPP;
	}
	if (!pool->table.ready) {
		NL_SET_ERR_MSG(extack,
			       "the pool's remote went away or has not taken it yet");
		return -ECONNRESET;
	}
	return 0;
}

static u32 rpnl_pool_share(struct rpnl_pool *pool)
{
	u32 share = READ_ONCE(rpnl_bulk_share);

	if (!share)
		share = max(1U, pool->table.info.slot_count / 4);
	return share;
}

/* Slots @addr holds acquired or submitted. Called with pool->lock held. */
static u32 rpnl_pool_held(struct rpnl_pool *pool, u32 addr)
{
	u32 held = 0;

	for (u32 i = 0; i < pool->table.info.slot_count; i++) {
		const struct amp_bulk_slot *s = &pool->slots[i];

		if (s->holder == addr &&
		    (s->state == AMP_BULK_SLOT_HOST_FILLING ||
		     s->state == AMP_BULK_SLOT_REMOTE_READING))
			held++;
	}
	return held;
}

/*
 * Up to @want free slots for @cl to fill, into @slots; -EAGAIN (and
 * BULK_READY owed) when there is none for it.
 */
static int rpnl_bulk_acquire(struct rpnl_client *cl, u32 want, u32 *slots,
			     u32 *got, struct netlink_ext_ack *extack)
{
	struct rpnl_pool *pool = cl->channel->pool;
	u32 addr, share, held;
	int err;

	*got = 0;
	mutex_lock(&cl->tx_lock);
	if (!cl->ept) {
		mutex_unlock(&cl->tx_lock);
		return -ENODEV;
	}
	addr = cl->ept->addr;
	spin_lock_irq(&pool->lock);
	err = rpnl_pool_usable(pool, extack);
	if (err)
		goto unlock;
	share = rpnl_pool_share(pool);
	held = rpnl_pool_held(pool, addr);
	while (*got < want && held + *got < share &&
	       amp_bulk_acquire(&pool->table, addr, &slots[*got]) ==
		       AMP_BULK_OK)
		(*got)++;
	if (!*got) {
		if (held >= share)
			NL_SET_ERR_MSG(extack,
				       "the client holds its share of the pool; wait for BULK_READY");
		else
			NL_SET_ERR_MSG(extack, "no free slot; wait for BULK_READY");
		if (list_empty(&cl->bulk_ready_node)) {
			kref_get(&cl->refcount);
			list_add_tail(&cl->bulk_ready_node, &pool->ready_owed);
		}
		err = -EAGAIN;
	}
unlock:
	spin_unlock_irq(&pool->lock);
	mutex_unlock(&cl->tx_lock);
	return err;
}

/* Gives back acquired slots whose numbers never reached the client. */
static void rpnl_bulk_unacquire(struct rpnl_client *cl, const u32 *slots,
				u32 n)
{
	struct rpnl_pool *pool = cl->channel->pool;

	mutex_lock(&cl->tx_lock);
	spin_lock_irq(&pool->lock);
	for (u32 i = 0; cl->ept && i < n; i++)
		amp_bulk_unfill(&pool->table, cl->ept->addr, slots[i]);
	spin_unlock_irq(&pool->lock);
	mutex_unlock(&cl->tx_lock);
	rpnl_pool_kick(pool);
}

/* The channel of a bulk request, with a reference, or an ERR_PTR. */
static struct rpnl_channel *rpnl_bulk_channel(struct genl_info *info)
{
	struct rpnl_channel *ch;

	ch = rpnl_channel_get(nla_get_u32(info->attrs[RPMSG_NETLINK_A_CHANNEL]));
	if (!ch) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[RPMSG_NETLINK_A_CHANNEL],
				    "no such channel");
		return ERR_PTR(-ENODEV);
	}
	if (!ch->pool) {
		NL_SET_ERR_MSG(info->extack,
			       "no pool for bulk transfers on this channel's remote");
		rpnl_channel_put(ch);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return ch;
}

static int rpnl_bulk_reply_slots(struct genl_info *info, u32 channel,
				 const u32 *slots, u32 n)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(u32)) +
			  nla_total_size(n * sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rpnl_family, 0,
				RPMSG_NETLINK_CMD_BULK_ACQUIRE);
	if (!hdr || nla_put_u32(msg, RPMSG_NETLINK_A_CHANNEL, channel) ||
	    nla_put(msg, RPMSG_NETLINK_A_SLOTS, n * sizeof(u32), slots)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int rpnl_cmd_bulk_acquire(struct sk_buff *skb, struct genl_info *info)
{
	u32 slots[RPMSG_NETLINK_BULK_DESC_MAX], got;
	struct rpnl_channel *ch;
	struct rpnl_client *cl;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_CHANNEL) ||
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_COUNT))
		return -EINVAL;
	ch = rpnl_bulk_channel(info);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	cl = rpnl_client_of(ch, info, skb);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		goto put_channel;
	}
	err = rpnl_bulk_acquire(cl,
				nla_get_u32(info->attrs[RPMSG_NETLINK_A_COUNT]),
				slots, &got, info->extack);
	if (!err) {
		err = rpnl_bulk_reply_slots(info, ch->id, slots, got);
		/* the socket never learns of them: they are not its own */
		if (err)
			rpnl_bulk_unacquire(cl, slots, got);
	}
	rpnl_client_put(cl);
put_channel:
	rpnl_channel_put(ch);
	return err;
}

/* A BULK_SUBMIT request, checked by rpnl_bulk_hand_over(). */
struct rpnl_bulk_submit {
	const struct rpmsg_netlink_bulk_desc *descs;
	u32 count;
	struct amp_bulk_hdr hdr;
	struct netlink_ext_ack *extack;
	const struct nlattr *attr;
};

/* Whether descriptor @i of @req may be submitted by @addr. */
static bool rpnl_submit_desc_ok(struct rpnl_pool *pool,
				const struct rpnl_bulk_submit *req, u32 i,
				u32 addr)
{
	const struct rpmsg_netlink_bulk_desc *d = &req->descs[i];
	const struct amp_bulk_slot *s;

	if (d->slot >= pool->table.info.slot_count)
		return false;
	s = &pool->slots[d->slot];
	if (s->state != AMP_BULK_SLOT_HOST_FILLING || s->holder != addr ||
	    !d->length || d->offset > pool->table.info.slot_size ||
	    d->length > pool->table.info.slot_size - d->offset)
		return false;
	for (u32 j = 0; j < i; j++)
		if (req->descs[j].slot == d->slot)
			return false;
	return true;
}

/*
 * rpnl_client_submit()'s hand-over: every slot checked first (the client's,
 * being filled, named once, the range inside it), then all move to the
 * firmware and @msg becomes their SUBMIT. Called with cl->tx_lock held
 * and cl->ept present.
 */
static int rpnl_bulk_hand_over(struct rpnl_client *cl, void *msg, void *arg)
{
	struct rpnl_bulk_submit *req = arg;
	struct rpnl_pool *pool = cl->channel->pool;
	u32 addr = cl->ept->addr;
	struct amp_bulk_desc d;
	int err;

	spin_lock_irq(&pool->lock);
	err = rpnl_pool_usable(pool, req->extack);
	if (err)
		goto unlock;
	for (u32 i = 0; i < req->count; i++) {
		if (!rpnl_submit_desc_ok(pool, req, i, addr)) {
			NL_SET_ERR_MSG_ATTR(req->extack, req->attr,
					    "a slot that is not the client's to submit, named twice, or a range outside it");
			err = -EINVAL;
			goto unlock;
		}
	}
	for (u32 i = 0; i < req->count; i++) {
		const struct rpmsg_netlink_bulk_desc *r = &req->descs[i];

		amp_bulk_hand_over(&pool->table, addr, r->slot, r->offset,
				   r->length, &d);
		amp_bulk_desc_encode(msg, i, &d);
	}
	req->hdr.peer = addr;
	amp_bulk_hdr_encode(msg, &req->hdr);
unlock:
	spin_unlock_irq(&pool->lock);
	return err;
}

int rpnl_cmd_bulk_submit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct rpnl_bulk_submit req = {
		.hdr.type = AMP_BULK_SUBMIT,
		.extack = info->extack,
	};
	struct rpnl_channel *ch;
	struct rpnl_client *cl;
	u32 flags = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_CHANNEL) ||
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_DESCS) ||
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_CONN_ID) ||
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_SEQ))
		return -EINVAL;
	if (attrs[RPMSG_NETLINK_A_FLAGS])
		flags = nla_get_u32(attrs[RPMSG_NETLINK_A_FLAGS]);
	if ((flags & RPMSG_NETLINK_BULK_F_CRC) &&
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_CRC))
		return -EINVAL;

	req.attr = attrs[RPMSG_NETLINK_A_DESCS];
	req.descs = nla_data(req.attr);
	req.count = nla_len(req.attr) / sizeof(*req.descs);
	req.hdr.count = req.count;
	req.hdr.conn_id = nla_get_u32(attrs[RPMSG_NETLINK_A_CONN_ID]);
	req.hdr.seq = nla_get_u32(attrs[RPMSG_NETLINK_A_SEQ]);
	if (flags & RPMSG_NETLINK_BULK_F_MORE)
		req.hdr.flags |= AMP_BULK_F_MORE;
	if (flags & RPMSG_NETLINK_BULK_F_CRC) {
		req.hdr.flags |= AMP_BULK_F_CRC;
		req.hdr.crc = nla_get_u32(attrs[RPMSG_NETLINK_A_CRC]);
	}

	ch = rpnl_bulk_channel(info);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	cl = rpnl_client_of(ch, info, skb);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		goto put_channel;
	}
	/* RESUME is SEND's: a SUBMIT takes it in the same place of A_FLAGS */
	err = rpnl_client_submit(cl, amp_bulk_msg_size(AMP_BULK_SUBMIT,
						       req.count),
				 flags & RPMSG_NETLINK_F_RESUME,
				 rpnl_bulk_hand_over, &req, info->extack);
	rpnl_client_put(cl);
put_channel:
	rpnl_channel_put(ch);
	return err;
}

/*
 * Gives back @n slots of @cl (@slots): read ones it received, acquired
 * ones it does not want. All or none: -EINVAL when any is not the
 * client's or is named twice.
 */
static int rpnl_bulk_release(struct rpnl_client *cl, const u32 *slots, u32 n,
			     struct netlink_ext_ack *extack)
{
	struct rpnl_pool *pool = cl->channel->pool;
	const struct amp_bulk_slot *s;
	int err = 0;
	u32 addr;

	mutex_lock(&cl->tx_lock);
	if (!cl->ept) {
		mutex_unlock(&cl->tx_lock);
		return -ENODEV;
	}
	addr = cl->ept->addr;
	spin_lock_irq(&pool->lock);
	for (u32 i = 0; i < n && !err; i++) {
		s = amp_bulk_pool_slot(&pool->table, slots[i]);
		if (!pool->has_table || !s || s->holder != addr ||
		    (s->state != AMP_BULK_SLOT_HOST_READING &&
		     s->state != AMP_BULK_SLOT_HOST_FILLING))
			err = -EINVAL;
		for (u32 j = 0; j < i; j++)
			if (slots[j] == slots[i])
				err = -EINVAL;
	}
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "a slot the client does not hold, or named twice");
		goto unlock;
	}
	for (u32 i = 0; i < n; i++) {
		/* slot states are set directly: the pool may be stopped */
		if (pool->slots[slots[i]].state == AMP_BULK_SLOT_HOST_READING)
			amp_bulk_done(&pool->table, addr, slots[i], NULL);
		else
			amp_bulk_unfill(&pool->table, addr, slots[i]);
	}
unlock:
	spin_unlock_irq(&pool->lock);
	mutex_unlock(&cl->tx_lock);
	if (!err)
		rpnl_pool_kick(pool);
	return err;
}

int rpnl_cmd_bulk_release(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[RPMSG_NETLINK_A_SLOTS];
	struct rpnl_channel *ch;
	struct rpnl_client *cl;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_CHANNEL) ||
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_SLOTS))
		return -EINVAL;
	ch = rpnl_bulk_channel(info);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	cl = rpnl_client_find(ch, info, skb);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
	} else {
		err = rpnl_bulk_release(cl, nla_data(attr),
					nla_len(attr) / sizeof(u32),
					info->extack);
		rpnl_client_put(cl);
	}
	rpnl_channel_put(ch);
	return err;
}

/* --- reporting ----------------------------------------------------------- */

/* What GET_CHANNEL reports of a pool, taken under its lock at once. */
struct rpnl_pool_report {
	struct amp_bulk_pool_info info;
	struct amp_bulk_counters counters;
	u32 share, free, clients, lent;
	u64 bad_msgs, reclaimed, dropped;
	bool ready;
};

static void rpnl_pool_report(struct rpnl_pool *pool,
			     struct rpnl_pool_report *r)
{
	const struct amp_bulk_pool *t = &pool->table;

	spin_lock_irq(&pool->lock);
	r->info = t->info;
	r->counters = t->counters;
	r->ready = t->ready && pool->rpdev;
	r->share = rpnl_pool_share(pool);
	r->free = amp_bulk_pool_count(t, AMP_BULK_SLOT_HOST);
	r->clients = amp_bulk_pool_count(t, AMP_BULK_SLOT_HOST_FILLING) +
		     amp_bulk_pool_count(t, AMP_BULK_SLOT_HOST_READING);
	r->lent = amp_bulk_pool_count(t, AMP_BULK_SLOT_REMOTE_READING) +
		  amp_bulk_pool_count(t, AMP_BULK_SLOT_REMOTE_EMPTY);
	r->bad_msgs = pool->bad_msgs;
	r->reclaimed = pool->reclaimed;
	r->dropped = pool->dropped;
	spin_unlock_irq(&pool->lock);
}

static int rpnl_put_u64(struct sk_buff *skb, int type, u64 value)
{
	return nla_put_u64_64bit(skb, type, value, RPMSG_NETLINK_BULK_PAD);
}

/* RPMSG_NETLINK_A_BULK of GET_CHANNEL, when @ch's remote has a pool. */
int rpnl_bulk_put_info(struct sk_buff *skb, struct rpnl_channel *ch)
{
	struct rpnl_pool *pool = ch->pool;
	struct rpnl_pool_report r;
	struct nlattr *nest;

	if (!pool || !READ_ONCE(pool->has_table))
		return 0;
	rpnl_pool_report(pool, &r);

	nest = nla_nest_start(skb, RPMSG_NETLINK_A_BULK);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, RPMSG_NETLINK_BULK_POOL, pool->id) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_READY, r.ready) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_GENERATION, r.info.generation) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_SLOT_SIZE, r.info.slot_size) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_SLOT_COUNT, r.info.slot_count) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_SHARE, r.share) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_FREE, r.free) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_CLIENTS, r.clients) ||
	    nla_put_u32(skb, RPMSG_NETLINK_BULK_LENT, r.lent) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_ACCEPTED, r.counters.accepted) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_STALE, r.counters.stale) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_BAD_SLOT, r.counters.bad_slot) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_BAD_RANGE, r.counters.bad_range) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_NOT_OWNER, r.counters.not_owner) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_DUPLICATE, r.counters.duplicate) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_WRONG_TYPE, r.counters.wrong_type) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_BAD_MSGS, r.bad_msgs) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_TX_MSGS,
			 atomic64_read(&pool->tx_msgs)) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_RX_MSGS,
			 atomic64_read(&pool->rx_msgs)) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_RECLAIMED, r.reclaimed) ||
	    rpnl_put_u64(skb, RPMSG_NETLINK_BULK_DROPPED, r.dropped)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* --- requests' attributes ------------------------------------------------ */

static int rpnl_validate_descs(const struct nlattr *attr,
			       struct netlink_ext_ack *extack)
{
	int len = nla_len(attr);

	if (len % sizeof(struct rpmsg_netlink_bulk_desc) || !len) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "not 1..29 struct rpmsg_netlink_bulk_desc");
		return -EINVAL;
	}
	return 0;
}

static int rpnl_validate_slots(const struct nlattr *attr,
			       struct netlink_ext_ack *extack)
{
	int len = nla_len(attr);

	if (len % sizeof(u32) || !len) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "not 1..29 u32 slot numbers");
		return -EINVAL;
	}
	return 0;
}

const struct nla_policy rpnl_bulk_acquire_policy[RPMSG_NETLINK_A_COUNT + 1] = {
	[RPMSG_NETLINK_A_CHANNEL] = { .type = NLA_U32 },
	[RPMSG_NETLINK_A_COUNT] = NLA_POLICY_RANGE(NLA_U32, 1,
						   RPMSG_NETLINK_BULK_DESC_MAX),
};

const struct nla_policy rpnl_bulk_submit_policy[RPMSG_NETLINK_A_CRC + 1] = {
	[RPMSG_NETLINK_A_CHANNEL] = { .type = NLA_U32 },
	[RPMSG_NETLINK_A_DESCS] = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							 rpnl_validate_descs,
							 RPMSG_NETLINK_BULK_DESC_MAX *
							 sizeof(struct rpmsg_netlink_bulk_desc)),
	[RPMSG_NETLINK_A_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						  RPMSG_NETLINK_F_RESUME |
						  RPMSG_NETLINK_BULK_F_ALL),
	[RPMSG_NETLINK_A_CONN_ID] = { .type = NLA_U32 },
	[RPMSG_NETLINK_A_SEQ] = { .type = NLA_U32 },
	[RPMSG_NETLINK_A_CRC] = { .type = NLA_U32 },
};

const struct nla_policy rpnl_bulk_release_policy[RPMSG_NETLINK_A_SLOTS + 1] = {
	[RPMSG_NETLINK_A_CHANNEL] = { .type = NLA_U32 },
	[RPMSG_NETLINK_A_SLOTS] = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							 rpnl_validate_slots,
							 RPMSG_NETLINK_BULK_DESC_MAX *
							 sizeof(u32)),
};

/* --- loading and unloading ----------------------------------------------- */

int rpnl_bulk_init(void)
{
	int err;

	/* never 0, and unlike the last load's: see the essay */
	rpnl_generation_seed = get_random_u32() | 1;
	/* the board's region first: bulk channels that probe at once take it */
	err = rpnl_region_init();
	if (err)
		return err;
	err = register_rpmsg_driver(&rpnl_bulk_driver);
	if (err)
		rpnl_region_exit();
	return err;
}

void rpnl_bulk_exit(void)
{
	struct rpnl_pool *pool, *tmp;

	unregister_rpmsg_driver(&rpnl_bulk_driver);
	list_for_each_entry_safe(pool, tmp, &rpnl_pools, node) {
		list_del(&pool->node);
		rpnl_pool_free(pool);
	}
	/* after the pools: one with slots lent has asked to keep it */
	rpnl_region_exit();
}
