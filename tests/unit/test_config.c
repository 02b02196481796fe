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
#include "lts_match.h"
#include "lib/util.h"

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
/* Lines 1-2; the first peer's "  - name: p" is line 3, its keys from 4. */
#define LAC DP "lac_peers:\n"
#define LNS DP "lns_peers:\n"
#define LAC1 LAC "  - name: lac1\n"
#define LNS1 LNS "  - name: lns1\n    address: 10.0.2.1\n"

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

static void assert_prefix(const struct lts_prefix *p, const char *text,
			  unsigned int len)
{
	assert_ip(&p->ip, text);
	assert_int_equal(p->len, len);
}

static void assert_ctrl(const struct lts_ctrl_cfg *c, uint32_t hello,
			uint16_t rws, uint32_t rto, uint32_t rto_max,
			uint32_t retries, bool permissive)
{
	assert_int_equal(c->hello_interval_s, hello);
	assert_int_equal(c->receive_window, rws);
	assert_int_equal(c->retransmit_initial_ms, rto);
	assert_int_equal(c->retransmit_max_ms, rto_max);
	assert_int_equal(c->retries, retries);
	assert_int_equal(c->avp_permissive, permissive);
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
	assert_int_equal(cfg->limits.max_tunnels, 1024);
	assert_int_equal(cfg->limits.max_sessions, LTS_MAX_SESSIONS_DEFAULT);
	assert_int_equal(cfg->limits.sccrq_rate, 20);
	assert_int_equal(cfg->limits.sccrq_burst, 40);
	assert_int_equal(cfg->limits.max_half_open, 1024);
	assert_int_equal(cfg->limits.max_half_open_per_source, 32);
	assert_ctrl(&cfg->control, 60, 8, 1000, 16000, 5, false);
	assert_int_equal(cfg->n_lac_peers, 0);
	assert_null(cfg->lac_peers);
	assert_int_equal(cfg->n_lns_peers, 0);
	assert_null(cfg->lns_peers);
	assert_string_equal(cfg->tsa_id, "lts"); /* switch.hostname */
	assert_string_equal(cfg->control_socket, "/run/lts/ltsd.sock");
	assert_int_equal(cfg->lockout_s, 60);
	assert_int_equal(cfg->n_rules, 0);
	assert_null(cfg->rules);
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

static void check_peers(const struct lts_config *cfg)
{
	const struct lts_lac_peer *l;
	const struct lts_lns_peer *n;

	assert_int_equal(cfg->limits.max_tunnels, 100);
	assert_int_equal(cfg->limits.max_sessions, 4096);
	assert_int_equal(cfg->limits.sccrq_rate, 5);
	assert_int_equal(cfg->limits.sccrq_burst, 7);
	assert_ctrl(&cfg->control, 30, 16, 500, 8000, 3, true);
	assert_int_equal(cfg->n_lac_peers, 3);
	assert_int_equal(cfg->n_lns_peers, 2);

	/* Every kind of key set, two control keys overridden. */
	l = &cfg->lac_peers[0];
	assert_string_equal(l->name, "lac1");
	assert_prefix(&l->match, "10.0.1.0", 24);
	assert_string_equal(l->hostname, "lac1.example");
	assert_string_equal(l->secret, "s3cret");
	assert_int_equal(l->secret_len, 6);
	assert_true(l->hide_avps);
	assert_int_equal(l->max_tunnels, 16);
	assert_int_equal(l->max_sessions, 4096);
	assert_ctrl(&l->ctrl, 0, 16, 500, 8000, 10, true);

	/* Nothing but the required keys: control: as a whole. */
	l = &cfg->lac_peers[1];
	assert_string_equal(l->name, "lac2");
	assert_prefix(&l->match, "2001:db8::", 32);
	assert_string_equal(l->hostname, "");
	assert_string_equal(l->secret, "");
	assert_int_equal(l->secret_len, 0);
	assert_false(l->hide_avps);
	assert_int_equal(l->max_tunnels, 0);
	assert_int_equal(l->max_sessions, 0);
	assert_ctrl(&l->ctrl, 30, 16, 500, 8000, 3, true);

	/* One address; a bool overridden to its schema default. */
	l = &cfg->lac_peers[2];
	assert_prefix(&l->match, "192.0.2.7", 32);
	assert_ctrl(&l->ctrl, 30, 16, 500, 8000, 3, false);

	n = &cfg->lns_peers[0];
	assert_string_equal(n->name, "lns1");
	assert_ip(&n->address, "10.0.2.1");
	assert_int_equal(n->port, 1702);
	assert_ip(&n->local, "10.0.2.2");
	assert_string_equal(n->hostname, "lts-east");
	assert_string_equal(n->secret, "other");
	assert_int_equal(n->secret_len, 5);
	assert_true(n->hide_avps);
	assert_int_equal(n->tunnel, LTS_TUNNEL_PERSISTENT);
	assert_int_equal(n->linger_s, 30);
	assert_int_equal(n->max_sessions, 100);
	assert_ctrl(&n->ctrl, 30, 4, 500, 60000, 3, true);

	n = &cfg->lns_peers[1];
	assert_string_equal(n->name, "lns2");
	assert_ip(&n->address, "2001:db8:2::1");
	assert_int_equal(n->port, 1701);
	assert_int_equal(n->local.family, LTS_FAMILY_NONE);
	assert_string_equal(n->hostname, "lts1"); /* switch.hostname */
	assert_int_equal(n->secret_len, 0);
	assert_false(n->hide_avps);
	assert_int_equal(n->tunnel, LTS_TUNNEL_ON_DEMAND);
	assert_int_equal(n->linger_s, 0);
	assert_int_equal(n->max_sessions, 0);
	assert_int_equal(n->max_sessions_per_tunnel, 4096);
	assert_ctrl(&n->ctrl, 30, 16, 500, 8000, 3, true);
}

/* Sources of inherited values may come after the keys that inherit. */
static void check_inherit_order(const struct lts_config *cfg)
{
	assert_int_equal(cfg->lac_peers[0].ctrl.retries, 7);
	assert_int_equal(cfg->lac_peers[0].ctrl.hello_interval_s, 60);
	assert_int_equal(cfg->lns_peers[0].ctrl.retries, 7);
	assert_string_equal(cfg->lns_peers[0].hostname, "late");
	assert_int_equal(cfg->limits.max_sessions, 1000);
	assert_int_equal(cfg->limits.sccrq_rate, 100);
	assert_int_equal(cfg->limits.sccrq_burst, 200);
	assert_int_equal(cfg->control.retries, 7);
}

static void check_peer_edges(const struct lts_config *cfg)
{
	const struct lts_lac_peer *l = cfg->lac_peers;
	const struct lts_lns_peer *n = cfg->lns_peers;

	assert_int_equal(cfg->limits.max_tunnels, 65535);
	assert_int_equal(cfg->limits.max_sessions, 4194304);
	assert_int_equal(cfg->limits.sccrq_rate, 100000);
	assert_int_equal(cfg->limits.sccrq_burst, 1);
	assert_ctrl(&cfg->control, 3600, 1024, 10000, 60000, 20, false);
	assert_prefix(&l[0].match, "0.0.0.0", 0);
	assert_int_equal(strlen(l[0].hostname), 255);
	assert_int_equal(strlen(l[0].secret), 255);
	assert_int_equal(l[0].secret_len, 255);
	assert_int_equal(l[0].max_tunnels, 65535);
	assert_int_equal(l[0].max_sessions, 4194304);
	assert_prefix(&l[1].match, "::", 0);
	assert_prefix(&l[2].match, "2001:db8::1", 128);
	assert_prefix(&l[3].match, "10.0.0.128", 25);
	assert_prefix(&l[4].match, "10.0.0.0", 31);
	assert_ctrl(&l[4].ctrl, 0, 1, 100, 8000, 1, false);
	assert_int_equal(n[0].linger_s, 86400);
	assert_int_equal(n[0].port, 65535);
	assert_ip(&n[0].local, "2001:db8::2");
	assert_int_equal(n[0].tunnel, LTS_TUNNEL_ON_DEMAND);
	assert_int_equal(n[1].tunnel, LTS_TUNNEL_PERSISTENT);
	assert_int_equal(n[1].linger_s, 30);
}

/* Peer names are per list; lac_peers may overlap and share prefixes. */
static void check_peer_names(const struct lts_config *cfg)
{
	assert_int_equal(cfg->n_lac_peers, 4);
	assert_int_equal(cfg->n_lns_peers, 1);
	assert_string_equal(cfg->lac_peers[0].name, "p");
	assert_string_equal(cfg->lns_peers[0].name, "p");
}

static void check_spread(const struct lts_config *cfg)
{
	assert_int_equal(cfg->n_spread_cpus, 3);
	assert_int_equal(cfg->spread_cpus[0], 0);
	assert_int_equal(cfg->spread_cpus[2], 3);
}

static void check_qos(const struct lts_config *cfg)
{
	const struct lts_static_leg *a = &cfg->static_sessions[0].a, *b = &cfg->static_sessions[0].b;

	assert_true(a->dscp_copy);
	assert_int_equal(a->dscp, -1);
	assert_int_equal(a->police.rate_kbps, 2000);
	assert_int_equal(a->police.burst, 30000);
	assert_false(b->dscp_copy);
	assert_int_equal(b->police.rate_kbps, 0);
	assert_int_equal(cfg->rules[0].dscp, 46);
	assert_false(cfg->rules[0].dscp_copy);
	assert_int_equal(cfg->rules[0].police.rate_kbps, 100000);
	assert_int_equal(cfg->rules[0].police.burst, 1500);
	assert_int_equal(cfg->rules[1].dscp, -1);
	assert_true(cfg->rules[1].dscp_copy);
	assert_int_equal(cfg->rules[1].police.rate_kbps, 0);
}

static const struct cfg_case cases[] = {
	/* Accepted. */
	{ "spread_cpus",
	  "dataplane: {interfaces: [eth0], spread_cpus: [0, 2, 3]}\n",
	  .ok = true, .check = check_spread },
	{ "police and dscp",
	  "dataplane: {interfaces: [eth0]}\n"
	  "lac_peers: [{name: lac1, address: 10.0.1.0/24}]\n"
	  "lns_peers: [{name: lns1, address: 10.0.2.1}]\n"
	  "static_sessions:\n"
	  "  - name: s1\n"
	  "    a: {local: 10.0.1.2, peer: 10.0.1.1, tunnel_id: 100, session_id: 1,\n"
	  "        peer_tunnel_id: 200, peer_session_id: 2, dscp_copy: true,\n"
	  "        police: {rate: 2000, burst: 30000}}\n"
	  "    b: {local: 10.0.2.2, peer: 10.0.2.1, tunnel_id: 300, session_id: 3,\n"
	  "        peer_tunnel_id: 400, peer_session_id: 4}\n"
	  "rules:\n"
	  "  - {name: r1, pool: [{lns: lns1}], dscp: 46, police: {rate: 100000, burst: 1500}}\n"
	  "  - {name: r2, pool: [{lns: lns1}], dscp_copy: true}\n",
	  .ok = true, .check = check_qos },
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
	{ "peers, limits and control",
	  "switch: {hostname: lts1}\n"
	  "dataplane: {interfaces: [eth0, eth1], max_sessions: 8192}\n"
	  "limits: {max_tunnels: 100, max_sessions: 4096, sccrq_rate: 5, sccrq_burst: 7}\n"
	  "control:\n"
	  "  hello_interval: 30\n"
	  "  receive_window: 16\n"
	  "  retransmit_initial: 500\n"
	  "  retransmit_max: 8000\n"
	  "  retries: 3\n"
	  "  avp_permissive: true\n"
	  "lac_peers:\n"
	  "  - name: lac1\n"
	  "    address: 10.0.1.0/24\n"
	  "    hostname: lac1.example\n"
	  "    secret: s3cret\n"
	  "    hide_avps: true\n"
	  "    max_tunnels: 16\n"
	  "    max_sessions: 4096\n"
	  "    hello_interval: 0\n"
	  "    retries: 10\n"
	  "  - name: lac2\n"
	  "    address: \"2001:db8::/32\"\n"
	  "  - {name: lac3, address: 192.0.2.7, avp_permissive: false}\n"
	  "lns_peers:\n"
	  "  - name: lns1\n"
	  "    address: 10.0.2.1\n"
	  "    port: 1702\n"
	  "    local: 10.0.2.2\n"
	  "    hostname: lts-east\n"
	  "    secret: other\n"
	  "    hide_avps: true\n"
	  "    tunnel: persistent\n"
	  "    max_sessions: 100\n"
	  "    retransmit_max: 60000\n"
	  "    receive_window: 4\n"
	  "  - name: lns2\n"
	  "    address: 2001:db8:2::1\n"
	  "    linger: 0\n",
	  .ok = true, .check = check_peers },
	{ "inheritance does not depend on file order",
	  "lac_peers:\n"
	  "  - {name: a, address: 10.0.0.0/8}\n"
	  "lns_peers: [{name: b, address: 10.0.0.1}]\n"
	  "control: {retries: 7}\n"
	  "limits: {sccrq_rate: 100}\n"
	  "switch: {hostname: late}\n"
	  "dataplane: {interfaces: [eth0], max_sessions: 1000}\n",
	  .ok = true, .check = check_inherit_order },
	{ "peer limits at the edge",
	  "dataplane: {interfaces: [eth0], max_sessions: 4194304}\n"
	  "limits: {max_tunnels: 65535, max_sessions: 4194304, sccrq_rate: 100000, sccrq_burst: 1}\n"
	  "control: {hello_interval: 3600, receive_window: 1024, retransmit_initial: 10000,\n"
	  "          retransmit_max: 60000, retries: 20}\n"
	  "lac_peers:\n"
	  "  - name: all4\n"
	  "    address: 0.0.0.0/0\n"
	  "    hostname: " X64 X64 X64 X16 X16 X16 "abcdefghijklmno\n"
	  "    secret: " X64 X64 X64 X16 X16 X16 "abcdefghijklmno\n"
	  "    max_tunnels: 65535\n"
	  "    max_sessions: 4194304\n"
	  "  - {name: all6, address: \"::/0\"}\n"
	  "  - {name: one6, address: \"2001:db8::1/128\"}\n"
	  "  - {name: half, address: 10.0.0.128/25}\n"
	  "  - {name: pair, address: 10.0.0.0/31, hello_interval: 0, receive_window: 1,\n"
	  "     retransmit_initial: 100, retransmit_max: 8000, retries: 1}\n"
	  "lns_peers:\n"
	  "  - {name: a, address: \"2001:db8::1\", local: \"2001:db8::2\", port: 65535, linger: 86400}\n"
	  "  - {name: b, address: 10.0.0.1, tunnel: persistent}\n",
	  .ok = true, .check = check_peer_edges },
	{ "same name in lac_peers and lns_peers, overlapping lac_peers",
	  DP "lac_peers:\n"
	  "  - {name: p, address: 10.0.0.0/8}\n"
	  "  - {name: q, address: 10.0.0.0/8, hostname: x}\n"
	  "  - {name: r, address: 10.0.0.0/8, hostname: y}\n"
	  "  - {name: s, address: 10.0.0.0/9}\n"
	  "lns_peers: [{name: p, address: 10.0.0.1}]\n",
	  .ok = true, .check = check_peer_names },
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
	  .msg = "unknown key \"switches\" (expected one of switch, dataplane, static_sessions, limits, control, lac_peers, lns_peers, rules, metrics, logging, accounting)" },
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
	  .msg = "switch: unknown key \"host\" (expected one of hostname, bpffs, tsa_id, control_socket, lockout, on_stop)" },
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
	  .msg = "dataplane: unknown key \"interface\" (expected one of mode, interfaces, l2tp_ports, max_sessions, spread_cpus)" },
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

/*
 * limits: and control:. Columns of flow values: "limits: {" is 9 characters,
 * "control: {" 10.
 */
static const struct cfg_case limit_cases[] = {
	{ "limits is a sequence", DP "limits: [1]\n", .where = "2:9",
	  .msg = "limits: expected a mapping, got a sequence" },
	{ "unknown key in limits", DP "limits: {max_peers: 1}\n",
	  .where = "2:10",
	  .msg = "limits: unknown key \"max_peers\" (expected one of max_tunnels, max_sessions, sccrq_rate, sccrq_burst, max_half_open, max_half_open_per_source)" },
	{ "lns_peers max_sessions_per_tunnel 0",
	  DP "lns_peers: [{name: l, address: 10.1.0.1, max_sessions_per_tunnel: 0}]\n",
	  .where = "2:67", .msg = "lns_peers[0].max_sessions_per_tunnel: 0 is out of range 1..65535" },
	{ "limits.max_half_open 0", DP "limits: {max_half_open: 0}\n", .where = "2:25",
	  .msg = "limits.max_half_open: 0 is out of range 1..65535" },
	{ "limits.max_tunnels 0", DP "limits: {max_tunnels: 0}\n",
	  .where = "2:23",
	  .msg = "limits.max_tunnels: 0 is out of range 1..65535" },
	{ "limits.max_tunnels 65536", DP "limits: {max_tunnels: 65536}\n",
	  .where = "2:23",
	  .msg = "limits.max_tunnels: 65536 is out of range 1..65535" },
	{ "limits.max_sessions above dataplane.max_sessions",
	  "dataplane: {interfaces: [eth0], max_sessions: 100}\n"
	  "limits: {max_sessions: 101}\n",
	  .where = "2:24",
	  .msg = "limits.max_sessions: 101 exceeds dataplane.max_sessions (100), the size of the switch table" },
	{ "limits.max_sessions above the default dataplane.max_sessions",
	  DP "limits:\n  max_sessions: 65537\n", .where = "3:17",
	  .msg = "limits.max_sessions: 65537 exceeds dataplane.max_sessions (65536)" },
	{ "limits.max_sessions 0", DP "limits: {max_sessions: 0}\n",
	  .where = "2:24",
	  .msg = "limits.max_sessions: 0 is out of range 1..4194304" },
	{ "limits.sccrq_rate 0", DP "limits: {sccrq_rate: 0}\n",
	  .where = "2:22",
	  .msg = "limits.sccrq_rate: 0 is out of range 1..100000" },
	{ "limits.sccrq_rate 100001", DP "limits: {sccrq_rate: 100001}\n",
	  .where = "2:22", .msg = "100001 is out of range 1..100000" },
	{ "limits.sccrq_burst 0", DP "limits: {sccrq_burst: 0}\n",
	  .where = "2:23",
	  .msg = "limits.sccrq_burst: 0 is out of range 1..1000000" },

	{ "control is a scalar", DP "control: fast\n", .where = "2:10",
	  .msg = "control: expected a mapping, got a scalar" },
	{ "unknown key in control", DP "control: {max_tunnels: 5}\n",
	  .where = "2:11",
	  .msg = "control: unknown key \"max_tunnels\" (expected one of hello_interval, receive_window, retransmit_initial, retransmit_max, retries, avp_permissive)" },
	{ "retransmit_max below 8 s", DP "control: {retransmit_max: 7999}\n",
	  .where = "2:27",
	  .msg = "control.retransmit_max: 7999 is out of range 8000..60000 (RFC 2661 5.8: the retransmit cap MUST be no less than 8 s)" },
	{ "retransmit_max above 60 s", DP "control: {retransmit_max: 60001}\n",
	  .where = "2:27", .msg = "60001 is out of range 8000..60000" },
	{ "retransmit_initial 99", DP "control: {retransmit_initial: 99}\n",
	  .where = "2:31",
	  .msg = "control.retransmit_initial: 99 is out of range 100..10000" },
	{ "retransmit_initial 10001",
	  DP "control: {retransmit_initial: 10001}\n", .where = "2:31",
	  .msg = "10001 is out of range 100..10000" },
	{ "retransmit_initial above retransmit_max",
	  DP "control:\n  retransmit_initial: 9000\n  retransmit_max: 8000\n",
	  .where = "4:19",
	  .msg = "control.retransmit_max: retransmit_initial (9000 ms) exceeds retransmit_max (8000 ms)" },
	{ "retries 0", DP "control: {retries: 0}\n", .where = "2:20",
	  .msg = "control.retries: 0 is out of range 1..20" },
	{ "retries 21", DP "control: {retries: 21}\n", .where = "2:20",
	  .msg = "control.retries: 21 is out of range 1..20" },
	{ "hello_interval 3601", DP "control: {hello_interval: 3601}\n",
	  .where = "2:27",
	  .msg = "control.hello_interval: 3601 is out of range 0..3600" },
	{ "receive_window 0", DP "control: {receive_window: 0}\n",
	  .where = "2:27",
	  .msg = "control.receive_window: 0 is out of range 1..1024" },
	{ "receive_window 1025", DP "control: {receive_window: 1025}\n",
	  .where = "2:27", .msg = "1025 is out of range 1..1024" },
	{ "avp_permissive yes", DP "control: {avp_permissive: yes}\n",
	  .where = "2:27",
	  .msg = "control.avp_permissive: expected true or false, got \"yes\"" },
	{ "avp_permissive off", DP "control: {avp_permissive: off}\n",
	  .where = "2:27", .msg = "expected true or false, got \"off\"" },
	{ "avp_permissive True", DP "control: {avp_permissive: True}\n",
	  .where = "2:27", .msg = "expected true or false, got \"True\"" },
	{ "avp_permissive quoted", DP "control: {avp_permissive: \"true\"}\n",
	  .where = "2:27",
	  .msg = "expected true or false, got a quoted string \"true\"" },
	{ "avp_permissive null", DP "control:\n  avp_permissive:\n",
	  .where = "3:18",
	  .msg = "control.avp_permissive: expected true or false, got null" },
};

/* lac_peers: and lns_peers:. Peer keys are at column 5, values at 5 + key + 2. */
static const struct cfg_case peer_cases[] = {
	{ "lac_peers is a mapping", DP "lac_peers: {name: a}\n",
	  .where = "2:12",
	  .msg = "lac_peers: expected a sequence, got a mapping" },
	{ "lac_peer is a scalar", LAC "  - lac1\n", .where = "3:5",
	  .msg = "lac_peers[0]: expected a mapping, got a scalar" },
	{ "lac_peer without address", LAC1 "    secret: x\n", .where = "3:5",
	  .msg = "lac_peers[0]: missing required key \"address\"" },
	{ "lac_peer without name", LAC "  - address: 10.0.0.1\n",
	  .where = "3:5",
	  .msg = "lac_peers[0]: missing required key \"name\"" },
	{ "lac_peer name too long", LAC "  - name: " X64 "\n",
	  .where = "3:11",
	  .msg = "lac_peers[0].name: must be 1..63 characters long, got 64" },
	{ "unknown key in lac_peer, control keys listed",
	  LAC1 "    address: 10.0.0.1\n    port: 1701\n", .where = "5:5",
	  .msg = "lac_peers[0]: unknown key \"port\" (expected one of name, address, hostname, secret, hide_avps, max_tunnels, max_sessions, hello_interval, receive_window, retransmit_initial, retransmit_max, retries, avp_permissive)" },
	{ "duplicate control key in lac_peer",
	  LAC1 "    retries: 1\n    address: 10.0.0.1\n    retries: 2\n",
	  .where = "6:5", .msg = "lac_peers[0]: duplicate key \"retries\"" },
	{ "lac_peer host bits set", LAC1 "    address: 10.0.1.1/24\n",
	  .where = "4:14",
	  .msg = "lac_peers[0].address: \"10.0.1.1/24\" has host bits set (the prefix is 10.0.1.0/24; for one address leave out the length)" },
	{ "lac_peer host bits set, not on a byte boundary",
	  LAC1 "    address: 10.0.0.64/25\n", .where = "4:14",
	  .msg = "has host bits set (the prefix is 10.0.0.0/25;" },
	{ "lac_peer ipv6 host bits set",
	  LAC1 "    address: \"2001:db8::1/64\"\n", .where = "4:14",
	  .msg = "lac_peers[0].address: \"2001:db8::1/64\" has host bits set (the prefix is 2001:db8::/64;" },
	{ "lac_peer ipv4 prefix length 33", LAC1 "    address: 10.0.0.0/33\n",
	  .where = "4:14",
	  .msg = "lac_peers[0].address: \"10.0.0.0/33\": the prefix length of an IPv4 address must be 0..32" },
	{ "lac_peer ipv6 prefix length 129",
	  LAC1 "    address: \"2001:db8::/129\"\n", .where = "4:14",
	  .msg = "the prefix length of an IPv6 address must be 0..128" },
	{ "lac_peer prefix length missing", LAC1 "    address: 10.0.0.0/\n",
	  .where = "4:14", .msg = "the prefix length of an IPv4 address" },
	{ "lac_peer prefix length with a leading zero",
	  LAC1 "    address: 10.0.0.0/08\n", .where = "4:14",
	  .msg = "\"10.0.0.0/08\": the prefix length" },
	{ "lac_peer prefix length not a number",
	  LAC1 "    address: 10.0.0.0/8x\n", .where = "4:14",
	  .msg = "\"10.0.0.0/8x\": the prefix length" },
	{ "lac_peer prefix length huge",
	  LAC1 "    address: 10.0.0.0/4294967304\n", .where = "4:14",
	  .msg = "the prefix length of an IPv4 address must be 0..32" },
	{ "lac_peer host name as address", LAC1 "    address: lac.example\n",
	  .where = "4:14",
	  .msg = "lac_peers[0].address: expected an IPv4 or IPv6 address or prefix (address/length), got \"lac.example\"" },
	{ "lac_peer netmask instead of length",
	  LAC1 "    address: 10.0.0.0/255.0.0.0\n", .where = "4:14",
	  .msg = "the prefix length of an IPv4 address must be 0..32" },
	{ "lac_peer address with a NUL",
	  LAC1 "    address: \"10.0.0.1\\0x\"\n", .where = "4:14",
	  .msg = "expected an IPv4 or IPv6 address or prefix" },
	{ "lac_peer address null", LAC1 "    address:\n", .where = "4:13",
	  .msg = "lac_peers[0].address: expected an IP address or prefix, got null" },
	{ "lac_peer hide_avps without secret",
	  LAC1 "    address: 10.0.0.1\n    hide_avps: true\n", .where = "5:16",
	  .msg = "lac_peers[0].hide_avps: hiding AVPs needs a secret (RFC 2661 4.3)" },
	{ "lac_peer hide_avps 1", LAC1 "    hide_avps: 1\n", .where = "4:16",
	  .msg = "lac_peers[0].hide_avps: expected true or false, got \"1\"" },
	{ "lac_peer secret empty", LAC1 "    secret: \"\"\n", .where = "4:13",
	  .msg = "lac_peers[0].secret: must be 1..255 characters long, got 0" },
	{ "lac_peer secret too long", LAC1 "    secret: " X256 "\n",
	  .where = "4:13",
	  .msg = "lac_peers[0].secret: must be 1..255 characters long, got 256" },
	{ "lac_peer hostname too long", LAC1 "    hostname: " X256 "\n",
	  .where = "4:15",
	  .msg = "lac_peers[0].hostname: must be 1..255 characters long, got 256" },
	{ "lac_peer max_tunnels 0", LAC1 "    max_tunnels: 0\n", .where = "4:18",
	  .msg = "lac_peers[0].max_tunnels: 0 is not allowed (leave max_tunnels out for no per-peer limit)" },
	{ "lac_peer max_tunnels 65536", LAC1 "    max_tunnels: 65536\n",
	  .where = "4:18",
	  .msg = "lac_peers[0].max_tunnels: 65536 is out of range 1..65535" },
	{ "lac_peer max_sessions 0", LAC1 "    max_sessions: 0\n",
	  .where = "4:19",
	  .msg = "lac_peers[0].max_sessions: 0 is not allowed (leave max_sessions out" },
	{ "lac_peer retransmit_max below 8 s",
	  LAC1 "    address: 10.0.0.1\n    retransmit_max: 7000\n",
	  .where = "5:21",
	  .msg = "lac_peers[0].retransmit_max: 7000 is out of range 8000..60000 (RFC 2661 5.8" },
	{ "lac_peer retransmit_max below inherited retransmit_initial",
	  DP "control: {retransmit_initial: 9000}\nlac_peers:\n"
	  "  - name: lac1\n    address: 10.0.0.1\n    retransmit_max: 8000\n",
	  .where = "6:21",
	  .msg = "lac_peers[0].retransmit_max: retransmit_initial (9000 ms) exceeds retransmit_max (8000 ms)" },
	{ "lns_peer retransmit_initial above inherited retransmit_max",
	  DP "control: {retransmit_max: 8000}\nlns_peers:\n"
	  "  - name: lns1\n    address: 10.0.2.1\n    retransmit_initial: 9000\n",
	  .where = "6:25",
	  .msg = "lns_peers[0].retransmit_initial: retransmit_initial (9000 ms) exceeds retransmit_max (8000 ms)" },
	{ "lac_peer avp_permissive no",
	  LAC1 "    address: 10.0.0.1\n    avp_permissive: no\n",
	  .where = "5:21",
	  .msg = "lac_peers[0].avp_permissive: expected true or false, got \"no\"" },
	{ "duplicate lac_peer name",
	  LAC "  - {name: a, address: 10.0.0.1}\n"
	  "  - {name: b, address: 10.0.0.2}\n"
	  "  - {name: a, address: 10.0.0.3}\n",
	  .where = "5:12",
	  .msg = "lac_peers[2].name: duplicate peer name \"a\" (also lac_peers[0])" },
	{ "ambiguous lac_peers with a hostname",
	  LAC "  - {name: a, address: 10.0.0.0/8, hostname: x}\n"
	  "  - {name: b, address: 10.0.0.0/8}\n"
	  "  - {name: c, address: 10.0.0.0/8, hostname: x}\n",
	  .where = "5:24",
	  .msg = "lac_peers[2].address: 10.0.0.0/8 with hostname \"x\" is ambiguous: lac_peers[0] (a) has the same address and hostname" },
	{ "ambiguous lac_peers, address and /32",
	  LAC "  - {name: a, address: 192.0.2.1, secret: one}\n"
	  "  - {name: b, address: 192.0.2.1/32, secret: two}\n",
	  .where = "4:24",
	  .msg = "lac_peers[1].address: 192.0.2.1 with no hostname is ambiguous: lac_peers[0] (a) has the same address and hostname" },
	{ "ambiguous ipv6 lac_peers",
	  LAC "  - {name: a, address: \"2001:db8::/48\"}\n"
	  "  - {name: b, address: \"2001:db8:0::/48\"}\n",
	  .where = "4:24",
	  .msg = "2001:db8::/48 with no hostname is ambiguous: lac_peers[0] (a)" },

	{ "lns_peers is a scalar", DP "lns_peers: lns1\n", .where = "2:12",
	  .msg = "lns_peers: expected a sequence, got a scalar" },
	{ "lns_peer without address", LNS "  - name: lns1\n", .where = "3:5",
	  .msg = "lns_peers[0]: missing required key \"address\"" },
	{ "unknown key in lns_peer", LNS1 "    max_tunnels: 1\n",
	  .where = "5:5",
	  .msg = "lns_peers[0]: unknown key \"max_tunnels\" (expected one of name, address, port, local, hostname, secret, hide_avps, tunnel, linger, max_sessions, max_sessions_per_tunnel, hello_interval, receive_window, retransmit_initial, retransmit_max, retries, avp_permissive)" },
	{ "lns_peer address is a prefix",
	  LNS "  - name: lns1\n    address: 10.0.2.0/24\n", .where = "4:14",
	  .msg = "lns_peers[0].address: expected an IPv4 or IPv6 address, got \"10.0.2.0/24\"" },
	{ "lns_peer port 0", LNS1 "    port: 0\n", .where = "5:11",
	  .msg = "lns_peers[0].port: 0 is out of range 1..65535" },
	{ "lns_peer local of the other family",
	  LNS1 "    local: \"2001:db8::2\"\n", .where = "5:12",
	  .msg = "lns_peers[0].local: IPv6 address, but address is IPv4: both must be of the same family" },
	{ "lns_peer bad tunnel mode", LNS1 "    tunnel: always\n",
	  .where = "5:13",
	  .msg = "lns_peers[0].tunnel: expected one of on-demand, persistent, got \"always\"" },
	{ "lns_peer linger with persistent",
	  LNS1 "    tunnel: persistent\n    linger: 10\n", .where = "6:13",
	  .msg = "lns_peers[0].linger: only on-demand tunnels linger, but tunnel is persistent" },
	{ "lns_peer default linger written out with persistent",
	  LNS1 "    linger: 30\n    tunnel: persistent\n", .where = "5:13",
	  .msg = "lns_peers[0].linger: only on-demand tunnels linger" },
	{ "lns_peer linger 86401", LNS1 "    linger: 86401\n", .where = "5:13",
	  .msg = "lns_peers[0].linger: 86401 is out of range 0..86400" },
	{ "lns_peer hide_avps without secret",
	  LNS1 "    hide_avps: true\n", .where = "5:16",
	  .msg = "lns_peers[0].hide_avps: hiding AVPs needs a secret (RFC 2661 4.3)" },
	{ "lns_peer hostname empty", LNS1 "    hostname: \"\"\n",
	  .where = "5:15",
	  .msg = "lns_peers[0].hostname: must be 1..255 characters long, got 0" },
	{ "lns_peer max_sessions 0", LNS1 "    max_sessions: 0\n",
	  .where = "5:19", .msg = "lns_peers[0].max_sessions: 0 is not allowed" },
	{ "lns_peer retries 0", LNS1 "    retries: 0\n", .where = "5:14",
	  .msg = "lns_peers[0].retries: 0 is out of range 1..20" },
	{ "duplicate lns_peer name",
	  LNS "  - {name: a, address: 10.0.0.1}\n"
	  "  - {name: a, address: 10.0.0.2}\n",
	  .where = "4:12",
	  .msg = "lns_peers[1].name: duplicate peer name \"a\" (also lns_peers[0])" },
};

static void assert_member(const struct lts_rule_member *m, size_t lns,
			  uint32_t preference, uint32_t weight)
{
	assert_int_equal(m->lns_idx, lns);
	assert_int_equal(m->preference, preference);
	assert_int_equal(m->weight, weight);
}

static void check_rules(const struct lts_config *cfg)
{
	const struct lts_rule *r;

	assert_string_equal(cfg->hostname, "lts1");
	assert_string_equal(cfg->tsa_id, "lts1.example");
	assert_string_equal(cfg->control_socket, "/run/ltsd/ctl.sock");
	assert_int_equal(cfg->lockout_s, 120);
	assert_int_equal(cfg->n_rules, 3);

	/* Every key set. */
	r = &cfg->rules[0];
	assert_string_equal(r->name, "isp2");
	assert_string_equal(r->realm, "isp2.example");
	assert_string_equal(r->user, "bob@isp2.example");
	assert_string_equal(r->called_number, "5551234");
	assert_string_equal(r->calling_number, "5559999");
	assert_int_equal(r->lac_peer_idx, 1);
	assert_string_equal(r->lac_hostname, "bras-*");
	assert_int_equal(r->n_pool, 2);
	assert_member(&r->pool[0], 1, 10, 3);
	assert_member(&r->pool[1], 0, 100, 1);
	assert_int_equal(r->calling_number_policy, LTS_AVP_POLICY_DROP);
	assert_int_equal(r->bearer_type_policy, LTS_AVP_POLICY_RELAY);
	assert_true(r->at_iccn);

	/* No match: at all; range edges of a member. */
	r = &cfg->rules[1];
	assert_string_equal(r->name, "bt");
	assert_string_equal(r->realm, "");
	assert_string_equal(r->user, "");
	assert_string_equal(r->called_number, "");
	assert_string_equal(r->calling_number, "");
	assert_string_equal(r->lac_hostname, "");
	assert_int_equal(r->lac_peer_idx, -1);
	assert_int_equal(r->n_pool, 2);
	assert_member(&r->pool[0], 0, 0, 1000);
	assert_member(&r->pool[1], 1, 65535, 1);
	assert_int_equal(r->calling_number_policy, LTS_AVP_POLICY_RELAY);
	assert_int_equal(r->bearer_type_policy, LTS_AVP_POLICY_DROP);
	assert_false(r->at_iccn);

	/* match: {}, no avp:, an ICRQ key only. */
	r = &cfg->rules[2];
	assert_string_equal(r->name, "any");
	assert_int_equal(r->lac_peer_idx, -1);
	assert_int_equal(r->n_pool, 1);
	assert_member(&r->pool[0], 1, 100, 1);
	assert_int_equal(r->calling_number_policy, LTS_AVP_POLICY_RELAY);
	assert_int_equal(r->bearer_type_policy, LTS_AVP_POLICY_RELAY);
	assert_false(r->at_iccn);
}

/* Peers after the rules naming them; tsa_id from a later switch:. */
static void check_rules_late(const struct lts_config *cfg)
{
	const struct lts_rule *r = cfg->rules;

	assert_string_equal(cfg->tsa_id, "late");
	assert_int_equal(cfg->n_rules, 2);
	assert_int_equal(r[0].lac_peer_idx, 2);
	assert_int_equal(r[0].n_pool, 16);
	assert_member(&r[0].pool[0], 0, 100, 1);
	assert_member(&r[0].pool[15], 15, 100, 1);
	assert_false(r[0].at_iccn);
	assert_string_equal(r[1].user, "bob");
	assert_true(r[1].at_iccn);
	assert_int_equal(r[1].lac_peer_idx, -1);
}

static void check_switch_edges(const struct lts_config *cfg)
{
	assert_int_equal(strlen(cfg->tsa_id), 255);
	assert_int_equal(strlen(cfg->control_socket), 107);
	assert_int_equal(cfg->lockout_s, 86400);
	assert_string_equal(cfg->hostname, "lts");
}

static void check_lockout_0(const struct lts_config *cfg)
{
	assert_int_equal(cfg->lockout_s, 0);
	assert_string_equal(cfg->tsa_id, "x");
	assert_string_equal(cfg->hostname, "x");
}

/* Lines 1-3: lac1 and lns1, lns2. */
#define PEERS DP "lac_peers: [{name: lac1, address: 10.0.1.0/24}]\n" \
	"lns_peers: [{name: lns1, address: 10.1.0.1}, {name: lns2, address: 10.1.0.2}]\n"
/* Lines 4-5; the rule's keys from line 6, at column 5. */
#define RULE PEERS "rules:\n  - name: r1\n"
#define POOL1 "    pool: [{lns: lns1}]\n"
/* 16 pool members named p0..p15. */
#define M4(a, b, c, d) "{lns: p" a "}, {lns: p" b "}, {lns: p" c "}, {lns: p" d "}"
#define POOL16 "[" M4("0", "1", "2", "3") ", " M4("4", "5", "6", "7") ", " \
	M4("8", "9", "10", "11") ", " M4("12", "13", "14", "15") "]"
#define P4(a, b, c, d) "{name: p" a ", address: 10.1.1." a "}, {name: p" b \
	", address: 10.1.1." b "}, {name: p" c ", address: 10.1.1." c       \
	"}, {name: p" d ", address: 10.1.1." d "}"
#define PEERS16 "lns_peers: [" P4("0", "1", "2", "3") ", " \
	P4("4", "5", "6", "7") ", " P4("8", "9", "10", "11") ", " \
	P4("12", "13", "14", "15") "]\n"

/* switch: keys of the switching rules, and rules:. */
static const struct cfg_case rule_cases[] = {
	{ "rules and switch keys",
	  "switch:\n"
	  "  hostname: lts1\n"
	  "  tsa_id: lts1.example\n"
	  "  control_socket: /run/ltsd/ctl.sock\n"
	  "  lockout: 120\n"
	  DP
	  "rules:\n"
	  "  - name: isp2\n"
	  "    match:\n"
	  "      realm: isp2.example\n"
	  "      user: bob@isp2.example\n"
	  "      called_number: \"5551234\"\n"
	  "      calling_number: \"5559999\"\n"
	  "      lac_peer: lac2\n"
	  "      lac_hostname: \"bras-*\"\n"
	  "    pool:\n"
	  "      - { lns: lns2, preference: 10, weight: 3 }\n"
	  "      - { lns: lns1 }\n"
	  "    avp:\n"
	  "      calling_number: drop\n"
	  "      bearer_type: relay\n"
	  "  - name: bt\n"
	  "    pool: [{lns: lns1, preference: 0, weight: 1000}, {lns: lns2, preference: 65535}]\n"
	  "    avp: {bearer_type: drop}\n"
	  "  - name: any\n"
	  "    match: {}\n"
	  "    pool: [{lns: lns2}]\n"
	  "lac_peers:\n"
	  "  - {name: lac1, address: 10.0.1.0/24}\n"
	  "  - {name: lac2, address: 10.0.2.0/24}\n"
	  "lns_peers:\n"
	  "  - {name: lns1, address: 10.1.0.1}\n"
	  "  - {name: lns2, address: 10.1.0.2}\n",
	  .ok = true, .check = check_rules },
	{ "unknown lns in a rule before lns_peers",
	  "rules:\n"
	  "  - name: r1\n"
	  "    match: {lac_peer: c, called_number: \"1\"}\n"
	  "    pool: " POOL16 "\n"
	  DP
	  "lac_peers: [{name: a, address: 10.0.0.1}, {name: b, address: 10.0.0.2},\n"
	  "            {name: c, address: 10.0.0.3}]\n"
	  "lns_peers: [{name: q, address: 10.1.0.1}, {name: r, address: 10.1.0.2}]\n",
	  .where = "4:18", .msg = "rules[0].pool[0].lns: no lns_peers entry is named \"p0\"" },
	{ "rules before the peers they name",
	  "rules:\n"
	  "  - name: r1\n"
	  "    match: {lac_peer: c, called_number: \"1\"}\n"
	  "    pool: " POOL16 "\n"
	  "  - {name: r2, match: {user: bob}, pool: [{lns: p0}]}\n"
	  DP
	  "lac_peers: [{name: a, address: 10.0.0.1}, {name: b, address: 10.0.0.2},\n"
	  "            {name: c, address: 10.0.0.3}]\n"
	  PEERS16
	  "switch: {hostname: late}\n",
	  .ok = true, .check = check_rules_late },
	{ "switch keys at the edge",
	  "switch:\n"
	  "  tsa_id: " X64 X64 X64 X16 X16 X16 "abcdefghijklmno\n"
	  "  control_socket: /" X64 "abcdefghijklmnopqrstuvwxyz0123456789abcdef\n"
	  "  lockout: 86400\n" DP,
	  .ok = true, .check = check_switch_edges },
	{ "lockout 0, tsa_id from hostname",
	  "switch: {hostname: x, lockout: 0}\n" DP,
	  .ok = true, .check = check_lockout_0 },

	/* switch: */
	{ "tsa_id too long", "switch:\n  tsa_id: " X256 "\n" DP,
	  .where = "2:11",
	  .msg = "switch.tsa_id: must be 1..255 characters long, got 256" },
	{ "tsa_id empty", "switch: {tsa_id: \"\"}\n" DP, .where = "1:18",
	  .msg = "switch.tsa_id: must be 1..255 characters long, got 0" },
	{ "control_socket relative", "switch: {control_socket: ltsd.sock}\n" DP,
	  .where = "1:26",
	  .msg = "switch.control_socket: \"ltsd.sock\" must be an absolute path" },
	{ "control_socket too long for sun_path",
	  "switch:\n  control_socket: /" X64 "abcdefghijklmnopqrstuvwxyz0123456789abcdefg\n" DP,
	  .where = "2:19",
	  .msg = "switch.control_socket: must be 1..107 characters long, got 108" },
	{ "lockout 86401", "switch: {lockout: 86401}\n" DP, .where = "1:19",
	  .msg = "switch.lockout: 86401 is out of range 0..86400" },
	{ "lockout negative", "switch: {lockout: -1}\n" DP, .where = "1:19",
	  .msg = "switch.lockout: expected a decimal integer, got \"-1\"" },

	/* rules: */
	{ "rules is a mapping", PEERS "rules: {name: r1}\n", .where = "4:8",
	  .msg = "rules: expected a sequence, got a mapping" },
	{ "rule is a scalar", PEERS "rules:\n  - r1\n", .where = "5:5",
	  .msg = "rules[0]: expected a mapping, got a scalar" },
	{ "rule without name", PEERS "rules:\n  - pool: [{lns: lns1}]\n",
	  .where = "5:5", .msg = "rules[0]: missing required key \"name\"" },
	{ "rule without pool", RULE "    match: {called_number: \"1\"}\n",
	  .where = "5:5", .msg = "rules[0]: missing required key \"pool\"" },
	{ "rule name too long", PEERS "rules:\n  - name: " X64 "\n",
	  .where = "5:11",
	  .msg = "rules[0].name: must be 1..63 characters long, got 64" },
	{ "unknown key in rule", RULE POOL1 "    lns: lns1\n", .where = "7:5",
	  .msg = "rules[0]: unknown key \"lns\" (expected one of name, match, pool, avp, dscp, "
		  "dscp_copy, police)" },
	{ "spread_cpus twice the same", "dataplane: {interfaces: [eth0], spread_cpus: [1, 1]}\n",
	  .where = "1:50", .msg = "dataplane.spread_cpus[1]: duplicate entry \"1\" (same as [0])" },
	{ "rule dscp and dscp_copy", RULE POOL1 "    dscp: 10\n    dscp_copy: true\n",
	  .where = "8:16",
	  .msg = "rules[0].dscp_copy: dscp sets the DSCP, dscp_copy copies it: one or the other" },
	{ "rule police without burst", RULE POOL1 "    police: {rate: 1000}\n",
	  .where = "7:13", .msg = "rules[0].police: missing required key \"burst\"" },
	{ "rule police burst below a frame", RULE POOL1 "    police: {rate: 1000, burst: 1499}\n",
	  .where = "7:33", .msg = "rules[0].police.burst: 1499 is out of range 1500..1000000000" },
	{ "rule police rate 0", RULE POOL1 "    police: {rate: 0, burst: 2000}\n",
	  .where = "7:20", .msg = "rules[0].police.rate: 0 is out of range 1..100000000" },
	{ "duplicate rule name",
	  PEERS "rules:\n"
	  "  - {name: a, pool: [{lns: lns1}]}\n"
	  "  - {name: b, pool: [{lns: lns1}]}\n"
	  "  - {name: a, pool: [{lns: lns2}]}\n",
	  .where = "7:12",
	  .msg = "rules[2].name: duplicate rule name \"a\" (also rules[0])" },

	/* match: */
	{ "match is a sequence", RULE "    match: [realm]\n" POOL1,
	  .where = "6:12", .msg = "rules[0].match: expected a mapping, got a sequence" },
	{ "match is null", RULE "    match:\n" POOL1, .where = "6:11",
	  .msg = "rules[0].match: expected a mapping, got null" },
	{ "unknown key in match", RULE "    match: {domain: x}\n" POOL1,
	  .where = "6:13",
	  .msg = "rules[0].match: unknown key \"domain\" (expected one of realm, user, called_number, calling_number, lac_peer, lns_peer, lac_hostname)" },
	{ "unknown lac_peer", RULE "    match: {lac_peer: lac2}\n" POOL1,
	  .where = "6:23",
	  .msg = "rules[0].match.lac_peer: no lac_peers entry is named \"lac2\"" },
	{ "lac_peer names an lns_peer", RULE "    match: {lac_peer: lns1}\n" POOL1,
	  .where = "6:23",
	  .msg = "rules[0].match.lac_peer: no lac_peers entry is named \"lns1\"" },
	{ "lac_peer without lac_peers",
	  DP "lns_peers: [{name: lns1, address: 10.1.0.1}]\n"
	  "rules:\n  - name: r1\n    match:\n      lac_peer: lac1\n" POOL1,
	  .where = "6:17",
	  .msg = "rules[0].match.lac_peer: no lac_peers entry is named \"lac1\"" },
	{ "lac_peer is a sequence", RULE "    match: {lac_peer: [lac1]}\n" POOL1,
	  .where = "6:23",
	  .msg = "rules[0].match.lac_peer: expected a name, got a sequence" },
	{ "lac_peer is null", RULE "    match:\n      lac_peer:\n" POOL1,
	  .where = "7:16",
	  .msg = "rules[0].match.lac_peer: expected a name, got null" },
	{ "lac_peer case matters", RULE "    match: {lac_peer: LAC1}\n" POOL1,
	  .where = "6:23", .msg = "no lac_peers entry is named \"LAC1\"" },
	{ "lac_peer with a NUL", RULE "    match: {lac_peer: \"lac1\\0\"}\n" POOL1,
	  .where = "6:23", .msg = "no lac_peers entry is named \"lac1\"" },
	{ "realm with an @", RULE "    match: {realm: a@isp.example}\n" POOL1,
	  .where = "6:20",
	  .msg = "rules[0].match.realm: \"a@isp.example\" must not contain '@' (the realm is the part of the user name after the last '@')" },
	{ "realm empty", RULE "    match: {realm: \"\"}\n" POOL1,
	  .where = "6:20",
	  .msg = "rules[0].match.realm: must be 1..255 characters long, got 0" },
	{ "user too long", RULE "    match: {user: " X256 "}\n" POOL1,
	  .where = "6:19",
	  .msg = "rules[0].match.user: must be 1..255 characters long, got 256" },
	{ "called_number is an integer", RULE "    match: {called_number: 5551234}\n" POOL1,
	  .ok = true },
	{ "calling_number is a mapping",
	  RULE "    match: {calling_number: {a: 1}}\n" POOL1, .where = "6:29",
	  .msg = "rules[0].match.calling_number: expected a string, got a mapping" },
	{ "lac_hostname too long", RULE "    match:\n      lac_hostname: " X256 "\n" POOL1,
	  .where = "7:21",
	  .msg = "rules[0].match.lac_hostname: must be 1..255 characters long, got 256" },
	{ "duplicate key in match",
	  RULE "    match: {user: a, realm: b, user: c}\n" POOL1, .where = "6:32",
	  .msg = "rules[0].match: duplicate key \"user\"" },

	/* pool: */
	{ "empty pool", RULE "    pool: []\n", .where = "6:11",
	  .msg = "rules[0].pool: must have at least 1 entry" },
	{ "pool is null", RULE "    pool:\n", .where = "6:10",
	  .msg = "rules[0].pool: expected a sequence, got null" },
	{ "pool of 17",
	  RULE "    pool: [{lns: lns1}, {lns: lns2}, {lns: lns1}, {lns: lns2}, {lns: lns1},\n"
	  "           {lns: lns2}, {lns: lns1}, {lns: lns2}, {lns: lns1}, {lns: lns2},\n"
	  "           {lns: lns1}, {lns: lns2}, {lns: lns1}, {lns: lns2}, {lns: lns1},\n"
	  "           {lns: lns2}, {lns: lns1}]\n",
	  .where = "6:11",
	  .msg = "rules[0].pool: must have at most 16 entries, got 17" },
	{ "pool member is a scalar", RULE "    pool: [lns1]\n", .where = "6:12",
	  .msg = "rules[0].pool[0]: expected a mapping, got a scalar" },
	{ "pool member without lns", RULE "    pool: [{weight: 2}]\n",
	  .where = "6:12", .msg = "rules[0].pool[0]: missing required key \"lns\"" },
	{ "unknown lns",
	  RULE "    pool:\n      - {lns: lns1}\n      - {lns: lns3, weight: 2}\n",
	  .where = "8:15",
	  .msg = "rules[0].pool[1].lns: no lns_peers entry is named \"lns3\"" },
	{ "lac_peer and lns_peer together",
	  RULE "    match: {lac_peer: lac1, lns_peer: lns1}\n" POOL1, .where = "6:39",
	  .msg = "rules[0].match.lns_peer: lac_peer and lns_peer exclude each other: "
		 "a call comes from one of them" },
	{ "lns_peer names a lac_peer", RULE "    match: {lns_peer: lac1}\n" POOL1,
	  .where = "6:23", .msg = "rules[0].match.lns_peer: no lns_peers entry is named \"lac1\"" },
	{ "lns names a lac_peer", RULE "    pool: [{lns: lac1}]\n",
	  .where = "6:18",
	  .msg = "rules[0].pool[0].lns: no lns_peers entry is named \"lac1\"" },
	{ "first unknown name in document order",
	  RULE "    pool: [{lns: nope1}]\n"
	  "  - name: r2\n    match: {lac_peer: nope2}\n    pool: [{lns: lns1}]\n",
	  .where = "6:18", .msg = "no lns_peers entry is named \"nope1\"" },
	{ "unknown name after another error",
	  RULE "    pool: [{lns: nope}]\n    match: {realm: a@b}\n",
	  .where = "7:20", .msg = "rules[0].match.realm: \"a@b\" must not contain '@'" },
	{ "duplicate lns in a pool",
	  RULE "    pool:\n      - {lns: lns1}\n      - {lns: lns2}\n"
	  "      - {lns: lns1, preference: 200}\n",
	  .where = "9:15",
	  .msg = "rules[0].pool[2].lns: lns_peer \"lns1\" is already in this pool (pool[0])" },
	{ "same lns in two rules", RULE POOL1 "  - name: r2\n" POOL1, .ok = true },
	{ "preference 65536", RULE "    pool: [{lns: lns1, preference: 65536}]\n",
	  .where = "6:36",
	  .msg = "rules[0].pool[0].preference: 65536 is out of range 0..65535" },
	{ "weight 0", RULE "    pool: [{lns: lns1, weight: 0}]\n", .where = "6:32",
	  .msg = "rules[0].pool[0].weight: 0 is out of range 1..1000" },
	{ "weight 1001", RULE "    pool: [{lns: lns1, weight: 1001}]\n",
	  .where = "6:32",
	  .msg = "rules[0].pool[0].weight: 1001 is out of range 1..1000" },
	{ "unknown key in pool member", RULE "    pool: [{lns: lns1, prio: 1}]\n",
	  .where = "6:24",
	  .msg = "rules[0].pool[0]: unknown key \"prio\" (expected one of lns, preference, weight)" },

	/* avp: */
	{ "bad avp policy", RULE POOL1 "    avp: {calling_number: hide}\n",
	  .where = "7:27",
	  .msg = "rules[0].avp.calling_number: expected one of relay, drop, got \"hide\"" },
	{ "avp policy is case sensitive", RULE POOL1 "    avp:\n      bearer_type: Drop\n",
	  .where = "8:20",
	  .msg = "rules[0].avp.bearer_type: expected one of relay, drop, got \"Drop\"" },
	{ "avp policy regenerate", RULE POOL1 "    avp: {bearer_type: regenerate}\n",
	  .where = "7:24", .msg = "expected one of relay, drop, got \"regenerate\"" },
	{ "unknown avp", RULE POOL1 "    avp: {called_number: drop}\n",
	  .where = "7:11",
	  .msg = "rules[0].avp: unknown key \"called_number\" (expected one of calling_number, bearer_type)" },
	{ "avp is a scalar", RULE POOL1 "    avp: drop\n", .where = "7:10",
	  .msg = "rules[0].avp: expected a mapping, got a scalar" },
	/* An error in a later rule, with pools already allocated. */
	{ "error in the second rule",
	  RULE POOL1 "  - name: r2\n    pool: [{lns: lns1}, {lns: lns2, weight: x}]\n",
	  .where = "8:45",
	  .msg = "rules[1].pool[1].weight: expected a decimal integer, got \"x\"" },
};

static void check_no_metrics(const struct lts_config *cfg)
{
	assert_string_equal(cfg->metrics.listen, "");
	assert_int_equal(cfg->metrics.listen_ip.family, LTS_FAMILY_NONE);
	assert_false(cfg->metrics.per_session);
}

static void check_metrics_v4(const struct lts_config *cfg)
{
	assert_string_equal(cfg->metrics.listen, "127.0.0.1:9716");
	assert_ip(&cfg->metrics.listen_ip, "127.0.0.1");
	assert_int_equal(cfg->metrics.listen_port, 9716);
	assert_false(cfg->metrics.per_session);
}

static void check_metrics_v6(const struct lts_config *cfg)
{
	assert_string_equal(cfg->metrics.listen, "[2001:db8::1]:65535");
	assert_ip(&cfg->metrics.listen_ip, "2001:db8::1");
	assert_int_equal(cfg->metrics.listen_port, 65535);
	assert_true(cfg->metrics.per_session);
}

static void check_metrics_any(const struct lts_config *cfg)
{
	assert_ip(&cfg->metrics.listen_ip, "::");
	assert_int_equal(cfg->metrics.listen_port, 1);
}

/* metrics: on line 2, after DP; a flow mapping's first value is at column 19. */
#define METRICS(v) DP "metrics: {listen: " v "}\n"

static const struct cfg_case metrics_cases[] = {
	{ "no metrics: off", DP, .ok = true, .check = check_no_metrics },
	{ "metrics ipv4", METRICS("\"127.0.0.1:9716\""), .ok = true, .check = check_metrics_v4 },
	{ "metrics ipv4 plain", METRICS("127.0.0.1:9716"), .ok = true, .check = check_metrics_v4 },
	{ "metrics ipv6, per_session",
	  DP "metrics:\n  listen: \"[2001:db8::1]:65535\"\n  per_session: true\n", .ok = true,
	  .check = check_metrics_v6 },
	{ "metrics any ipv6, port 1", METRICS("\"[::]:1\""), .ok = true,
	  .check = check_metrics_any },
	{ "metrics without listen", DP "metrics: {per_session: true}\n", .where = "2:10",
	  .msg = "metrics: missing required key \"listen\"" },
	{ "metrics empty", DP "metrics: {}\n", .where = "2:10",
	  .msg = "metrics: missing required key \"listen\"" },
	{ "metrics is a scalar", DP "metrics: on\n", .where = "2:10",
	  .msg = "metrics: expected a mapping, got a scalar" },
	{ "metrics is null", DP "metrics:\n", .where = "2:9",
	  .msg = "metrics: expected a mapping, got null" },
	{ "unknown key in metrics", DP "metrics: {listen: \"127.0.0.1:1\", port: 9716}\n",
	  .where = "2:34",
	  .msg = "metrics: unknown key \"port\" (expected one of listen, per_session)" },
	{ "listen without port", METRICS("\"127.0.0.1\""), .where = "2:19",
	  .msg = "metrics.listen: \"127.0.0.1\" must be ADDRESS:PORT (IPv4) or [ADDRESS]:PORT (IPv6)" },
	{ "listen ipv6 without brackets", METRICS("\"2001:db8::1:9716\""), .where = "2:19",
	  .msg = "metrics.listen: \"2001:db8::1:9716\" needs brackets around an IPv6 address: [ADDRESS]:PORT" },
	{ "listen ipv6 without colon", METRICS("\"[::1]9716\""), .where = "2:19",
	  .msg = "metrics.listen: \"[::1]9716\" must be [ADDRESS]:PORT for IPv6" },
	{ "listen ipv6 unclosed", METRICS("\"[::1:9716\""), .where = "2:19",
	  .msg = "must be [ADDRESS]:PORT for IPv6" },
	{ "listen ipv4 in brackets", METRICS("\"[10.0.0.1]:9716\""), .where = "2:19",
	  .msg = "metrics.listen: \"[10.0.0.1]:9716\" has no valid IPv6 address between the brackets" },
	{ "listen zone id", METRICS("\"[fe80::1%eth0]:9716\""), .where = "2:19",
	  .msg = "has no valid IPv6 address between the brackets" },
	{ "listen host name", METRICS("\"localhost:9716\""), .where = "2:19",
	  .msg = "metrics.listen: \"localhost:9716\" has no valid IPv4 address before the port" },
	{ "listen no address", METRICS("\":9716\""), .where = "2:19",
	  .msg = "has no valid address before the port" },
	{ "listen empty brackets", METRICS("\"[]:9716\""), .where = "2:19",
	  .msg = "has no valid address before the port" },
	{ "listen port missing", METRICS("\"127.0.0.1:\""), .where = "2:19",
	  .msg = "\"127.0.0.1:\" has no port after the ':'" },
	{ "listen port 0", METRICS("\"127.0.0.1:0\""), .where = "2:19",
	  .msg = "\"127.0.0.1:0\" must have a port 1..65535" },
	{ "listen port 65536", METRICS("\"[::1]:65536\""), .where = "2:19",
	  .msg = "\"[::1]:65536\" must have a port 1..65535" },
	{ "listen port huge", METRICS("\"127.0.0.1:99999999999999999999\""), .where = "2:19",
	  .msg = "must have a port 1..65535" },
	{ "listen port leading zero", METRICS("\"127.0.0.1:09716\""), .where = "2:19",
	  .msg = "\"127.0.0.1:09716\" must have a port without leading zeros" },
	{ "listen port with a sign", METRICS("\"127.0.0.1:+80\""), .where = "2:19",
	  .msg = "must have a decimal port 1..65535" },
	{ "listen port not decimal", METRICS("\"127.0.0.1:0x50\""), .where = "2:19",
	  .msg = "must have a port without leading zeros" },
	{ "listen port with a space", METRICS("\"127.0.0.1:80 \""), .where = "2:19",
	  .msg = "must have a decimal port 1..65535" },
	{ "listen empty", METRICS("\"\""), .where = "2:19",
	  .msg = "metrics.listen: must be 1..55 characters long, got 0" },
	{ "listen too long", METRICS("\"[" X64 "]:1\""), .where = "2:19",
	  .msg = "metrics.listen: must be 1..55 characters long, got 68" },
	{ "listen is a sequence", METRICS("[\"127.0.0.1:1\"]"), .where = "2:19",
	  .msg = "metrics.listen: expected a string, got a sequence" },
	{ "per_session yes", DP "metrics: {listen: \"127.0.0.1:1\", per_session: yes}\n",
	  .where = "2:47", .msg = "metrics.per_session: expected true or false, got \"yes\"" },
	{ "duplicate listen",
	  DP "metrics:\n  listen: \"127.0.0.1:1\"\n  listen: \"127.0.0.1:2\"\n",
	  .where = "4:3", .msg = "metrics: duplicate key \"listen\"" },
};

static void check_no_accounting(const struct lts_config *cfg)
{
	assert_string_equal(cfg->accounting.file, "");
	assert_false(cfg->accounting.syslog);
	assert_int_equal(cfg->accounting.interim_s, 0);
}

static void check_accounting_file(const struct lts_config *cfg)
{
	assert_string_equal(cfg->accounting.file, "/var/log/lts/acct.jsonl");
	assert_false(cfg->accounting.syslog);
	assert_int_equal(cfg->accounting.interim_s, 0);
}

static void check_accounting_syslog(const struct lts_config *cfg)
{
	assert_string_equal(cfg->accounting.file, "");
	assert_true(cfg->accounting.syslog);
	assert_int_equal(cfg->accounting.interim_s, 0);
}

static void check_accounting_all(const struct lts_config *cfg)
{
	assert_string_equal(cfg->accounting.file, "/a");
	assert_true(cfg->accounting.syslog);
	assert_int_equal(cfg->accounting.interim_s, 86400);
}

/* accounting: on line 2, after DP; the flow mapping opens at column 13. */
#define ACCT(v) DP "accounting: " v "\n"

static const struct cfg_case accounting_cases[] = {
	{ "no accounting: off", DP, .ok = true, .check = check_no_accounting },
	{ "accounting to a file", ACCT("{file: /var/log/lts/acct.jsonl}"), .ok = true,
	  .check = check_accounting_file },
	{ "accounting to syslog", ACCT("{syslog: true}") "logging: {syslog: {}}\n", .ok = true,
	  .check = check_accounting_syslog },
	{ "accounting everything", DP "accounting:\n  file: /a\n  syslog: true\n"
	  "  interim_interval: 86400\nlogging: {syslog: {}}\n", .ok = true,
	  .check = check_accounting_all },
	{ "accounting to syslog, no syslog", ACCT("{syslog: true}"), .where = "2:22",
	  .msg = "accounting.syslog: needs a logging.syslog section to send to" },
	{ "accounting empty", ACCT("{}"), .where = "2:13",
	  .msg = "accounting: needs a file or syslog: true" },
	{ "accounting syslog false, no file", ACCT("{syslog: false}"), .where = "2:13",
	  .msg = "accounting: needs a file or syslog: true" },
	{ "accounting interim only", ACCT("{interim_interval: 60}"), .where = "2:13",
	  .msg = "accounting: needs a file or syslog: true" },
	{ "accounting relative file", ACCT("{file: acct.jsonl}"), .where = "2:20",
	  .msg = "accounting.file: \"acct.jsonl\" must be an absolute path" },
	{ "accounting empty file", ACCT("{file: \"\"}"), .where = "2:20",
	  .msg = "accounting.file: must be 1..255 characters long, got 0" },
	{ "accounting file too long", ACCT("{file: /" X256 "}"), .where = "2:20",
	  .msg = "accounting.file: must be 1..255 characters long, got 257" },
	{ "accounting interim too long", ACCT("{file: /a, interim_interval: 86401}"),
	  .where = "2:42", .msg = "accounting.interim_interval: 86401 is out of range 0..86400" },
	{ "accounting interim negative", ACCT("{file: /a, interim_interval: -1}"),
	  .where = "2:42",
	  .msg = "accounting.interim_interval: expected a decimal integer, got \"-1\"" },
	{ "accounting syslog yes", ACCT("{syslog: yes}"), .where = "2:22",
	  .msg = "accounting.syslog: expected true or false, got \"yes\"" },
	{ "unknown key in accounting", ACCT("{file: /a, interval: 5}"), .where = "2:24",
	  .msg = "accounting: unknown key \"interval\" (expected one of file, syslog, interim_interval)" },
	{ "accounting is null", DP "accounting:\n", .where = "2:12",
	  .msg = "accounting: expected a mapping, got null" },
	{ "accounting is a scalar", ACCT("on"), .where = "2:13",
	  .msg = "accounting: expected a mapping, got a scalar" },
};

static void check_no_logging(const struct lts_config *cfg)
{
	const struct lts_logging_cfg *l = &cfg->logging;

	assert_int_equal(l->level, LTS_LOG_INFO);
	assert_true(l->to_stderr);
	assert_false(l->syslog_on);
	assert_string_equal(l->syslog.socket, "");
	assert_string_equal(l->syslog.remote, "");
	assert_int_equal(l->syslog.facility, LTS_LOG_FAC_DAEMON);
	assert_int_equal(l->syslog.level, LTS_LOG_INFO);
	assert_string_equal(l->syslog.prefix, "ltsd");
	assert_int_equal(l->trace.n_flags, 0);
	assert_int_equal(l->trace.mask, 0);
	assert_string_equal(l->trace.peer, "");
	assert_int_equal(l->repeat_limit, 20);
	assert_int_equal(l->repeat_window_s, 30);
}

static void check_syslog_default(const struct lts_config *cfg)
{
	assert_true(cfg->logging.syslog_on);
	assert_string_equal(cfg->logging.syslog.socket, LTS_SYSLOG_SOCKET_DEFAULT);
	assert_string_equal(cfg->logging.syslog.remote, "");
	assert_string_equal(cfg->logging.syslog.prefix, "ltsd");
}

static void check_logging_full(const struct lts_config *cfg)
{
	const struct lts_logging_cfg *l = &cfg->logging;

	assert_int_equal(l->level, LTS_LOG_DEBUG);
	assert_false(l->to_stderr);
	assert_true(l->syslog_on);
	assert_string_equal(l->syslog.socket, "/run/lts-test/log.sock");
	assert_string_equal(l->syslog.remote, "[2001:db8::9]:514");
	assert_ip(&l->syslog.remote_ip, "2001:db8::9");
	assert_int_equal(l->syslog.remote_port, 514);
	assert_int_equal(l->syslog.facility, LTS_LOG_FAC_LOCAL3);
	assert_int_equal(l->syslog.level, LTS_LOG_WARN);
	assert_string_equal(l->syslog.prefix, "lts-test_1.a");
	assert_int_equal(l->trace.mask, 1u << LTS_TRACE_TUNNEL | 1u << LTS_TRACE_SESSION);
	assert_string_equal(l->trace.peer, "lac1");
	assert_int_equal(l->repeat_limit, 0);
	assert_int_equal(l->repeat_window_s, 5);
}

/* remote alone: no local socket. */
static void check_syslog_remote(const struct lts_config *cfg)
{
	assert_true(cfg->logging.syslog_on);
	assert_string_equal(cfg->logging.syslog.socket, "");
	assert_ip(&cfg->logging.syslog.remote_ip, "192.0.2.1");
	assert_int_equal(cfg->logging.syslog.remote_port, 514);
	assert_int_equal(cfg->logging.syslog.facility, LTS_LOG_FAC_USER);
}

static void check_trace_all(const struct lts_config *cfg)
{
	assert_int_equal(cfg->logging.trace.mask, LTS_TRACE_ALL);
	assert_string_equal(cfg->logging.trace.peer, "lns1");
}

/* logging: on line 2, after DP; its keys from line 3. */
#define LOGGING DP "logging:\n"
#define LOGGING_SYSLOG LOGGING "  syslog:\n"
#define LOGGING_TRACE LOGGING "  trace:\n"

static const struct cfg_case logging_cases[] = {
	{ "no logging: defaults", DP, .ok = true, .check = check_no_logging },
	{ "empty syslog: the local socket", LOGGING "  syslog: {}\n", .ok = true,
	  .check = check_syslog_default },
	{ "logging, every key",
	  LOGGING "  level: debug\n  stderr: false\n  syslog:\n"
		  "    socket: /run/lts-test/log.sock\n    remote: \"[2001:db8::9]:514\"\n"
		  "    facility: local3\n    level: warning\n    prefix: lts-test_1.a\n"
		  "  trace:\n    flags: [tunnel, session]\n    peer: lac1\n"
		  "  repeat_limit: 0\n  repeat_window: 5\n"
		  "lac_peers:\n  - {name: lac1, address: 10.0.0.1}\n",
	  .ok = true, .check = check_logging_full },
	{ "syslog remote only", LOGGING_SYSLOG "    remote: 192.0.2.1:514\n    facility: user\n",
	  .ok = true, .check = check_syslog_remote },
	{ "trace all, an lns_peer declared first",
	  LNS1 "logging:\n  trace: {flags: [tunnel, all], peer: lns1}\n", .ok = true,
	  .check = check_trace_all },
	{ "level unknown", LOGGING "  level: verbose\n", .where = "3:10",
	  .msg = "logging.level: expected one of error, warning, info, debug, got \"verbose\"" },
	{ "level err is ltsctl's word", LOGGING "  level: err\n", .where = "3:10",
	  .msg = "logging.level: expected one of error, warning, info, debug, got \"err\"" },
	{ "stderr yes", LOGGING "  stderr: yes\n", .where = "3:11",
	  .msg = "logging.stderr: expected true or false, got \"yes\"" },
	{ "repeat_window 0", LOGGING "  repeat_window: 0\n", .where = "3:18",
	  .msg = "logging.repeat_window: 0 is out of range 1..3600" },
	{ "unknown key in logging", LOGGING "  file: /var/log/lts\n", .where = "3:3",
	  .msg = "logging: unknown key \"file\" (expected one of level, stderr, syslog, trace, repeat_limit, repeat_window)" },
	{ "syslog is a scalar", LOGGING "  syslog: /dev/log\n", .where = "3:11",
	  .msg = "logging.syslog: expected a mapping, got a scalar" },
	{ "facility kern", LOGGING_SYSLOG "    facility: kern\n", .where = "4:15",
	  .msg = "logging.syslog.facility: expected one of user, daemon, auth, authpriv, local0, local1, local2, local3, local4, local5, local6, local7, got \"kern\"" },
	{ "facility upper case", LOGGING_SYSLOG "    facility: LOCAL3\n", .where = "4:15",
	  .msg = "got \"LOCAL3\"" },
	{ "syslog level notice", LOGGING_SYSLOG "    level: notice\n", .where = "4:12",
	  .msg = "logging.syslog.level: expected one of error, warning, info, debug, got \"notice\"" },
	{ "prefix 33 characters", LOGGING_SYSLOG "    prefix: " X16 X16 "x\n", .where = "4:13",
	  .msg = "logging.syslog.prefix: must be 1..32 characters long, got 33" },
	{ "prefix with a blank", LOGGING_SYSLOG "    prefix: \"lts test\"\n", .where = "4:13",
	  .msg = "logging.syslog.prefix: \"lts test\" may hold only letters, digits, '-', '_' and '.'" },
	{ "prefix with a colon", LOGGING_SYSLOG "    prefix: \"lts:\"\n", .where = "4:13",
	  .msg = "\"lts:\" may hold only letters" },
	{ "prefix empty", LOGGING_SYSLOG "    prefix: \"\"\n", .where = "4:13",
	  .msg = "logging.syslog.prefix: must be 1..32 characters long, got 0" },
	{ "socket relative", LOGGING_SYSLOG "    socket: dev/log\n", .where = "4:13",
	  .msg = "logging.syslog.socket: \"dev/log\" must be an absolute path" },
	{ "socket too long", LOGGING_SYSLOG "    socket: /" X64 X64 "\n", .where = "4:13",
	  .msg = "logging.syslog.socket: must be 1..107 characters long, got 129" },
	{ "remote without port", LOGGING_SYSLOG "    remote: 192.0.2.1\n", .where = "4:13",
	  .msg = "logging.syslog.remote: \"192.0.2.1\" must be ADDRESS:PORT (IPv4) or [ADDRESS]:PORT (IPv6)" },
	{ "remote host name", LOGGING_SYSLOG "    remote: \"loghost:514\"\n", .where = "4:13",
	  .msg = "logging.syslog.remote: \"loghost:514\" has no valid IPv4 address before the port" },
	{ "remote ipv6 without brackets", LOGGING_SYSLOG "    remote: \"2001:db8::9:514\"\n",
	  .where = "4:13", .msg = "needs brackets around an IPv6 address" },
	{ "unknown key in syslog", LOGGING_SYSLOG "    host: 192.0.2.1\n", .where = "4:5",
	  .msg = "logging.syslog: unknown key \"host\" (expected one of socket, remote, facility, level, prefix)" },
	{ "trace flag unknown", LOGGING_TRACE "    flags: [tunnel, bogus]\n", .where = "4:21",
	  .msg = "logging.trace.flags[1]: expected one of general, tunnel, session, switch, transport, dataplane, config, ctl, metrics, accounting, all, got \"bogus\"" },
	{ "trace flag twice", LOGGING_TRACE "    flags: [tunnel, tunnel]\n", .where = "4:21",
	  .msg = "logging.trace.flags[1]: duplicate entry \"tunnel\" (same as [0])" },
	{ "trace flags a scalar", LOGGING_TRACE "    flags: tunnel\n", .where = "4:12",
	  .msg = "logging.trace.flags: expected a sequence, got a scalar" },
	{ "trace peer unknown",
	  LOGGING_TRACE "    peer: nope\nlac_peers:\n  - {name: lac1, address: 10.0.0.1}\n",
	  .where = "4:11",
	  .msg = "logging.trace.peer: no lac_peers or lns_peers entry is named \"nope\"" },
	{ "trace peer without peers", LOGGING_TRACE "    peer: lac1\n", .where = "4:11",
	  .msg = "logging.trace.peer: no lac_peers or lns_peers entry is named \"lac1\"" },
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
		/* Something to switch: static sessions or peers. */
		assert_true(cfg->n_static_sessions > 0 ||
			    (cfg->n_lac_peers > 0 && cfg->n_lns_peers > 0));
		lts_config_free(cfg);
		n++;
	}
	closedir(d);
	assert_true(n >= 3);
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

/* lts_config_match_lac(): one config, one row per SCCRQ. */
static const char match_yaml[] =
	DP "lac_peers:\n"
	"  - {name: any4-roamer, address: 0.0.0.0/0, hostname: roamer}\n"
	"  - {name: net8, address: 10.0.0.0/8}\n"
	"  - {name: net8-x, address: 10.0.0.0/8, hostname: x}\n"
	"  - {name: net24-y, address: 10.1.2.0/24, hostname: y}\n"
	"  - {name: host, address: 10.1.2.3}\n"
	"  - {name: net25, address: 10.1.2.128/25}\n"
	"  - {name: v6, address: \"2001:db8::/32\"}\n"
	"  - {name: v6-host-z, address: \"2001:db8::1\", hostname: z}\n";

static const struct {
	const char *addr;
	const char *hostname; /* NULL: no Host Name */
	const char *want;     /* NULL: refused */
} match_rows[] = {
	{ "10.9.9.9", "a", "net8" },              /* only the /8 fits */
	{ "10.9.9.9", "x", "net8-x" },            /* same prefix: named wins */
	{ "10.9.9.9", NULL, "net8" },
	{ "10.9.9.9", "", "net8" },
	{ "10.255.255.255", "a", "net8" },        /* last address of the /8 */
	{ "10.1.2.3", "y", "host" },              /* /32 beats the named /24 */
	{ "10.1.2.3", "x", "host" },
	{ "10.1.2.4", "y", "net24-y" },
	{ "10.1.2.4", "x", "net8-x" },            /* /24 wants y: back to /8 */
	{ "10.1.2.4", "q", "net8" },
	{ "10.1.2.127", "y", "net24-y" },         /* just below the /25 */
	{ "10.1.2.128", "y", "net25" },           /* /25 beats the named /24 */
	{ "10.1.2.255", NULL, "net25" },
	{ "9.255.255.255", "roamer", "any4-roamer" }, /* only the /0 */
	{ "11.0.0.1", "roamer", "any4-roamer" },
	{ "11.0.0.1", "Roamer", NULL },           /* exact, case included */
	{ "11.0.0.1", "other", NULL },
	{ "11.0.0.1", NULL, NULL },
	{ "2001:db8::1", "z", "v6-host-z" },
	{ "2001:db8::1", "w", "v6" },
	{ "2001:db8:ffff::1", NULL, "v6" },
	{ "2001:db9::1", "z", NULL },
	{ "::ffff:10.9.9.9", "a", NULL },         /* families never mix */
	{ "::", "roamer", NULL },                 /* the /0 is IPv4 */
};

static struct lts_ip ip_of(const char *text)
{
	struct lts_ip ip = { 0 };

	if (inet_pton(AF_INET, text, ip.addr) == 1) {
		ip.family = LTS_FAMILY_IPV4;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, ip.addr), 1);
		ip.family = LTS_FAMILY_IPV6;
	}
	return ip;
}

static void test_match_lac(void **state)
{
	const struct lts_lac_peer *got;
	char err[LTS_CFG_ERR_MAX] = "";
	struct lts_config *cfg = NULL;
	struct lts_ip ip;
	size_t i;
	int fails = 0;

	(void)state;
	assert_int_equal(lts_config_load_string(NAME, match_yaml,
						strlen(match_yaml), &cfg, err,
						sizeof(err)),
			 0);
	for (i = 0; i < ARRAY_SIZE(match_rows); i++) {
		ip = ip_of(match_rows[i].addr);
		got = lts_config_match_lac(cfg, &ip, match_rows[i].hostname);
		if (got ? match_rows[i].want && !strcmp(got->name, match_rows[i].want) :
			  !match_rows[i].want)
			continue;
		print_error("%s hostname %s: want %s, got %s\n",
			    match_rows[i].addr,
			    match_rows[i].hostname ? match_rows[i].hostname : "(none)",
			    match_rows[i].want ? match_rows[i].want : "(refused)",
			    got ? got->name : "(refused)");
		fails++;
	}
	lts_config_free(cfg);
	assert_int_equal(fails, 0);
}

/* Without lac_peers every SCCRQ is refused. */
static void test_match_lac_none(void **state)
{
	const char *yaml = DP;
	char err[LTS_CFG_ERR_MAX] = "";
	struct lts_config *cfg = NULL;
	struct lts_ip ip = ip_of("10.0.0.1");

	(void)state;
	assert_int_equal(lts_config_load_string(NAME, yaml, strlen(yaml), &cfg,
						err, sizeof(err)),
			 0);
	assert_null(lts_config_match_lac(cfg, &ip, "x"));
	assert_null(lts_config_match_lac(cfg, &ip, NULL));
	lts_config_free(cfg);
}

/* lts_rule_matches(): one hand-built rule and one call per row. */
#define ANY (-1)
struct rule_keys {
	const char *realm, *user, *called, *calling, *host;
	int lac, lns;
};
#define R(...) { .lac = ANY, .lns = ANY, __VA_ARGS__ }
#define RL(l, ...) { .lac = l, .lns = ANY, __VA_ARGS__ }
#define RN(n, ...) { .lac = ANY, .lns = n, __VA_ARGS__ }
/* A call at ICRQ (no user yet) and at ICCN. */
#define ICRQ(...) { .user = NULL, __VA_ARGS__ }
#define ICCN(u, ...) { .user = u, __VA_ARGS__ }

static const struct {
	const char *what;
	struct rule_keys r;
	struct lts_call_keys k;
	bool want;
} rule_rows[] = {
	{ "empty rule, nothing known", R(), ICRQ(.lac_peer_idx = 0), true },
	{ "empty rule, everything known", R(),
	  ICCN("a@b", .called_number = "1", .calling_number = "2",
	       .lac_peer_idx = 3, .lac_hostname = "h"), true },
	{ "realm", R(.realm = "isp2.example"), ICCN("bob@isp2.example"), true },
	{ "realm, call in upper case", R(.realm = "isp2.example"),
	  ICCN("bob@ISP2.Example"), true },
	{ "realm, rule in upper case", R(.realm = "ISP2.EXAMPLE"),
	  ICCN("bob@isp2.example"), true },
	{ "realm, user not known yet", R(.realm = "isp2.example"), ICRQ(), false },
	{ "realm, user without @", R(.realm = "isp2.example"),
	  ICCN("isp2.example"), false },
	{ "realm, empty user", R(.realm = "isp2.example"), ICCN(""), false },
	{ "realm, user ends in @", R(.realm = "isp2.example"), ICCN("bob@"),
	  false },
	{ "realm is exact, no subdomains", R(.realm = "isp2.example"),
	  ICCN("bob@sub.isp2.example"), false },
	{ "realm, no suffix match", R(.realm = "isp2.example"),
	  ICCN("bob@xisp2.example"), false },
	{ "realm after the last @", R(.realm = "isp2.example"),
	  ICCN("a@b.example@isp2.example"), true },
	{ "realm not after the first @", R(.realm = "isp2.example"),
	  ICCN("a@isp2.example@evil.example"), false },
	{ "user", R(.user = "bob@isp2.example"), ICCN("bob@isp2.example"), true },
	{ "user is case sensitive", R(.user = "bob@isp2.example"),
	  ICCN("Bob@isp2.example"), false },
	{ "user is exact", R(.user = "bob@isp2.example"),
	  ICCN("bob@isp2.example.net"), false },
	{ "user without @", R(.user = "bob"), ICCN("bob"), true },
	{ "user not known yet", R(.user = "bob"), ICRQ(), false },
	{ "user and realm", R(.realm = "isp2.example", .user = "bob@ISP2.example"),
	  ICCN("bob@ISP2.example"), true },
	{ "user and realm, user differs",
	  R(.realm = "isp2.example", .user = "bob@isp2.example"),
	  ICCN("al@isp2.example"), false },
	{ "called number", R(.called = "5551234"),
	  ICRQ(.called_number = "5551234"), true },
	{ "called number absent", R(.called = "5551234"), ICRQ(), false },
	{ "called number empty", R(.called = "5551234"),
	  ICRQ(.called_number = ""), false },
	{ "called number is exact", R(.called = "5551234"),
	  ICRQ(.called_number = "55512345"), false },
	{ "called number is not the calling number", R(.called = "5551234"),
	  ICRQ(.calling_number = "5551234"), false },
	{ "calling number", R(.calling = "5559999"),
	  ICRQ(.calling_number = "5559999"), true },
	{ "calling number absent", R(.calling = "5559999"),
	  ICRQ(.called_number = "5559999"), false },
	{ "lac_peer", RL(1), ICRQ(.lac_peer_idx = 1), true },
	{ "lac_peer differs", RL(1), ICRQ(.lac_peer_idx = 0), false },
	{ "lac_peer 0 is a peer, not any", RL(0), ICRQ(.lac_peer_idx = 1), false },
	{ "lac_peer unknown in the call", RL(0), ICRQ(.lac_peer_idx = -1), false },
	/* Peer roles: a call an LNS placed matches only a rule naming that lns_peer. */
	{ "call from an LNS, rule for LACs", R(), ICRQ(.from_lns = true, .lns_peer_idx = 0),
	  false },
	{ "call from an LNS, rule names it", RN(0), ICRQ(.from_lns = true, .lns_peer_idx = 0),
	  true },
	{ "call from an LNS, rule names another", RN(1),
	  ICRQ(.from_lns = true, .lns_peer_idx = 0), false },
	{ "call from a LAC, rule names an lns_peer", RN(0), ICRQ(.lac_peer_idx = 0), false },
	{ "call from an LNS, lac_peer rule", RL(0),
	  ICRQ(.from_lns = true, .lns_peer_idx = 0, .lac_peer_idx = -1), false },
	{ "glob *", R(.host = "bras-*"), ICRQ(.lac_hostname = "bras-01"), true },
	{ "glob * matches nothing", R(.host = "bras-*"),
	  ICRQ(.lac_hostname = "bras-"), true },
	{ "glob is case sensitive", R(.host = "bras-*"),
	  ICRQ(.lac_hostname = "BRAS-01"), false },
	{ "glob is anchored", R(.host = "bras-*"),
	  ICRQ(.lac_hostname = "xbras-01"), false },
	{ "glob, no Host Name", R(.host = "*"), ICRQ(), false },
	{ "glob * alone", R(.host = "*"), ICRQ(.lac_hostname = "anything"), true },
	{ "glob class", R(.host = "bras-[0-9]"), ICRQ(.lac_hostname = "bras-7"),
	  true },
	{ "glob class is one character", R(.host = "bras-[0-9]"),
	  ICRQ(.lac_hostname = "bras-77"), false },
	{ "glob ?", R(.host = "lac?.example"),
	  ICRQ(.lac_hostname = "lac1.example"), true },
	{ "glob ? is one character", R(.host = "lac?.example"),
	  ICRQ(.lac_hostname = "lac12.example"), false },
	{ "glob dot is literal", R(.host = "lac1.example"),
	  ICRQ(.lac_hostname = "lac1xexample"), false },
	{ "no glob characters: exact", R(.host = "lac1"),
	  ICRQ(.lac_hostname = "lac10"), false },
	{ "all keys", RL(2, .realm = "r", .user = "u@r", .called = "1",
			 .calling = "2", .host = "h*"),
	  ICCN("u@r", .called_number = "1", .calling_number = "2",
	       .lac_peer_idx = 2, .lac_hostname = "h1"), true },
	{ "all keys, one differs", RL(2, .realm = "r", .user = "u@r", .called = "1",
				      .calling = "2", .host = "h*"),
	  ICCN("u@r", .called_number = "1", .calling_number = "3",
	       .lac_peer_idx = 2, .lac_hostname = "h1"), false },
};

static void test_rule_matches(void **state)
{
	size_t i;
	int fails = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rule_rows); i++) {
		const struct rule_keys *rk = &rule_rows[i].r;
		struct lts_rule r = { .lac_peer_idx = rk->lac, .lns_peer_idx = rk->lns };
		bool got;

		snprintf(r.realm, sizeof(r.realm), "%s", rk->realm ? rk->realm : "");
		snprintf(r.user, sizeof(r.user), "%s", rk->user ? rk->user : "");
		snprintf(r.called_number, sizeof(r.called_number), "%s",
			 rk->called ? rk->called : "");
		snprintf(r.calling_number, sizeof(r.calling_number), "%s",
			 rk->calling ? rk->calling : "");
		snprintf(r.lac_hostname, sizeof(r.lac_hostname), "%s",
			 rk->host ? rk->host : "");
		got = lts_rule_matches(&r, &rule_rows[i].k);
		if (got == rule_rows[i].want)
			continue;
		print_error("%s: want %d, got %d\n", rule_rows[i].what,
			    rule_rows[i].want, got);
		fails++;
	}
	assert_int_equal(fails, 0);
}

/* lts_config_match_rule(): one config, one row per call. */
static const char rules_yaml[] =
	DP
	"lac_peers:\n"
	"  - {name: lac1, address: 10.0.1.0/24}\n"
	"  - {name: lac2, address: 10.0.2.0/24}\n"
	"  - {name: lac3, address: 10.0.3.0/24}\n"
	"lns_peers: [{name: lns1, address: 10.1.0.1}]\n"
	"rules:\n"
	"  - {name: dnis, match: {called_number: \"5551234\"}, pool: [{lns: lns1}]}\n"
	"  - {name: isp2, match: {realm: isp2.example, lac_peer: lac2}, pool: [{lns: lns1}]}\n"
	"  - {name: bras, match: {lac_peer: lac2, lac_hostname: \"bras-*\"}, pool: [{lns: lns1}]}\n"
	"  - {name: cli-isp3, match: {realm: isp3.example, calling_number: \"5559999\"},\n"
	"     pool: [{lns: lns1}]}\n"
	"  - {name: lac1, match: {lac_peer: lac1}, pool: [{lns: lns1}]}\n"
	"  - {name: bob, match: {user: bob}, pool: [{lns: lns1}]}\n"
	"  - {name: default, pool: [{lns: lns1}]}\n"
	"  - {name: from-lns1, match: {lns_peer: lns1}, pool: [{lns: lns1}]}\n";

/* Indexes in rules_yaml's lac_peers. */
enum { L1, L2, L3 };

static const struct {
	const char *what;
	struct lts_call_keys k;
	const char *want; /* NULL: none */
	bool need_iccn;
} match_rule_rows[] = {
	/* Peer roles: only the rule naming the lns_peer, however late. */
	{ "a call from an LNS skips every LAC rule",
	  ICRQ(.from_lns = true, .lns_peer_idx = 0, .lac_peer_idx = -1), "from-lns1", false },
	{ "ICRQ key of the first rule decides at once",
	  ICRQ(.called_number = "5551234", .lac_peer_idx = L2,
	       .lac_hostname = "bras-1"), "dnis", false },
	/* isp2 comes before bras and may still match: wait for the user. */
	{ "an earlier ICCN rule may match: wait",
	  ICRQ(.lac_peer_idx = L2, .lac_hostname = "bras-1"), NULL, true },
	{ "wait even when no later rule matches",
	  ICRQ(.lac_peer_idx = L2, .lac_hostname = "core-1"), NULL, true },
	{ "ICCN: realm rule", ICCN("a@isp2.example", .lac_peer_idx = L2,
				   .lac_hostname = "bras-1"), "isp2", false },
	{ "ICCN: realm rule, case-insensitive",
	  ICCN("a@ISP2.EXAMPLE", .lac_peer_idx = L2), "isp2", false },
	{ "ICCN: other realm falls through to the glob",
	  ICCN("a@isp9.example", .lac_peer_idx = L2, .lac_hostname = "bras-1"),
	  "bras", false },
	{ "ICCN: user without @", ICCN("a", .lac_peer_idx = L2,
				       .lac_hostname = "bras-1"), "bras", false },
	{ "ICCN: no Proxy Authen Name", ICCN("", .lac_peer_idx = L2,
					     .lac_hostname = "bras-1"),
	  "bras", false },
	{ "ICCN: nothing but the default",
	  ICCN("a@x", .lac_peer_idx = L2, .lac_hostname = "core-1"),
	  "default", false },
	/* cli-isp3 needs a Calling Number the call lacks: no reason to wait. */
	{ "an ICCN rule whose ICRQ keys fail does not hold the call",
	  ICRQ(.lac_peer_idx = L1, .lac_hostname = "bras-1"), "lac1", false },
	{ "an ICCN rule whose ICRQ keys match holds the call",
	  ICRQ(.calling_number = "5559999", .lac_peer_idx = L1), NULL, true },
	{ "ICCN: realm and calling number",
	  ICCN("x@isp3.example", .calling_number = "5559999",
	       .lac_peer_idx = L1), "cli-isp3", false },
	{ "ICCN: realm differs, next rule",
	  ICCN("x@isp4.example", .calling_number = "5559999",
	       .lac_peer_idx = L1), "lac1", false },
	{ "ICRQ: a user-only rule holds every call that reaches it",
	  ICRQ(.lac_peer_idx = L3), NULL, true },
	{ "ICCN: user rule", ICCN("bob", .lac_peer_idx = L3), "bob", false },
	{ "ICCN: user is exact", ICCN("bobby", .lac_peer_idx = L3), "default",
	  false },
	{ "ICRQ: first rule before any ICCN rule",
	  ICRQ(.called_number = "5551234", .lac_peer_idx = L3), "dnis", false },
	{ "ICCN: an ICRQ rule still comes first",
	  ICCN("bob", .called_number = "5551234", .lac_peer_idx = L3), "dnis",
	  false },
};

static struct lts_config *load(const char *yaml)
{
	char err[LTS_CFG_ERR_MAX] = "";
	struct lts_config *cfg = NULL;

	if (lts_config_load_string(NAME, yaml, strlen(yaml), &cfg, err,
				   sizeof(err)))
		print_error("%s\n", err);
	assert_non_null(cfg);
	return cfg;
}

static void test_match_rule(void **state)
{
	struct lts_config *cfg = load(rules_yaml);
	const struct lts_rule *got;
	bool need;
	size_t i;
	int fails = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(match_rule_rows); i++) {
		need = !match_rule_rows[i].need_iccn;
		got = lts_config_match_rule(cfg, &match_rule_rows[i].k, &need);
		if ((got ? match_rule_rows[i].want &&
				   !strcmp(got->name, match_rule_rows[i].want) :
			   !match_rule_rows[i].want) &&
		    need == match_rule_rows[i].need_iccn) {
			/* need_iccn may be NULL. */
			if (lts_config_match_rule(cfg, &match_rule_rows[i].k,
						  NULL) == got)
				continue;
		}
		print_error("%s: want %s%s, got %s%s\n", match_rule_rows[i].what,
			    match_rule_rows[i].want ? match_rule_rows[i].want : "(none)",
			    match_rule_rows[i].need_iccn ? " (wait for ICCN)" : "",
			    got ? got->name : "(none)", need ? " (wait for ICCN)" : "");
		fails++;
	}
	lts_config_free(cfg);
	assert_int_equal(fails, 0);
}

/* No rules: every call is refused, at once. */
static void test_match_rule_none(void **state)
{
	struct lts_config *cfg = load(DP);
	struct lts_call_keys icrq = ICRQ(.lac_peer_idx = 0);
	struct lts_call_keys iccn = ICCN("a@b", .lac_peer_idx = 0);
	bool need = true;

	(void)state;
	assert_null(lts_config_match_rule(cfg, &icrq, &need));
	assert_false(need);
	need = true;
	assert_null(lts_config_match_rule(cfg, &iccn, &need));
	assert_false(need);
	lts_config_free(cfg);
}

/* Rules with ICRQ keys only never wait for the ICCN. */
static void test_match_rule_icrq_only(void **state)
{
	struct lts_config *cfg = load(
		PEERS "rules:\n"
		"  - {name: dnis, match: {called_number: \"1\"}, pool: [{lns: lns1}]}\n"
		"  - {name: host, match: {lac_hostname: \"bras-*\"}, pool: [{lns: lns2}]}\n");
	struct lts_call_keys k = ICRQ(.called_number = "2", .lac_hostname = "bras-2");
	const struct lts_rule *r;
	bool need = true;

	(void)state;
	r = lts_config_match_rule(cfg, &k, &need);
	assert_non_null(r);
	assert_string_equal(r->name, "host");
	assert_int_equal(r->pool[0].lns_idx, 1);
	assert_false(need);
	k.lac_hostname = "core-2";
	need = true;
	assert_null(lts_config_match_rule(cfg, &k, &need));
	assert_false(need);
	lts_config_free(cfg);
}

/* The routing the comments of config/examples/switch.yaml promise. */
static void test_example_rules(void **state)
{
	static const struct {
		const char *addr, *hostname, *user;
		const char *want; /* NULL: wait for the ICCN */
	} rows[] = {
		{ "192.0.2.7", "anything", NULL, "branch-7" },
		{ "10.0.3.9", "bras-4", NULL, "east-bras" },
		{ "10.0.3.9", "core-1", NULL, NULL },
		{ "10.0.3.9", "core-1", "x@ISP2.example", "isp2" },
		{ "10.0.3.9", "core-1", "y@isp3.example", "default" },
		{ "10.0.1.5", "lac-west.example.net", NULL, NULL },
		{ "10.0.1.5", "lac-west.example.net", "bob@isp2.example", "isp2" },
		{ "10.0.1.5", "lac-west.example.net", "bob", "default" },
	};
	const char *src = getenv("LTS_SRC_DIR");
	char path[512], err[LTS_CFG_ERR_MAX] = "";
	struct lts_config *cfg = NULL;
	const struct lts_lac_peer *lac;
	const struct lts_rule *r;
	size_t i;
	bool need;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/examples/switch.yaml",
		 src ? src : ".");
	if (lts_config_load_file(path, &cfg, err, sizeof(err)))
		print_error("%s\n", err);
	assert_non_null(cfg);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct lts_ip ip = ip_of(rows[i].addr);
		struct lts_call_keys k = { .user = rows[i].user,
					   .lac_hostname = rows[i].hostname };

		lac = lts_config_match_lac(cfg, &ip, rows[i].hostname);
		assert_non_null(lac);
		k.lac_peer_idx = lac - cfg->lac_peers;
		r = lts_config_match_rule(cfg, &k, &need);
		if (!rows[i].want) {
			assert_null(r);
			assert_true(need);
			continue;
		}
		assert_non_null(r);
		assert_string_equal(r->name, rows[i].want);
		assert_false(need);
	}
	r = &cfg->rules[1];
	assert_int_equal(r->calling_number_policy, LTS_AVP_POLICY_DROP);
	assert_string_equal(cfg->lns_peers[r->pool[1].lns_idx].name, "lns-v6");
	assert_string_equal(cfg->tsa_id, "lts1.example.net");
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
	assert_string_equal(lts_tunnel_mode_name(LTS_TUNNEL_ON_DEMAND),
			    "on-demand");
	assert_string_equal(lts_tunnel_mode_name(LTS_TUNNEL_PERSISTENT),
			    "persistent");
	assert_string_equal(lts_tunnel_mode_name((enum lts_tunnel_mode)7),
			    "unknown");
}

int main(void)
{
	static const struct {
		const struct cfg_case *cases;
		size_t n;
	} tables[] = {
		{ cases, ARRAY_SIZE(cases) },
		{ limit_cases, ARRAY_SIZE(limit_cases) },
		{ peer_cases, ARRAY_SIZE(peer_cases) },
		{ rule_cases, ARRAY_SIZE(rule_cases) },
		{ metrics_cases, ARRAY_SIZE(metrics_cases) },
		{ accounting_cases, ARRAY_SIZE(accounting_cases) },
		{ logging_cases, ARRAY_SIZE(logging_cases) },
	};
	static struct CMUnitTest tests[ARRAY_SIZE(cases) +
				       ARRAY_SIZE(limit_cases) +
				       ARRAY_SIZE(peer_cases) +
				       ARRAY_SIZE(rule_cases) +
				       ARRAY_SIZE(metrics_cases) +
				       ARRAY_SIZE(accounting_cases) +
				       ARRAY_SIZE(logging_cases) + 16];
	size_t i, t, n = 0;

	for (t = 0; t < ARRAY_SIZE(tables); t++)
		for (i = 0; i < tables[t].n; i++)
			tests[n++] = (struct CMUnitTest){
				.name = tables[t].cases[i].name,
				.test_func = test_case,
				.initial_state = (void *)&tables[t].cases[i],
			};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_examples);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_directory);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_file_error_position);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_error_buffer);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_length);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_match_lac);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_match_lac_none);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_rule_matches);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_match_rule);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_match_rule_none);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_match_rule_icrq_only);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_example_rules);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_misc);
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}
