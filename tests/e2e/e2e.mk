# SPDX-License-Identifier: GPL-2.0
#
# e2e helper programs, included by the top Makefile. O, CC, CFLAGS, Q and msg
# come from there.
#
# ppp_standin replaces pppd under xl2tpd (tests/e2e/xl2tpd_lib.sh): the test
# machines have no PPP kernel support. Its HDLC framing (hdlc.c) is unit-tested
# by tests/unit/test_hdlc.c, which includes hdlc.c itself because unit tests
# link only against liblts.a.

E2E_TOOLS := $(O)/tests/e2e/ppp_standin

$(O)/tests/e2e/ppp_standin: tests/e2e/ppp_standin.c tests/e2e/hdlc.c tests/e2e/hdlc.h
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) tests/e2e/ppp_standin.c tests/e2e/hdlc.c -o $@

$(O)/tests/unit/test_hdlc.o: tests/e2e/hdlc.c tests/e2e/hdlc.h

test e2e-test demo: $(E2E_TOOLS)
