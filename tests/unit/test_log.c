// SPDX-License-Identifier: GPL-2.0
/*
 * Logging helpers (agent/lib/log.c): text a peer sent before it has
 * authenticated (Host Name) is logged escaped and bounded, so a peer cannot
 * forge log lines, inject terminal escapes or flood a line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/log.h"
#include "lib/util.h"

static const struct {
	const char *what, *in, *want;
} rows[] = {
	{ "plain", "bras-1.example", "bras-1.example" },
	{ "empty", "", "" },
	{ "newline: no forged line", "lac\n1.2.3.4 ltsd: fake", "lac\\x0a1.2.3.4 ltsd: fake" },
	{ "terminal escape", "\x1b[2J", "\\x1b[2J" },
	{ "quote and backslash", "a\"b\\c", "a\\x22b\\x5cc" },
	{ "high bytes", "\xc3\xa9", "\\xc3\\xa9" },
	{ "64 characters kept whole",
	  "0123456789012345678901234567890123456789012345678901234567890123",
	  "0123456789012345678901234567890123456789012345678901234567890123" },
	{ "65 characters cut",
	  "01234567890123456789012345678901234567890123456789012345678901234",
	  "0123456789012345678901234567890123456789012345678901234567890123..." },
};

static void test_peer_str(void **state)
{
	char out[LTS_LOG_PEER_STR_BUF];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		print_message("%s\n", rows[i].what);
		assert_string_equal(lts_log_peer_str(rows[i].in, out, sizeof(out)), rows[i].want);
	}
}

/* The worst case (64 bytes, each escaped, plus "...") fits the documented buffer. */
static void test_peer_str_bounds(void **state)
{
	char in[300], out[LTS_LOG_PEER_STR_BUF], small[8];

	(void)state;
	memset(in, 0x01, sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	lts_log_peer_str(in, out, sizeof(out));
	assert_int_equal(strlen(out), 4 * LTS_LOG_PEER_STR_MAX + 3);
	assert_string_equal(out + 4 * LTS_LOG_PEER_STR_MAX, "...");
	/* A small buffer is never overrun and stays terminated. */
	lts_log_peer_str(in, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_str),
		cmocka_unit_test(test_peer_str_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
