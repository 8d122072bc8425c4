// SPDX-License-Identifier: GPL-2.0
/*
 * rpmsg_netlink: the slot table of bulk transfers. It is the firmware's own
 * code (firmware/sdk/bulk_pool.c, BSD-3-Clause), built into the module, so
 * that both ends check descriptors with one implementation of the rules
 * rather than two that could disagree. Kbuild puts its directory on this
 * file's include path.
 */
#include "bulk_pool.c"
