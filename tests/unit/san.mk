# SPDX-License-Identifier: GPL-2.0
#
# The unit tests under AddressSanitizer + UBSan (issue 9), included by the top
# Makefile. O, Q, msg, WARN, LIB_SRCS, UNIT_SRCS, SKELS and LDLIBS come from
# there.
#
#   make san-build   every tests/unit/test_* with the library it links
#                    (liblts.a's sources, tests/lib) rebuilt instrumented
#                    into $(O)/san/, apart from the normal build
#   make san-test    build, then run them: tests/run.sh san
#
# clang's runtime (libclang-rt-14-dev, scripts/install-deps.sh) brings ASan,
# UBSan and LeakSanitizer. Any UBSan report is fatal
# (-fno-sanitize-recover), so a test cannot pass over one.
# Static pattern rules, so the top Makefile's generic $(O)/%.o rule never
# picks up these files.

SAN_CC ?= clang
SAN_DIR := $(O)/san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
SAN_CFLAGS := $(SAN_FLAGS) -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -Imaps -Iconfig -Iagent \
	-I$(O)/bpf

SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(SAN_DIR)/%.o)
SAN_LIB := $(SAN_DIR)/liblts.a
SAN_TEST_LIB_OBJS := $(patsubst %.c,$(SAN_DIR)/%.o,$(wildcard tests/lib/*.c))
SAN_UNIT_OBJS := $(UNIT_SRCS:%.c=$(SAN_DIR)/%.o)
SAN_BINS := $(UNIT_SRCS:%.c=$(SAN_DIR)/%)

.PHONY: san-build san-test

# The skeleton is order-only: which objects include it is in their .d files.
$(SAN_LIB_OBJS) $(SAN_TEST_LIB_OBJS) $(SAN_UNIT_OBJS): $(SAN_DIR)/%.o: %.c | $(SKELS)
	$(msg) SAN-CC $@
	@mkdir -p $(@D)
	$(Q)$(SAN_CC) $(SAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(SAN_LIB): $(SAN_LIB_OBJS)
	$(msg) SAN-AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# As the normal unit tests: the shared test objects before the library.
$(SAN_BINS): $(SAN_DIR)/%: $(SAN_DIR)/%.o $(SAN_TEST_LIB_OBJS) $(SAN_LIB)
	$(msg) SAN-LD $@
	$(Q)$(SAN_CC) $(SAN_CFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

san-build: $(SAN_BINS)

san-test: san-build
	$(Q)O=$(O) tests/run.sh san

test: san-build
