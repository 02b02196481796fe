// SPDX-License-Identifier: GPL-2.0
/*
 * Accounting records (agent/accounting.c) from a hand-built switch: a
 * config, two tunnels and their half-sessions, calls and a fake data
 * plane whose counters each test sets. Records are parsed back with the
 * project's JSON parser and checked field by field; one is compared byte
 * for byte (the documented format). Then the terminate-cause mapping, the
 * escaping of what peers choose, the file's life (rename and reopen,
 * errors, a torn line) and the interim schedule. That the switch calls the
 * hooks with the right leg and cause, over the real control plane, is in
 * test_switch.c (test_call_hooks).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <cmocka.h>

#include "accounting.h"
#include "lib/json.h"
#include "lib/util.h"

static const char cfg_yaml[] =
	"switch: { hostname: lts-test }\n"
	"dataplane: { mode: off, max_sessions: 16 }\n"
	"lac_peers:\n"
	"  - { name: bras, address: 10.0.1.0/24 }\n"
	"lns_peers:\n"
	"  - { name: lns-core, address: \"2001:db8:2::1\" }\n"
	"rules:\n"
	"  - name: isp1\n"
	"    pool: [ { lns: lns-core } ]\n";

#define N_SLOTS 16
#define T0_MS 1000000ull          /* monotonic, as c->up_ms */
#define WALL0_MS 1700000000000ull /* 2023-11-14T22:13:20Z */

struct fixture {
	struct lts_config *cfg;
	struct lts_ctrl_plane cp;
	struct lts_switch sw;
	struct lts_tunnel t_lac, t_lns;
	struct lts_session s_lac, s_lns;
	struct lts_call call;
	struct lts_session_stats stats[N_SLOTS][2]; /* fast [0], slow [1] */
	struct lts_acct acct;
	char dir[64], path[96];
	char *text;                  /* the file, read by read_file() */
};

static struct fixture F;
static uint64_t wall_ms;

static uint64_t fake_wall(void)
{
	return wall_ms;
}

static int fake_fast(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	(void)ctx;
	*out = F.stats[idx][0];
	return 0;
}

static int fake_slow(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	(void)ctx;
	*out = F.stats[idx][1];
	return 0;
}

static void set_ip(struct lts_ip *ip, uint8_t family, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	assert_int_equal(inet_pton(family == LTS_FAMILY_IPV4 ? AF_INET : AF_INET6, s, ip->addr), 1);
}

/*
 * A call from LAC bras (10.0.1.1, Host Name bras-1) to lns-core
 * (2001:db8:2::1, Host Name lns-core.example): our tunnel 7 / session 12
 * toward the LAC (its 501 / 3), our tunnel 8 / session 13 toward the LNS
 * (its 601 / 4), counter slot 3.
 */
static int setup(void **state)
{
	char err[LTS_CFG_ERR_MAX];
	struct lts_static_leg *a = &F.call.pair.a, *b = &F.call.pair.b;

	(void)state;
	memset(&F, 0, sizeof(F));
	assert_int_equal(lts_config_load_string("acct.yaml", cfg_yaml, strlen(cfg_yaml), &F.cfg,
						err, sizeof(err)), 0);
	F.sw.cfg = F.cfg;
	F.sw.cp = &F.cp;
	F.sw.dp = (struct lts_dp_ops){ .fast_stats = fake_fast, .slow_stats = fake_slow };
	F.cp.now_ms = T0_MS;

	F.t_lac = (struct lts_tunnel){ .id = 7, .peer_id = 501, .role = LTS_ROLE_LNS,
				       .state = LTS_TUN_ESTABLISHED, .lac_idx = 0, .lns_idx = -1,
				       .hostname = "lts-test", .peer_hostname = "bras-1" };
	F.t_lns = (struct lts_tunnel){ .id = 8, .peer_id = 601, .role = LTS_ROLE_LAC,
				       .state = LTS_TUN_ESTABLISHED, .lac_idx = -1, .lns_idx = 0,
				       .hostname = "lts-to-core",
				       .peer_hostname = "lns-core.example" };
	F.s_lac = (struct lts_session){ .t = &F.t_lac, .id = 12, .peer_id = 3, .serial = 42 };
	F.s_lns = (struct lts_session){ .t = &F.t_lns, .id = 13, .peer_id = 4, .serial = 9 };

	F.call.first = &F.s_lac;
	F.call.second = &F.s_lns;
	F.call.rule = &F.cfg->rules[0];
	F.call.installed = true;
	F.call.stats_idx = 3;
	F.call.up_ms = T0_MS;
	F.call.user = strdup("alice@isp1.example");
	snprintf(F.call.pair.name, sizeof(F.call.pair.name), "isp1");
	set_ip(&a->peer, LTS_FAMILY_IPV4, "10.0.1.1");
	set_ip(&a->local, LTS_FAMILY_IPV4, "10.0.1.2");
	a->peer_port = 1701;
	a->local_port = 1701;
	a->tunnel_id = 7;
	a->session_id = 12;
	a->peer_tunnel_id = 501;
	a->peer_session_id = 3;
	set_ip(&b->peer, LTS_FAMILY_IPV6, "2001:db8:2::1");
	set_ip(&b->local, LTS_FAMILY_IPV6, "2001:db8:2::2");
	b->peer_port = 1701;
	b->local_port = 1701;
	b->tunnel_id = 8;
	b->session_id = 13;
	b->peer_tunnel_id = 601;
	b->peer_session_id = 4;

	snprintf(F.dir, sizeof(F.dir), "/tmp/lts-acct-test.XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	snprintf(F.path, sizeof(F.path), "%s/acct.jsonl", F.dir);
	wall_ms = WALL0_MS;
	F.acct.realtime_ms = fake_wall;
	return 0;
}

static int teardown(void **state)
{
	char p[160];

	(void)state;
	lts_acct_close(&F.acct);
	free(F.call.user);
	free(F.text);
	lts_config_free(F.cfg);
	snprintf(p, sizeof(p), "rm -rf '%s'", F.dir);
	assert_int_equal(system(p), 0);
	return 0;
}

/* accounting: with a file (path, or F.path when NULL) and interim_s. */
static void acct_open(const char *path, uint32_t interim_s)
{
	struct lts_acct_cfg cfg = { .interim_s = interim_s };

	snprintf(cfg.file, sizeof(cfg.file), "%s", path ? path : F.path);
	assert_int_equal(lts_acct_open(&F.acct, &cfg, &F.sw), 0);
	assert_non_null(F.sw.hooks.call_up);
	assert_non_null(F.sw.hooks.call_down);
}

/* The whole of a file (F.text, owned by F), "" when it does not exist. */
static const char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct stat st = { 0 };
	size_t n = 0;

	if (f)
		assert_int_equal(fstat(fileno(f), &st), 0);
	free(F.text);
	F.text = malloc(st.st_size + 1);
	assert_non_null(F.text);
	if (f) {
		n = fread(F.text, 1, st.st_size, f);
		fclose(f);
	}
	F.text[n] = '\0';
	return F.text;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Line i (0-based) of text, parsed; the caller frees it. */
static struct lts_json_val *parse_line(const char *text, size_t i)
{
	const char *p = text, *e;
	struct lts_json_val *v = NULL;
	char err[128];

	while (i-- && p)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	assert_non_null(p);
	e = strchr(p, '\n');
	assert_non_null(e);
	if (lts_json_parse(p, e - p, &v, err, sizeof(err)))
		fail_msg("line %zu: %s: %.*s", i, err, (int)(e - p), p);
	return v;
}

/* The member at a dotted path ("lac.client_endpoint"), or NULL. */
static const struct lts_json_val *jget(const struct lts_json_val *v, const char *path)
{
	char key[64];
	const char *dot;

	while (v && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		v = lts_json_get(v, key);
		path = dot + 1;
	}
	return v ? lts_json_get(v, path) : NULL;
}

static void assert_jstr(const struct lts_json_val *v, const char *path, const char *want)
{
	const struct lts_json_val *m = jget(v, path);

	if (!want) {
		if (!m || m->type != LTS_JSON_NULL)
			fail_msg("%s: expected null", path);
		return;
	}
	if (!m || m->type != LTS_JSON_STR)
		fail_msg("%s: expected \"%s\", missing or not a string", path, want);
	assert_string_equal(m->str, want);
}

static void assert_ju64(const struct lts_json_val *v, const char *path, uint64_t want)
{
	const struct lts_json_val *m = jget(v, path);
	uint64_t got = 0;

	if (!m || lts_json_to_u64(m, &got))
		fail_msg("%s: expected %" PRIu64 ", missing or not a number", path, want);
	assert_int_equal(got, want);
}

static void set_counters(uint32_t idx, uint64_t fast_in, uint64_t fast_out, uint64_t slow_in,
			 uint64_t slow_out)
{
	/* Bytes: 100 per packet on the fast path, 60 on the slow one. */
	F.stats[idx][0].dir[LTS_DIR_A_TO_B] = (struct lts_dir_stats){ .packets = fast_in,
								     .bytes = fast_in * 100 };
	F.stats[idx][0].dir[LTS_DIR_B_TO_A] = (struct lts_dir_stats){ .packets = fast_out,
								     .bytes = fast_out * 100 };
	F.stats[idx][1].dir[LTS_DIR_A_TO_B] = (struct lts_dir_stats){ .packets = slow_in,
								     .bytes = slow_in * 60 };
	F.stats[idx][1].dir[LTS_DIR_B_TO_A] = (struct lts_dir_stats){ .packets = slow_out,
								     .bytes = slow_out * 60 };
}

static struct lts_call_end end_of(enum lts_call_ender by, const struct lts_cdn_info *why)
{
	return (struct lts_call_end){ .by = by, .why = why, .lac = &F.s_lac, .lns = &F.s_lns };
}

/* ------------------------------------------------------------------ */

/* The documented record, byte for byte: start, then stop by the operator. */
static void test_golden(void **state)
{
	const struct lts_cdn_info why = { .result = LTS_CDN_ADMIN, .local = true,
					  .message = "cleared by operator" };
	const struct lts_call_end end = end_of(LTS_CALL_END_OPERATOR, &why);
	const char *text;

	(void)state;
	acct_open(NULL, 0);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	set_counters(3, 10, 8, 2, 1);
	F.cp.now_ms = T0_MS + 65500;
	wall_ms = WALL0_MS + 65500;
	F.sw.hooks.call_down(F.sw.hooks.ctx, &F.call, &end);
	text = read_file(F.path);
	assert_string_equal(
		text,
		"{\"event\":\"start\",\"time\":\"2023-11-14T22:13:20Z\","
		"\"acct_session_id\":\"018bcfe568000007000c\",\"nas_identifier\":\"lts-test\","
		"\"rule\":\"isp1\",\"user\":\"alice@isp1.example\",\"realm\":\"isp1.example\","
		"\"tunnel_type\":\"l2tp\","
		"\"lac\":{\"peer_name\":\"bras\",\"medium\":\"ipv4\","
		"\"client_endpoint\":\"10.0.1.1\",\"client_port\":1701,"
		"\"server_endpoint\":\"10.0.1.2\",\"server_port\":1701,"
		"\"client_auth_id\":\"bras-1\",\"server_auth_id\":\"lts-test\","
		"\"tunnel_id\":7,\"session_id\":12,\"peer_tunnel_id\":501,\"peer_session_id\":3,"
		"\"tunnel_connection\":\"501/3-7/12\",\"call_serial_number\":42},"
		"\"lns\":{\"peer_name\":\"lns-core\",\"medium\":\"ipv6\","
		"\"client_endpoint\":\"2001:db8:2::2\",\"client_port\":1701,"
		"\"server_endpoint\":\"2001:db8:2::1\",\"server_port\":1701,"
		"\"client_auth_id\":\"lts-to-core\",\"server_auth_id\":\"lns-core.example\","
		"\"tunnel_id\":8,\"session_id\":13,\"peer_tunnel_id\":601,\"peer_session_id\":4,"
		"\"tunnel_connection\":\"8/13-601/4\",\"call_serial_number\":9},"
		"\"start_time\":\"2023-11-14T22:13:20Z\"}\n"
		"{\"event\":\"stop\",\"time\":\"2023-11-14T22:14:25Z\","
		"\"acct_session_id\":\"018bcfe568000007000c\",\"nas_identifier\":\"lts-test\","
		"\"rule\":\"isp1\",\"user\":\"alice@isp1.example\",\"realm\":\"isp1.example\","
		"\"tunnel_type\":\"l2tp\","
		"\"lac\":{\"peer_name\":\"bras\",\"medium\":\"ipv4\","
		"\"client_endpoint\":\"10.0.1.1\",\"client_port\":1701,"
		"\"server_endpoint\":\"10.0.1.2\",\"server_port\":1701,"
		"\"client_auth_id\":\"bras-1\",\"server_auth_id\":\"lts-test\","
		"\"tunnel_id\":7,\"session_id\":12,\"peer_tunnel_id\":501,\"peer_session_id\":3,"
		"\"tunnel_connection\":\"501/3-7/12\",\"call_serial_number\":42},"
		"\"lns\":{\"peer_name\":\"lns-core\",\"medium\":\"ipv6\","
		"\"client_endpoint\":\"2001:db8:2::2\",\"client_port\":1701,"
		"\"server_endpoint\":\"2001:db8:2::1\",\"server_port\":1701,"
		"\"client_auth_id\":\"lts-to-core\",\"server_auth_id\":\"lns-core.example\","
		"\"tunnel_id\":8,\"session_id\":13,\"peer_tunnel_id\":601,\"peer_session_id\":4,"
		"\"tunnel_connection\":\"8/13-601/4\",\"call_serial_number\":9},"
		"\"start_time\":\"2023-11-14T22:13:20Z\",\"session_time\":65,"
		"\"input_octets\":1120,\"output_octets\":860,"
		"\"input_packets\":12,\"output_packets\":9,"
		"\"terminate_cause\":6,\"terminate_cause_name\":\"Admin-Reset\","
		"\"cdn\":{\"by\":\"operator\",\"local\":true,\"result\":3,\"error\":0,"
		"\"message\":\"cleared by operator\"}}\n");
	assert_int_equal(F.acct.ctr.records, 2);
	assert_int_equal(F.acct.ctr.write_errors, 0);
}

/* Representative calls: the fields that change with the call, parsed back. */
struct format_case {
	const char *name;
	const char *user;                 /* NULL: no Proxy Authen Name */
	const char *want_realm;           /* NULL: null */
	bool lns_v4;                      /* the LNS leg over IPv4 */
	bool rule_gone;                   /* a reload removed the rule */
	enum lts_acct_event ev;
	uint64_t fast_in, fast_out, slow_in, slow_out;
	uint64_t after_ms;                /* since up */
};

static const struct format_case format_cases[] = {
	{ "start: no counters, no duration", "bob@isp2.example", "isp2.example", false, false,
	  LTS_ACCT_START, 5, 5, 0, 0, 0 },
	{ "interim, fast path only", "bob@isp2.example", "isp2.example", false, false,
	  LTS_ACCT_INTERIM, 1000, 2000, 0, 0, 30999 },
	{ "interim, slow path only (XDP off), IPv4 both legs", "carol", NULL, true, false,
	  LTS_ACCT_INTERIM, 0, 0, 7, 3, 1000 },
	{ "stop without user name", NULL, NULL, false, false, LTS_ACCT_STOP, 1, 2, 3, 4, 999 },
	{ "user ends in @: no realm", "dave@", NULL, false, false, LTS_ACCT_STOP, 0, 0, 0, 0, 0 },
	{ "realm after the last @", "e@f@isp3.example", "isp3.example", false, false,
	  LTS_ACCT_STOP, 0, 0, 0, 0, 0 },
	{ "rule removed by a reload: the pair's name", "x@y", "y", false, true, LTS_ACCT_STOP,
	  0, 0, 0, 0, 0 },
	{ "64-bit counters (no gigawords)", "g@h", "h", false, false, LTS_ACCT_STOP,
	  5000000000ull, 1, 0, 0, 7200000 },
};

static void test_format_cases(void **state)
{
	const struct lts_cdn_info why = { .result = LTS_CDN_LOST_CARRIER, .message = "hangup" };
	const struct lts_call_end end = end_of(LTS_CALL_END_LAC, &why);
	size_t i;

	(void)state;
	acct_open(NULL, 0);
	for (i = 0; i < ARRAY_SIZE(format_cases); i++) {
		const struct format_case *fc = &format_cases[i];
		const struct lts_json_val *m;
		struct lts_json_val *v;
		char *line;
		size_t len;

		print_message("case %zu: %s\n", i, fc->name);
		free(F.call.user);
		F.call.user = fc->user ? strdup(fc->user) : NULL;
		F.call.rule = fc->rule_gone ? NULL : &F.cfg->rules[0];
		snprintf(F.call.pair.name, sizeof(F.call.pair.name), "%s",
			 fc->rule_gone ? "old-rule" : "isp1");
		if (fc->lns_v4) {
			set_ip(&F.call.pair.b.peer, LTS_FAMILY_IPV4, "10.0.2.1");
			set_ip(&F.call.pair.b.local, LTS_FAMILY_IPV4, "10.0.2.2");
		} else {
			set_ip(&F.call.pair.b.peer, LTS_FAMILY_IPV6, "2001:db8:2::1");
			set_ip(&F.call.pair.b.local, LTS_FAMILY_IPV6, "2001:db8:2::2");
		}
		set_counters(3, fc->fast_in, fc->fast_out, fc->slow_in, fc->slow_out);
		F.call.acct.start_real_ms = WALL0_MS;
		assert_int_equal(lts_acct_format(&F.acct, &F.call, &F.s_lac, &F.s_lns, fc->ev,
						 fc->ev == LTS_ACCT_STOP ? &end : NULL,
						 T0_MS + fc->after_ms, &line, &len),
				 0);
		assert_int_equal(strlen(line), len);
		assert_int_equal(line[len - 1], '\n');
		assert_null(memchr(line, '\n', len - 1));
		v = parse_line(line, 0);
		assert_jstr(v, "event", fc->ev == LTS_ACCT_START ? "start" :
					fc->ev == LTS_ACCT_INTERIM ? "interim" : "stop");
		assert_jstr(v, "user", fc->user);
		assert_jstr(v, "realm", fc->want_realm);
		assert_jstr(v, "rule", fc->rule_gone ? "old-rule" : "isp1");
		assert_jstr(v, "lns.medium", fc->lns_v4 ? "ipv4" : "ipv6");
		assert_jstr(v, "lns.server_endpoint", fc->lns_v4 ? "10.0.2.1" : "2001:db8:2::1");
		assert_jstr(v, "start_time", "2023-11-14T22:13:20Z");
		assert_jstr(v, "acct_session_id", "018bcfe568000007000c");
		if (fc->ev == LTS_ACCT_START) {
			assert_null(jget(v, "session_time"));
			assert_null(jget(v, "input_packets"));
		} else {
			assert_ju64(v, "session_time", fc->after_ms / 1000);
			assert_ju64(v, "input_packets", fc->fast_in + fc->slow_in);
			assert_ju64(v, "output_packets", fc->fast_out + fc->slow_out);
			assert_ju64(v, "input_octets", fc->fast_in * 100 + fc->slow_in * 60);
			assert_ju64(v, "output_octets", fc->fast_out * 100 + fc->slow_out * 60);
		}
		m = jget(v, "terminate_cause");
		if (fc->ev == LTS_ACCT_STOP) {
			assert_ju64(v, "terminate_cause", LTS_ACCT_USER_REQUEST);
			assert_jstr(v, "terminate_cause_name", "User-Request");
			assert_jstr(v, "cdn.by", "lac");
			assert_ju64(v, "cdn.result", 1);
			assert_jstr(v, "cdn.message", "hangup");
			assert_false(jget(v, "cdn.local")->b);
		} else {
			assert_null(m);
			assert_null(jget(v, "cdn"));
		}
		lts_json_val_free(v);
		free(line);
	}
}

/*
 * The terminate cause of each way a call ends (docs/config.md). why is what
 * the control plane reports: a peer's CDN (local false, its codes), a
 * peer's StopCCN (tunnel.c act_peer_stop: 2/1, not local), a tunnel lost
 * (act_failed, lts_tunnel_drop: 2/1 local, tunnel DEAD), a tunnel we
 * closed (stop(): 2/1 local, CLOSING), a tunnel freed with its sessions
 * (3, local), a message that could not be queued (2/4 local).
 */
struct cause_case {
	const char *name;
	enum lts_call_ender by;
	bool local;
	uint16_t result, error;
	enum lts_tun_state leg_state;
	bool shutting_down;
	enum lts_acct_cause want;
};

static const struct cause_case cause_cases[] = {
	{ "ltsctl clear session", LTS_CALL_END_OPERATOR, true, LTS_CDN_ADMIN, 0,
	  LTS_TUN_ESTABLISHED, false, LTS_ACCT_ADMIN_RESET },
	{ "ltsctl clear while stopping", LTS_CALL_END_OPERATOR, true, LTS_CDN_ADMIN, 0,
	  LTS_TUN_ESTABLISHED, true, LTS_ACCT_ADMIN_RESET },
	{ "LAC CDN 1 (loss of carrier: the subscriber went)", LTS_CALL_END_LAC, false,
	  LTS_CDN_LOST_CARRIER, 0, LTS_TUN_ESTABLISHED, false, LTS_ACCT_USER_REQUEST },
	{ "LAC CDN 2/6", LTS_CALL_END_LAC, false, LTS_CDN_GENERAL_ERROR, LTS_ERR_VENDOR,
	  LTS_TUN_ESTABLISHED, false, LTS_ACCT_NAS_REQUEST },
	{ "LAC CDN 3 (its administrator)", LTS_CALL_END_LAC, false, LTS_CDN_ADMIN, 0,
	  LTS_TUN_ESTABLISHED, false, LTS_ACCT_NAS_REQUEST },
	{ "LAC StopCCN", LTS_CALL_END_LAC, false, LTS_CDN_GENERAL_ERROR,
	  LTS_ERR_NO_CONTROL_CONN, LTS_TUN_CLOSING, false, LTS_ACCT_NAS_REQUEST },
	{ "LAC CDN 1 while we stop", LTS_CALL_END_LAC, false, LTS_CDN_LOST_CARRIER, 0,
	  LTS_TUN_ESTABLISHED, true, LTS_ACCT_USER_REQUEST },
	{ "LNS CDN 1", LTS_CALL_END_LNS, false, LTS_CDN_LOST_CARRIER, 0, LTS_TUN_ESTABLISHED,
	  false, LTS_ACCT_HOST_REQUEST },
	{ "LNS CDN 3", LTS_CALL_END_LNS, false, LTS_CDN_ADMIN, 0, LTS_TUN_ESTABLISHED, false,
	  LTS_ACCT_HOST_REQUEST },
	{ "LNS StopCCN", LTS_CALL_END_LNS, false, LTS_CDN_GENERAL_ERROR,
	  LTS_ERR_NO_CONTROL_CONN, LTS_TUN_CLOSING, false, LTS_ACCT_HOST_REQUEST },
	{ "LAC tunnel lost", LTS_CALL_END_LAC, true, LTS_CDN_GENERAL_ERROR,
	  LTS_ERR_NO_CONTROL_CONN, LTS_TUN_DEAD, false, LTS_ACCT_LOST_CARRIER },
	{ "LNS tunnel lost", LTS_CALL_END_LNS, true, LTS_CDN_GENERAL_ERROR,
	  LTS_ERR_NO_CONTROL_CONN, LTS_TUN_DEAD, false, LTS_ACCT_LOST_CARRIER },
	{ "we closed the LAC tunnel (protocol error)", LTS_CALL_END_LAC, true,
	  LTS_CDN_GENERAL_ERROR, LTS_ERR_NO_CONTROL_CONN, LTS_TUN_CLOSING, false,
	  LTS_ACCT_NAS_ERROR },
	{ "control message not queued", LTS_CALL_END_LNS, true, LTS_CDN_GENERAL_ERROR,
	  LTS_ERR_RESOURCES, LTS_TUN_ESTABLISHED, false, LTS_ACCT_NAS_ERROR },
	{ "unexpected message", LTS_CALL_END_LAC, true, LTS_CDN_GENERAL_ERROR, 0,
	  LTS_TUN_ESTABLISHED, false, LTS_ACCT_NAS_ERROR },
	{ "tunnel freed with its sessions", LTS_CALL_END_LNS, true, LTS_CDN_ADMIN, 0,
	  LTS_TUN_DEAD, false, LTS_ACCT_ADMIN_RESET },
	{ "ltsd stopping: StopCCN on every tunnel", LTS_CALL_END_LAC, true,
	  LTS_CDN_GENERAL_ERROR, LTS_ERR_NO_CONTROL_CONN, LTS_TUN_CLOSING, true,
	  LTS_ACCT_ADMIN_REBOOT },
	{ "ltsd stopping: tunnels freed after the grace", LTS_CALL_END_LNS, true, LTS_CDN_ADMIN,
	  0, LTS_TUN_DEAD, true, LTS_ACCT_ADMIN_REBOOT },
};

static void test_terminate_cause(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cause_cases); i++) {
		const struct cause_case *cc = &cause_cases[i];
		const struct lts_cdn_info why = { .result = cc->result, .error = cc->error,
						  .local = cc->local };
		const struct lts_call_end end = end_of(cc->by, &why);
		enum lts_acct_cause got;

		F.t_lac.state = F.t_lns.state = LTS_TUN_ESTABLISHED;
		if (cc->by == LTS_CALL_END_LNS)
			F.t_lns.state = cc->leg_state;
		else
			F.t_lac.state = cc->leg_state;
		got = lts_acct_terminate_cause(&end, cc->shutting_down);
		if (got != cc->want)
			fail_msg("%s: %d %s, expected %d %s", cc->name, got,
				 lts_acct_cause_name(got), cc->want, lts_acct_cause_name(cc->want));
	}
}

/*
 * Peer-chosen text (a user name, a LAC's Host Name) with quotes,
 * backslashes, control bytes and bytes that are not UTF-8: one line of
 * valid JSON whatever they hold, and the text comes back.
 */
static void test_escaping(void **state)
{
	static const struct {
		const char *in;
		const char *back; /* as parsed back (invalid bytes as U+00XX) */
	} cases[] = {
		{ "a\"b\\c@isp.example", "a\"b\\c@isp.example" },
		{ "line\nbreak\r\t@x", "line\nbreak\r\t@x" },
		{ "bell\x01\x1f\x7f", "bell\x01\x1f\x7f" },
		{ "latin1 \xe9t\xe9", "latin1 \xc3\xa9t\xc3\xa9" },
		{ "utf-8 \xc3\xa9t\xc3\xa9 \xe2\x82\xac", "utf-8 \xc3\xa9t\xc3\xa9 \xe2\x82\xac" },
		{ "</script>{\"event\":\"stop\"}", "</script>{\"event\":\"stop\"}" },
	};
	size_t i;

	(void)state;
	acct_open(NULL, 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct lts_json_val *v;

		free(F.call.user);
		F.call.user = strdup(cases[i].in);
		snprintf(F.t_lac.peer_hostname, sizeof(F.t_lac.peer_hostname), "%s", cases[i].in);
		F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
		read_file(F.path);
		assert_int_equal(count_lines(F.text), i + 1);
		v = parse_line(F.text, i);
		assert_jstr(v, "user", cases[i].back);
		assert_jstr(v, "lac.client_auth_id", cases[i].back);
		lts_json_val_free(v);
	}
}

/* logrotate: the file is renamed; records go on to the old one until reopen. */
static void test_reopen_after_rename(void **state)
{
	const struct lts_cdn_info why = { .result = LTS_CDN_LOST_CARRIER };
	const struct lts_call_end end = end_of(LTS_CALL_END_LAC, &why);
	char moved[128], dir2[96], path2[128], path3[128];
	struct lts_acct_cfg cfg = { 0 };
	mode_t old_umask = umask(022);
	struct stat st;

	(void)state;
	acct_open(NULL, 0);
	umask(old_umask);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	assert_int_equal(stat(F.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, LTS_ACCT_FILE_MODE);
	snprintf(moved, sizeof(moved), "%s.1", F.path);
	assert_int_equal(rename(F.path, moved), 0);
	F.sw.hooks.call_down(F.sw.hooks.ctx, &F.call, &end); /* before the reopen: old file */
	assert_int_equal(lts_acct_reopen(&F.acct, NULL), 0);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	assert_int_equal(count_lines(read_file(moved)), 2);
	assert_int_equal(count_lines(read_file(F.path)), 1);
	assert_int_equal(F.acct.ctr.write_errors, 0);

	/* A reload names another file. */
	snprintf(dir2, sizeof(dir2), "%s/sub", F.dir);
	snprintf(path2, sizeof(path2), "%s/acct.jsonl", dir2);
	snprintf(path3, sizeof(path3), "%s/other.jsonl", dir2);
	snprintf(cfg.file, sizeof(cfg.file), "%s", path2);
	assert_int_equal(mkdir(dir2, 0700), 0);
	assert_int_equal(lts_acct_reopen(&F.acct, &cfg), 0);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	assert_int_equal(count_lines(read_file(path2)), 1);

	/* Its name cannot be opened again: the old file keeps taking records. */
	assert_int_equal(unlink(path2), 0);
	assert_int_equal(rmdir(dir2), 0);
	assert_int_equal(lts_acct_reopen(&F.acct, NULL), -ENOENT);
	assert_int_equal(F.acct.ctr.open_errors, 1);
	assert_true(F.acct.fd >= 0);
	F.sw.hooks.call_down(F.sw.hooks.ctx, &F.call, &end);
	assert_int_equal(F.acct.ctr.write_errors, 0);

	/* A new name that cannot be opened: records are lost and counted, ticks retry. */
	snprintf(cfg.file, sizeof(cfg.file), "%s", path3);
	assert_int_equal(lts_acct_reopen(&F.acct, &cfg), -ENOENT);
	assert_int_equal(F.acct.fd, -1);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	assert_int_equal(F.acct.ctr.write_errors, 1);
	lts_acct_tick(&F.acct, T0_MS);
	assert_int_equal(F.acct.ctr.open_errors, 3);
	assert_int_equal(mkdir(dir2, 0700), 0);
	lts_acct_tick(&F.acct, T0_MS + 1000);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	assert_int_equal(count_lines(read_file(path3)), 1);
	assert_int_equal(F.acct.ctr.write_errors, 1);
	assert_int_equal(F.acct.ctr.records, 7);
}

/* A file that refuses the write (/dev/full): counted, nothing else happens. */
static void test_write_error(void **state)
{
	int i;

	(void)state;
	if (access("/dev/full", W_OK))
		skip();
	acct_open("/dev/full", 0);
	for (i = 0; i < 3; i++)
		F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	assert_int_equal(F.acct.ctr.records, 3);
	assert_int_equal(F.acct.ctr.write_errors, 3);
	assert_false(F.acct.torn);
}

/* A short write (a file size limit): the next record starts on a line of its own. */
static void test_torn_line(void **state)
{
	struct lts_json_val *v;
	const char *text;

	(void)state;
	acct_open(NULL, 0);
	F.acct.torn = true; /* what a short write leaves */
	assert_int_equal(write(F.acct.fd, "{\"event\":\"sto", 13), 13);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	assert_false(F.acct.torn);
	text = read_file(F.path);
	assert_int_equal(count_lines(text), 2);
	assert_int_equal(strncmp(text, "{\"event\":\"sto\n{\"event\":\"start\"", 30), 0);
	v = parse_line(text, 1);
	assert_jstr(v, "event", "start");
	lts_json_val_free(v);
}

/*
 * Interim records every interim_s from each call's own start; a tick late
 * by more than an interval gives one record, not a burst; calls being set
 * up have none; at most LTS_ACCT_INTERIM_PER_TICK per tick.
 */
struct tick_step {
	uint64_t at_ms;     /* since T0_MS */
	unsigned int want;  /* interim records written by this tick */
};

static void test_interim_schedule(void **state)
{
	static const struct tick_step steps[] = {
		{ 1000, 0 }, { 9999, 0 }, { 10000, 1 }, { 10500, 0 }, { 13000, 1 },
		{ 20000, 1 }, { 23000, 1 }, { 47000, 2 }, { 47999, 0 }, { 56999, 0 },
		{ 57000, 2 },
	};
	struct lts_call c2, setting_up;
	size_t i, before;

	(void)state;
	acct_open(NULL, 10);
	c2 = F.call;
	c2.user = NULL;
	c2.up_ms = T0_MS + 3000;
	setting_up = F.call;
	setting_up.user = NULL;
	setting_up.installed = false;
	F.sw.calls = &F.call;
	F.call.next = &c2;
	c2.next = &setting_up;
	setting_up.next = NULL;
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	F.sw.hooks.call_up(F.sw.hooks.ctx, &c2);
	assert_int_equal(count_lines(read_file(F.path)), 2);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		before = count_lines(read_file(F.path));
		lts_acct_tick(&F.acct, T0_MS + steps[i].at_ms);
		if (count_lines(read_file(F.path)) - before != steps[i].want)
			fail_msg("tick at +%" PRIu64 " ms: %zu interim records, expected %u",
				 steps[i].at_ms, count_lines(F.text) - before, steps[i].want);
	}
	for (i = 2; i < count_lines(F.text); i++) {
		struct lts_json_val *v = parse_line(F.text, i);

		assert_jstr(v, "event", "interim");
		lts_json_val_free(v);
	}
	assert_int_equal(setting_up.acct.next_interim_ms, 0);
	F.sw.calls = NULL;
}

/*
 * Many calls due at once: LTS_ACCT_INTERIM_PER_TICK now, the rest at the
 * next tick; and when more are due every tick than the cap allows, each
 * tick goes on where the last one stopped: nobody waits for ever.
 */
static void test_interim_bounded(void **state)
{
	const size_t n = LTS_ACCT_INTERIM_PER_TICK + 100;
	struct lts_call *calls = calloc(n, sizeof(*calls));
	size_t i;

	(void)state;
	assert_non_null(calls);
	acct_open(NULL, 1);
	for (i = 0; i < n; i++) {
		calls[i] = F.call;
		calls[i].user = NULL;
		calls[i].next = i + 1 < n ? &calls[i + 1] : NULL;
	}
	F.sw.calls = calls;
	/* Adopted calls (no call_up): stamped at the first tick, interim one interval on. */
	lts_acct_tick(&F.acct, T0_MS);
	assert_int_equal(count_lines(read_file(F.path)), 0);
	assert_int_equal(calls[n - 1].acct.start_real_ms, WALL0_MS);
	lts_acct_tick(&F.acct, T0_MS + 1000);
	assert_int_equal(count_lines(read_file(F.path)), LTS_ACCT_INTERIM_PER_TICK);
	lts_acct_tick(&F.acct, T0_MS + 1100);
	assert_int_equal(count_lines(read_file(F.path)), n);

	/* Every call due at every tick (1 s): two ticks serve them all. */
	for (i = 0; i < n; i++)
		calls[i].acct.next_interim_ms = T0_MS + 2000;
	F.acct.interim_from = 0;
	lts_acct_tick(&F.acct, T0_MS + 2000);
	lts_acct_tick(&F.acct, T0_MS + 3000);
	assert_int_equal(count_lines(read_file(F.path)), n + 2 * LTS_ACCT_INTERIM_PER_TICK);
	for (i = 0; i < n; i++)
		if (calls[i].acct.next_interim_ms <= T0_MS + 2000)
			fail_msg("call %zu had no interim record in two ticks", i);
	F.sw.calls = NULL;
	free(calls);
}

/* Interim off (0): never; no section at all: no hooks. */
static void test_off(void **state)
{
	const struct lts_acct_cfg none = { 0 };
	int i;

	(void)state;
	acct_open(NULL, 0);
	F.sw.calls = &F.call;
	F.sw.hooks.call_up(F.sw.hooks.ctx, &F.call);
	for (i = 1; i <= 5; i++)
		lts_acct_tick(&F.acct, T0_MS + i * 100000ull);
	assert_int_equal(count_lines(read_file(F.path)), 1);
	/* A reload without accounting: the hooks go, the file is closed. */
	assert_int_equal(lts_acct_reopen(&F.acct, &none), 0);
	assert_null(F.sw.hooks.call_up);
	assert_int_equal(F.acct.fd, -1);
	F.sw.calls = NULL;
	lts_acct_close(&F.acct);
	assert_int_equal(lts_acct_open(&F.acct, &none, &F.sw), 0);
	assert_null(F.sw.hooks.call_down);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminate_cause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interim_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interim_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off, setup, teardown),
	};

	lts_log_set_level(getenv("LTS_TEST_LOG") ? LTS_LOG_DEBUG : LTS_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
