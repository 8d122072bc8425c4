/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hint for busy-poll loops (ports that poll the rings with doorbells off):
 * lets a sibling hardware thread or the memory system make progress.
 */
#ifndef RPMSG_RP_RELAX_H
#define RPMSG_RP_RELAX_H

static inline void rp_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("yield");
#endif
}

#endif
