// SPDX-License-Identifier: GPL-2.0
/*
 * The operator socket (agent/ctl_server.c) and its JSON (agent/lib/json.c).
 *
 * The control plane and the switch are built by hand (only the fields the
 * server reads), the counters come from fake callbacks, and every answer is
 * parsed back: it must be valid JSON with the expected members and numbers.
 * The socket test runs as whoever runs the suite: root gets the answer,
 * anyone else the refusal.
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
#include <time.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ctl_server.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

#define NOW_MS 100000ull
#define STARTED_MS 40000ull

static const char cfg_yaml[] =
	"switch: { hostname: lts-test }\n"
	"dataplane: { mode: off, max_sessions: 16 }\n"
	"static_sessions:\n"
	"  - name: st0\n"
	"    a: { local: 10.0.1.2, peer: 10.0.1.1, tunnel_id: 100, session_id: 1,"
	" peer_tunnel_id: 200, peer_session_id: 2 }\n"
	"    b: { local: \"fd00:2::2\", peer: \"fd00:2::1\", peer_port: 1702, tunnel_id: 300,"
	" session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }\n"
	"lac_peers:\n"
	"  - { name: lac-west, address: 10.0.1.0/24 }\n"
	"lns_peers:\n"
	"  - { name: lns-core, address: \"2001:db8:2::1\" }\n"
	"rules:\n"
	"  - name: default\n"
	"    pool: [ { lns: lns-core } ]\n";

/* A Host Name with everything that needs escaping, and a byte that is not UTF-8. */
static const char evil_hostname[] = "lac \"one\"\\\n\t\x01\x7f\xff-\xc3\xa9";
static const char evil_hostname_json[] = "\"lac \\\"one\\\"\\\\\\n\\t\\u0001\\u007f\\u00ff-\xc3\xa9\"";

struct fixture {
	struct lts_config *cfg;
	struct lts_ctrl_plane cp;
	struct lts_switch sw;
	struct lts_tunnel t_lac, t_lns;   /* we are LNS on t_lac, LAC on t_lns */
	struct lts_session s_up_a, s_up_b; /* call 1, installed */
	struct lts_session s_set_a, s_set_b; /* call 2, being set up */
	struct lts_session s_alone;       /* LNS side, no call */
	struct lts_call call_up, call_setup;
	struct lts_ctl_view view;
	unsigned int fast_calls, slow_calls;
	/* Run-time state of the one lac_peer, lns_peer and rule (show peers, rules). */
	struct lts_lac_state lac[1];
	struct lts_lns_state lns[1];
	uint64_t lockout[1];
	struct lts_switch_rule_counters rule_ctr[1];
	struct lts_switch_peer_error lns_error[1];
};

static struct fixture fx;

static void set_ip(struct lts_ip *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	if (strchr(s, ':')) {
		ip->family = LTS_FAMILY_IPV6;
		assert_int_equal(inet_pton(AF_INET6, s, ip->addr), 1);
	} else {
		ip->family = LTS_FAMILY_IPV4;
		assert_int_equal(inet_pton(AF_INET, s, ip->addr), 1);
	}
}

/* Fast path: idx*1000 + 10*dir + 1 packets; slow path: idx + dir + 2. Bytes 100x. */
static int fake_fast(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct fixture *f = ctx;
	int d;

	f->fast_calls++;
	memset(out, 0, sizeof(*out));
	for (d = 0; d < LTS_DIR_MAX; d++) {
		out->dir[d].packets = idx * 1000 + 10 * d + 1;
		out->dir[d].bytes = 100 * out->dir[d].packets;
	}
	return 0;
}

static int fake_slow(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct fixture *f = ctx;
	int d;

	f->slow_calls++;
	if (idx == 7)
		return -ENOENT; /* must read as zero */
	memset(out, 0, sizeof(*out));
	for (d = 0; d < LTS_DIR_MAX; d++) {
		out->dir[d].packets = idx + d + 2;
		out->dir[d].bytes = 100 * out->dir[d].packets;
	}
	return 0;
}

static void add_session(struct lts_tunnel *t, struct lts_session *s, uint16_t id,
			uint16_t peer_id, enum lts_sess_state st, uint64_t created, void *user)
{
	s->t = t;
	s->id = id;
	s->peer_id = peer_id;
	s->role = t->role;
	s->state = st;
	s->created_ms = created;
	s->user = user;
	s->next = t->sessions;
	t->sessions = s;
	t->n_sessions++;
}

static void leg_from(struct lts_static_leg *l, const struct lts_session *s)
{
	l->local = s->t->ep.local;
	l->peer = s->t->ep.peer;
	l->local_port = s->t->ep.local_port;
	l->peer_port = s->t->ep.peer_port;
	l->tunnel_id = s->t->id;
	l->session_id = s->id;
	l->peer_tunnel_id = s->t->peer_id;
	l->peer_session_id = s->peer_id;
	l->dscp = -1;
}

static int setup(void **state)
{
	struct fixture *f = &fx;
	char err[LTS_CFG_ERR_MAX];

	memset(f, 0, sizeof(*f));
	assert_int_equal(lts_config_load_string("test.yaml", cfg_yaml, strlen(cfg_yaml), &f->cfg,
						err, sizeof(err)), 0);

	f->t_lac = (struct lts_tunnel){ .id = 12, .peer_id = 5831, .role = LTS_ROLE_LNS,
					.state = LTS_TUN_ESTABLISHED, .lac_idx = 0, .lns_idx = -1,
					.created_ms = 10000 };
	set_ip(&f->t_lac.ep.peer, "10.0.1.1");
	set_ip(&f->t_lac.ep.local, "10.0.1.2");
	f->t_lac.ep.peer_port = 1701;
	f->t_lac.ep.local_port = 1701;
	snprintf(f->t_lac.peer_hostname, sizeof(f->t_lac.peer_hostname), "%s", evil_hostname);
	f->t_lac.xport.ctr.retransmits = 3;
	f->t_lac.xport.ctr.hello_tx = 7;

	f->t_lns = (struct lts_tunnel){ .id = 7, .peer_id = 77, .role = LTS_ROLE_LAC,
					.state = LTS_TUN_ESTABLISHED, .lac_idx = -1, .lns_idx = 0,
					.created_ms = 20000 };
	set_ip(&f->t_lns.ep.peer, "2001:db8:2::1");
	set_ip(&f->t_lns.ep.local, "2001:db8:2::2");
	f->t_lns.ep.peer_port = 1701;
	f->t_lns.ep.local_port = 1701;
	snprintf(f->t_lns.peer_hostname, sizeof(f->t_lns.peer_hostname), "lns1");
	f->t_lns.xport.ctr.tx_msgs = 11;

	add_session(&f->t_lac, &f->s_alone, 6, 10, LTS_SESS_WAIT_CONNECT, 90000, NULL);
	add_session(&f->t_lac, &f->s_up_a, 5, 9, LTS_SESS_ESTABLISHED, 30000, &f->call_up);
	add_session(&f->t_lns, &f->s_up_b, 33, 44, LTS_SESS_ESTABLISHED, 31000, &f->call_up);
	add_session(&f->t_lac, &f->s_set_a, 8, 18, LTS_SESS_WAIT_ANSWER, 95000, &f->call_setup);
	add_session(&f->t_lns, &f->s_set_b, 34, 0, LTS_SESS_WAIT_REPLY, 95500, &f->call_setup);

	f->call_up = (struct lts_call){ .first = &f->s_up_a, .second = &f->s_up_b,
					.rule = &f->cfg->rules[0], .installed = true,
					.stats_idx = 3, .up_ms = 32000 };
	snprintf(f->call_up.pair.name, sizeof(f->call_up.pair.name), "default");
	leg_from(&f->call_up.pair.a, &f->s_up_a);
	leg_from(&f->call_up.pair.b, &f->s_up_b);
	f->call_setup = (struct lts_call){ .first = &f->s_set_a, .second = &f->s_set_b,
					   .rule = &f->cfg->rules[0] };

	/* Lists are pushed at the head: the newest first. */
	f->cp.cfg = f->cfg;
	f->cp.all = &f->t_lac;
	f->t_lac.next = &f->t_lns;
	f->t_lns.prev = &f->t_lac;
	f->cp.n_tunnels = 2;
	f->cp.n_sessions = 5;
	f->cp.ctr.rx_packets = 123;
	f->sw.cfg = f->cfg;
	f->sw.calls = &f->call_setup;
	f->call_setup.next = &f->call_up;
	f->call_up.prev = &f->call_setup;
	f->sw.n_calls = 2;
	f->sw.ctr.calls_switched = 1;
	f->sw.ctr.failovers = 4;

	f->cp.lac = f->lac;
	f->cp.lns = f->lns;
	f->lac[0].n_tunnels = 1;
	f->lac[0].n_sessions = 3;
	f->lns[0].n_tunnels = 1;
	f->lns[0].n_sessions = 2;
	f->sw.lockout_until = f->lockout;
	f->lockout[0] = NOW_MS + 1500; /* 2 s left, rounded up */
	f->sw.rule_ctr = f->rule_ctr;
	f->rule_ctr[0] = (struct lts_switch_rule_counters){ .hits = 9, .switched = 7,
							     .failures = 2, .failovers = 1 };
	f->sw.lns_error = f->lns_error;
	f->lns_error[0] = (struct lts_switch_peer_error){ .at_ms = NOW_MS - 4000, .result = 2,
							   .error = 6, .message = "try later" };
	/* What call_up relayed (recorded at install). */
	f->call_up.avps.icrq[0] = 1ull << LTS_AVP_TYPE_CALLED_NUMBER |
				  1ull << LTS_AVP_TYPE_CALL_SERIAL;
	f->call_up.avps.icrq[1] = 1ull << (LTS_AVP_TYPE_TSA_ID - 64);
	f->call_up.avps.iccn[0] = 1ull << LTS_AVP_TYPE_PROXY_AUTH_NAME | 1ull << 20;
	f->call_up.avps.icrq_vendor = 2;
	f->s_up_a.serial = 4711;
	f->cp.msgs.rx[LTS_CTRL_SCCRQ] = 3;
	f->cp.msgs.tx[LTS_CTRL_SCCRP] = 2;
	f->cp.msgs.rx[0] = 1;
	f->cp.msgs.cdn_tx.result[LTS_CDN_ADMIN] = 5;
	f->cp.msgs.cdn_tx.result[LTS_CDN_GENERAL_ERROR] = 4;
	f->cp.msgs.cdn_tx.general[LTS_ERR_NEXT_HOP_UNREACHABLE] = 3;
	f->cp.msgs.cdn_tx.general[LTS_CP_ERRORS - 1] = 1;
	f->cp.msgs.stopccn_rx.result[0] = 6; /* reserved or out of range */
	f->cp.ctr.drain_refused = 8;
	f->sw.ctr.calls_cleared = 11;
	/* Calls installed at second 100 (now), 95 and 50; 30 is too old for any window. */
	f->sw.rate_sec[100 % LTS_SWITCH_RATE_SLOTS] = 100;
	f->sw.rate_n[100 % LTS_SWITCH_RATE_SLOTS] = 3;
	f->sw.rate_sec[95 % LTS_SWITCH_RATE_SLOTS] = 95;
	f->sw.rate_n[95 % LTS_SWITCH_RATE_SLOTS] = 2;
	f->sw.rate_sec[50 % LTS_SWITCH_RATE_SLOTS] = 50;
	f->sw.rate_n[50 % LTS_SWITCH_RATE_SLOTS] = 4;
	f->sw.rate_sec[30 % LTS_SWITCH_RATE_SLOTS] = 30;
	f->sw.rate_n[30 % LTS_SWITCH_RATE_SLOTS] = 100;

	f->view = (struct lts_ctl_view){ .cfg = f->cfg, .cp = &f->cp, .sw = &f->sw,
					 .dp = { .fast_stats = fake_fast, .slow_stats = fake_slow, .ctx = f },
					 .started_ms = STARTED_MS };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lts_config_free(fx.cfg);
	return 0;
}

/* Render req and parse the answer back; *text keeps the raw document. */
static struct lts_json_val *render(const struct lts_ctl_view *v, enum lts_ctl_req req,
				   char **text)
{
	struct lts_json_val *doc = NULL;
	char err[128], *out;
	size_t len;

	assert_int_equal(lts_ctl_render(v, req, NOW_MS, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	assert_true(len > 0 && out[len - 1] == '\n');
	if (lts_json_parse(out, len, &doc, err, sizeof(err)))
		fail_msg("not valid JSON: %s\n%s", err, out);
	if (text)
		*text = out;
	else
		free(out);
	return doc;
}

static uint64_t u64_at(const struct lts_json_val *o, const char *key)
{
	uint64_t v = 0;

	if (lts_json_get_u64(o, key, &v))
		fail_msg("member \"%s\" missing or not an unsigned integer", key);
	return v;
}

static void assert_str_member(const struct lts_json_val *o, const char *key, const char *want)
{
	const struct lts_json_val *v = lts_json_get(o, key);

	if (!want) {
		assert_non_null(v);
		assert_int_equal(v->type, LTS_JSON_NULL);
		return;
	}
	if (!v || v->type != LTS_JSON_STR)
		fail_msg("member \"%s\" missing or not a string", key);
	assert_string_equal(v->str, want);
}

static const struct lts_json_val *nth(const struct lts_json_val *arr, size_t n)
{
	const struct lts_json_val *c;

	assert_non_null(arr);
	assert_int_equal(arr->type, LTS_JSON_ARR);
	for (c = arr->child; c && n; c = c->next)
		n--;
	assert_non_null(c);
	return c;
}

/* ------------------------------------------------------------ json */

static void test_json_escape(void **state)
{
	struct lts_json_val *v;
	struct lts_json j;
	char *out, want[256];
	uint64_t big;
	size_t len;

	(void)state;
	lts_json_init(&j, false);
	lts_json_obj_begin(&j, NULL);
	lts_json_str(&j, "h", evil_hostname);
	lts_json_str(&j, "k\"ey", "\xe2\x82\xac \xf0\x9f\x98\x80"); /* euro, emoji: kept */
	lts_json_str(&j, "trunc", "a\xe2\x82");                     /* cut sequence */
	lts_json_str(&j, "nul", NULL);
	lts_json_arr_begin(&j, "a");
	lts_json_u64(&j, NULL, UINT64_MAX);
	lts_json_i64(&j, NULL, -5);
	lts_json_bool(&j, NULL, true);
	lts_json_arr_end(&j);
	lts_json_obj_end(&j);
	assert_int_equal(lts_json_finish(&j, &out, &len), 0);
	snprintf(want, sizeof(want),
		 "{\"h\":%s,\"k\\\"ey\":\"\xe2\x82\xac \xf0\x9f\x98\x80\","
		 "\"trunc\":\"a\\u00e2\\u0082\",\"nul\":null,"
		 "\"a\":[18446744073709551615,-5,true]}\n", evil_hostname_json);
	assert_string_equal(out, want);

	assert_int_equal(lts_json_parse(out, len, &v, NULL, 0), 0);
	assert_string_equal(lts_json_get_str(v, "k\"ey"), "\xe2\x82\xac \xf0\x9f\x98\x80");
	/* \u00ff decodes to U+00FF; everything else comes back byte for byte. */
	assert_string_equal(lts_json_get_str(v, "h"), "lac \"one\"\\\n\t\x01\x7f\xc3\xbf-\xc3\xa9");
	assert_int_equal(lts_json_get(v, "nul")->type, LTS_JSON_NULL);
	assert_int_equal(lts_json_to_u64(nth(lts_json_get(v, "a"), 0), &big), 0);
	assert_true(big == UINT64_MAX);
	assert_string_equal(nth(lts_json_get(v, "a"), 1)->str, "-5");
	assert_true(nth(lts_json_get(v, "a"), 2)->b);
	lts_json_val_free(v);
	free(out);
}

/* Misuse of the emitter is a sticky error, not broken output. */
static void test_json_misuse(void **state)
{
	struct lts_json j;
	char *out = NULL;

	(void)state;
	lts_json_init(&j, true);
	lts_json_obj_begin(&j, NULL);
	lts_json_u64(&j, NULL, 1); /* no key inside an object */
	lts_json_obj_end(&j);
	assert_int_equal(lts_json_finish(&j, &out, NULL), -EINVAL);
	assert_null(out);

	lts_json_init(&j, true);
	lts_json_arr_begin(&j, NULL);
	assert_int_equal(lts_json_finish(&j, &out, NULL), -EINVAL); /* unclosed */

	lts_json_init(&j, false);
	lts_json_u64(&j, NULL, 1);
	lts_json_u64(&j, NULL, 2); /* two documents */
	assert_int_equal(lts_json_finish(&j, &out, NULL), -EINVAL);
}

static void test_json_parse(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "{a:1}", "01", "1.", "-", "1e",
		"\"\\x\"", "\"a\x01\"", "\"\xff\"", "\"\xc0\x80\"", "[1] x", "\"\\ud800\"",
		"\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u12\"", "tru", "nul", "[1 2]",
		"\"abc", "\"abc\\\"", "{\"a\":1 \"b\":2}",
	};
	const char good[] = " {\"a\":[1,-0.5e+3,{\"b\":null}],\"c\":true,\"d\":\"\\u00e9\\ud83d\\ude00\\/\","
			    "\"e\":{},\"f\":[],\"g\":\"\\u0000x\"} ";
	struct lts_json_val *v;
	char deep[80], err[128];
	uint64_t n;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (lts_json_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strncmp(err, "offset ", 7) == 0);
	}
	memset(deep, '[', sizeof(deep));
	assert_int_equal(lts_json_parse(deep, sizeof(deep), &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nested deeper"));

	assert_int_equal(lts_json_parse(good, strlen(good), &v, err, sizeof(err)), 0);
	assert_int_equal(v->type, LTS_JSON_OBJ);
	assert_int_equal(v->n, 6);
	assert_int_equal(lts_json_get(v, "a")->n, 3);
	assert_int_equal(lts_json_to_u64(nth(lts_json_get(v, "a"), 0), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lts_json_to_u64(nth(lts_json_get(v, "a"), 1), &n), -EINVAL);
	assert_string_equal(nth(lts_json_get(v, "a"), 1)->str, "-0.5e+3");
	assert_int_equal(nth(lts_json_get(v, "a"), 2)->child->type, LTS_JSON_NULL);
	assert_true(lts_json_get(v, "c")->b);
	assert_string_equal(lts_json_get_str(v, "d"), "\xc3\xa9\xf0\x9f\x98\x80/");
	assert_int_equal(lts_json_get(v, "g")->str_len, 2);
	assert_null(lts_json_get(v, "missing"));
	assert_int_equal(lts_json_get_u64(v, "missing", &n), -ENOENT);
	assert_int_equal(lts_json_get_u64(v, "c", &n), -EINVAL);
	lts_json_val_free(v);

	assert_int_equal(lts_json_parse("18446744073709551615", 20, &v, NULL, 0), 0);
	assert_int_equal(lts_json_to_u64(v, &n), 0);
	assert_true(n == UINT64_MAX);
	lts_json_val_free(v);
	assert_int_equal(lts_json_parse("18446744073709551616", 20, &v, NULL, 0), 0);
	assert_int_equal(lts_json_to_u64(v, &n), -EINVAL);
	lts_json_val_free(v);
}

/* ------------------------------------------------------------ views */

static void test_parse_request(void **state)
{
	enum lts_ctl_req r;

	(void)state;
	assert_int_equal(lts_ctl_parse_request("show tunnels", &r), 0);
	assert_int_equal(r, LTS_CTL_SHOW_TUNNELS);
	assert_int_equal(lts_ctl_parse_request("  show\tsessions \r\n", &r), 0);
	assert_int_equal(r, LTS_CTL_SHOW_SESSIONS);
	assert_int_equal(lts_ctl_parse_request("show summary", &r), 0);
	assert_int_equal(r, LTS_CTL_SHOW_SUMMARY);
	assert_int_equal(lts_ctl_parse_request("", &r), -EINVAL);
	assert_int_equal(lts_ctl_parse_request("show", &r), -EINVAL);
	assert_int_equal(lts_ctl_parse_request("show tunnels now", &r), -EINVAL);
	assert_int_equal(lts_ctl_parse_request("SHOW tunnels", &r), -EINVAL);
	assert_int_equal(lts_ctl_parse_request("clear sessions", &r), -EINVAL);
}

static void test_tunnels(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *arr, *t, *ctl;
	struct lts_json_val *doc;
	char *text;

	doc = render(&f->view, LTS_CTL_SHOW_TUNNELS, &text);
	arr = lts_json_get(doc, "tunnels");
	assert_int_equal(arr->n, 2);

	/* Sorted by our tunnel ID: 7 (LAC role) then 12 (LNS role). */
	t = nth(arr, 0);
	assert_int_equal(u64_at(t, "id"), 7);
	assert_int_equal(u64_at(t, "peer_id"), 77);
	assert_str_member(t, "role", "lac");
	assert_str_member(t, "state", "ESTABLISHED");
	assert_str_member(t, "peer", "2001:db8:2::1");
	assert_str_member(t, "local", "2001:db8:2::2");
	assert_str_member(t, "lns_peer", "lns-core");
	assert_null(lts_json_get(t, "lac_peer"));
	assert_int_equal(u64_at(t, "sessions"), 2);
	assert_int_equal(u64_at(t, "uptime_s"), (NOW_MS - 20000) / 1000);
	assert_int_equal(u64_at(lts_json_get(t, "control"), "tx_msgs"), 11);

	t = nth(arr, 1);
	assert_int_equal(u64_at(t, "id"), 12);
	assert_int_equal(u64_at(t, "peer_id"), 5831);
	assert_str_member(t, "role", "lns");
	assert_str_member(t, "peer", "10.0.1.1");
	assert_int_equal(u64_at(t, "peer_port"), 1701);
	assert_str_member(t, "local", "10.0.1.2");
	assert_int_equal(u64_at(t, "local_port"), 1701);
	assert_str_member(t, "lac_peer", "lac-west");
	assert_str_member(t, "peer_hostname", "lac \"one\"\\\n\t\x01\x7f\xc3\xbf-\xc3\xa9");
	assert_non_null(strstr(text, evil_hostname_json));
	assert_int_equal(u64_at(t, "sessions"), 3);
	assert_int_equal(u64_at(t, "uptime_s"), 90);
	ctl = lts_json_get(t, "control");
	assert_int_equal(u64_at(ctl, "retransmits"), 3);
	assert_int_equal(u64_at(ctl, "hello_tx"), 7);
	assert_int_equal(u64_at(ctl, "queue_full"), 0);
	lts_json_val_free(doc);
	free(text);
}

static void assert_leg(const struct lts_json_val *leg, const char *peer, uint64_t port,
		       uint64_t tid, uint64_t sid, uint64_t ptid, uint64_t psid, const char *state)
{
	assert_non_null(leg);
	assert_int_equal(leg->type, LTS_JSON_OBJ);
	assert_str_member(leg, "peer", peer);
	assert_int_equal(u64_at(leg, "peer_port"), port);
	assert_int_equal(u64_at(leg, "tunnel_id"), tid);
	assert_int_equal(u64_at(leg, "session_id"), sid);
	assert_int_equal(u64_at(leg, "peer_tunnel_id"), ptid);
	assert_int_equal(u64_at(leg, "peer_session_id"), psid);
	assert_str_member(leg, "state", state);
}

static void assert_dir(const struct lts_json_val *c, const char *dir, uint64_t packets)
{
	const struct lts_json_val *d = lts_json_get(c, dir);

	assert_non_null(d);
	assert_int_equal(u64_at(d, "packets"), packets);
	assert_int_equal(u64_at(d, "bytes"), 100 * packets);
}

static void test_sessions(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *arr, *s, *c;
	struct lts_json_val *doc;

	f->fast_calls = f->slow_calls = 0;
	doc = render(&f->view, LTS_CTL_SHOW_SESSIONS, NULL);
	arr = lts_json_get(doc, "sessions");
	/* static, call up (oldest), call setup, the LNS-side session alone */
	assert_int_equal(arr->n, 4);
	assert_int_equal(f->fast_calls, 2);
	assert_int_equal(f->slow_calls, 2);

	s = nth(arr, 0);
	assert_str_member(s, "rule", "static:st0");
	assert_str_member(s, "state", "static");
	assert_int_equal(u64_at(s, "uptime_s"), (NOW_MS - STARTED_MS) / 1000);
	assert_int_equal(u64_at(s, "stats_idx"), 0);
	assert_leg(lts_json_get(s, "lac"), "10.0.1.1", 1701, 100, 1, 200, 2, "static");
	assert_leg(lts_json_get(s, "lns"), "fd00:2::1", 1702, 300, 3, 400, 4, "static");
	assert_str_member(lts_json_get(s, "lns"), "local", "fd00:2::2");
	c = lts_json_get(s, "counters");
	/* idx 0: fast 1 / 11, slow 2 / 3 */
	assert_dir(c, "lac_to_lns", 3);
	assert_dir(c, "lns_to_lac", 14);
	assert_dir(lts_json_get(c, "fast"), "lac_to_lns", 1);
	assert_dir(lts_json_get(c, "fast"), "lns_to_lac", 11);
	assert_dir(lts_json_get(c, "slow"), "lac_to_lns", 2);
	assert_dir(lts_json_get(c, "slow"), "lns_to_lac", 3);

	s = nth(arr, 1);
	assert_str_member(s, "rule", "default");
	assert_str_member(s, "state", "up");
	assert_int_equal(u64_at(s, "uptime_s"), (NOW_MS - 32000) / 1000);
	assert_int_equal(u64_at(s, "stats_idx"), 3);
	assert_leg(lts_json_get(s, "lac"), "10.0.1.1", 1701, 12, 5, 5831, 9, "ESTABLISHED");
	assert_str_member(lts_json_get(s, "lac"), "peer_name", "lac-west");
	assert_leg(lts_json_get(s, "lns"), "2001:db8:2::1", 1701, 7, 33, 77, 44, "ESTABLISHED");
	assert_str_member(lts_json_get(s, "lns"), "peer_name", "lns-core");
	c = lts_json_get(s, "counters");
	/* idx 3: fast 3001 / 3011, slow 5 / 6 */
	assert_dir(c, "lac_to_lns", 3006);
	assert_dir(c, "lns_to_lac", 3017);
	assert_dir(lts_json_get(c, "slow"), "lns_to_lac", 6);

	s = nth(arr, 2);
	assert_str_member(s, "rule", "default");
	assert_str_member(s, "state", "setup");
	assert_int_equal(u64_at(s, "uptime_s"), (NOW_MS - 95000) / 1000);
	assert_int_equal(lts_json_get(s, "stats_idx")->type, LTS_JSON_NULL);
	assert_int_equal(lts_json_get(s, "counters")->type, LTS_JSON_NULL);
	assert_leg(lts_json_get(s, "lac"), "10.0.1.1", 1701, 12, 8, 5831, 18, "WAIT_ANSWER");
	assert_leg(lts_json_get(s, "lns"), "2001:db8:2::1", 1701, 7, 34, 77, 0, "WAIT_REPLY");

	s = nth(arr, 3);
	assert_str_member(s, "rule", NULL);
	assert_str_member(s, "state", "unswitched");
	assert_int_equal(u64_at(s, "uptime_s"), 10);
	assert_leg(lts_json_get(s, "lac"), "10.0.1.1", 1701, 12, 6, 5831, 10, "WAIT_CONNECT");
	assert_int_equal(lts_json_get(s, "lns")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);
}

/* A slow-path callback that fails reads as zero; unset hooks too. */
static void test_sessions_counter_errors(void **state)
{
	struct fixture *f = *state;
	struct lts_ctl_view v = f->view;
	const struct lts_json_val *c;
	struct lts_json_val *doc;

	f->call_up.stats_idx = 7;
	doc = render(&v, LTS_CTL_SHOW_SESSIONS, NULL);
	c = lts_json_get(nth(lts_json_get(doc, "sessions"), 1), "counters");
	assert_dir(c, "lac_to_lns", 7001);
	assert_dir(lts_json_get(c, "slow"), "lac_to_lns", 0);
	lts_json_val_free(doc);
	f->call_up.stats_idx = 3;

	v.dp.fast_stats = NULL;
	v.dp.slow_stats = NULL;
	doc = render(&v, LTS_CTL_SHOW_SESSIONS, NULL);
	c = lts_json_get(nth(lts_json_get(doc, "sessions"), 0), "counters");
	assert_dir(c, "lac_to_lns", 0);
	assert_dir(c, "lns_to_lac", 0);
	lts_json_val_free(doc);
}

static void test_summary(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *s;
	struct lts_json_val *doc;

	doc = render(&f->view, LTS_CTL_SHOW_SUMMARY, NULL);
	s = lts_json_get(doc, "summary");
	assert_non_null(s);
	assert_int_equal(u64_at(s, "version"), LTS_CTL_PROTO_VERSION);
	assert_str_member(s, "hostname", "lts-test");
	assert_str_member(s, "mode", "off");
	assert_int_equal(u64_at(s, "uptime_s"), 60);
	assert_int_equal(u64_at(s, "tunnels"), 2);
	assert_int_equal(u64_at(s, "tunnels_established"), 2);
	assert_int_equal(u64_at(s, "sessions"), 5);
	assert_int_equal(u64_at(s, "calls"), 2);
	assert_int_equal(u64_at(s, "calls_switched"), 1);
	assert_int_equal(u64_at(s, "static_sessions"), 1);
	assert_int_equal(u64_at(lts_json_get(s, "switch"), "failovers"), 4);
	assert_int_equal(u64_at(lts_json_get(s, "control"), "rx_packets"), 123);
	lts_json_val_free(doc);
}

/* Without a control plane (static sessions only) every view still answers. */
static void test_no_control_plane(void **state)
{
	struct fixture *f = *state;
	struct lts_ctl_view v = f->view;
	struct lts_json_val *doc;

	v.cp = NULL;
	v.sw = NULL;
	doc = render(&v, LTS_CTL_SHOW_TUNNELS, NULL);
	assert_int_equal(lts_json_get(doc, "tunnels")->n, 0);
	lts_json_val_free(doc);
	doc = render(&v, LTS_CTL_SHOW_SESSIONS, NULL);
	assert_int_equal(lts_json_get(doc, "sessions")->n, 1);
	lts_json_val_free(doc);
	doc = render(&v, LTS_CTL_SHOW_SUMMARY, NULL);
	assert_int_equal(u64_at(lts_json_get(doc, "summary"), "tunnels"), 0);
	assert_null(lts_json_get(lts_json_get(doc, "summary"), "switch"));
	lts_json_val_free(doc);
}

static void test_render_error(void **state)
{
	struct lts_json_val *doc;
	char *out;
	size_t len;

	(void)state;
	assert_int_equal(lts_ctl_render_error("no \"such\" thing", &out, &len), 0);
	assert_int_equal(lts_json_parse(out, len, &doc, NULL, 0), 0);
	assert_string_equal(lts_json_get_str(doc, "error"), "no \"such\" thing");
	lts_json_val_free(doc);
	free(out);
}

/* ------------------------------------------------------------ requests */

/* Every request form: what it parses to, or that it is refused (and with what usage). */
#define OK(l, c) { .line = l, .cmd = c }
#define OKT(l, c, t, s) { .line = l, .cmd = c, .tid = t, .sid = s }
#define OKP(l, c, k, n) { .line = l, .cmd = c, .kind = k, .name = n }
#define OKL(l, lv) { .line = l, .cmd = LTS_CTL_CMD_LOG_LEVEL, .level = lv }
#define OKR(l, m, n) { .line = l, .cmd = LTS_CTL_CMD_TRACE, .trace = m, .name = n }
#define TR(f) (1u << LTS_TRACE_##f)
#define BAD(l, w) { .line = l, .ret = -EINVAL, .why = w }

static void test_parse_table(void **state)
{
	static const struct {
		const char *line;
		int ret;
		enum lts_ctl_cmd cmd;
		uint16_t tid, sid;
		enum lts_ctl_peer_kind kind;
		const char *name;
		enum lts_log_level level;
		uint32_t trace;
		const char *why; /* prefix of the error, for a refusal */
	} rows[] = {
		OK("show summary", LTS_CTL_CMD_SHOW_SUMMARY),
		OK("show tunnels", LTS_CTL_CMD_SHOW_TUNNELS),
		OK("  show\tsessions \r\n", LTS_CTL_CMD_SHOW_SESSIONS),
		OK("show peers", LTS_CTL_CMD_SHOW_PEERS),
		OK("show rules", LTS_CTL_CMD_SHOW_RULES),
		OK("show stats", LTS_CTL_CMD_SHOW_STATS),
		OKT("show tunnel 12", LTS_CTL_CMD_SHOW_TUNNEL, 12, 0),
		OKT("show tunnel 65535", LTS_CTL_CMD_SHOW_TUNNEL, 65535, 0),
		OKT("show tunnel 007", LTS_CTL_CMD_SHOW_TUNNEL, 7, 0),
		OKT("show session 5", LTS_CTL_CMD_SHOW_SESSION, 0, 5),
		OKT("show session 12/5", LTS_CTL_CMD_SHOW_SESSION, 12, 5),
		OKT("clear session 7/33", LTS_CTL_CMD_CLEAR_SESSION, 7, 33),
		OKT("clear session 33", LTS_CTL_CMD_CLEAR_SESSION, 0, 33),
		OKT("clear tunnel 7", LTS_CTL_CMD_CLEAR_TUNNEL, 7, 0),
		OKP("clear peer lns-core", LTS_CTL_CMD_CLEAR_PEER, LTS_CTL_PEER_ANY, "lns-core"),
		OKP("clear peer lac lac-west", LTS_CTL_CMD_CLEAR_PEER, LTS_CTL_PEER_LAC, "lac-west"),
		OKP("clear peer lns x", LTS_CTL_CMD_CLEAR_PEER, LTS_CTL_PEER_LNS, "x"),
		OKP("drain lns lns-core", LTS_CTL_CMD_DRAIN, LTS_CTL_PEER_LNS, "lns-core"),
		OKP("drain\tlac  lac-west \n", LTS_CTL_CMD_DRAIN, LTS_CTL_PEER_LAC, "lac-west"),
		OKP("undrain lns lns-core", LTS_CTL_CMD_UNDRAIN, LTS_CTL_PEER_LNS, "lns-core"),
		OKP("undrain lac a", LTS_CTL_CMD_UNDRAIN, LTS_CTL_PEER_LAC, "a"),
		OKL("log level err", LTS_LOG_ERR),
		OKL("log level error", LTS_LOG_ERR),
		OKL("log level warn", LTS_LOG_WARN),
		OKL("log level warning", LTS_LOG_WARN),
		OKL("log level info", LTS_LOG_INFO),
		OKL("log level debug", LTS_LOG_DEBUG),
		OK("show trace", LTS_CTL_CMD_SHOW_TRACE),
		OKR("trace tunnel", TR(TUNNEL), NULL),
		OKR("trace tunnel session", TR(TUNNEL) | TR(SESSION), NULL),
		OKR("trace tunnel,session,ctl peer lac-west", TR(TUNNEL) | TR(SESSION) | TR(CTL),
		    "lac-west"),
		OKR("trace accounting peer peer", TR(ACCOUNTING), "peer"),
		OKR("trace all", LTS_TRACE_ALL, NULL),
		OKR("trace general all", LTS_TRACE_ALL, NULL),
		OKR("trace off", 0, NULL),
		/* refused */
		BAD("", "unknown request"),
		BAD("show", "unknown request"),
		BAD("SHOW tunnels", "unknown request"),
		BAD("clear sessions", "unknown request"),
		BAD("show tunnels now", "show tunnels"),
		BAD("show tunnel", "usage: show tunnel ID"),
		BAD("show tunnel 0", "usage: show tunnel ID"),
		BAD("show tunnel 65536", "usage: show tunnel ID"),
		BAD("show tunnel 123456", "usage: show tunnel ID"),
		BAD("show tunnel +5", "usage: show tunnel ID"),
		BAD("show tunnel -5", "usage: show tunnel ID"),
		BAD("show tunnel 0x10", "usage: show tunnel ID"),
		BAD("show tunnel 1 2", "usage: show tunnel ID"),
		BAD("show session 12/", "usage: show session"),
		BAD("show session /5", "usage: show session"),
		BAD("show session 1/2/3", "usage: show session"),
		BAD("show session 0/5", "usage: show session"),
		BAD("clear session", "usage: clear session"),
		BAD("clear tunnel x", "usage: clear tunnel"),
		BAD("clear peer", "usage: clear peer"),
		BAD("clear peer a b", "usage: clear peer"),
		BAD("clear peer lac a b", "usage: clear peer"),
		BAD("clear all", "unknown request"),
		BAD("drain peer x", "unknown request"),
		BAD("drain lns", "usage: drain lns NAME"),
		BAD("drain lns a b", "usage: drain lns NAME"),
		/* 64 bytes: no room for the NUL of a name */
		BAD("drain lns 0123456789012345678901234567890123456789012345678901234567890123",
		    "usage: drain lns NAME"),
		BAD("log level", "usage: log level"),
		BAD("log level verbose", "usage: log level"),
		BAD("log debug", "unknown request"),
		BAD("clear peer lac a b c d", "usage: clear peer"),
		BAD("clear peer lac a b c d e", "unknown request"), /* 8 words or more */
		BAD("show trace tunnel", "show trace"),
		BAD("trace", "usage: trace FLAG... [peer NAME], or trace off (FLAG: general, tunnel,"),
		BAD("trace bogus", "usage: trace FLAG"),
		BAD("trace Tunnel", "usage: trace FLAG"),
		BAD("trace tunnel,bogus", "usage: trace FLAG"),
		BAD("trace peer lac-west", "usage: trace FLAG"),
		BAD("trace tunnel peer", "usage: trace FLAG"),
		BAD("trace off peer lac-west", "usage: trace FLAG"),
		BAD("trace off tunnel", "usage: trace FLAG"),
		BAD("trace tunnel peer 0123456789012345678901234567890123456789012345678901234567890123",
		    "usage: trace FLAG"),
	};
	struct lts_ctl_request r;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int ret;

		memset(&r, 0x5a, sizeof(r));
		why = NULL;
		ret = lts_ctl_parse(rows[i].line, &r, &why);
		if (ret != rows[i].ret)
			fail_msg("\"%s\": %d, expected %d", rows[i].line, ret, rows[i].ret);
		if (ret) {
			assert_non_null(why);
			if (strncmp(why, rows[i].why, strlen(rows[i].why)))
				fail_msg("\"%s\": \"%s\", expected \"%s...\"", rows[i].line, why,
					 rows[i].why);
			continue;
		}
		assert_int_equal(r.cmd, rows[i].cmd);
		assert_int_equal(r.tunnel_id, rows[i].tid);
		assert_int_equal(r.session_id, rows[i].sid);
		assert_int_equal(r.kind, rows[i].kind);
		assert_string_equal(r.name, rows[i].name ? rows[i].name : "");
		if (rows[i].cmd == LTS_CTL_CMD_LOG_LEVEL)
			assert_int_equal(r.level, rows[i].level);
		if (rows[i].cmd == LTS_CTL_CMD_TRACE)
			assert_int_equal(r.trace, rows[i].trace);
		assert_int_equal(lts_ctl_cmd_acts(r.cmd), r.cmd >= LTS_CTL_CMD_CLEAR_SESSION);
	}
	/* Longer than a request may be; NULL why is allowed. */
	{
		char line[LTS_CTL_REQ_MAX + 16];

		memset(line, 'a', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		memcpy(line, "show tunnel 1 ", 14);
		assert_int_equal(lts_ctl_parse(line, &r, NULL), -EINVAL);
	}
	/* The version-1 subset keeps its old contract. */
	{
		enum lts_ctl_req req;

		assert_int_equal(lts_ctl_parse_request("show peers", &req), -EINVAL);
		assert_int_equal(lts_ctl_parse_request("drain lns lns-core", &req), -EINVAL);
		assert_int_equal(lts_ctl_parse_request(" show summary ", &req), 0);
		assert_int_equal(req, LTS_CTL_SHOW_SUMMARY);
	}
}

/* Parse and execute line on v: the answer, parsed; *ret what execute returned. */
static struct lts_json_val *exec_line(const struct lts_ctl_view *v, const char *line, int want)
{
	struct lts_json_val *doc = NULL;
	struct lts_ctl_request r;
	char err[128], *out = NULL;
	size_t len = 0;

	if (lts_ctl_parse(line, &r, NULL))
		fail_msg("\"%s\" does not parse", line);
	assert_int_equal(lts_ctl_execute(v, &r, NOW_MS, &out, &len), want);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	assert_true(len > 0 && out[len - 1] == '\n');
	if (lts_json_parse(out, len, &doc, err, sizeof(err)))
		fail_msg("not valid JSON: %s\n%s", err, out);
	free(out);
	assert_int_equal(doc->n, 1);
	if (want)
		assert_non_null(lts_json_get_str(doc, "error"));
	return doc;
}

static const struct lts_json_val *peer_named(const struct lts_json_val *arr, const char *name)
{
	const struct lts_json_val *p;

	for (p = arr ? arr->child : NULL; p; p = p->next)
		if (!strcmp(lts_json_get_str(p, "name"), name))
			return p;
	fail_msg("no peer %s", name);
	return NULL;
}

static bool bool_at(const struct lts_json_val *o, const char *key)
{
	const struct lts_json_val *v = lts_json_get(o, key);

	if (!v || v->type != LTS_JSON_BOOL)
		fail_msg("member \"%s\" missing or not a boolean", key);
	return v->b;
}

/* The first three views are what they were: the same bytes through either entry. */
static void test_execute_legacy_views(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = { "show summary", "show tunnels", "show sessions" };
	struct lts_ctl_request r;
	char *a, *b;
	size_t la, lb;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(lts_ctl_parse(lines[i], &r, NULL), 0);
		assert_int_equal(lts_ctl_execute(&f->view, &r, NOW_MS, &a, &la), 0);
		assert_int_equal(lts_ctl_render(&f->view, (enum lts_ctl_req)i, NOW_MS, &b, &lb), 0);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
	}
	assert_int_equal(lts_ctl_render(&f->view, (enum lts_ctl_req)3, NOW_MS, &a, &la), -EINVAL);
}

static void test_show_peers(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *arr, *p, *e;
	struct lts_json_val *doc;

	doc = exec_line(&f->view, "show peers", 0);
	arr = lts_json_get(doc, "peers");
	assert_int_equal(arr->n, 2);
	p = nth(arr, 0); /* lac_peers first, in file order */
	assert_str_member(p, "name", "lac-west");
	assert_str_member(p, "kind", "lac");
	assert_str_member(p, "address", "10.0.1.0/24");
	assert_str_member(p, "hostname", NULL);
	assert_str_member(p, "state", "up");
	assert_false(bool_at(p, "drained"));
	assert_int_equal(u64_at(p, "tunnels"), 1);
	assert_int_equal(u64_at(p, "tunnels_established"), 1);
	assert_int_equal(u64_at(p, "sessions"), 3);
	assert_int_equal(lts_json_get(p, "lockout_s")->type, LTS_JSON_NULL);
	assert_int_equal(lts_json_get(p, "last_error")->type, LTS_JSON_NULL);
	p = peer_named(arr, "lns-core");
	assert_str_member(p, "kind", "lns");
	assert_str_member(p, "address", "2001:db8:2::1");
	assert_int_equal(u64_at(p, "port"), 1701);
	assert_str_member(p, "tunnel", "on-demand");
	assert_str_member(p, "state", "up");
	assert_int_equal(u64_at(p, "sessions"), 2);
	assert_int_equal(u64_at(p, "lockout_s"), 2);
	e = lts_json_get(p, "last_error");
	assert_int_equal(u64_at(e, "result"), 2);
	assert_int_equal(u64_at(e, "error"), 6);
	assert_str_member(e, "message", "try later");
	assert_int_equal(u64_at(e, "age_s"), 4);
	lts_json_val_free(doc);

	/* States follow the tunnels: connecting, then idle (on demand) without any. */
	f->t_lns.state = LTS_TUN_WAIT_CTL_REPLY;
	f->t_lac.state = LTS_TUN_CLOSING;
	f->lockout[0] = NOW_MS - 1;
	doc = exec_line(&f->view, "show peers", 0);
	arr = lts_json_get(doc, "peers");
	assert_str_member(peer_named(arr, "lns-core"), "state", "connecting");
	assert_int_equal(u64_at(peer_named(arr, "lns-core"), "lockout_s"), 0);
	assert_str_member(peer_named(arr, "lac-west"), "state", "idle");
	assert_int_equal(u64_at(peer_named(arr, "lac-west"), "tunnels"), 0);
	lts_json_val_free(doc);
	f->t_lns.state = f->t_lac.state = LTS_TUN_ESTABLISHED;
	f->lockout[0] = NOW_MS + 1500;

	/* Without a control plane or a switch: the configuration, nothing live. */
	{
		struct lts_ctl_view v = f->view;

		v.cp = NULL;
		v.sw = NULL;
		doc = exec_line(&v, "show peers", 0);
		p = peer_named(lts_json_get(doc, "peers"), "lns-core");
		assert_str_member(p, "state", "idle");
		assert_int_equal(u64_at(p, "sessions"), 0);
		assert_int_equal(lts_json_get(p, "lockout_s")->type, LTS_JSON_NULL);
		assert_int_equal(lts_json_get(p, "last_error")->type, LTS_JSON_NULL);
		lts_json_val_free(doc);
	}
}

static void test_show_rules(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *r, *m;
	struct lts_json_val *doc;

	doc = exec_line(&f->view, "show rules", 0);
	assert_int_equal(lts_json_get(doc, "rules")->n, 1);
	r = nth(lts_json_get(doc, "rules"), 0);
	assert_str_member(r, "name", "default");
	assert_str_member(r, "decided_at", "icrq");
	assert_int_equal(lts_json_get(r, "match")->n, 0); /* catch-all */
	assert_int_equal(lts_json_get(r, "pool")->n, 1);
	m = nth(lts_json_get(r, "pool"), 0);
	assert_str_member(m, "lns", "lns-core");
	assert_int_equal(u64_at(m, "lockout_s"), 2);
	assert_false(bool_at(m, "drained"));
	assert_int_equal(u64_at(r, "calls"), 2);
	assert_int_equal(u64_at(r, "calls_up"), 1);
	assert_int_equal(u64_at(r, "hits"), 9);
	assert_int_equal(u64_at(r, "switched"), 7);
	assert_int_equal(u64_at(r, "failures"), 2);
	assert_int_equal(u64_at(r, "failovers"), 1);
	lts_json_val_free(doc);

	f->lns[0].drained = true;
	doc = exec_line(&f->view, "show rules", 0);
	assert_true(bool_at(nth(lts_json_get(nth(lts_json_get(doc, "rules"), 0), "pool"), 0),
			    "drained"));
	lts_json_val_free(doc);
	f->lns[0].drained = false;
}

static int64_t fake_reason(void *ctx, enum lts_reason r)
{
	(void)ctx;
	return r == LTS_R_PASS_MTU ? -EIO : 100 + (int64_t)r;
}

static void test_show_stats(void **state)
{
	struct fixture *f = *state;
	struct lts_ctl_view v = f->view;
	const struct lts_json_val *s, *o;
	struct lts_json_val *doc;

	doc = exec_line(&v, "show stats", 0);
	s = lts_json_get(doc, "stats");
	assert_int_equal(u64_at(s, "uptime_s"), 60);
	o = lts_json_get(lts_json_get(s, "messages"), "rx");
	assert_int_equal(o->n, 15); /* 14 types and "other" */
	assert_int_equal(u64_at(o, "SCCRQ"), 3);
	assert_int_equal(u64_at(o, "other"), 1);
	assert_int_equal(u64_at(o, "StopCCN"), 0);
	assert_int_equal(u64_at(lts_json_get(lts_json_get(s, "messages"), "tx"), "SCCRP"), 2);
	o = lts_json_get(lts_json_get(s, "results"), "cdn_tx");
	assert_int_equal(o->n, 3); /* only what was seen */
	assert_int_equal(u64_at(o, "3"), 5);
	assert_int_equal(u64_at(o, "2/10"), 3);
	assert_int_equal(u64_at(o, "2/15+"), 1);
	assert_int_equal(u64_at(lts_json_get(lts_json_get(s, "results"), "stopccn_rx"), "other"), 6);
	assert_int_equal(lts_json_get(lts_json_get(s, "results"), "cdn_rx")->n, 0);
	assert_int_equal(u64_at(lts_json_get(s, "control"), "drain_refused"), 8);
	o = lts_json_get(s, "switch");
	assert_int_equal(u64_at(o, "calls_cleared"), 11);
	assert_int_equal(u64_at(o, "setups_10s"), 5);
	assert_int_equal(u64_at(o, "setups_60s"), 9);
	assert_int_equal(lts_json_get(s, "reasons")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);

	/* With the XDP verdict counters: every reason, null where one cannot be read. */
	v.dp.reason_count = fake_reason;
	doc = exec_line(&v, "show stats", 0);
	o = lts_json_get(lts_json_get(doc, "stats"), "reasons");
	assert_int_equal(o->n, LTS_R_MAX);
	assert_int_equal(u64_at(o, "switched_tx"), 100);
	assert_int_equal(u64_at(o, "pass_control"), 100 + LTS_R_PASS_CONTROL);
	assert_int_equal(lts_json_get(o, "pass_mtu")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);

	v.cp = NULL;
	v.sw = NULL;
	doc = exec_line(&v, "show stats", 0);
	s = lts_json_get(doc, "stats");
	assert_int_equal(lts_json_get(s, "messages")->type, LTS_JSON_NULL);
	assert_int_equal(lts_json_get(s, "switch")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);
}

static void test_show_tunnel(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *t, *l, *s;
	struct lts_json_val *doc, *list;
	uint64_t id;

	doc = exec_line(&f->view, "show tunnel 12", 0);
	t = lts_json_get(doc, "tunnel");
	assert_int_equal(u64_at(t, "id"), 12);
	assert_str_member(t, "lac_peer", "lac-west");
	assert_int_equal(u64_at(lts_json_get(t, "control"), "retransmits"), 3);
	assert_int_equal(u64_at(lts_json_get(t, "control"), "pending"), 0);
	assert_int_equal(u64_at(lts_json_get(t, "control"), "ooo_dropped"), 0);
	assert_false(bool_at(t, "half_open"));
	assert_false(bool_at(t, "peer_drained"));
	l = lts_json_get(t, "session_list");
	assert_int_equal(l->n, 3);
	s = nth(l, 1); /* pushed at the head: 8, 5, 6 */
	assert_int_equal(u64_at(s, "id"), 5);
	assert_str_member(s, "state", "ESTABLISHED");
	assert_str_member(s, "call", "up");
	assert_str_member(s, "rule", "default");
	assert_int_equal(u64_at(lts_json_get(s, "other_leg"), "tunnel_id"), 7);
	assert_int_equal(u64_at(lts_json_get(s, "other_leg"), "session_id"), 33);
	s = nth(l, 2);
	assert_int_equal(u64_at(s, "id"), 6);
	assert_str_member(s, "call", NULL);
	assert_int_equal(lts_json_get(s, "other_leg")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);

	/* The same members as in show tunnels first, in the same order. */
	doc = exec_line(&f->view, "show tunnel 7", 0);
	list = render(&f->view, LTS_CTL_SHOW_TUNNELS, NULL);
	assert_int_equal(lts_json_get(lts_json_get(doc, "tunnel"), "session_list")->n, 2);
	assert_int_equal(lts_json_to_u64(nth(lts_json_get(list, "tunnels"), 0)->child, &id), 0);
	assert_int_equal(id, 7);
	for (t = lts_json_get(doc, "tunnel")->child, l = nth(lts_json_get(list, "tunnels"), 0)->child;
	     l; t = t->next, l = l->next)
		assert_string_equal(t->key, l->key);
	lts_json_val_free(list);
	lts_json_val_free(doc);

	f->lac[0].drained = true;
	doc = exec_line(&f->view, "show tunnel 12", 0);
	assert_true(bool_at(lts_json_get(doc, "tunnel"), "peer_drained"));
	lts_json_val_free(doc);
	f->lac[0].drained = false;

	lts_json_val_free(exec_line(&f->view, "show tunnel 99", -ENOENT));
}

static void test_show_session(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *s, *avps;
	struct lts_json_val *doc;

	/* By the LAC leg's ID alone. */
	doc = exec_line(&f->view, "show session 5", 0);
	s = lts_json_get(doc, "session");
	assert_str_member(s, "rule", "default");
	assert_str_member(s, "state", "up");
	assert_int_equal(u64_at(s, "stats_idx"), 3);
	assert_leg(lts_json_get(s, "lac"), "10.0.1.1", 1701, 12, 5, 5831, 9, "ESTABLISHED");
	assert_leg(lts_json_get(s, "lns"), "2001:db8:2::1", 1701, 7, 33, 77, 44, "ESTABLISHED");
	assert_dir(lts_json_get(s, "counters"), "lac_to_lns", 3006);
	assert_dir(lts_json_get(lts_json_get(s, "counters"), "fast"), "lns_to_lac", 3011);
	assert_dir(lts_json_get(lts_json_get(s, "counters"), "slow"), "lns_to_lac", 6);
	assert_str_member(s, "named_leg", "lac");
	assert_int_equal(u64_at(s, "call_serial"), 4711);
	assert_str_member(s, "lns_peer", "lns-core");
	avps = lts_json_get(s, "relayed_avps");
	assert_int_equal(lts_json_get(avps, "icrq")->n, 3);
	assert_string_equal(nth(lts_json_get(avps, "icrq"), 0)->str, "Call Serial Number");
	assert_string_equal(nth(lts_json_get(avps, "icrq"), 1)->str, "Called Number");
	assert_string_equal(nth(lts_json_get(avps, "icrq"), 2)->str, "TSA ID");
	assert_string_equal(nth(lts_json_get(avps, "iccn"), 0)->str, "type 20"); /* no row */
	assert_string_equal(nth(lts_json_get(avps, "iccn"), 1)->str, "Proxy Authen Name");
	assert_int_equal(u64_at(avps, "icrq_vendor"), 2);
	lts_json_val_free(doc);

	/* By the LNS leg's, with its tunnel: the same call. */
	doc = exec_line(&f->view, "show session 7/33", 0);
	s = lts_json_get(doc, "session");
	assert_str_member(s, "named_leg", "lns");
	assert_int_equal(u64_at(s, "stats_idx"), 3);
	lts_json_val_free(doc);

	/* A call being set up: its relay sets are what it relays. */
	doc = exec_line(&f->view, "show session 8", 0);
	s = lts_json_get(doc, "session");
	assert_str_member(s, "state", "setup");
	assert_int_equal(lts_json_get(s, "counters")->type, LTS_JSON_NULL);
	assert_int_equal(lts_json_get(lts_json_get(s, "relayed_avps"), "icrq")->n, 0);
	lts_json_val_free(doc);

	/* No call: unswitched, no AVPs. */
	doc = exec_line(&f->view, "show session 12/6", 0);
	s = lts_json_get(doc, "session");
	assert_str_member(s, "state", "unswitched");
	assert_int_equal(lts_json_get(s, "relayed_avps")->type, LTS_JSON_NULL);
	assert_int_equal(lts_json_get(s, "lns")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);

	lts_json_val_free(exec_line(&f->view, "show session 99", -ENOENT));
	lts_json_val_free(exec_line(&f->view, "show session 7/5", -ENOENT));
	/* The same session ID in two tunnels: the tunnel must be named. */
	f->s_alone.id = 33; /* tunnel 12; call_up's LNS leg is 33 in tunnel 7 */
	doc = exec_line(&f->view, "show session 33", -EINVAL);
	assert_non_null(strstr(lts_json_get_str(doc, "error"), "TUNNEL/33"));
	lts_json_val_free(doc);
	doc = exec_line(&f->view, "show session 7/33", 0);
	assert_str_member(lts_json_get(doc, "session"), "state", "up");
	lts_json_val_free(doc);
	doc = exec_line(&f->view, "show session 12/33", 0);
	assert_str_member(lts_json_get(doc, "session"), "state", "unswitched");
	lts_json_val_free(doc);
	f->s_alone.id = 6;
	/* ...unless both are the legs of one call: that call, by its LAC leg. */
	f->s_up_b.id = 5;
	doc = exec_line(&f->view, "show session 5", 0);
	assert_str_member(lts_json_get(doc, "session"), "named_leg", "lac");
	assert_int_equal(u64_at(lts_json_get(doc, "session"), "stats_idx"), 3);
	lts_json_val_free(doc);
	f->s_up_b.id = 33;
	/* A dead session is not there any more. */
	f->s_alone.state = LTS_SESS_DEAD;
	lts_json_val_free(exec_line(&f->view, "show session 6", -ENOENT));
	f->s_alone.state = LTS_SESS_WAIT_CONNECT;
}

/*
 * Actions on the hand-built view: drain (a flag), log level, and every way
 * an action is refused. Clears of live calls are in test_switch.c, over
 * the real control plane.
 */
static void test_actions(void **state)
{
	struct fixture *f = *state;
	enum lts_log_level level = lts_log_get_level();
	struct lts_ctl_view v = f->view;
	const struct lts_json_val *d;
	struct lts_json_val *doc;

	doc = exec_line(&f->view, "drain lac lac-west", 0);
	d = lts_json_get(doc, "drain");
	assert_str_member(d, "peer", "lac-west");
	assert_str_member(d, "kind", "lac");
	assert_true(bool_at(d, "drained"));
	assert_true(bool_at(d, "changed"));
	assert_int_equal(u64_at(d, "tunnels"), 1);
	assert_int_equal(u64_at(d, "sessions"), 3);
	lts_json_val_free(doc);
	assert_true(f->lac[0].drained);
	doc = exec_line(&f->view, "drain lac lac-west", 0);
	assert_false(bool_at(lts_json_get(doc, "drain"), "changed"));
	lts_json_val_free(doc);
	doc = exec_line(&f->view, "show peers", 0);
	assert_true(bool_at(peer_named(lts_json_get(doc, "peers"), "lac-west"), "drained"));
	lts_json_val_free(doc);
	lts_json_val_free(exec_line(&f->view, "undrain lac lac-west", 0));
	assert_false(f->lac[0].drained);
	lts_json_val_free(exec_line(&f->view, "drain lns lns-core", 0));
	assert_true(f->lns[0].drained);
	lts_json_val_free(exec_line(&f->view, "undrain lns lns-core", 0));
	assert_false(f->lns[0].drained);

	/* Unknown names, IDs, a peer of the other kind. */
	lts_json_val_free(exec_line(&f->view, "drain lns lac-west", -ENOENT));
	lts_json_val_free(exec_line(&f->view, "drain lac nobody", -ENOENT));
	lts_json_val_free(exec_line(&f->view, "clear peer nobody", -ENOENT));
	lts_json_val_free(exec_line(&f->view, "clear tunnel 99", -ENOENT));
	lts_json_val_free(exec_line(&f->view, "clear session 99", -ENOENT));
	lts_json_val_free(exec_line(&f->view, "clear session 7/5", -ENOENT));
	/* A tunnel or session on its way out. */
	f->t_lns.state = LTS_TUN_CLOSING;
	doc = exec_line(&f->view, "clear tunnel 7", -EALREADY);
	assert_non_null(strstr(lts_json_get_str(doc, "error"), "closing already"));
	lts_json_val_free(doc);
	/* ...and clear peer leaves it alone: nothing to clear. */
	doc = exec_line(&f->view, "clear peer lns lns-core", 0);
	d = lts_json_get(doc, "cleared");
	assert_int_equal(u64_at(d, "n_tunnels"), 0);
	assert_int_equal(u64_at(d, "calls"), 0);
	assert_int_equal(u64_at(d, "stopccn_result"), 1);
	assert_int_equal(u64_at(d, "cdn_result"), 3);
	assert_str_member(d, "message", LTS_CTL_CLEAR_MESSAGE);
	lts_json_val_free(doc);
	f->t_lns.state = LTS_TUN_ESTABLISHED;

	/* Without a control plane (static sessions only) nothing can be cleared or drained. */
	v.cp = NULL;
	v.sw = NULL;
	doc = exec_line(&v, "clear session 5", -ENOTSUP);
	assert_non_null(strstr(lts_json_get_str(doc, "error"), "no control plane"));
	lts_json_val_free(doc);
	lts_json_val_free(exec_line(&v, "drain lns lns-core", -ENOTSUP));
	lts_json_val_free(exec_line(&v, "clear peer lns-core", -ENOTSUP));

	/* log level: it changes the agent's, and says what it was. */
	lts_log_set_level(LTS_LOG_ERR);
	doc = exec_line(&v, "log level warn", 0);
	assert_str_member(lts_json_get(doc, "log"), "level", "warn");
	assert_str_member(lts_json_get(doc, "log"), "previous", "err");
	assert_int_equal(lts_log_get_level(), LTS_LOG_WARN);
	lts_json_val_free(doc);
	lts_log_set_level(level);
}

/* The flags of a "trace" object's member, as "a,b". */
static const char *trace_flags_at(const struct lts_json_val *o, char *buf, size_t len)
{
	const struct lts_json_val *arr = lts_json_get(o, "flags"), *e;
	size_t used = 0;

	assert_non_null(arr);
	assert_int_equal(arr->type, LTS_JSON_ARR);
	buf[0] = '\0';
	for (e = arr->child; e; e = e->next)
		used += snprintf(buf + used, len - used, "%s%s", used ? "," : "", e->str);
	return buf;
}

/*
 * trace sets the logger's flags and peer filter (a configured peer of
 * either kind), says what they were; show trace shows them and the outputs.
 */
static void test_trace_actions(void **state)
{
	struct fixture *f = *state;
	const struct lts_json_val *t, *lg;
	struct lts_json_val *doc;
	const char *peer;
	char buf[256];

	lts_log_set_trace(0, NULL);
	doc = exec_line(&f->view, "trace tunnel session peer lac-west", 0);
	t = lts_json_get(doc, "trace");
	assert_string_equal(trace_flags_at(t, buf, sizeof(buf)), "tunnel,session");
	assert_str_member(t, "peer", "lac-west");
	assert_string_equal(trace_flags_at(lts_json_get(t, "previous"), buf, sizeof(buf)), "");
	assert_str_member(lts_json_get(t, "previous"), "peer", "");
	lts_json_val_free(doc);
	assert_int_equal(lts_log_get_trace(&peer), TR(TUNNEL) | TR(SESSION));
	assert_string_equal(peer, "lac-west");

	/* An lns_peer too; a peer nobody has is refused and changes nothing. */
	lts_json_val_free(exec_line(&f->view, "trace all peer lns-core", 0));
	assert_int_equal(lts_log_get_trace(&peer), LTS_TRACE_ALL);
	doc = exec_line(&f->view, "trace ctl peer nobody", -ENOENT);
	assert_str_member(doc, "error", "no lac_peer or lns_peer named nobody");
	lts_json_val_free(doc);
	assert_int_equal(lts_log_get_trace(&peer), LTS_TRACE_ALL);
	assert_string_equal(peer, "lns-core");

	doc = exec_line(&f->view, "show trace", 0);
	t = lts_json_get(doc, "trace");
	assert_null(lts_json_get(t, "previous"));
	assert_str_member(t, "peer", "lns-core");
	lg = lts_json_get(t, "log");
	assert_str_member(lg, "level", lts_log_level_name(lts_log_get_level()));
	assert_true(bool_at(lg, "stderr"));
	assert_str_member(lg, "syslog", NULL);
	assert_int_equal(u64_at(lts_json_get(lg, "repeats"), "window_s"), 30);
	lts_json_val_free(doc);

	doc = exec_line(&f->view, "trace off", 0);
	t = lts_json_get(doc, "trace");
	assert_string_equal(trace_flags_at(t, buf, sizeof(buf)), "");
	assert_str_member(t, "peer", "");
	assert_str_member(lts_json_get(t, "previous"), "peer", "lns-core");
	lts_json_val_free(doc);
	assert_int_equal(lts_log_get_trace(NULL), 0);
}

/* A name in both peer lists must be qualified with its kind. */
static void test_clear_peer_ambiguous(void **state)
{
	struct fixture *f = *state;
	char saved[LTS_CFG_NAME_MAX];
	struct lts_json_val *doc;

	memcpy(saved, f->cfg->lns_peers[0].name, sizeof(saved));
	snprintf(f->cfg->lns_peers[0].name, sizeof(f->cfg->lns_peers[0].name), "lac-west");
	doc = exec_line(&f->view, "clear peer lac-west", -EINVAL);
	assert_non_null(strstr(lts_json_get_str(doc, "error"), "say lac or lns"));
	lts_json_val_free(doc);
	f->t_lac.state = f->t_lns.state = LTS_TUN_CLOSING; /* nothing to send from here */
	lts_json_val_free(exec_line(&f->view, "clear peer lns lac-west", 0));
	lts_json_val_free(exec_line(&f->view, "clear peer lac lac-west", 0));
	f->t_lac.state = f->t_lns.state = LTS_TUN_ESTABLISHED;
	memcpy(f->cfg->lns_peers[0].name, saved, sizeof(saved));
}

/* ------------------------------------------------------------ socket */

static int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static struct lts_json_val *client_read(int fd)
{
	struct lts_json_val *doc;
	char buf[65536], err[128];
	size_t len = 0;
	ssize_t n;

	while ((n = recv(fd, buf + len, sizeof(buf) - len, 0)) > 0)
		len += n;
	close(fd);
	if (lts_json_parse(buf, len, &doc, err, sizeof(err)))
		fail_msg("answer is not valid JSON: %s", err);
	return doc;
}

/*
 * Open in a fresh directory, answer one request, refuse a bad one, leave
 * only our own socket behind; stale sockets are replaced, live ones and
 * other files are not.
 */
static void test_socket(void **state)
{
	struct fixture *f = *state;
	struct lts_ctl_server srv, other;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/lts-ctl-test.XXXXXX", sub[64], path[96];
	struct lts_json_val *doc;
	struct stat st;
	int fd, stale;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/run/lts", dir);
	snprintf(path, sizeof(path), "%s/ltsd.sock", sub);
	assert_int_equal(lts_ctl_server_open(&srv, path, &f->view), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* One request; the server answers when its loop gets to it. */
	fd = client_connect(path);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "show summary\n", 13, 0), 13);
	shutdown(fd, SHUT_WR);
	lts_ctl_server_handle(&srv, NOW_MS);
	doc = client_read(fd);
	if (geteuid() == 0) {
		assert_non_null(lts_json_get(doc, "summary"));
		assert_int_equal(srv.ctr.answered, 1);
	} else {
		/* The refusal of non-root peers, when the suite runs unprivileged. */
		assert_non_null(strstr(lts_json_get_str(doc, "error"), "only root"));
		assert_int_equal(srv.ctr.refused, 1);
	}
	lts_json_val_free(doc);

	if (geteuid() == 0) {
		fd = client_connect(path);
		assert_int_equal(send(fd, "show me\n", 8, 0), 8);
		lts_ctl_server_handle(&srv, NOW_MS);
		doc = client_read(fd);
		assert_non_null(strstr(lts_json_get_str(doc, "error"), "unknown request"));
		assert_int_equal(srv.ctr.bad_requests, 1);
		lts_json_val_free(doc);
	}
	lts_ctl_server_handle(&srv, NOW_MS); /* nothing pending: returns at once */

	/* A live socket is not taken over. */
	assert_int_equal(lts_ctl_server_open(&other, path, &f->view), -EADDRINUSE);
	lts_ctl_server_close(&other);
	assert_int_equal(lstat(path, &st), 0);
	lts_ctl_server_close(&srv);
	assert_int_equal(lstat(path, &st), -1);
	lts_ctl_server_close(&srv); /* twice is harmless */

	/* A dead one (bound, never listening) is replaced. */
	stale = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(stale, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(lts_ctl_server_open(&srv, path, &f->view), 0);
	close(stale);
	lts_ctl_server_close(&srv);

	/* Not a socket: left alone. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lts_ctl_server_open(&srv, path, &f->view), -EEXIST);
	lts_ctl_server_close(&srv);
	assert_int_equal(unlink(path), 0);

	assert_int_equal(lts_ctl_server_open(&srv, "relative.sock", &f->view), -EINVAL);
	assert_int_equal(rmdir(sub), 0);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ------------------------------------------------------------ non-blocking server */

/*
 * The server runs inside ltsd's single-threaded loop: whatever clients do,
 * handle and tick must return without waiting for them. The clock below is
 * fake (NOW_MS + offsets, driving the deadlines). Real time is only used to
 * show that no handle call sleeps, which is what the blocking server did
 * (LTS_CTL_RECV_TIMEOUT_MS per idle client): the time a call spends neither
 * on a CPU nor waiting for one (a loaded machine or valgrind is slow, but
 * that is not waiting for a client).
 */

struct srv_env {
	char dir[32];
	char path[64];
	struct lts_ctl_server srv;
};

static void env_open(struct srv_env *e, const struct lts_ctl_view *v)
{
	snprintf(e->dir, sizeof(e->dir), "/tmp/lts-ctl-test.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/ltsd.sock", e->dir);
	assert_int_equal(lts_ctl_server_open(&e->srv, e->path, v), 0);
	assert_true(lts_ctl_server_poll_fd(&e->srv) >= 0);
	assert_true(lts_ctl_server_next_deadline(&e->srv) == LTS_CTL_NO_DEADLINE);
}

static void env_close(struct srv_env *e)
{
	lts_ctl_server_close(&e->srv);
	assert_int_equal(rmdir(e->dir), 0);
}

/* Nanoseconds this thread ran and waited to run (schedstat); false if unknown. */
static bool sched_ns(uint64_t *run, uint64_t *queued)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%" SCNu64 " %" SCNu64, run, queued) == 2;
	fclose(f);
	return ok;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * handle at fake time now; it must not sleep (the old server slept in recv
 * and send). A running thread's schedstat lags by up to a scheduler tick:
 * signed, and far below the threshold.
 */
static void handle_now(struct lts_ctl_server *srv, uint64_t now)
{
	uint64_t run0, q0, run1, q1, t0 = mono_ns();
	bool known = sched_ns(&run0, &q0);
	int64_t slept;

	lts_ctl_server_handle(srv, now);
	if (!known || !sched_ns(&run1, &q1))
		return; /* no schedstat: the answers and drops below still prove it */
	slept = (int64_t)(mono_ns() - t0) - (int64_t)(run1 - run0) - (int64_t)(q1 - q0);
	if (slept >= LTS_CTL_RECV_TIMEOUT_MS / 2 * 1000000ll)
		fail_msg("handle slept %" PRId64 " ms: it waited for a client", slept / 1000000);
}

static int client_send(const char *path, const char *req)
{
	int fd = client_connect(path);

	assert_true(fd >= 0);
	if (req && *req)
		assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	return fd;
}

/*
 * Everything the server has sent on fd, without waiting: >= 0 bytes once the
 * server closed its side (EOF, or a reset after the data), -EAGAIN while the
 * connection is still open with nothing more to read.
 */
static ssize_t read_now(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n > 0) {
			len += n;
			assert_true(len < cap);
			continue;
		}
		if (n == 0 || errno == ECONNRESET)
			return len;
		return errno == EAGAIN ? -EAGAIN : -errno;
	}
}

/* The whole answer on fd must be there already (one handle call); parsed, fd closed. */
static struct lts_json_val *answer_now(int fd)
{
	struct lts_json_val *doc;
	char buf[65536], err[128];
	ssize_t len = read_now(fd, buf, sizeof(buf));

	if (len < 0)
		fail_msg("no complete answer without waiting: %s", strerror((int)-len));
	close(fd);
	if (lts_json_parse(buf, len, &doc, err, sizeof(err)))
		fail_msg("answer is not valid JSON: %s", err);
	return doc;
}

static void assert_error_answer(int fd, const char *needle)
{
	struct lts_json_val *doc = answer_now(fd);
	const char *msg = lts_json_get_str(doc, "error");

	if (!msg || !strstr(msg, needle))
		fail_msg("expected an error with \"%s\", got \"%s\"", needle, msg ? msg : "(none)");
	lts_json_val_free(doc);
}

static void assert_summary_answer(int fd)
{
	struct lts_json_val *doc = answer_now(fd);

	assert_non_null(lts_json_get(doc, "summary"));
	lts_json_val_free(doc);
}

/* The server closed fd (without an answer): EOF, nothing pending. */
static void assert_dropped(int fd)
{
	char buf[64];

	assert_int_equal(read_now(fd, buf, sizeof(buf)), 0);
	close(fd);
}

static void assert_open(int fd)
{
	char buf[64];

	assert_int_equal(read_now(fd, buf, sizeof(buf)), -EAGAIN);
}

/*
 * Only root is answered; any other peer is refused at once, so the cases
 * below (idle, partial and unread clients) only exist for root.
 */
static bool need_root(void)
{
	if (geteuid() == 0)
		return true;
	print_message("needs root: a non-root client is refused before it can idle\n");
	return false;
}

/*
 * Idle connections (nothing sent), more of them than the limit, then a real
 * request: answered by the very handle call that accepts it, whatever the
 * number of idle ones; the oldest idle ones make room; the rest are dropped
 * at their request deadline.
 */
static void test_idle_clients(void **state)
{
	static const struct {
		unsigned int n_idle;
	} rows[] = {
		{ 0 }, { 1 }, { LTS_CTL_MAX_CLIENTS - 1 }, { LTS_CTL_MAX_CLIENTS },
		{ LTS_CTL_MAX_CLIENTS + 1 }, { 50 },
	};
	struct fixture *f = *state;
	size_t r;

	if (!need_root())
		skip();
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		const unsigned int n = rows[r].n_idle, max = LTS_CTL_MAX_CLIENTS;
		/* Idle i is accepted at NOW_MS + i; the real request evicts one if all are held. */
		const unsigned int evicted = (n > max ? n - max : 0) + (n >= max);
		const unsigned int left = n - evicted;
		struct lts_ctl_server *srv;
		struct srv_env e;
		int idle[64], real;
		unsigned int i;

		assert_true(n <= ARRAY_SIZE(idle));
		env_open(&e, &f->view);
		srv = &e.srv;
		for (i = 0; i < n; i++) {
			idle[i] = client_send(e.path, NULL);
			handle_now(srv, NOW_MS + i);
		}
		assert_int_equal(srv->n_clients, n < max ? n : max);
		assert_int_equal(srv->ctr.busy_evicted, n > max ? n - max : 0);

		real = client_send(e.path, "show summary\n");
		handle_now(srv, NOW_MS + n);
		assert_summary_answer(real);
		assert_int_equal(srv->ctr.answered, 1);
		assert_int_equal(srv->ctr.busy_evicted, evicted);
		assert_int_equal(srv->ctr.busy_refused, 0);
		assert_int_equal(srv->n_clients, left);

		/* The oldest went first; the others wait for their request. */
		for (i = 0; i < evicted; i++)
			assert_dropped(idle[i]);
		for (i = evicted; i < n; i++)
			assert_open(idle[i]);
		if (!left) {
			assert_true(lts_ctl_server_next_deadline(srv) == LTS_CTL_NO_DEADLINE);
		} else {
			assert_true(lts_ctl_server_next_deadline(srv) ==
				    NOW_MS + evicted + LTS_CTL_RECV_TIMEOUT_MS);
			lts_ctl_server_tick(srv, NOW_MS + evicted + LTS_CTL_RECV_TIMEOUT_MS - 1);
			assert_int_equal(srv->n_clients, left);
			lts_ctl_server_tick(srv, NOW_MS + n - 1 + LTS_CTL_RECV_TIMEOUT_MS);
		}
		assert_int_equal(srv->n_clients, 0);
		assert_int_equal(srv->ctr.timeouts, left);
		assert_int_equal(srv->ctr.io_errors, left);
		for (i = evicted; i < n; i++)
			assert_dropped(idle[i]);
		assert_true(lts_ctl_server_next_deadline(srv) == LTS_CTL_NO_DEADLINE);
		env_close(&e);
	}
}

enum split_expect {
	SPLIT_SUMMARY,  /* {"summary": ...} */
	SPLIT_TUNNELS,  /* {"tunnels": [...]} */
	SPLIT_ERROR,    /* {"error": "<error>..."} */
	SPLIT_DROPPED,  /* closed without an answer at the request deadline */
};

/*
 * A request in pieces, handle in between (fake time advancing, within the
 * request deadline): nothing is answered before the line is complete, and
 * nothing waits for the next piece.
 */
static void test_split_requests(void **state)
{
	static char too_long[LTS_CTL_REQ_MAX + 2];
	static const struct {
		const char *name;
		const char *pieces[4];
		bool shut_wr;           /* then shutdown(SHUT_WR), as ltsctl does */
		enum split_expect expect;
		const char *error;
		uint64_t bad_requests, io_errors, timeouts;
	} rows[] = {
		{ .name = "three writes", .pieces = { "sh", "ow sum", "mary\n" },
		  .expect = SPLIT_SUMMARY },
		{ .name = "two writes", .pieces = { "show ", "tunnels\n" },
		  .expect = SPLIT_TUNNELS },
		{ .name = "newline alone", .pieces = { "show summary", "\n" },
		  .expect = SPLIT_SUMMARY },
		{ .name = "no newline, then EOF", .pieces = { "show ", "summary" }, .shut_wr = true,
		  .expect = SPLIT_SUMMARY },
		{ .name = "bad request in pieces", .pieces = { "show ", "me\n" },
		  .expect = SPLIT_ERROR, .error = "unknown request", .bad_requests = 1 },
		{ .name = "too long in pieces", .pieces = { too_long, too_long + 100 },
		  .expect = SPLIT_ERROR, .error = "request too long", .io_errors = 1 },
		{ .name = "half a request, then silence", .pieces = { "show sum" },
		  .expect = SPLIT_DROPPED, .io_errors = 1, .timeouts = 1 },
		{ .name = "nothing at all", .expect = SPLIT_DROPPED,
		  .io_errors = 1, .timeouts = 1 },
	};
	struct fixture *f = *state;
	struct lts_json_val *doc;
	struct srv_env e;
	size_t r, k, n;
	uint64_t now;
	int fd;

	if (!need_root())
		skip();
	/* 129 bytes, no newline: one more than a request may have; sent as 100 + 29. */
	memset(too_long, 'x', LTS_CTL_REQ_MAX + 1);
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		char first[LTS_CTL_REQ_MAX + 2];

		print_message("  %s\n", rows[r].name);
		env_open(&e, &f->view);
		fd = client_send(e.path, NULL);
		now = NOW_MS;
		handle_now(&e.srv, now);
		for (n = 0; n < ARRAY_SIZE(rows[r].pieces) && rows[r].pieces[n]; n++)
			;
		for (k = 0; k < n; k++) {
			const char *p = rows[r].pieces[k];
			size_t len = strlen(p);

			if (p == too_long) {
				snprintf(first, sizeof(first), "%.100s", p);
				p = first;
				len = 100;
			}
			assert_int_equal(send(fd, p, len, 0), (ssize_t)len);
			if (k == n - 1 && rows[r].shut_wr)
				shutdown(fd, SHUT_WR);
			now += LTS_CTL_RECV_TIMEOUT_MS / 4;
			handle_now(&e.srv, now);
			if (k < n - 1) {
				assert_open(fd);
				assert_int_equal(e.srv.n_clients, 1);
			}
		}
		switch (rows[r].expect) {
		case SPLIT_SUMMARY:
			assert_summary_answer(fd);
			assert_int_equal(e.srv.ctr.answered, 1);
			break;
		case SPLIT_TUNNELS:
			doc = answer_now(fd);
			assert_int_equal(lts_json_get(doc, "tunnels")->n, 2);
			lts_json_val_free(doc);
			assert_int_equal(e.srv.ctr.answered, 1);
			break;
		case SPLIT_ERROR:
			assert_error_answer(fd, rows[r].error);
			assert_int_equal(e.srv.ctr.answered, 0);
			break;
		case SPLIT_DROPPED:
			assert_open(fd);
			/* The deadline runs from the connection, not from the last piece. */
			lts_ctl_server_tick(&e.srv, NOW_MS + LTS_CTL_RECV_TIMEOUT_MS - 1);
			assert_int_equal(e.srv.n_clients, 1);
			lts_ctl_server_tick(&e.srv, NOW_MS + LTS_CTL_RECV_TIMEOUT_MS);
			assert_dropped(fd);
			assert_int_equal(e.srv.ctr.answered, 0);
			break;
		}
		assert_int_equal(e.srv.n_clients, 0);
		assert_int_equal(e.srv.ctr.bad_requests, rows[r].bad_requests);
		assert_int_equal(e.srv.ctr.io_errors, rows[r].io_errors);
		assert_int_equal(e.srv.ctr.timeouts, rows[r].timeouts);
		env_close(&e);
	}
}

/* A control plane with n tunnels: "show tunnels" is larger than any socket buffer. */
struct big_cp {
	struct lts_ctrl_plane cp;
	struct lts_tunnel *t;
	struct lts_ctl_view view;
};

static void big_cp_init(struct big_cp *b, const struct fixture *f, size_t n)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->t = calloc(n, sizeof(*b->t));
	assert_non_null(b->t);
	for (i = 0; i < n; i++) {
		struct lts_tunnel *t = &b->t[i];

		t->id = i + 1;
		t->peer_id = 60000 - i;
		t->role = LTS_ROLE_LNS;
		t->state = LTS_TUN_ESTABLISHED;
		t->lac_idx = 0;
		t->lns_idx = -1;
		t->created_ms = 10000;
		set_ip(&t->ep.peer, "10.0.1.1");
		set_ip(&t->ep.local, "10.0.1.2");
		t->ep.peer_port = t->ep.local_port = 1701;
		t->next = i + 1 < n ? &b->t[i + 1] : NULL;
	}
	b->cp.cfg = f->cfg;
	b->cp.all = b->t;
	b->cp.n_tunnels = n;
	b->view = (struct lts_ctl_view){ .cfg = f->cfg, .cp = &b->cp, .started_ms = STARTED_MS };
}

#define BIG_TUNNELS 4000

/*
 * Clients that ask for a large answer and never read it: the server writes
 * what the socket takes and moves on; other requests are served meanwhile;
 * once every slot holds such a client, a newcomer is turned away at once
 * (counted, one warning); at the send deadline they are dropped. One of them
 * reads after all: it gets the whole answer, written across many wakeups.
 */
static void test_unread_answers(void **state)
{
	static const struct {
		unsigned int n_stuck;
	} rows[] = {
		{ 1 }, { LTS_CTL_MAX_CLIENTS - 1 }, { LTS_CTL_MAX_CLIENTS },
		{ LTS_CTL_MAX_CLIENTS + 3 },
	};
	struct fixture *f = *state;
	struct big_cp *big;
	size_t r;

	if (!need_root())
		skip();
	big = malloc(sizeof(*big));
	assert_non_null(big);
	big_cp_init(big, f, BIG_TUNNELS);
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		const unsigned int n = rows[r].n_stuck, max = LTS_CTL_MAX_CLIENTS;
		const unsigned int held = n < max ? n : max, turned = n - held;
		struct lts_ctl_server *srv;
		struct lts_json_val *doc;
		size_t cap = 16u << 20, len = 0, sent0;
		int stuck[32], real, reader;
		struct srv_env e;
		unsigned int i;
		uint64_t now;
		char *buf;
		ssize_t got;

		assert_true(n <= ARRAY_SIZE(stuck));
		env_open(&e, &big->view);
		srv = &e.srv;
		for (i = 0; i < n; i++) {
			stuck[i] = client_send(e.path, "show tunnels\n");
			handle_now(srv, NOW_MS + i);
			if (i < max) {
				assert_int_equal(srv->clients[i].state, LTS_CTL_CLIENT_WRITING);
				assert_true(srv->clients[i].sent < srv->clients[i].answer_len);
			} else {
				assert_error_answer(stuck[i], "busy");
			}
		}
		assert_int_equal(srv->n_clients, held);
		assert_int_equal(srv->ctr.busy_refused, turned);
		assert_int_equal(srv->ctr.busy_evicted, 0);
		/* Rate-limited: the first refusal is logged, the next ones only counted. */
		assert_int_equal(srv->busy_quiet, turned ? turned - 1 : 0);

		/* Nobody reads: another round does nothing, and does not wait. */
		sent0 = srv->clients[0].sent;
		handle_now(srv, NOW_MS + n);
		assert_int_equal(srv->clients[0].sent, sent0);

		/* A real request meanwhile: answered, or turned away if every slot is held. */
		real = client_send(e.path, "show summary\n");
		handle_now(srv, NOW_MS + n);
		if (held < max) {
			assert_summary_answer(real);
			assert_int_equal(srv->ctr.answered, 1);
		} else {
			assert_error_answer(real, "busy");
			assert_int_equal(srv->ctr.busy_refused, turned + 1);
		}
		assert_int_equal(srv->n_clients, held);

		/* The first one reads after all: the rest of its answer follows, piece by piece. */
		reader = stuck[0];
		buf = malloc(cap);
		assert_non_null(buf);
		now = NOW_MS + n;
		for (;;) {
			got = recv(reader, buf + len, cap - len, MSG_DONTWAIT);
			if (got > 0) {
				len += got;
				assert_true(len < cap);
			} else if (got == 0) {
				break;
			} else {
				assert_int_equal(errno, EAGAIN);
				handle_now(srv, ++now);
				assert_true(now < NOW_MS + LTS_CTL_SEND_TIMEOUT_MS);
			}
		}
		close(reader);
		assert_true(len > 1u << 20);
		assert_int_equal(lts_json_parse(buf, len, &doc, NULL, 0), 0);
		assert_int_equal(lts_json_get(doc, "tunnels")->n, BIG_TUNNELS);
		lts_json_val_free(doc);
		free(buf);
		assert_int_equal(srv->n_clients, held - 1);
		assert_int_equal(srv->ctr.answered, held < max ? 2 : 1);

		/* The others are dropped at their send deadline (client i's: NOW_MS + i + ...). */
		if (held > 1)
			assert_true(lts_ctl_server_next_deadline(srv) ==
				    NOW_MS + 1 + LTS_CTL_SEND_TIMEOUT_MS);
		else
			assert_true(lts_ctl_server_next_deadline(srv) == LTS_CTL_NO_DEADLINE);
		lts_ctl_server_tick(srv, NOW_MS + held - 1 + LTS_CTL_SEND_TIMEOUT_MS);
		assert_int_equal(srv->n_clients, 0);
		assert_int_equal(srv->ctr.timeouts, held - 1);
		assert_int_equal(srv->ctr.io_errors, held - 1);
		for (i = 1; i < held; i++) {
			/* Part of the answer, then the end of the connection: nothing blocks. */
			buf = malloc(cap);
			assert_non_null(buf);
			assert_true(read_now(stuck[i], buf, cap) > 0);
			free(buf);
			close(stuck[i]);
		}
		env_close(&e);
	}
	free(big->t);
	free(big);
}

/* The child of test_flood_spares_other_peers: no cmocka in here, only an exit status. */
static int real_client(const char *path, int ready, int go)
{
	struct lts_json_val *doc;
	char buf[65536], c = 0;
	size_t len = 0;
	ssize_t n;
	int fd, ok;

	fd = client_connect(path);
	if (fd < 0 || write(ready, "c", 1) != 1 || read(go, &c, 1) != 1)
		return 2;
	/* Only now the request, like ltsctl between its connect() and its send(). */
	if (send(fd, "show summary\n", 13, 0) != 13)
		return 3;
	while (len < sizeof(buf) && (n = recv(fd, buf + len, sizeof(buf) - len, 0)) > 0)
		len += n;
	if (!len || lts_json_parse(buf, len, &doc, NULL, 0))
		return 4; /* evicted: closed without an answer */
	ok = lts_json_get(doc, "summary") != NULL;
	lts_json_val_free(doc);
	return ok ? 0 : 5;
}

/*
 * One process floods the socket with idle connections while another has
 * connected and not yet sent its request: the flood evicts its own oldest
 * connections, never the other peer's, whose request is then answered. The
 * server is driven through its poll fd, as ltsd's loop does.
 */
static void test_flood_spares_other_peers(void **state)
{
	const unsigned int max = LTS_CTL_MAX_CLIENTS, n_flood = 3 * LTS_CTL_MAX_CLIENTS;
	struct fixture *f = *state;
	int go[2], ready[2], flood[3 * LTS_CTL_MAX_CLIENTS], status, tries;
	struct pollfd pfd;
	struct srv_env e;
	unsigned int i;
	pid_t pid;
	char c;

	if (!need_root())
		skip();
	env_open(&e, &f->view);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		/* Only our ends: if the parent dies, read(go) sees EOF and we exit. */
		close(go[1]);
		close(ready[0]);
		_exit(real_client(e.path, ready[1], go[0]));
	}
	close(go[0]);
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	handle_now(&e.srv, NOW_MS);
	assert_int_equal(e.srv.n_clients, 1);

	for (i = 0; i < n_flood; i++) {
		flood[i] = client_send(e.path, NULL);
		handle_now(&e.srv, NOW_MS + 1 + i);
	}
	/* The real client and the flood's newest max - 1. */
	assert_int_equal(e.srv.n_clients, max);
	assert_int_equal(e.srv.ctr.busy_evicted, n_flood - (max - 1));
	for (i = 0; i < n_flood - (max - 1); i++)
		assert_dropped(flood[i]);
	for (; i < n_flood; i++)
		assert_open(flood[i]);

	/* Now the request: the server's poll fd says when there is work. */
	assert_int_equal(write(go[1], "g", 1), 1);
	pfd = (struct pollfd){ .fd = lts_ctl_server_poll_fd(&e.srv), .events = POLLIN };
	for (tries = 0; tries < 50 && !e.srv.ctr.answered; tries++) {
		assert_true(poll(&pfd, 1, 100) >= 0);
		handle_now(&e.srv, NOW_MS + n_flood);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(e.srv.ctr.answered, 1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	lts_ctl_server_tick(&e.srv, NOW_MS + n_flood + LTS_CTL_RECV_TIMEOUT_MS);
	assert_int_equal(e.srv.n_clients, 0);
	for (i = n_flood - (max - 1); i < n_flood; i++)
		assert_dropped(flood[i]);
	close(go[1]);
	close(ready[0]);
	env_close(&e);
}

/*
 * Actions through the socket: carried out and answered like views; one
 * that cannot be carried out is answered its error (not counted as
 * answered); a malformed one gets its usage.
 */
static void test_socket_actions(void **state)
{
	struct fixture *f = *state;
	struct lts_json_val *doc;
	struct srv_env e;
	int fd;

	if (!need_root())
		skip();
	env_open(&e, &f->view);
	fd = client_send(e.path, "drain lns lns-core\n");
	lts_ctl_server_handle(&e.srv, NOW_MS);
	doc = client_read(fd);
	assert_true(lts_json_get(lts_json_get(doc, "drain"), "drained")->b);
	lts_json_val_free(doc);
	assert_true(f->lns[0].drained);
	assert_int_equal(e.srv.ctr.answered, 1);

	fd = client_send(e.path, "show tunnel 99\n");
	lts_ctl_server_handle(&e.srv, NOW_MS);
	doc = client_read(fd);
	assert_string_equal(lts_json_get_str(doc, "error"), "no tunnel 99 (our tunnel ID)");
	lts_json_val_free(doc);
	assert_int_equal(e.srv.ctr.answered, 1);
	assert_int_equal(e.srv.ctr.bad_requests, 0);

	fd = client_send(e.path, "clear tunnel x\n");
	lts_ctl_server_handle(&e.srv, NOW_MS);
	doc = client_read(fd);
	assert_non_null(strstr(lts_json_get_str(doc, "error"), "usage: clear tunnel ID"));
	lts_json_val_free(doc);
	assert_int_equal(e.srv.ctr.bad_requests, 1);

	fd = client_send(e.path, "undrain lns lns-core\n");
	lts_ctl_server_handle(&e.srv, NOW_MS);
	lts_json_val_free(client_read(fd));
	assert_false(f->lns[0].drained);
	env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_misuse),
		cmocka_unit_test(test_json_parse),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_tunnels),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_sessions_counter_errors),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_no_control_plane),
		cmocka_unit_test(test_render_error),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_execute_legacy_views),
		cmocka_unit_test(test_show_peers),
		cmocka_unit_test(test_show_rules),
		cmocka_unit_test(test_show_stats),
		cmocka_unit_test(test_show_tunnel),
		cmocka_unit_test(test_show_session),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_clear_peer_ambiguous),
		cmocka_unit_test(test_trace_actions),
		cmocka_unit_test(test_socket_actions),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_idle_clients),
		cmocka_unit_test(test_split_requests),
		cmocka_unit_test(test_unread_answers),
		cmocka_unit_test(test_flood_spares_other_peers),
	};

	lts_log_set_level(getenv("LTS_TEST_LOG") ? LTS_LOG_DEBUG : LTS_LOG_ERR);
	return cmocka_run_group_tests_name("ctl_server", tests, setup, teardown);
}
