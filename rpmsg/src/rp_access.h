/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access to fields in memory shared with the peer. Each access is volatile so
 * the compiler reads a field exactly once (the peer may change it at any
 * time: a value is fetched into a local, checked, and only the local is used).
 * Values are little-endian on the wire.
 */
#ifndef RPMSG_RP_ACCESS_H
#define RPMSG_RP_ACCESS_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define RP_LE16(v) __builtin_bswap16(v)
#define RP_LE32(v) __builtin_bswap32(v)
#define RP_LE64(v) __builtin_bswap64(v)
#else
#define RP_LE16(v) (v)
#define RP_LE32(v) (v)
#define RP_LE64(v) (v)
#endif

static inline uint16_t rp_read16(const uint16_t *p)
{
	return RP_LE16(*(const volatile uint16_t *)p);
}

static inline uint32_t rp_read32(const uint32_t *p)
{
	return RP_LE32(*(const volatile uint32_t *)p);
}

static inline uint64_t rp_read64(const uint64_t *p)
{
	return RP_LE64(*(const volatile uint64_t *)p);
}

static inline void rp_write16(uint16_t *p, uint16_t v)
{
	*(volatile uint16_t *)p = RP_LE16(v);
}

static inline void rp_write32(uint32_t *p, uint32_t v)
{
	*(volatile uint32_t *)p = RP_LE32(v);
}

static inline void rp_write64(uint64_t *p, uint64_t v)
{
	*(volatile uint64_t *)p = RP_LE64(v);
}

/* Orders earlier ring reads before later ones (after reading an index). */
static inline void rp_rmb(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/* Orders ring entry writes before the index write that publishes them. */
static inline void rp_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/*
 * Orders a published index before reading the peer's notification wishes.
 * On x86 a locked add to the stack is a full barrier too, and cheaper than
 * mfence (which also waits for unrelated loads); Linux's smp_mb() does the
 * same.
 */
static inline void rp_mb(void)
{
#if defined(__x86_64__)
	__asm__ volatile("lock addl $0,-4(%%rsp)" ::: "memory", "cc");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
