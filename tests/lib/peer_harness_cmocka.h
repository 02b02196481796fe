/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer harness inside a cmocka test (test_ctrl_plane.c, test_switch.c):
 * what the harness finds wrong fails the running test, and the suites' way
 * of keeping a test that shows a known agent bug. Kept out of
 * peer_harness.h because the fuzz target has no cmocka. Include after
 * <cmocka.h>; call ph_set_fail(ph_cmocka_fail) once in main().
 */
#ifndef PH_PEER_HARNESS_CMOCKA_H
#define PH_PEER_HARNESS_CMOCKA_H

#include <stdlib.h>
#include "peer_harness.h"

static inline void ph_cmocka_fail(const char *msg)
{
	fail_msg("%s", msg);
}

/*
 * A test that exposes an agent bug: skipped until the bug is fixed.
 * LTS_TEST_KNOWN_BUGS=1 runs them anyway (they fail).
 */
#define KNOWN_BUG(why)                                                                     \
	do {                                                                               \
		print_message("[ KNOWN BUG] %s\n", why);                                   \
		if (!getenv("LTS_TEST_KNOWN_BUGS"))                                        \
			skip();                                                            \
	} while (0)

#endif /* PH_PEER_HARNESS_CMOCKA_H */
