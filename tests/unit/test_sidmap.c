// SPDX-License-Identifier: GPL-2.0
/*
 * Session IDs by fast-table slot (agent/lib/sidmap.c): take only a free
 * slot, claim existing IDs (shared by holders of the same IDs, refused for
 * other IDs), release only what the IDs hold; and the slot function itself
 * (maps/lts_maps.h lts_slot) stays within the table and spreads a tunnel's
 * consecutive session IDs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lib/sidmap.h"
#include "lts_maps.h"

/* Two different IDs of tunnel 7 with the same slot, and one with another. */
static void find_colliding(uint32_t n_slots, uint16_t *a, uint16_t *b, uint16_t *c)
{
	uint32_t sa;

	*a = 1;
	sa = lts_slot(7, *a, n_slots);
	for (*b = 2; lts_slot(7, *b, n_slots) != sa; (*b)++)
		;
	for (*c = 2; lts_slot(7, *c, n_slots) == sa; (*c)++)
		;
}

static void test_take_claim_release(void **state)
{
	struct lts_sidmap m;
	uint16_t a, b, c;

	(void)state;
	assert_int_equal(lts_sidmap_init(&m, 16), 0);
	find_colliding(16, &a, &b, &c);
	assert_true(lts_sidmap_take(&m, 7, a));
	assert_false(lts_sidmap_take(&m, 7, b)); /* same slot, other IDs */
	assert_false(lts_sidmap_take(&m, 7, a)); /* a new session never shares */
	assert_false(lts_sidmap_claim(&m, 7, b));
	assert_true(lts_sidmap_claim(&m, 7, a)); /* same IDs (static + adopted): shared */
	assert_int_equal(m.used, 1);
	lts_sidmap_release(&m, 7, b);            /* b holds nothing: no effect */
	lts_sidmap_release(&m, 7, a);
	assert_int_equal(m.used, 1);             /* a's second holder */
	assert_false(lts_sidmap_take(&m, 7, b));
	lts_sidmap_release(&m, 7, a);
	assert_int_equal(m.used, 0);
	assert_true(lts_sidmap_take(&m, 7, b));
	assert_true(lts_sidmap_take(&m, 7, c));
	assert_int_equal(m.used, 2);
	/* IDs 0 never (RFC 2661 5.3) */
	assert_false(lts_sidmap_claim(&m, 0, 5));
	assert_false(lts_sidmap_claim(&m, 5, 0));
	lts_sidmap_fini(&m);
	lts_sidmap_fini(&m); /* a finished map: harmless */
}

/* Allocating like session.c: every leg of every tunnel a slot of its own, up to full. */
static void test_fill_like_the_allocator(void **state)
{
	const uint32_t n_slots = 4096;
	uint16_t tid, sid;
	uint32_t got = 0;
	struct lts_sidmap m;

	(void)state;
	assert_int_equal(lts_sidmap_init(&m, n_slots), 0);
	/* Half the table (the control plane's limit): 8 tunnels x 256 sessions, no fallback. */
	for (tid = 100; tid < 108; tid++) {
		uint32_t n = 0, taken = 0;

		for (sid = 1; n < 256; sid++) {
			if (lts_sidmap_take(&m, tid, sid)) {
				n++;
				taken = 0;
			} else {
				assert_true(++taken <= LTS_SIDMAP_TRIES);
			}
		}
		got += n;
	}
	assert_int_equal(m.used, got);
	assert_int_equal(got, n_slots / 2);
	lts_sidmap_fini(&m);
}

/* lts_slot: within the table, and a tunnel's IDs 1..n spread over it. */
static void test_slot_spread(void **state)
{
	static const uint32_t sizes[] = { 1, 2, 1000, 4096, 131072, 2097152 };
	uint32_t i, n, hit[64];
	uint16_t sid;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (sid = 1; sid < 2000; sid++)
			assert_true(lts_slot(42, sid, sizes[i]) < sizes[i]);
	/* 6400 consecutive IDs into 64 slots: every slot 100 +- a little. */
	memset(hit, 0, sizeof(hit));
	for (sid = 1; sid <= 6400; sid++)
		hit[lts_slot(9, sid, 64)]++;
	for (n = 0; n < 64; n++)
		assert_true(hit[n] > 70 && hit[n] < 130);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_claim_release),
		cmocka_unit_test(test_fill_like_the_allocator),
		cmocka_unit_test(test_slot_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
