// SPDX-License-Identifier: GPL-2.0
/*
 * Switch entries compiled for the XDP program (agent/dp/entry.c): the
 * checksum deltas computed at install, applied the way the program applies
 * them (csum_apply of bpf/lib/csum.h, plus the arrival port's term), must
 * give the checksum of the rewritten headers computed from scratch; and the
 * entries' coarse last-seen stamps come back as the time they were taken.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "dp/entry.h"

/* One's complement sum of 16-bit words as they lie in memory, folded. */
static uint16_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t sum_words(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	uint16_t w;
	size_t i;

	for (i = 0; i < len; i += 2) {
		memcpy(&w, b + i, 2);
		sum += w;
	}
	return sum;
}

/* As bpf/lib/csum.h: HC' = ~(~HC + delta). */
static uint16_t apply(uint16_t check, uint32_t delta)
{
	return (uint16_t)~fold((uint16_t)~check + delta);
}

/* The IPv4 header of a frame from (src, sport) to (dst, dport) with these IDs. */
struct frame {
	uint8_t ip[20];
	uint8_t pseudo[12]; /* source, destination, zero, protocol, UDP length */
	uint8_t udp[8];
	uint8_t l2tp[6];
	uint8_t payload[10];
};

static void build(struct frame *f, const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
		  uint16_t dport, uint16_t tid, uint16_t sid, uint8_t ttl)
{
	uint16_t w, udp_len = sizeof(f->udp) + sizeof(f->l2tp) + sizeof(f->payload);

	memset(f, 0, sizeof(*f));
	memcpy(f->payload, "\xff\x03\x00\x21PPP..", sizeof(f->payload));
	f->ip[0] = 0x45;
	w = htons(20 + udp_len);
	memcpy(f->ip + 2, &w, 2);
	f->ip[8] = ttl;
	f->ip[9] = 17;
	memcpy(f->ip + 12, src, 4);
	memcpy(f->ip + 16, dst, 4);
	w = (uint16_t)~fold(sum_words(f->ip, 20));
	memcpy(f->ip + 10, &w, 2);

	memcpy(f->pseudo, src, 4);
	memcpy(f->pseudo + 4, dst, 4);
	f->pseudo[9] = 17;
	w = htons(udp_len);
	memcpy(f->pseudo + 10, &w, 2);
	w = htons(sport);
	memcpy(f->udp, &w, 2);
	w = htons(dport);
	memcpy(f->udp + 2, &w, 2);
	w = htons(udp_len);
	memcpy(f->udp + 4, &w, 2);
	f->l2tp[0] = 0;
	f->l2tp[1] = 2;
	w = htons(tid);
	memcpy(f->l2tp + 2, &w, 2);
	w = htons(sid);
	memcpy(f->l2tp + 4, &w, 2);
	/* The UDP checksum over pseudo-header, header and payload. */
	w = (uint16_t)~fold(sum_words(f->pseudo, sizeof(f->pseudo)) +
			    sum_words(f->udp, sizeof(f->udp) + sizeof(f->l2tp) + sizeof(f->payload)));
	memcpy(f->udp + 6, &w, 2);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t w;

	memcpy(&w, p, 2);
	return w;
}

/* Random legs: the frame rewritten with the entry's deltas equals the one built anew. */
static void test_fast_entry_deltas(void **state)
{
	unsigned int seed = 11, i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct lts_switch_key k = { .family = LTS_FAMILY_IPV4 };
		struct lts_switch_val v = { .family = LTS_FAMILY_IPV4 };
		struct lts_fast_entry e;
		struct frame in, out;
		uint16_t dport = (uint16_t)rand_r(&seed), udp_check, ip_check, w;
		uint8_t ttl = (uint8_t)(2 + rand_r(&seed) % 254);
		int j;

		for (j = 0; j < 4; j++) {
			k.peer_addr[j] = (uint8_t)rand_r(&seed);
			k.local_addr[j] = (uint8_t)rand_r(&seed);
			v.local_addr[j] = (uint8_t)rand_r(&seed);
			v.peer_addr[j] = (uint8_t)rand_r(&seed);
		}
		k.peer_port = (uint16_t)rand_r(&seed);
		k.tunnel_id = (uint16_t)rand_r(&seed);
		k.session_id = (uint16_t)rand_r(&seed);
		v.local_port = (uint16_t)rand_r(&seed);
		v.peer_port = (uint16_t)rand_r(&seed);
		v.peer_tunnel_id = (uint16_t)rand_r(&seed);
		v.peer_session_id = (uint16_t)rand_r(&seed);
		assert_true(lts_entry_is_fast(&k, &v));
		lts_entry_fast(&k, &v, 7, &e);
		assert_int_equal(e.nexthop, 7);
		assert_true(e.flags & LTS_FE_VALID);

		build(&in, k.peer_addr, k.local_addr, k.peer_port, dport, k.tunnel_id, k.session_id,
		      ttl);
		build(&out, v.local_addr, v.peer_addr, v.local_port, v.peer_port, v.peer_tunnel_id,
		      v.peer_session_id, ttl - 1);
		ip_check = apply(get16(in.ip + 10), e.ip_csum);
		/* The program adds the arrival port's term: ~port as it lies in the frame. */
		udp_check = apply(get16(in.udp + 6), (uint32_t)e.udp_csum + (uint16_t)~htons(dport));
		/* +0 and -0: both are the same checksum; the program sends 0 as 0xffff. */
		if (!udp_check)
			udp_check = 0xffff;
		assert_int_equal(ip_check, get16(out.ip + 10));
		w = get16(out.udp + 6);
		assert_int_equal(udp_check, w ? w : 0xffff);
	}
}

/* Stamps come back as the time they were taken, to the unit; 0 stays "never". */
static void test_last_seen(void **state)
{
	const uint64_t unit = 1ull << LTS_LAST_SEEN_SHIFT;
	static const uint64_t ages[] = { 0, 1, 1000, 3600ull * 1000000000ull };
	const uint64_t now = 5000ull * 1000000000ull + 12345;
	struct lts_dir_stats st;
	size_t i;

	(void)state;
	lts_entry_dir_stats(3, 400, 0, now, &st);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.bytes, 400);
	assert_int_equal(st.last_seen_ns, 0);
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		uint64_t then = now - ages[i];
		uint32_t stamp = (uint32_t)(then >> LTS_LAST_SEEN_SHIFT) | 1;

		lts_entry_dir_stats(1, 1, stamp, now, &st);
		assert_true(st.last_seen_ns <= now);
		assert_true(st.last_seen_ns + 2 * unit >= then);
		assert_true(st.last_seen_ns <= then + 2 * unit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_entry_deltas),
		cmocka_unit_test(test_last_seen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
