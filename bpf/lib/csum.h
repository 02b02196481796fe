/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3):
 *   HC' = ~(~HC + ~m + m')
 * All words are summed as they lie in memory (network order); one's
 * complement sums are byte-order independent as long as every term is.
 */
#ifndef LTS_BPF_CSUM_H
#define LTS_BPF_CSUM_H

#include "common.h"

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Sum of n 16-bit words at p (n is a compile-time constant). */
static __always_inline __u32 csum_words(const void *p, int n)
{
	const __u16 *w = p;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/* Sum of the two 16-bit halves of a 32-bit word as it lies in memory. */
static __always_inline __u32 csum_u32(__u32 w)
{
	return (w & 0xffff) + (w >> 16);
}

/* Sum of an address of the given family as stored in maps (v4 in 4 bytes). */
static __always_inline __u32 csum_addr(const __u8 *addr, __u8 family)
{
	return family == LTS_FAMILY_IPV4 ? csum_words(addr, 2) : csum_words(addr, 8);
}

/* The delta that replaces terms summing to old_sum by terms summing to new_sum. */
static __always_inline __u32 csum_delta(__u32 old_sum, __u32 new_sum)
{
	return (__u16)~csum_fold(old_sum) + (__u32)csum_fold(new_sum);
}

/* Apply an accumulated delta to a checksum field value. */
static __always_inline __u16 csum_apply(__u16 check, __u32 delta)
{
	return (__u16)~csum_fold((__u16)~check + delta);
}

/* Full checksum of a 20-byte IPv4 header whose check field is zero. */
static __always_inline __u16 csum_ipv4_hdr(const struct iphdr *ip)
{
	return (__u16)~csum_fold(csum_words(ip, IPV4_HDR_LEN / 2));
}

#endif /* LTS_BPF_CSUM_H */
