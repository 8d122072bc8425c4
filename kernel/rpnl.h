/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rpmsg_netlink: what the channel core (rpnl_core.c) and bulk transfers
 * (rpnl_bulk.c) share. The locking rules are rpnl_core.c's essay and, for
 * pools, rpnl_bulk.c's.
 */
#ifndef RPNL_H
#define RPNL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rpmsg.h>
#include <linux/rpmsg_netlink.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

/* "Gone" notices kept per channel while the ring is full; see rpnl_core.c. */
#define RPNL_GONE_QUEUE		RPMSG_NETLINK_GONE_QUEUE

struct rpnl_pool;
struct vm_area_struct;

/* The board's pool region (rpnl_region.c): a reserved region, allocated whole. */
struct rpnl_region {
	struct device *dev;
	void *cpu;
	dma_addr_t dma;
	size_t size;
};

struct rpnl_stats {
	atomic64_t tx_bytes;
	atomic64_t tx_msgs;
	atomic64_t rx_bytes;
	atomic64_t rx_msgs;
	atomic64_t tx_errors;
	atomic64_t rx_drops;
	atomic64_t gone_sent;
	atomic64_t gone_lost;
	atomic64_t tx_refused;
};

struct rpnl_channel {
	struct kref refcount;
	u32 id;
	u32 src;
	u32 dst;
	u32 mtu;
	char name[RPMSG_NAME_SIZE];
	/* the channel's own endpoint; messages that reach it are dropped */
	struct rpmsg_endpoint *ept;
	struct rpmsg_device *rpdev;

	/* tell the remote when a client goes away */
	bool notify;

	/*
	 * the network namespace the channel is in, not referenced (pernet
	 * exit moves it out of a dying one); see the essay
	 */
	struct net *net;

	/* protects clients, ports, nclients, closing and gone */
	struct mutex lock;
	struct list_head clients;
	/* port id -> its newest client; see the essay */
	struct xarray ports;
	u32 nclients;
	/* clients off the list whose endpoints are still being closed */
	u32 closing;
	bool gone;
	/* remove() waits here for closing to reach 0 */
	wait_queue_head_t closewq;

	/* the gone-notice closer waiting for a free tx buffer */
	wait_queue_head_t txwq;
	atomic_t tx_events;

	/* protects tx_clients: clients with queued data, in turn order */
	spinlock_t tx_clients_lock;
	struct list_head tx_clients;
	/* sends queued data as the ring frees up; see the essay */
	struct delayed_work tx_work;

	/* protects the queue of pending "gone" notices; see the essay */
	struct mutex gone_lock;
	u32 gone_addrs[RPNL_GONE_QUEUE];
	u32 gone_head;
	u32 gone_len;
	/* flushes the queue when the remote shows activity */
	struct delayed_work gone_work;

	struct rpnl_stats stats;

	/* the pool of the channel's remote processor, or NULL; see rpnl_bulk.c */
	struct rpnl_pool *pool;
};

struct rpnl_client {
	struct kref refcount;
	struct list_head node;
	struct rpnl_channel *channel;
	possible_net_t net;
	u32 portid;
	/*
	 * The socket itself, held: a port id is free again before the
	 * socket's release notifier runs, and a new socket bound to it is
	 * another client (see the essay).
	 */
	struct sock *sk;
	/* the effective uid of the SEND that created it (the limits) */
	kuid_t uid;

	/* protects ept and the tx queue; never held across a wait */
	struct mutex tx_lock;
	struct rpmsg_endpoint *ept;
	/* accepted data not yet sent, oldest first (struct rpnl_txbuf) */
	struct list_head txq;
	u32 txq_bytes;
	/* a SEND was refused: later ones are too, until one says RESUME */
	bool refused;
	/* TX_READY is owed once the queue has room again */
	bool ready_owed;
	/* in ch->tx_clients (under its lock); the list holds a reference */
	struct list_head tx_node;

	/*
	 * in its pool's list of clients owed BULK_READY (under the pool's
	 * lock); the list holds a reference
	 */
	struct list_head bulk_ready_node;
	/* found by address under RCU (bulk deliveries): freed after a grace period */
	struct rcu_head rcu;
	/* frees it in process context when the last reference went in an interrupt */
	struct work_struct free_work;
};

/*
 * The part of one SEND that found the ring full, in its request skb; or a
 * whole bulk SUBMIT (@bulk: one message for the pool's channel, in @own).
 */
struct rpnl_txbuf {
	struct list_head node;
	struct sk_buff *skb;
	void *own;
	u8 *data;
	u32 len;
	bool bulk;
};

extern struct genl_family rpnl_family;
/* the addresses of client endpoints -> clients; see rpnl_core.c */
extern struct xarray rpnl_addrs;

/* rpnl_core.c */
struct rpnl_channel *rpnl_channel_get(u32 id);
void rpnl_channel_put(struct rpnl_channel *ch);
void rpnl_client_put(struct rpnl_client *cl);
bool rpnl_client_released(struct rpnl_client *cl);
void rpnl_client_overrun(struct rpnl_client *cl);
void rpnl_notify_client(struct rpnl_client *cl, u8 cmd);
struct rpnl_client *rpnl_client_of(struct rpnl_channel *ch,
				   struct genl_info *info, struct sk_buff *skb);
struct rpnl_client *rpnl_client_find(struct rpnl_channel *ch,
				     struct genl_info *info,
				     struct sk_buff *skb);
int rpnl_client_submit(struct rpnl_client *cl, u32 len, u32 flags,
		       int (*hand_over)(struct rpnl_client *cl, void *msg,
					void *arg),
		       void *arg, struct netlink_ext_ack *extack);

/* rpnl_region.c */
int rpnl_region_init(void);
void rpnl_region_exit(void);
int rpnl_region_take(struct rpnl_region *out);
void rpnl_region_keep(void);
int rpnl_region_mmap(const struct rpnl_region *r, struct vm_area_struct *vma);

/* rpnl_bulk.c */
int rpnl_bulk_init(void);
void rpnl_bulk_exit(void);
struct rpnl_pool *rpnl_pool_of(struct rpmsg_device *rpdev);
int rpnl_bulk_put_info(struct sk_buff *skb, struct rpnl_channel *ch);
void rpnl_bulk_client_gone(struct rpnl_client *cl, u32 addr);
int rpnl_bulk_tx(struct rpnl_pool *pool, void *msg, u32 len);
int rpnl_cmd_bulk_acquire(struct sk_buff *skb, struct genl_info *info);
int rpnl_cmd_bulk_submit(struct sk_buff *skb, struct genl_info *info);
int rpnl_cmd_bulk_release(struct sk_buff *skb, struct genl_info *info);
extern const struct nla_policy rpnl_bulk_acquire_policy[RPMSG_NETLINK_A_COUNT + 1];
extern const struct nla_policy rpnl_bulk_submit_policy[RPMSG_NETLINK_A_CRC + 1];
extern const struct nla_policy rpnl_bulk_release_policy[RPMSG_NETLINK_A_SLOTS + 1];

#endif /* RPNL_H */
