// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the YAML configuration parser (config/lts_config.c).
 *
 * One table row per input: accepted inputs are checked field by field,
 * rejected ones must fail with -EINVAL and a message that starts with the
 * exact "t.yaml:LINE:COL: " of the offending node, because operators jump
 * to that position from their editor. Then the shipped examples, which must
 * always load, and the file-level errors.
 *
 * LTS_SRC_DIR (default ".") is the source tree holding config/examples.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lts_config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NAME "t.yaml"

struct cfg_case {
	const char *name;
	const char *yaml;
	bool ok;
	const char *where; /* rejected: "LINE:COL" of the error */
	const char *msg;   /* rejected: substring of the message */
	void (*check)(const struct lts_config *cfg); /* accepted */
};

/* 16, 64 and 256 characters, to build values just over a limit. */
#define X16 "abcdefghijklmnop"
#define X64 X16 X16 X16 X16
#define X256 X64 X64 X64 X64

/* Line 1. */
#define DP "dataplane: {interfaces: [eth0]}\n"
/* Lines 1-2, then "  - wrong: sessions" from line 3. */
#define SS DP "static_sessions:\n"
/* A complete leg in flow style; the '{' is at column 8 after "    a: ". */
#define LEG(local, peer, tid, sid)                                         \
	"{local: " local ", peer: " peer ", tunnel_id: " tid                \
	", session_id: " sid ", peer_tunnel_id: 9, peer_session_id: 9}\n"
#define LEG_A LEG("10.0.1.2", "10.0.1.1", "100", "1")
#define LEG_B LEG("10.0.2.2", "10.0.2.1", "300", "3")
/* Lines 1-5: session s1 with leg b complete, leg a's keys from line 6. */
#define PRE SS "  - name: s1\n    b: " LEG_B "    a:\n"
/* Lines 6-7 and 8-11 of leg a. */
#define A_ADDRS "      local: 10.0.1.2\n      peer: 10.0.1.1\n"
#define A_IDS                                                              \
	"      tunnel_id: 100\n      session_id: 1\n"                        \
	"      peer_tunnel_id: 200\n      peer_session_id: 2\n"

static void assert_ip(const struct lts_ip *ip, const char *text)
{
	struct lts_ip want = { 0 };

	if (inet_pton(AF_INET, text, want.addr) == 1) {
		want.family = LTS_FAMILY_IPV4;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, want.addr), 1);
		want.family = LTS_FAMILY_IPV6;
	}
	assert_int_equal(ip->family, want.family);
	/* IPv4 in the first 4 bytes, the other 12 zero. */
	assert_memory_equal(ip->addr, want.addr, sizeof(want.addr));
}

static void check_full(const struct lts_config *cfg)
{
	const struct lts_static_session *s;

	assert_string_equal(cfg->hostname, "lts1");
	assert_string_equal(cfg->bpffs, "/sys/fs/bpf/lts");
	assert_int_equal(cfg->mode, LTS_DP_NATIVE);
	assert_int_equal(cfg->n_interfaces, 2);
	assert_string_equal(cfg->interfaces[0], "veth-lac");
	assert_string_equal(cfg->interfaces[1], "veth-lns");
	assert_int_equal(cfg->n_l2tp_ports, 1);
	assert_int_equal(cfg->l2tp_ports[0], 1701);
	assert_int_equal(cfg->max_sessions, 65536);
	assert_int_equal(cfg->n_static_sessions, 1);

	s = &cfg->static_sessions[0];
	assert_string_equal(s->name, "s1");
	assert_ip(&s->a.local, "10.0.1.2");
	assert_ip(&s->a.peer, "10.0.1.1");
	assert_int_equal(s->a.local_port, 1701);
	assert_int_equal(s->a.peer_port, 1701);
	assert_int_equal(s->a.tunnel_id, 100);
	assert_int_equal(s->a.session_id, 1);
	assert_int_equal(s->a.peer_tunnel_id, 200);
	assert_int_equal(s->a.peer_session_id, 2);
	assert_int_equal(s->a.dscp, -1);
	assert_ip(&s->b.local, "10.0.2.2");
	assert_ip(&s->b.peer, "10.0.2.1");
	assert_int_equal(s->b.tunnel_id, 300);
	assert_int_equal(s->b.session_id, 3);
	assert_int_equal(s->b.peer_tunnel_id, 400);
	assert_int_equal(s->b.peer_session_id, 4);
	assert_int_equal(s->b.dscp, 46);
}

static void check_defaults(const struct lts_config *cfg)
{
	assert_string_equal(cfg->hostname, "lts");
	assert_string_equal(cfg->bpffs, LTS_PIN_DIR_DEFAULT);
	assert_int_equal(cfg->mode, LTS_DP_NATIVE);
	assert_int_equal(cfg->n_interfaces, 1);
	assert_string_equal(cfg->interfaces[0], "eth0");
	assert_int_equal(cfg->n_l2tp_ports, 1);
	assert_int_equal(cfg->l2tp_ports[0], 1701);
	assert_int_equal(cfg->max_sessions, LTS_MAX_SESSIONS_DEFAULT);
	assert_int_equal(cfg->n_static_sessions, 0);
	assert_null(cfg->static_sessions);
}

static void check_leg_defaults(const struct lts_config *cfg)
{
	const struct lts_static_leg *a = &cfg->static_sessions[0].a;

	assert_int_equal(cfg->n_static_sessions, 1);
	assert_int_equal(a->local_port, 1701);
	assert_int_equal(a->peer_port, 1701);
	assert_int_equal(a->dscp, -1);
}

static void check_mode_off(const struct lts_config *cfg)
{
	assert_int_equal(cfg->mode, LTS_DP_OFF);
	assert_int_equal(cfg->n_interfaces, 0);
	assert_null(cfg->interfaces);
	assert_string_equal(cfg->hostname, "lts");
}

static void check_ipv6(const struct lts_config *cfg)
{
	const struct lts_static_session *s = &cfg->static_sessions[0];

	assert_ip(&s->a.local, "2001:db8:1::2");
	assert_ip(&s->a.peer, "2001:db8:1::1");
	assert_ip(&s->b.local, "::ffff:10.0.2.2");
	assert_ip(&s->b.peer, "fe80::1");
	assert_int_equal(s->a.peer_port, 50000);
}

static void check_limits(const struct lts_config *cfg)
{
	const struct lts_static_leg *a = &cfg->static_sessions[0].a;

	assert_int_equal(cfg->mode, LTS_DP_SKB);
	assert_int_equal(cfg->n_l2tp_ports, 4);
	assert_int_equal(cfg->l2tp_ports[3], 65535);
	assert_int_equal(cfg->max_sessions, 4194304);
	assert_int_equal(cfg->n_interfaces, 2);
	assert_string_equal(cfg->interfaces[1], "eth1.100");
	assert_int_equal(a->local_port, 65535);
	assert_int_equal(a->tunnel_id, 65535);
	assert_int_equal(a->session_id, 1);
	assert_int_equal(a->dscp, 63);
	assert_int_equal(cfg->static_sessions[0].b.dscp, 0);
	assert_int_equal(strlen(cfg->hostname), 63);
	assert_int_equal(strlen(cfg->static_sessions[0].name), 63);
}

static void check_two_sessions(const struct lts_config *cfg)
{
	assert_int_equal(cfg->n_static_sessions, 2);
	assert_string_equal(cfg->static_sessions[1].name, "s2");
	assert_int_equal(cfg->static_sessions[1].a.peer_port, 1702);
}

static const struct cfg_case cases[] = {
	/* Accepted. */
	{ "full example",
	  "switch:   { hostname: lts1, bpffs: /sys/fs/bpf/lts }\n"
	  "dataplane: { mode: native, interfaces: [veth-lac, veth-lns], l2tp_ports: [1701], max_sessions: 65536 }\n"
	  "static_sessions:\n"
	  "  - name: s1\n"
	  "    a: { local: 10.0.1.2, peer: 10.0.1.1, peer_port: 1701, tunnel_id: 100, session_id: 1,\n"
	  "         peer_tunnel_id: 200, peer_session_id: 2 }\n"
	  "    b: { local: 10.0.2.2, peer: 10.0.2.1, peer_port: 1701, tunnel_id: 300, session_id: 3,\n"
	  "         peer_tunnel_id: 400, peer_session_id: 4, dscp: 46 }\n",
	  .ok = true, .check = check_full },
	{ "defaults", "dataplane:\n  interfaces: [eth0]\n", .ok = true,
	  .check = check_defaults },
	{ "leg defaults", PRE A_ADDRS A_IDS, .ok = true,
	  .check = check_leg_defaults },
	{ "mode off needs no interfaces", "dataplane: {mode: off}\n",
	  .ok = true, .check = check_mode_off },
	{ "mode off with empty interfaces",
	  "dataplane: {mode: off, interfaces: []}\nstatic_sessions: []\n",
	  .ok = true, .check = check_mode_off },
	{ "ipv6 legs, quoted and plain",
	  SS "  - name: v6\n"
	  "    a: {local: \"2001:db8:1::2\", peer: \"2001:db8:1::1\", peer_port: 50000,\n"
	  "        tunnel_id: 1, session_id: 1, peer_tunnel_id: 1, peer_session_id: 1}\n"
	  "    b:\n"
	  "      local: ::ffff:10.0.2.2\n"
	  "      peer: fe80::1\n"
	  "      tunnel_id: 1\n      session_id: 1\n"
	  "      peer_tunnel_id: 1\n      peer_session_id: 1\n",
	  .ok = true, .check = check_ipv6 },
	{ "limits at the edge",
	  "switch: {hostname: " X16 X16 X16 "abcdefghijklmno}\n"
	  "dataplane: {mode: skb, interfaces: [eth0, eth1.100],\n"
	  "  l2tp_ports: [1701, 1, 2, 65535], max_sessions: 4194304}\n"
	  "static_sessions:\n"
	  "  - name: " X16 X16 X16 "abcdefghijklmno\n"
	  "    a: {local: 10.0.1.2, peer: 10.0.1.1, local_port: 65535, dscp: 63,\n"
	  "        tunnel_id: 65535, session_id: 1, peer_tunnel_id: 1, peer_session_id: 65535}\n"
	  "    b: {local: 10.0.2.2, peer: 10.0.2.1, dscp: 0,\n"
	  "        tunnel_id: 1, session_id: 1, peer_tunnel_id: 1, peer_session_id: 1}\n",
	  .ok = true, .check = check_limits },
	{ "same ids, other peer port is another switch key",
	  SS "  - name: s1\n    a: " LEG_A "    b: " LEG_B
	  "  - name: s2\n"
	  "    a: {local: 10.0.1.2, peer: 10.0.1.1, peer_port: 1702, tunnel_id: 100,\n"
	  "        session_id: 1, peer_tunnel_id: 9, peer_session_id: 9}\n"
	  "    b: " LEG("10.0.2.3", "10.0.2.1", "300", "3"),
	  .ok = true, .check = check_two_sessions },
	{ "document markers and comments",
	  "# leading comment\n---\ndataplane: {mode: off} # trailing\n...\n",
	  .ok = true, .check = check_mode_off },

	/* Document level. */
	{ "empty document", "", .where = "1:1", .msg = "empty document" },
	{ "only a comment", "# nothing here\n", .where = "1:1",
	  .msg = "empty document" },
	{ "only a document marker", "---\n", .where = "2:1",
	  .msg = "empty document" },
	{ "root is a sequence", "- dataplane\n", .where = "1:1",
	  .msg = "expected a mapping, got a sequence" },
	{ "root is a scalar", "dataplane\n", .where = "1:1",
	  .msg = "expected a mapping, got a scalar" },
	{ "two documents", "dataplane: {mode: off}\n---\nswitch: {}\n",
	  .where = "3:1", .msg = "only one YAML document is allowed" },
	{ "syntax error: unclosed flow mapping", "dataplane: {mode: off\n",
	  .where = "2:1",
	  .msg = "YAML syntax error: did not find expected ',' or '}'" },
	{ "syntax error: nested value", "switch: hostname: x\n",
	  .where = "1:17",
	  .msg = "YAML syntax error: mapping values are not allowed" },
	{ "syntax error: undefined alias", "switch: {hostname: *h}\n",
	  .where = "1:20", .msg = "YAML syntax error: found undefined alias" },
	{ "syntax error: invalid utf-8", "switch:\n  hostname: \xff\n",
	  .where = "2:13",
	  .msg = "YAML syntax error: invalid leading UTF-8 octet" },
	{ "unknown top-level key", "dataplane: {mode: off}\nswitches: {}\n",
	  .where = "2:1",
	  .msg = "unknown key \"switches\" (expected one of switch, dataplane, static_sessions)" },
	{ "duplicate top-level key",
	  "dataplane: {mode: off}\ndataplane: {mode: skb}\n", .where = "2:1",
	  .msg = "duplicate key \"dataplane\"" },
	{ "key is a sequence", "? [a]\n: b\n", .where = "1:3",
	  .msg = "expected a key, got a sequence" },
	{ "section is a sequence", "switch: [a]\n", .where = "1:9",
	  .msg = "switch: expected a mapping, got a sequence" },
	{ "section is null", "dataplane:\nswitch: {}\n", .where = "1:11",
	  .msg = "dataplane: expected a mapping, got null" },

	/* switch: */
	{ "unknown key in switch", "switch:\n  hostname: a\n  host: b\n",
	  .where = "3:3",
	  .msg = "switch: unknown key \"host\" (expected one of hostname, bpffs)" },
	{ "duplicate key in switch", "switch: {hostname: a, hostname: b}\n",
	  .where = "1:23", .msg = "switch: duplicate key \"hostname\"" },
	{ "hostname too long", "switch: {hostname: " X64 "}\n", .where = "1:20",
	  .msg = "switch.hostname: must be 1..63 characters long, got 64" },
	{ "hostname empty", "switch: {hostname: \"\"}\n", .where = "1:20",
	  .msg = "switch.hostname: must be 1..63 characters long, got 0" },
	{ "hostname null", "switch:\n  hostname:\n  bpffs: /x\n",
	  .where = "2:12",
	  .msg = "switch.hostname: expected a string, got null" },
	{ "hostname is a sequence", "switch: {hostname: [a]}\n",
	  .where = "1:20",
	  .msg = "switch.hostname: expected a string, got a sequence" },
	{ "hostname with a NUL", "switch: {hostname: \"a\\0b\"}\n",
	  .where = "1:20", .msg = "must not contain a NUL character" },
	{ "bpffs relative", "switch: {bpffs: sys/fs/bpf}\n", .where = "1:17",
	  .msg = "switch.bpffs: \"sys/fs/bpf\" must be an absolute path" },
	{ "bpffs too long", "switch: {bpffs: /" X256 "}\n", .where = "1:17",
	  .msg = "switch.bpffs: must be 1..255 characters long, got 257" },

	/* dataplane: */
	{ "unknown key in dataplane", "dataplane:\n  interface: [eth0]\n",
	  .where = "2:3",
	  .msg = "dataplane: unknown key \"interface\" (expected one of mode, interfaces, l2tp_ports, max_sessions)" },
	{ "bad mode", "dataplane:\n  interfaces: [eth0]\n  mode: fast\n",
	  .where = "3:9",
	  .msg = "dataplane.mode: expected one of native, skb, off, got \"fast\"" },
	{ "mode is a sequence", "dataplane: {mode: [off]}\n", .where = "1:19",
	  .msg = "dataplane.mode: expected one of native, skb, off, got a sequence" },
	{ "mode is case sensitive", "dataplane: {mode: Native}\n",
	  .where = "1:19", .msg = "got \"Native\"" },
	{ "interfaces missing, mode native", "dataplane: {mode: native}\n",
	  .where = "1:12",
	  .msg = "dataplane.interfaces: at least one interface is required unless dataplane.mode is off" },
	{ "interfaces missing, no dataplane", "switch: {hostname: a}\n",
	  .where = "1:1",
	  .msg = "dataplane.interfaces: at least one interface is required" },
	{ "interfaces empty, mode skb",
	  "dataplane: {mode: skb, interfaces: []}\n", .where = "1:36",
	  .msg = "dataplane.interfaces: at least one interface is required" },
	{ "interfaces is a scalar", "dataplane: {interfaces: eth0}\n",
	  .where = "1:25",
	  .msg = "dataplane.interfaces: expected a sequence, got a scalar" },
	{ "duplicate interface", "dataplane: {interfaces: [eth0, eth1, eth0]}\n",
	  .where = "1:38",
	  .msg = "dataplane.interfaces[2]: duplicate entry \"eth0\" (same as [0])" },
	{ "interface name too long", "dataplane: {interfaces: [" X16 "]}\n",
	  .where = "1:26",
	  .msg = "dataplane.interfaces[0]: must be 1..15 characters long, got 16" },
	{ "interface name with a slash", "dataplane: {interfaces: [eth/0]}\n",
	  .where = "1:26",
	  .msg = "dataplane.interfaces[0]: \"eth/0\" must not contain '/', ':' or whitespace" },
	{ "interface name with a space",
	  "dataplane: {interfaces: [eth0, \"eth 1\"]}\n", .where = "1:32",
	  .msg = "dataplane.interfaces[1]: \"eth 1\" must not contain" },
	{ "interface name dot-dot", "dataplane: {interfaces: [\"..\"]}\n",
	  .where = "1:26", .msg = "is not a valid interface name" },
	{ "interface is a mapping", "dataplane: {interfaces: [{a: b}]}\n",
	  .where = "1:26",
	  .msg = "dataplane.interfaces[0]: expected a string, got a mapping" },
	{ "too many ports",
	  "dataplane:\n  interfaces: [eth0]\n  l2tp_ports: [1, 2, 3, 4, 5]\n",
	  .where = "3:15",
	  .msg = "dataplane.l2tp_ports: must have at most 4 entries, got 5" },
	{ "no ports", "dataplane:\n  interfaces: [eth0]\n  l2tp_ports: []\n",
	  .where = "3:15",
	  .msg = "dataplane.l2tp_ports: must have at least 1 entry" },
	{ "port 0", "dataplane:\n  interfaces: [eth0]\n  l2tp_ports: [0]\n",
	  .where = "3:16",
	  .msg = "dataplane.l2tp_ports[0]: 0 is out of range 1..65535" },
	{ "port 65536",
	  "dataplane:\n  interfaces: [eth0]\n  l2tp_ports: [1701, 65536]\n",
	  .where = "3:22",
	  .msg = "dataplane.l2tp_ports[1]: 65536 is out of range 1..65535" },
	{ "duplicate port",
	  "dataplane:\n  interfaces: [eth0]\n  l2tp_ports: [1701, 1701]\n",
	  .where = "3:22",
	  .msg = "dataplane.l2tp_ports[1]: duplicate entry \"1701\" (same as [0])" },
	{ "more static sessions than max_sessions",
	  "dataplane: {interfaces: [eth0], max_sessions: 1}\nstatic_sessions:\n"
	  "  - name: s1\n    a: " LEG_A "    b: " LEG_B
	  "  - name: s2\n    a: " LEG("10.0.1.2", "10.0.1.1", "101", "1")
	  "    b: " LEG("10.0.2.2", "10.0.2.1", "301", "3"),
	  .where = "6:5",
	  .msg = "static_sessions: 2 sessions exceed dataplane.max_sessions (1)" },
	{ "max_sessions 0", "dataplane:\n  interfaces: [eth0]\n  max_sessions: 0\n",
	  .where = "3:17",
	  .msg = "dataplane.max_sessions: 0 is out of range 1..4194304" },
	{ "max_sessions too big",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: 4194305\n",
	  .where = "3:17", .msg = "4194305 is out of range 1..4194304" },
	{ "max_sessions huge",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: 123456789012345678901234567890\n",
	  .where = "3:17", .msg = "is out of range 1..4194304" },
	{ "integer with a suffix",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: 12x\n",
	  .where = "3:17",
	  .msg = "dataplane.max_sessions: expected a decimal integer, got \"12x\"" },
	{ "negative integer",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: -1\n",
	  .where = "3:17", .msg = "expected a decimal integer, got \"-1\"" },
	{ "hex integer",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: 0x10\n",
	  .where = "3:17", .msg = "expected a decimal integer, got \"0x10\"" },
	{ "float", "dataplane:\n  interfaces: [eth0]\n  max_sessions: 1.5\n",
	  .where = "3:17", .msg = "expected a decimal integer, got \"1.5\"" },
	{ "octal-looking integer",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: 010\n",
	  .where = "3:17", .msg = "leading zeros are not allowed" },
	{ "quoted integer",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: \"100\"\n",
	  .where = "3:17",
	  .msg = "expected an integer, got a quoted string \"100\"" },
	{ "integer is a mapping",
	  "dataplane:\n  interfaces: [eth0]\n  max_sessions: {a: 1}\n",
	  .where = "3:17", .msg = "expected an integer, got a mapping" },

	/* static_sessions: */
	{ "static_sessions is a mapping", DP "static_sessions: {name: x}\n",
	  .where = "2:18",
	  .msg = "static_sessions: expected a sequence, got a mapping" },
	{ "session is a scalar", SS "  - s1\n", .where = "3:5",
	  .msg = "static_sessions[0]: expected a mapping, got a scalar" },
	{ "session is null", SS "  -\n", .where = "3:4",
	  .msg = "static_sessions[0]: expected a mapping, got null" },
	{ "unknown key in session",
	  SS "  - name: s1\n    c: {}\n", .where = "4:5",
	  .msg = "static_sessions[0]: unknown key \"c\" (expected one of name, a, b)" },
	{ "session without name", SS "  - a: " LEG_A "    b: " LEG_B,
	  .where = "3:5",
	  .msg = "static_sessions[0]: missing required key \"name\"" },
	{ "session without leg b", SS "  - name: s1\n    a: " LEG_A,
	  .where = "3:5",
	  .msg = "static_sessions[0]: missing required key \"b\"" },
	{ "session name too long", SS "  - name: " X64 "\n", .where = "3:11",
	  .msg = "static_sessions[0].name: must be 1..63 characters long, got 64" },
	{ "duplicate session name",
	  SS "  - name: s1\n    a: " LEG_A "    b: " LEG_B
	  "  - name: s1\n"
	  "    a: " LEG("10.0.1.2", "10.0.1.1", "100", "2")
	  "    b: " LEG("10.0.2.2", "10.0.2.1", "300", "4"),
	  .where = "6:11",
	  .msg = "static_sessions[1].name: duplicate session name \"s1\" (also static_sessions[0])" },
	{ "leg is a sequence", SS "  - name: s1\n    a: [1]\n",
	  .where = "4:8",
	  .msg = "static_sessions[0].a: expected a mapping, got a sequence" },

	/* Legs. */
	{ "unknown key in leg", PRE A_ADDRS "      tunnel: 100\n", .where = "8:7",
	  .msg = "static_sessions[0].a: unknown key \"tunnel\"" },
	{ "duplicate key in leg", PRE A_ADDRS "      local: 10.0.1.3\n",
	  .where = "8:7", .msg = "static_sessions[0].a: duplicate key \"local\"" },
	{ "missing tunnel_id", PRE A_ADDRS
	  "      session_id: 1\n      peer_tunnel_id: 200\n      peer_session_id: 2\n",
	  .where = "6:7",
	  .msg = "static_sessions[0].a: missing required key \"tunnel_id\"" },
	{ "missing peer", PRE "      local: 10.0.1.2\n" A_IDS, .where = "6:7",
	  .msg = "static_sessions[0].a: missing required key \"peer\"" },
	{ "tunnel_id 0", PRE A_ADDRS
	  "      tunnel_id: 0\n      session_id: 1\n"
	  "      peer_tunnel_id: 200\n      peer_session_id: 2\n",
	  .where = "8:18",
	  .msg = "static_sessions[0].a.tunnel_id: 0 is not allowed (RFC 2661 5.3: ID 0 is reserved)" },
	{ "peer_session_id 0", PRE A_ADDRS
	  "      tunnel_id: 100\n      session_id: 1\n"
	  "      peer_tunnel_id: 200\n      peer_session_id: 0\n",
	  .where = "11:24",
	  .msg = "static_sessions[0].a.peer_session_id: 0 is not allowed (RFC 2661 5.3" },
	{ "session_id 65536", PRE A_ADDRS
	  "      tunnel_id: 100\n      session_id: 65536\n"
	  "      peer_tunnel_id: 200\n      peer_session_id: 2\n",
	  .where = "9:19",
	  .msg = "static_sessions[0].a.session_id: 65536 is out of range 1..65535" },
	{ "peer_tunnel_id is a sequence", PRE A_ADDRS
	  "      tunnel_id: 100\n      session_id: 1\n"
	  "      peer_tunnel_id: [1]\n      peer_session_id: 2\n",
	  .where = "10:23",
	  .msg = "static_sessions[0].a.peer_tunnel_id: expected an integer, got a sequence" },
	{ "id 0 in flow style",
	  SS "  - name: s1\n    a: " LEG("10.0.1.2", "10.0.1.1", "0", "1")
	  "    b: " LEG_B,
	  .where = "4:53", .msg = "static_sessions[0].a.tunnel_id: 0 is not allowed" },
	{ "bad ipv4", PRE "      local: 10.0.1.256\n", .where = "6:14",
	  .msg = "static_sessions[0].a.local: expected an IPv4 or IPv6 address, got \"10.0.1.256\"" },
	{ "host name instead of address", PRE
	  "      local: 10.0.1.2\n      peer: lns.example.net\n",
	  .where = "7:13",
	  .msg = "static_sessions[0].a.peer: expected an IPv4 or IPv6 address, got \"lns.example.net\"" },
	{ "ipv6 with a zone", PRE "      local: \"fe80::1%eth0\"\n",
	  .where = "6:14", .msg = "expected an IPv4 or IPv6 address" },
	{ "address is null", PRE "      local:\n      peer: 10.0.1.1\n",
	  .where = "6:13",
	  .msg = "static_sessions[0].a.local: expected an IP address, got null" },
	{ "mixed families in a leg", PRE
	  "      local: 10.0.1.2\n      peer: 2001:db8::1\n" A_IDS,
	  .where = "7:13",
	  .msg = "static_sessions[0].a.peer: IPv6 address, but local is IPv4" },
	{ "dscp 64", PRE A_ADDRS A_IDS "      dscp: 64\n", .where = "12:13",
	  .msg = "static_sessions[0].a.dscp: 64 is out of range 0..63" },
	{ "dscp -1", PRE A_ADDRS A_IDS "      dscp: -1\n", .where = "12:13",
	  .msg = "static_sessions[0].a.dscp: expected a decimal integer, got \"-1\"" },
	{ "peer_port 0", PRE A_ADDRS A_IDS "      peer_port: 0\n",
	  .where = "12:18",
	  .msg = "static_sessions[0].a.peer_port: 0 is out of range 1..65535" },
	{ "local_port not in l2tp_ports", PRE A_ADDRS A_IDS
	  "      local_port: 1702\n",
	  .where = "12:19",
	  .msg = "static_sessions[0].a.local_port: 1702 is not one of dataplane.l2tp_ports (1701)" },
	{ "defaulted local_port not in l2tp_ports",
	  "dataplane: {interfaces: [eth0], l2tp_ports: [1702, 1703]}\n"
	  "static_sessions:\n"
	  "  - name: s1\n"
	  "    a: {local: 10.0.1.2, peer: 10.0.1.1, local_port: 1703, tunnel_id: 1,\n"
	  "        session_id: 1, peer_tunnel_id: 1, peer_session_id: 1}\n"
	  "    b: " LEG_B,
	  .where = "6:8",
	  .msg = "static_sessions[0].b: local_port defaults to 1701, which is not one of dataplane.l2tp_ports (1702, 1703)" },
	{ "duplicate switch key across sessions",
	  SS "  - name: s1\n    a: " LEG_A "    b: " LEG_B
	  "  - name: s2\n    a: " LEG_A
	  "    b: " LEG("10.0.2.2", "10.0.2.1", "300", "5"),
	  .where = "7:8",
	  .msg = "static_sessions[1].a: duplicate switch key: peer 10.0.1.1:1701, local 10.0.1.2, tunnel_id 100, session_id 1 also used by session s1 leg a" },
	{ "duplicate switch key within a session",
	  SS "  - name: s1\n    a: " LEG_A "    b: " LEG_A, .where = "5:8",
	  .msg = "static_sessions[0].b: duplicate switch key: peer 10.0.1.1:1701, local 10.0.1.2, tunnel_id 100, session_id 1 also used by session s1 leg a" },
	{ "first duplicate switch key in document order",
	  SS "  - name: s1\n    a: " LEG_A "    b: " LEG_B
	  "  - name: s2\n"
	  "    a: " LEG("10.0.1.2", "10.0.1.1", "100", "7")
	  "    b: " LEG_B
	  "  - name: s3\n    a: " LEG_A
	  "    b: " LEG("10.0.2.2", "10.0.2.1", "300", "8"),
	  .where = "8:8",
	  .msg = "static_sessions[1].b: duplicate switch key: peer 10.0.2.1:1701, local 10.0.2.2, tunnel_id 300, session_id 3 also used by session s1 leg b" },
	{ "duplicate ipv6 switch key",
	  SS "  - name: s1\n"
	  "    a: " LEG("\"2001:db8::2\"", "\"2001:db8::1\"", "1", "1")
	  "    b: " LEG("\"2001:db8::2\"", "\"2001:db8::1\"", "1", "1"),
	  .where = "5:8",
	  .msg = "duplicate switch key: peer [2001:db8::1]:1701, local 2001:db8::2, tunnel_id 1, session_id 1 also used by session s1 leg a" },
};

static void test_case(void **state)
{
	const struct cfg_case *c = *state;
	struct lts_config *cfg = (struct lts_config *)&cfg;
	char err[LTS_CFG_ERR_MAX] = "";
	char prefix[64];
	int ret;

	ret = lts_config_load_string(NAME, c->yaml, strlen(c->yaml), &cfg, err,
				     sizeof(err));
	if (c->ok) {
		if (ret)
			print_error("unexpected error: %s\n", err);
		assert_int_equal(ret, 0);
		assert_non_null(cfg);
		if (c->check)
			c->check(cfg);
		lts_config_free(cfg);
		return;
	}

	assert_int_equal(ret, -EINVAL);
	/* *out untouched on failure. */
	assert_ptr_equal(cfg, (struct lts_config *)&cfg);
	snprintf(prefix, sizeof(prefix), NAME ":%s: ", c->where);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, c->msg)) {
		print_error("want: %s...%s\n got: %s\n", prefix, c->msg, err);
		fail();
	}
	assert_null(strchr(err, '\n'));
}

/* Every shipped example must load: a broken example is a broken doc. */
static void test_examples(void **state)
{
	const char *src = getenv("LTS_SRC_DIR");
	char dir[512], path[1024], err[LTS_CFG_ERR_MAX];
	struct lts_config *cfg;
	struct dirent *de;
	int n = 0, ret;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/config/examples", src ? src : ".");
	d = opendir(dir);
	if (!d)
		print_error("%s: %s (set LTS_SRC_DIR)\n", dir, strerror(errno));
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (fnmatch("*.yaml", de->d_name, 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cfg = NULL;
		ret = lts_config_load_file(path, &cfg, err, sizeof(err));
		if (ret)
			print_error("%s\n", err);
		assert_int_equal(ret, 0);
		assert_non_null(cfg);
		assert_true(cfg->n_static_sessions > 0);
		lts_config_free(cfg);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

static void test_missing_file(void **state)
{
	struct lts_config *cfg = NULL;
	char err[LTS_CFG_ERR_MAX];

	(void)state;
	assert_int_equal(lts_config_load_file("/nonexistent/lts.yaml", &cfg,
					      err, sizeof(err)),
			 -ENOENT);
	assert_null(cfg);
	assert_string_equal(err, "/nonexistent/lts.yaml: No such file or directory");
}

static void test_directory(void **state)
{
	struct lts_config *cfg = NULL;
	char err[LTS_CFG_ERR_MAX];

	(void)state;
	assert_int_equal(lts_config_load_file("/", &cfg, err, sizeof(err)),
			 -EISDIR);
	assert_null(cfg);
	assert_string_equal(err, "/: Is a directory");
}

/* Messages from a file carry the file's path. */
static void test_file_error_position(void **state)
{
	const char text[] = "dataplane:\n  interfaces: [eth0]\n  mode: fast\n";
	char path[] = "/tmp/test_config_XXXXXX";
	char err[LTS_CFG_ERR_MAX], want[128];
	struct lts_config *cfg = NULL;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_int_equal(lts_config_load_file(path, &cfg, err, sizeof(err)),
			 -EINVAL);
	unlink(path);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s:3:9: dataplane.mode: ", path);
	assert_memory_equal(err, want, strlen(want));
}

/* A short or absent error buffer must not stop the error being returned. */
static void test_error_buffer(void **state)
{
	const char *bad = "dataplane: {mode: fast}\n";
	struct lts_config *cfg = NULL;
	char err[8];

	(void)state;
	assert_int_equal(lts_config_load_string(NAME, bad, strlen(bad), &cfg,
						err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.yaml:");
	assert_int_equal(lts_config_load_string(NAME, bad, strlen(bad), &cfg,
						NULL, 0),
			 -EINVAL);
	assert_null(cfg);
}

/* The length is honoured: the text need not be NUL-terminated. */
static void test_length(void **state)
{
	const char *text = "dataplane: {mode: off}\nswitch: {hostname: [x]}\n";
	struct lts_config *cfg = NULL;
	char err[LTS_CFG_ERR_MAX];

	(void)state;
	assert_int_equal(lts_config_load_string(NAME, text, 23, &cfg, err,
						sizeof(err)),
			 0);
	assert_int_equal(cfg->mode, LTS_DP_OFF);
	lts_config_free(cfg);
}

static void test_misc(void **state)
{
	(void)state;
	lts_config_free(NULL);
	assert_string_equal(lts_dp_mode_name(LTS_DP_NATIVE), "native");
	assert_string_equal(lts_dp_mode_name(LTS_DP_SKB), "skb");
	assert_string_equal(lts_dp_mode_name(LTS_DP_OFF), "off");
	assert_string_equal(lts_dp_mode_name((enum lts_dp_mode)42), "unknown");
}

int main(void)
{
	static struct CMUnitTest tests[ARRAY_SIZE(cases) + 8];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_examples);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_directory);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_file_error_position);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_error_buffer);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_length);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_misc);
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}
