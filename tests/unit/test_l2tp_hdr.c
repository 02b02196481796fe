// SPDX-License-Identifier: GPL-2.0
/*
 * The L2TPv2 header layout helpers of maps/lts_l2tp.h, which the XDP program
 * and the slow path both rely on: for every combination of the T, L, S, O, P
 * bits, the header length and the position of the Tunnel/Session IDs,
 * checked against RFC 2661 3.1 field by field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lts_l2tp.h"

/* Length per RFC 2661 3.1, built independently of the helper. */
static unsigned int rfc_len(int l, int s, int o)
{
	unsigned int len = 2;         /* flags and version */

	len += l ? 2 : 0;             /* Length */
	len += 2 + 2;                 /* Tunnel ID, Session ID */
	len += s ? 2 + 2 : 0;         /* Ns, Nr */
	len += o ? 2 : 0;             /* Offset Size (pad not included) */
	return len;
}

static void test_all_flag_combinations(void **state)
{
	int t, l, s, o, p;

	(void)state;
	for (t = 0; t < 2; t++)
	for (l = 0; l < 2; l++)
	for (s = 0; s < 2; s++)
	for (o = 0; o < 2; o++)
	for (p = 0; p < 2; p++) {
		uint16_t flags = LTS_L2TP_VERSION | (t ? LTS_L2TP_F_TYPE : 0) |
				 (l ? LTS_L2TP_F_LENGTH : 0) | (s ? LTS_L2TP_F_SEQ : 0) |
				 (o ? LTS_L2TP_F_OFFSET : 0) | (p ? LTS_L2TP_F_PRIO : 0);

		assert_int_equal(lts_l2tp_hdr_len(flags), rfc_len(l, s, o));
		assert_int_equal(lts_l2tp_ids_off(flags), l ? 4 : 2);
		assert_true(lts_l2tp_hdr_len(flags) >= LTS_L2TP_HDR_MIN);
		assert_true(lts_l2tp_hdr_len(flags) <= LTS_L2TP_HDR_MAX);
	}
}

/* The wire bit positions themselves (RFC 2661 3.1 figure). */
static void test_bit_positions(void **state)
{
	(void)state;
	assert_int_equal(LTS_L2TP_F_TYPE, 1 << 15);
	assert_int_equal(LTS_L2TP_F_LENGTH, 1 << 14);
	assert_int_equal(LTS_L2TP_F_SEQ, 1 << 11);
	assert_int_equal(LTS_L2TP_F_OFFSET, 1 << 9);
	assert_int_equal(LTS_L2TP_F_PRIO, 1 << 8);
	assert_int_equal(LTS_L2TP_VER_MASK, 0xf);
	/* A control message header: T, L, S set, version 2 = 0xc802. */
	assert_int_equal(LTS_L2TP_F_TYPE | LTS_L2TP_F_LENGTH | LTS_L2TP_F_SEQ | 2, 0xc802);
	assert_int_equal(lts_l2tp_hdr_len(0xc802), 12);
}

/* Reserved bits must not change the layout. */
static void test_reserved_bits_ignored(void **state)
{
	uint16_t reserved = 0x3000 | 0x0400 | 0x00f0;

	(void)state;
	assert_int_equal(lts_l2tp_hdr_len(2 | reserved), 6);
	assert_int_equal(lts_l2tp_ids_off(2 | reserved), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_flag_combinations),
		cmocka_unit_test(test_bit_positions),
		cmocka_unit_test(test_reserved_bits_ignored),
	};

	return cmocka_run_group_tests_name("l2tp_hdr", tests, NULL, NULL);
}
