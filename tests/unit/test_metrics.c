// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus endpoint (agent/metrics.c).
 *
 * The exposition is rendered from a hand-built view (control plane, switch,
 * fake data-plane counters, as the operator socket's tests do) and parsed
 * back by a strict reader of the text format 0.0.4: every family has one
 * HELP and one TYPE before its samples, counters end in _total, names and
 * label names are legal, label values are escaped and valid UTF-8, no
 * series appears twice. Then the values: gauges by state and peer, the
 * switch's and the control plane's counters, the sums over sessions, and
 * that they never go down while calls and tunnels come and go. Last, the
 * HTTP side: a real libmicrohttpd on 127.0.0.1 driven as ltsd drives it
 * (poll fd, lts_metrics_handle), its answers and its connection limit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <cmocka.h>

#include "metrics.h"
#include "lib/util.h"

/* A lac_peer name with every character the format escapes. */
#define EVIL_PEER "lac \"w\"\\\nx"
#define EVIL_PEER_ESC "lac \\\"w\\\"\\\\\\nx"

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
	"  - { name: \"lac \\\"w\\\"\\\\\\nx\", address: 10.0.1.0/24 }\n"
	"lns_peers:\n"
	"  - { name: lns-core, address: \"2001:db8:2::1\" }\n"
	"rules:\n"
	"  - name: default\n"
	"    pool: [ { lns: lns-core } ]\n"
	"  - name: spare\n"
	"    pool: [ { lns: lns-core } ]\n"
	"metrics: { listen: \"127.0.0.1:9716\" }\n";

#define N_SLOTS 16

struct fixture {
	struct lts_config *cfg;
	struct lts_ctrl_plane cp;
	struct lts_switch sw;
	struct lts_switch_rule_counters rule_ctr[2];
	struct lts_tunnel t_lac, t_lns, t_new;
	struct lts_session s_up_a, s_up_b, s_set_a, s_set_b, s_alone;
	struct lts_call call_up, call_setup;
	/* The fake data plane: counters per slot, fast [0] and slow [1]. */
	struct lts_session_stats stats[N_SLOTS][2];
	unsigned int installs, removes;
	int64_t reasons[LTS_R_MAX];
	struct lts_slowpath_counters slow;
	struct lts_metrics_acc acc;
	struct lts_dp_ops ops;        /* through the accumulator, as the switch has them */
	struct lts_metrics_view view;
};

static struct fixture fx;

static int fake_install(void *ctx, const struct lts_static_session *pair, uint32_t idx)
{
	struct fixture *f = ctx;

	(void)pair;
	f->installs++;
	if (idx < N_SLOTS)
		memset(f->stats[idx], 0, sizeof(f->stats[idx])); /* as lts_dp_install */
	return 0;
}

static void fake_remove(void *ctx, const struct lts_static_session *pair)
{
	struct fixture *f = ctx;

	(void)pair;
	f->removes++;
}

static int fake_fast(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct fixture *f = ctx;

	if (idx >= N_SLOTS)
		return -ENOENT;
	*out = f->stats[idx][0];
	return 0;
}

static int fake_slow(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct fixture *f = ctx;

	if (idx >= N_SLOTS)
		return -ENOENT;
	*out = f->stats[idx][1];
	return 0;
}

static int64_t fake_reason(void *ctx, enum lts_reason r)
{
	struct fixture *f = ctx;

	return f->reasons[r];
}

/* Slot idx counted fast/slow packets per direction (bytes 100 each). */
static void count(struct fixture *f, uint32_t idx, int path, int dir, uint64_t packets)
{
	f->stats[idx][path].dir[dir].packets += packets;
	f->stats[idx][path].dir[dir].bytes += 100 * packets;
}

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

static void add_session(struct lts_tunnel *t, struct lts_session *s, uint16_t id,
			enum lts_sess_state st, void *user)
{
	s->t = t;
	s->id = id;
	s->role = t->role;
	s->state = st;
	s->user = user;
	s->next = t->sessions;
	t->sessions = s;
	t->n_sessions++;
}

static void leg_from(struct lts_static_leg *l, const struct lts_session *s)
{
	l->local = s->t->ep.local;
	l->peer = s->t->ep.peer;
	l->tunnel_id = s->t->id;
	l->session_id = s->id;
}

static int setup(void **state)
{
	struct fixture *f = &fx;
	char err[LTS_CFG_ERR_MAX];
	const struct lts_dp_ops inner = {
		.install = fake_install, .remove = fake_remove,
		.fast_stats = fake_fast, .slow_stats = fake_slow, .ctx = f,
	};

	memset(f, 0, sizeof(*f));
	if (lts_config_load_string("test.yaml", cfg_yaml, strlen(cfg_yaml), &f->cfg, err,
				   sizeof(err)))
		fail_msg("%s", err);

	f->t_lac = (struct lts_tunnel){ .id = 12, .peer_id = 5831, .role = LTS_ROLE_LNS,
					.state = LTS_TUN_ESTABLISHED, .lac_idx = 0, .lns_idx = -1,
					.created_ms = 10000 };
	set_ip(&f->t_lac.ep.peer, "10.0.1.1");
	set_ip(&f->t_lac.ep.local, "10.0.1.2");
	f->t_lac.xport.ctr.retransmits = 3;
	f->t_lac.xport.ctr.tx_msgs = 20;
	f->t_lac.xport.ctr.hello_tx = 7;
	f->t_lns = (struct lts_tunnel){ .id = 7, .peer_id = 77, .role = LTS_ROLE_LAC,
					.state = LTS_TUN_WAIT_CTL_REPLY, .lac_idx = -1, .lns_idx = 0,
					.created_ms = 20000 };
	set_ip(&f->t_lns.ep.peer, "2001:db8:2::1");
	set_ip(&f->t_lns.ep.local, "2001:db8:2::2");
	f->t_lns.xport.ctr.tx_msgs = 11;
	f->t_lns.xport.ctr.retransmits = 2;

	add_session(&f->t_lac, &f->s_alone, 6, LTS_SESS_WAIT_CONNECT, NULL);
	add_session(&f->t_lac, &f->s_up_a, 5, LTS_SESS_ESTABLISHED, &f->call_up);
	add_session(&f->t_lns, &f->s_up_b, 33, LTS_SESS_ESTABLISHED, &f->call_up);
	add_session(&f->t_lac, &f->s_set_a, 8, LTS_SESS_WAIT_ANSWER, &f->call_setup);
	add_session(&f->t_lns, &f->s_set_b, 34, LTS_SESS_WAIT_REPLY, &f->call_setup);

	f->call_up = (struct lts_call){ .first = &f->s_up_a, .second = &f->s_up_b,
					.rule = &f->cfg->rules[0], .installed = true,
					.stats_idx = 3 };
	leg_from(&f->call_up.pair.a, &f->s_up_a);
	leg_from(&f->call_up.pair.b, &f->s_up_b);
	f->call_setup = (struct lts_call){ .first = &f->s_set_a, .second = &f->s_set_b };

	f->cp.cfg = f->cfg;
	f->cp.all = &f->t_lac;
	f->t_lac.next = &f->t_lns;
	f->t_lns.prev = &f->t_lac;
	f->cp.n_tunnels = 2;
	f->cp.n_sessions = 5;
	f->cp.n_half_open = 1;
	f->cp.ctr.rx_packets = 123;
	f->cp.ctr.sccrq_refused = 9;
	f->cp.msgs.rx[LTS_CTRL_SCCRQ] = 4;
	f->cp.msgs.tx[LTS_CTRL_CDN] = 2;
	f->cp.msgs.rx[5] = 1;   /* reserved type: "other" */
	f->cp.msgs.rx[0] = 2;   /* beyond the table: "other" */
	f->cp.msgs.cdn_tx.result[3] = 1;
	f->cp.msgs.cdn_tx.result[2] = 2;
	f->cp.msgs.cdn_tx.general[10] = 1;
	f->cp.msgs.cdn_tx.general[LTS_CP_ERRORS - 1] = 1;
	f->cp.msgs.stopccn_rx.result[0] = 5;

	f->sw.cfg = f->cfg;
	f->sw.calls = &f->call_setup;
	f->call_setup.next = &f->call_up;
	f->call_up.prev = &f->call_setup;
	f->sw.n_calls = 2;
	f->sw.ctr.calls_switched = 1;
	f->sw.ctr.calls_refused = 6;
	f->sw.ctr.failovers = 4;
	f->sw.ctr.info_dropped = 8;
	f->sw.rule_ctr = f->rule_ctr;
	f->rule_ctr[0] = (struct lts_switch_rule_counters){ .hits = 10, .switched = 7, .failures = 3 };

	f->reasons[LTS_R_SWITCHED_REDIRECT] = 28;
	f->reasons[LTS_R_PASS_CONTROL] = 18;
	f->slow = (struct lts_slowpath_counters){ .relayed = 5, .control = 18, .no_session = 1 };

	assert_int_equal(lts_metrics_acc_init(&f->acc, &inner, N_SLOTS, 1), 0);
	f->ops = lts_metrics_acc_ops(&f->acc);
	f->view = (struct lts_metrics_view){
		.ctl = { .cfg = f->cfg, .cp = &f->cp, .sw = &f->sw,
			 .dp = { .fast_stats = fake_fast, .slow_stats = fake_slow,
				 .reason_count = fake_reason, .ctx = f } },
		.slow = &f->slow,
		.version = "9.8.7",
		.start_time_s = 1700000000,
	};
	/* As in ltsd: every call goes into the data plane through the accumulator. */
	assert_int_equal(f->ops.install(f->ops.ctx, &f->call_up.pair, 3), 0);
	f->installs = 0;
	count(f, 0, 0, LTS_DIR_A_TO_B, 10); /* static st0: 10 fast, 1 slow back */
	count(f, 0, 1, LTS_DIR_B_TO_A, 1);
	count(f, 3, 0, LTS_DIR_A_TO_B, 5);  /* the call that is up */
	count(f, 3, 0, LTS_DIR_B_TO_A, 4);
	f->stats[3][0].dir[LTS_DIR_B_TO_A].dropped = 6; /* over its police rate */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lts_metrics_acc_fini(&fx.acc);
	lts_config_free(fx.cfg);
	return 0;
}

/* ------------------------------------------------------------ a strict reader */

struct series {
	char *key;       /* name{labels} exactly as written, labels escaped */
	uint64_t value;
};

struct expo {
	struct series *s;
	size_t n;
	char *text;
};

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* A metric or label name at *p (no ':' in ours): its length, 0 if none. */
static size_t name_len(const char *p)
{
	size_t n = 0;

	while (name_char(p[n], n == 0))
		n++;
	return n;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int k;

	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		k = (*p >= 0xf0 && *p <= 0xf4) ? 3 : (*p >= 0xe0) ? 2 : (*p >= 0xc2) ? 1 : -1;
		if (k < 0 || *p > 0xf4)
			return false;
		for (p++; k; k--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/* The labels at *p ("{...}"), checked; returns the end, or NULL. */
static const char *read_labels(const char *p, char *why, size_t whylen)
{
	char seen[16][64];
	size_t n_seen = 0, k, i;

	p++; /* '{' */
	while (*p != '}') {
		k = name_len(p);
		if (!k || k >= sizeof(seen[0]) || (p[0] == '_' && p[1] == '_')) {
			snprintf(why, whylen, "bad label name");
			return NULL;
		}
		for (i = 0; i < n_seen; i++)
			if (!strncmp(seen[i], p, k) && !seen[i][k]) {
				snprintf(why, whylen, "label twice");
				return NULL;
			}
		if (n_seen < 16)
			snprintf(seen[n_seen++], sizeof(seen[0]), "%.*s", (int)k, p);
		p += k;
		if (p[0] != '=' || p[1] != '"') {
			snprintf(why, whylen, "expected =\"");
			return NULL;
		}
		for (p += 2; *p != '"'; p++) {
			if (!*p || *p == '\n') {
				snprintf(why, whylen, "unterminated label value");
				return NULL;
			}
			if (*p == '\\') {
				p++;
				if (*p != '\\' && *p != '"' && *p != 'n') {
					snprintf(why, whylen, "bad escape \\%c", *p);
					return NULL;
				}
			}
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}') {
			snprintf(why, whylen, "expected , or }");
			return NULL;
		}
	}
	return p + 1;
}

static void expo_parse(const char *text, struct expo *e)
{
	char family[128] = "", type[16] = "", help_for[128] = "", why[64] = "";
	const char *p = text, *eol, *end;
	char **families = NULL;
	size_t n_fam = 0, line = 0, k, i;

	memset(e, 0, sizeof(*e));
	e->text = strdup(text);
	assert_true(valid_utf8(text));
	assert_true(*text && text[strlen(text) - 1] == '\n');
	for (; *p; p = eol + 1) {
		line++;
		eol = strchr(p, '\n');
		assert_non_null(eol);
		if (!strncmp(p, "# HELP ", 7)) {
			k = name_len(p + 7);
			if (!k || p[7 + k] != ' ')
				fail_msg("line %zu: bad HELP", line);
			snprintf(help_for, sizeof(help_for), "%.*s", (int)k, p + 7);
			for (i = 0; i < n_fam; i++)
				if (!strcmp(families[i], help_for))
					fail_msg("line %zu: family %s twice", line, help_for);
			families = realloc(families, (n_fam + 1) * sizeof(*families));
			families[n_fam++] = strdup(help_for);
			/* HELP: only \\ and \n escapes. */
			for (end = p + 8 + k; end < eol; end++)
				if (*end == '\\' && end[1] != '\\' && end[1] != 'n')
					fail_msg("line %zu: bad escape in HELP", line);
			family[0] = '\0';
			continue;
		}
		if (!strncmp(p, "# TYPE ", 7)) {
			k = name_len(p + 7);
			if (!k || strncmp(p + 7, help_for, k) || help_for[k])
				fail_msg("line %zu: TYPE without its HELP", line);
			snprintf(family, sizeof(family), "%s", help_for);
			snprintf(type, sizeof(type), "%.*s", (int)(eol - p - 8 - k), p + 8 + k);
			if (strcmp(type, "counter") && strcmp(type, "gauge"))
				fail_msg("line %zu: type %s", line, type);
			k = strlen(family);
			/* Counters end in _total; gauges never do. */
			if (!strcmp(type, "counter") != (k > 6 && !strcmp(family + k - 6, "_total")))
				fail_msg("line %zu: %s %s: _total is for counters", line, type, family);
			if (strncmp(family, "lts_", 4))
				fail_msg("line %zu: %s lacks the lts_ prefix", line, family);
			continue;
		}
		if (*p == '#')
			fail_msg("line %zu: stray comment", line);
		k = name_len(p);
		if (!*family || k != strlen(family) || strncmp(p, family, k))
			fail_msg("line %zu: sample of %.*s outside its family (%s)", line, (int)k, p,
				 family);
		end = p + k;
		if (*end == '{') {
			end = read_labels(end, why, sizeof(why));
			if (!end)
				fail_msg("line %zu: %s: %.*s", line, why, (int)(eol - p), p);
		}
		if (*end != ' ' || end[1] < '0' || end[1] > '9')
			fail_msg("line %zu: bad value", line);
		e->s = realloc(e->s, (e->n + 1) * sizeof(*e->s));
		e->s[e->n].key = strndup(p, (size_t)(end - p));
		e->s[e->n].value = strtoull(end + 1, (char **)&end, 10);
		if (end != eol)
			fail_msg("line %zu: junk after the value", line);
		for (i = 0; i < e->n; i++)
			if (!strcmp(e->s[i].key, e->s[e->n].key))
				fail_msg("line %zu: series %s twice", line, e->s[i].key);
		e->n++;
	}
	for (i = 0; i < n_fam; i++)
		free(families[i]);
	free(families);
}

static void expo_free(struct expo *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->s[i].key);
	free(e->s);
	free(e->text);
}

static const struct series *find(const struct expo *e, const char *key)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (!strcmp(e->s[i].key, key))
			return &e->s[i];
	return NULL;
}

/* The value of the series key ("name{labels}"); fails if absent. */
static uint64_t val(const struct expo *e, const char *key)
{
	const struct series *s = find(e, key);

	if (!s)
		fail_msg("no series %s in:\n%s", key, e->text);
	return s->value;
}

static bool has_family(const struct expo *e, const char *name)
{
	char help[160];

	snprintf(help, sizeof(help), "# HELP %s ", name);
	return strstr(e->text, help) != NULL;
}

static void render(struct fixture *f, bool per_session, struct expo *e)
{
	size_t len;
	char *out;

	assert_int_equal(lts_metrics_render(&f->view, &f->acc, per_session, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	expo_parse(out, e);
	free(out);
}

/* ------------------------------------------------------------ exposition */

static void test_format(void **state)
{
	struct fixture *f = *state;
	struct expo e;

	render(f, true, &e);
	assert_true(e.n > 100);
	assert_int_equal(val(&e, "lts_build_info{version=\"9.8.7\"}"), 1);
	assert_int_equal(val(&e, "lts_start_time_seconds"), 1700000000);
	assert_int_equal(val(&e, "lts_static_sessions"), 1);
	assert_int_equal(val(&e, "lts_max_sessions"), 16);
	assert_int_equal(val(&e, "lts_max_tunnels"), 1024);
	expo_free(&e);
}

static void test_state_gauges(void **state)
{
	struct fixture *f = *state;
	struct expo e;

	render(f, false, &e);
	/* The LAC's tunnel, its peer name escaped; every state of it present. */
	assert_int_equal(val(&e, "lts_tunnels{role=\"lns\",state=\"established\",peer=\"" EVIL_PEER_ESC "\"}"), 1);
	assert_int_equal(val(&e, "lts_tunnels{role=\"lns\",state=\"idle\",peer=\"" EVIL_PEER_ESC "\"}"), 0);
	assert_int_equal(val(&e, "lts_tunnels{role=\"lac\",state=\"wait_ctl_reply\",peer=\"lns-core\"}"), 1);
	assert_int_equal(val(&e, "lts_tunnels{role=\"lac\",state=\"established\",peer=\"lns-core\"}"), 0);
	/* DEAD only when there is one; no peer-less rows when empty. */
	assert_null(find(&e, "lts_tunnels{role=\"lac\",state=\"dead\",peer=\"lns-core\"}"));
	assert_null(find(&e, "lts_tunnels{role=\"lns\",state=\"established\",peer=\"\"}"));
	assert_int_equal(val(&e, "lts_sessions{role=\"lns\",state=\"established\",peer=\"" EVIL_PEER_ESC "\"}"), 1);
	assert_int_equal(val(&e, "lts_sessions{role=\"lns\",state=\"wait_connect\",peer=\"" EVIL_PEER_ESC "\"}"), 1);
	assert_int_equal(val(&e, "lts_sessions{role=\"lns\",state=\"wait_answer\",peer=\"" EVIL_PEER_ESC "\"}"), 1);
	assert_int_equal(val(&e, "lts_sessions{role=\"lac\",state=\"established\",peer=\"lns-core\"}"), 1);
	assert_int_equal(val(&e, "lts_sessions{role=\"lac\",state=\"wait_reply\",peer=\"lns-core\"}"), 1);
	assert_int_equal(val(&e, "lts_half_open_tunnels"), 1);
	/* The call being set up has no rule yet: rule="". Every rule is there. */
	assert_int_equal(val(&e, "lts_calls{rule=\"default\",state=\"up\"}"), 1);
	assert_int_equal(val(&e, "lts_calls{rule=\"default\",state=\"setup\"}"), 0);
	assert_int_equal(val(&e, "lts_calls{rule=\"\",state=\"setup\"}"), 1);
	assert_int_equal(val(&e, "lts_calls{rule=\"spare\",state=\"up\"}"), 0);
	assert_null(find(&e, "lts_calls{rule=\"\",state=\"up\"}"));
	expo_free(&e);

	/* A tunnel of no configured peer, and a DEAD one, show up when there. */
	f->t_lns.lns_idx = -1;
	f->t_lns.state = LTS_TUN_DEAD;
	render(f, false, &e);
	assert_int_equal(val(&e, "lts_tunnels{role=\"lac\",state=\"dead\",peer=\"\"}"), 1);
	assert_int_equal(val(&e, "lts_tunnels{role=\"lac\",state=\"wait_ctl_reply\",peer=\"lns-core\"}"), 0);
	expo_free(&e);
}

static void test_counters(void **state)
{
	struct fixture *f = *state;
	struct expo e;

	render(f, false, &e);
	assert_int_equal(val(&e, "lts_switch_calls_switched_total"), 1);
	assert_int_equal(val(&e, "lts_switch_calls_refused_total"), 6);
	assert_int_equal(val(&e, "lts_switch_failovers_total"), 4);
	assert_int_equal(val(&e, "lts_switch_loops_detected_total"), 0);
	assert_int_equal(val(&e, "lts_switch_info_dropped_total"), 8);
	assert_int_equal(val(&e, "lts_rule_calls_total{rule=\"default\"}"), 10);
	assert_int_equal(val(&e, "lts_rule_calls_switched_total{rule=\"default\"}"), 7);
	assert_int_equal(val(&e, "lts_rule_calls_failed_total{rule=\"default\"}"), 3);
	assert_int_equal(val(&e, "lts_rule_calls_total{rule=\"spare\"}"), 0);
	assert_int_equal(val(&e, "lts_control_rx_packets_total"), 123);
	assert_int_equal(val(&e, "lts_control_sccrq_refused_total"), 9);
	assert_int_equal(val(&e, "lts_control_half_open_evicted_total"), 0);
	assert_int_equal(val(&e, "lts_control_messages_total{direction=\"rx\",type=\"sccrq\"}"), 4);
	assert_int_equal(val(&e, "lts_control_messages_total{direction=\"tx\",type=\"cdn\"}"), 2);
	assert_int_equal(val(&e, "lts_control_messages_total{direction=\"tx\",type=\"stopccn\"}"), 0);
	assert_int_equal(val(&e, "lts_control_messages_total{direction=\"rx\",type=\"other\"}"), 3);
	assert_null(find(&e, "lts_control_messages_total{direction=\"rx\",type=\"unknown\"}"));
	assert_int_equal(val(&e, "lts_control_result_codes_total{message=\"cdn\",direction=\"tx\",result=\"3\",error=\"\"}"), 1);
	assert_int_equal(val(&e, "lts_control_result_codes_total{message=\"cdn\",direction=\"tx\",result=\"2\",error=\"10\"}"), 1);
	assert_int_equal(val(&e, "lts_control_result_codes_total{message=\"cdn\",direction=\"tx\",result=\"2\",error=\"other\"}"), 1);
	assert_int_equal(val(&e, "lts_control_result_codes_total{message=\"stopccn\",direction=\"rx\",result=\"other\",error=\"\"}"), 5);
	/* Result 2 only by error code (its total would count them twice). */
	assert_null(find(&e, "lts_control_result_codes_total{message=\"cdn\",direction=\"tx\",result=\"2\",error=\"\"}"));
	assert_null(find(&e, "lts_control_result_codes_total{message=\"cdn\",direction=\"rx\",result=\"3\",error=\"\"}"));
	/* Transport counters: summed over both tunnels. */
	assert_int_equal(val(&e, "lts_control_retransmits_total"), 5);
	assert_int_equal(val(&e, "lts_control_messages_sent_total"), 31);
	assert_int_equal(val(&e, "lts_control_hellos_sent_total"), 7);
	/* Data: static slot 0 and the call's slot 3; the call in setup has none. */
	assert_int_equal(val(&e, "lts_data_packets_total{path=\"fast\",direction=\"lac_to_lns\"}"), 15);
	assert_int_equal(val(&e, "lts_data_packets_total{path=\"fast\",direction=\"lns_to_lac\"}"), 4);
	assert_int_equal(val(&e, "lts_data_packets_total{path=\"slow\",direction=\"lns_to_lac\"}"), 1);
	assert_int_equal(val(&e, "lts_data_packets_total{path=\"slow\",direction=\"lac_to_lns\"}"), 0);
	assert_int_equal(val(&e, "lts_data_bytes_total{path=\"fast\",direction=\"lac_to_lns\"}"), 1500);
	assert_int_equal(val(&e, "lts_data_policed_total{direction=\"lns_to_lac\"}"), 6);
	assert_int_equal(val(&e, "lts_data_policed_total{direction=\"lac_to_lns\"}"), 0);
	/* Every reason, 0 included. */
	assert_int_equal(val(&e, "lts_xdp_verdicts_total{reason=\"switched_redirect\"}"), 28);
	assert_int_equal(val(&e, "lts_xdp_verdicts_total{reason=\"pass_control\"}"), 18);
	assert_int_equal(val(&e, "lts_xdp_verdicts_total{reason=\"drop_truncated\"}"), 0);
	assert_int_equal(val(&e, "lts_slowpath_datagrams_total{result=\"relayed\"}"), 5);
	assert_int_equal(val(&e, "lts_slowpath_datagrams_total{result=\"send_error\"}"), 0);
	/* Off by default: no per-session families. */
	assert_false(has_family(&e, "lts_session_packets_total"));
	expo_free(&e);

	/* A reason that cannot be read has no sample (not a wrong one). */
	f->reasons[LTS_R_PASS_MTU] = -EIO;
	render(f, false, &e);
	assert_null(find(&e, "lts_xdp_verdicts_total{reason=\"pass_mtu\"}"));
	assert_true(has_family(&e, "lts_xdp_verdicts_total"));
	expo_free(&e);
}

static void test_per_session(void **state)
{
	struct fixture *f = *state;
	struct expo e;

	render(f, true, &e);
	assert_int_equal(val(&e, "lts_session_packets_total{rule=\"static:st0\",lac_peer=\"\",lns_peer=\"\","
				 "lac_tunnel_id=\"100\",lac_session_id=\"1\",lns_tunnel_id=\"300\","
				 "lns_session_id=\"3\",path=\"fast\",direction=\"lac_to_lns\"}"), 10);
	assert_int_equal(val(&e, "lts_session_bytes_total{rule=\"static:st0\",lac_peer=\"\",lns_peer=\"\","
				 "lac_tunnel_id=\"100\",lac_session_id=\"1\",lns_tunnel_id=\"300\","
				 "lns_session_id=\"3\",path=\"slow\",direction=\"lns_to_lac\"}"), 100);
	assert_int_equal(val(&e, "lts_session_packets_total{rule=\"default\",lac_peer=\"" EVIL_PEER_ESC
				 "\",lns_peer=\"lns-core\",lac_tunnel_id=\"12\",lac_session_id=\"5\","
				 "lns_tunnel_id=\"7\",lns_session_id=\"33\",path=\"fast\","
				 "direction=\"lns_to_lac\"}"), 4);
	/* 2 sessions x 2 paths x 2 directions, in each family; none for the call in setup. */
	assert_int_equal(strstr(e.text, "lts_session_packets_total{") != NULL, 1);
	{
		size_t i, n_p = 0, n_b = 0;

		for (i = 0; i < e.n; i++) {
			n_p += !strncmp(e.s[i].key, "lts_session_packets_total{", 26);
			n_b += !strncmp(e.s[i].key, "lts_session_bytes_total{", 24);
		}
		assert_int_equal(n_p, 8);
		assert_int_equal(n_b, 8);
	}
	expo_free(&e);
}

/* What cannot be written as UTF-8 is replaced, never passed through. */
static void test_label_escaping(void **state)
{
	struct fixture *f = *state;
	char saved[LTS_CFG_NAME_MAX];
	struct expo e;

	memcpy(saved, f->cfg->rules[1].name, sizeof(saved));
	snprintf(f->cfg->rules[1].name, sizeof(f->cfg->rules[1].name),
		 "a\xff" "b\xc3\xa9\xe2\x82" "\"\\\n\t\xf0\x9f\x98\x80\xed\xa0\x80");
	render(f, false, &e); /* expo_parse checks the whole text is UTF-8 */
	assert_int_equal(val(&e, "lts_calls{rule=\"a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd"
				 "\\\"\\\\\\n\t\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
				 "state=\"up\"}"), 0);
	expo_free(&e);
	memcpy(f->cfg->rules[1].name, saved, sizeof(saved));
}

/* ------------------------------------------------------------ monotonic */

#define FAST_AB "lts_data_packets_total{path=\"fast\",direction=\"lac_to_lns\"}"
#define SLOW_BA_BYTES "lts_data_bytes_total{path=\"slow\",direction=\"lns_to_lac\"}"

static uint64_t scrape(struct fixture *f, const char *key)
{
	struct expo e;
	uint64_t v;

	render(f, false, &e);
	v = val(&e, key);
	expo_free(&e);
	return v;
}

static void call_ends(struct fixture *f)
{
	f->ops.remove(f->ops.ctx, &f->call_up.pair);
	f->call_up.installed = false;
	f->sw.calls = &f->call_setup;
	f->call_setup.next = NULL;
}

static void call_starts(struct fixture *f, uint32_t idx)
{
	assert_int_equal(f->ops.install(f->ops.ctx, &f->call_up.pair, idx), 0);
	f->call_up.installed = true;
	f->call_up.stats_idx = idx;
	f->sw.calls = &f->call_setup;
	f->call_setup.next = &f->call_up;
	f->call_up.prev = &f->call_setup;
}

/*
 * Calls end and their slots are reused (and zeroed): the totals keep what
 * every call counted, whether a scrape saw the slot unused in between or not.
 */
static void test_monotonic_data(void **state)
{
	struct fixture *f = *state;

	/* The call at slot 3 was there from the start (not through the hook). */
	assert_int_equal(scrape(f, FAST_AB), 15);
	call_ends(f);
	assert_int_equal(f->removes, 1);
	assert_int_equal(scrape(f, FAST_AB), 15);  /* slot 3 retired at the scrape */
	count(f, 3, 0, LTS_DIR_A_TO_B, 1000);      /* would be a bug to count it now */
	assert_int_equal(scrape(f, FAST_AB), 15);

	call_starts(f, 3);                          /* zeroed: nothing to retire */
	assert_int_equal(f->installs, 1);
	count(f, 3, 0, LTS_DIR_A_TO_B, 2);
	count(f, 3, 1, LTS_DIR_B_TO_A, 3);
	assert_int_equal(scrape(f, FAST_AB), 17);
	assert_int_equal(scrape(f, SLOW_BA_BYTES), 100 + 300);

	/* Ends and the slot is reused before any scrape: retired at install. */
	call_ends(f);
	call_starts(f, 3);
	count(f, 3, 0, LTS_DIR_A_TO_B, 1);
	assert_int_equal(scrape(f, FAST_AB), 18);
	assert_int_equal(scrape(f, SLOW_BA_BYTES), 400);

	/* Another slot; the static session goes on counting. */
	call_ends(f);
	call_starts(f, 9);
	count(f, 9, 0, LTS_DIR_A_TO_B, 4);
	count(f, 0, 0, LTS_DIR_A_TO_B, 1);
	assert_int_equal(scrape(f, FAST_AB), 23);
	assert_int_equal(f->acc.retire_errors, 0);
}

/* Tunnels are freed and their IDs reused: transport counters never go down. */
static void test_monotonic_xport(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(scrape(f, "lts_control_retransmits_total"), 5);
	f->t_lac.xport.ctr.retransmits = 6;
	assert_int_equal(scrape(f, "lts_control_retransmits_total"), 8);
	/* t_lac freed. */
	f->cp.all = &f->t_lns;
	f->t_lns.prev = NULL;
	assert_int_equal(scrape(f, "lts_control_retransmits_total"), 8);
	/* A new tunnel with the same ID: all it counted is new. */
	f->t_new = (struct lts_tunnel){ .id = 12, .role = LTS_ROLE_LNS, .lac_idx = 0,
					.lns_idx = -1, .state = LTS_TUN_ESTABLISHED,
					.created_ms = 50000 };
	f->t_new.xport.ctr.retransmits = 1;
	f->t_new.next = &f->t_lns;
	f->cp.all = &f->t_new;
	assert_int_equal(scrape(f, "lts_control_retransmits_total"), 9);
	assert_int_equal(scrape(f, "lts_control_messages_sent_total"), 31);
	f->cp.all = NULL;
	assert_int_equal(scrape(f, "lts_control_retransmits_total"), 9);
}

/* No control plane, no switch, no counters (data plane only): still well-formed. */
static void test_empty_view(void **state)
{
	struct fixture *f = *state;
	struct lts_metrics_view v = { .ctl = { .cfg = f->cfg } };
	struct lts_metrics_acc acc;
	struct expo e;
	size_t len;
	char *out;

	assert_int_equal(lts_metrics_acc_init(&acc, &v.ctl.dp, 0, 0), 0);
	assert_int_equal(lts_metrics_render(&v, &acc, true, &out, &len), 0);
	expo_parse(out, &e);
	free(out);
	assert_int_equal(val(&e, "lts_build_info{version=\"\"}"), 1);
	assert_int_equal(val(&e, "lts_control_rx_packets_total"), 0);
	assert_int_equal(val(&e, FAST_AB), 0);
	assert_true(has_family(&e, "lts_xdp_verdicts_total"));
	assert_null(find(&e, "lts_xdp_verdicts_total{reason=\"pass_control\"}"));
	assert_true(has_family(&e, "lts_session_packets_total"));
	expo_free(&e);
	lts_metrics_acc_fini(&acc);
}

/* The wrapper forwards every hook, and leaves unset ones unset. */
static void test_acc_ops(void **state)
{
	struct fixture *f = *state;
	struct lts_dp_ops none = { 0 }, ops;
	struct lts_metrics_acc acc;
	struct lts_session_stats st;

	assert_int_equal(lts_metrics_acc_init(&acc, &none, 4, 0), 0);
	ops = lts_metrics_acc_ops(&acc);
	assert_null(ops.install);
	assert_null(ops.remove);
	assert_null(ops.fast_stats);
	assert_null(ops.last_rx_ms);
	lts_metrics_acc_fini(&acc);

	assert_int_equal(f->ops.fast_stats(f->ops.ctx, 3, &st), 0);
	assert_int_equal(st.dir[LTS_DIR_A_TO_B].packets, 5);
	assert_int_equal(f->ops.slow_stats(f->ops.ctx, 0, &st), 0);
	assert_int_equal(st.dir[LTS_DIR_B_TO_A].packets, 1);
	assert_int_equal(f->ops.fast_stats(f->ops.ctx, 99, &st), -ENOENT);
	/* A slot beyond the bitmap is installed, just not tracked. */
	assert_int_equal(f->ops.install(f->ops.ctx, &f->call_up.pair, 20), 0);
}

/* ------------------------------------------------------------ HTTP */

struct http {
	struct lts_metrics m;
	struct lts_config cfg;
	uint16_t port;
};

static void http_open(struct fixture *f, struct http *h)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	struct lts_dp_ops ops = f->ops;

	memset(h, 0, sizeof(*h));
	h->cfg = *f->cfg;
	h->cfg.metrics.listen_port = 0; /* any free port */
	assert_int_equal(lts_metrics_wrap_dp(&h->m, &h->cfg, &ops), 0);
	assert_ptr_equal(ops.ctx, &h->m.acc);
	assert_int_equal(lts_metrics_open(&h->m, &h->cfg, &f->view), 0);
	assert_true(lts_metrics_poll_fd(&h->m) >= 0);
	info = MHD_get_daemon_info(h->m.mhd, MHD_DAEMON_INFO_LISTEN_FD);
	assert_non_null(info);
	assert_int_equal(getsockname(info->listen_fd, (struct sockaddr *)&sa, &sl), 0);
	h->port = ntohs(sa.sin_port);
}

static void http_close(struct http *h)
{
	lts_metrics_close(&h->m);
	assert_int_equal(lts_metrics_poll_fd(&h->m), -1);
	lts_metrics_close(&h->m); /* twice is fine */
}

static int http_connect(struct http *h)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(h->port) };
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Run the server as ltsd's loop does for up to ms, reading what fd
 * receives into buf; stops once the answer is complete (Content-Length)
 * or fd is closed. Returns bytes read; *closed says if fd saw EOF.
 */
static size_t pump(struct http *h, int fd, char *buf, size_t cap, int ms, bool *closed,
		   unsigned int *wakeups)
{
	uint64_t until = ms_now() + (uint64_t)ms;
	size_t len = 0;
	char *body, *cl;
	ssize_t n;

	*closed = false;
	buf[0] = '\0';
	while (ms_now() < until) {
		struct pollfd p[2] = { { .fd = lts_metrics_poll_fd(&h->m), .events = POLLIN },
				       { .fd = fd, .events = POLLIN } };

		if (poll(p, fd >= 0 ? 2 : 1, 20) < 0)
			break;
		if (p[0].revents & POLLIN) {
			lts_metrics_handle(&h->m);
			if (wakeups)
				(*wakeups)++;
		}
		if (fd < 0 || !(p[1].revents & (POLLIN | POLLHUP)))
			continue;
		n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			*closed = true;
			break;
		}
		if (n < 0)
			continue;
		len += (size_t)n;
		buf[len] = '\0';
		body = strstr(buf, "\r\n\r\n");
		cl = strcasestr(buf, "Content-Length: ");
		if (body && cl && (size_t)(body + 4 - buf) + strtoul(cl + 16, NULL, 10) <= len)
			break;
	}
	return len;
}

static char *request(struct http *h, int fd, const char *req, bool *closed)
{
	static char buf[1 << 20];

	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	pump(h, fd, buf, sizeof(buf), 3000, closed, NULL);
	return buf;
}

static void test_http(void **state)
{
	struct fixture *f = *state;
	struct expo e;
	struct http h;
	bool closed;
	char *r, *body;
	int fd;

	http_open(f, &h);
	fd = http_connect(&h);
	r = request(&h, fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
	assert_true(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17));
	assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	expo_parse(body + 4, &e);
	assert_int_equal(val(&e, "lts_build_info{version=\"9.8.7\"}"), 1);
	assert_int_equal(val(&e, FAST_AB), 15);
	expo_free(&e);
	/* Keep-alive: the same connection answers again. */
	assert_false(closed);
	r = request(&h, fd, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
	assert_true(!strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24));
	r = request(&h, fd, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
	assert_true(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17));
	close(fd);

	fd = http_connect(&h);
	r = request(&h, fd, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		    &closed);
	assert_true(!strncmp(r, "HTTP/1.1 405 Method Not Allowed\r\n", 33));
	assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
	close(fd);
	assert_int_equal(h.m.ctr.scrapes, 2);
	assert_int_equal(h.m.ctr.not_found, 1);
	assert_int_equal(h.m.ctr.bad_method, 1);
	http_close(&h);
}

/*
 * LTS_METRICS_MAX_CONNECTIONS idle clients: the next one waits (in the
 * kernel's backlog, no busy loop meanwhile) until one of them goes.
 */
static void test_http_limit(void **state)
{
	struct fixture *f = *state;
	int idle[LTS_METRICS_MAX_CONNECTIONS], fd, i;
	unsigned int wakeups = 0;
	static char buf[1 << 20];
	struct http h;
	bool closed;
	size_t len;

	http_open(f, &h);
	for (i = 0; i < LTS_METRICS_MAX_CONNECTIONS; i++)
		idle[i] = http_connect(&h);
	pump(&h, -1, buf, sizeof(buf), 200, &closed, NULL);
	fd = http_connect(&h);
	assert_int_equal(send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 35, MSG_NOSIGNAL), 35);
	len = pump(&h, fd, buf, sizeof(buf), 500, &closed, &wakeups);
	assert_int_equal(len, 0);
	assert_false(closed);
	assert_true(wakeups < 20); /* not spinning on a listening socket it cannot serve */
	close(idle[0]);
	len = pump(&h, fd, buf, sizeof(buf), 3000, &closed, NULL);
	assert_true(len > 17);
	assert_true(!strncmp(buf, "HTTP/1.1 200 OK\r\n", 17));
	close(fd);
	for (i = 1; i < LTS_METRICS_MAX_CONNECTIONS; i++)
		close(idle[i]);
	http_close(&h);
}

/* Without metrics: nothing is wrapped, nothing listens. */
static void test_http_off(void **state)
{
	struct fixture *f = *state;
	struct lts_dp_ops ops = f->ops;
	struct lts_metrics m = { 0 };
	struct lts_config cfg = *f->cfg;

	memset(&cfg.metrics, 0, sizeof(cfg.metrics));
	assert_int_equal(lts_metrics_wrap_dp(&m, &cfg, &ops), 0);
	assert_ptr_equal(ops.ctx, f->ops.ctx);
	assert_int_equal(lts_metrics_open(&m, &cfg, &f->view), 0);
	assert_int_equal(lts_metrics_poll_fd(&m), -1);
	lts_metrics_handle(&m);
	lts_metrics_close(&m);
}

/* A port in use: a clean errno, nothing left open. */
static void test_http_in_use(void **state)
{
	struct fixture *f = *state;
	struct http h, h2;

	http_open(f, &h);
	memset(&h2, 0, sizeof(h2));
	h2.cfg = *f->cfg;
	h2.cfg.metrics.listen_port = h.port;
	assert_int_equal(lts_metrics_open(&h2.m, &h2.cfg, &f->view), -EADDRINUSE);
	assert_int_equal(lts_metrics_poll_fd(&h2.m), -1);
	lts_metrics_close(&h2.m);
	http_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_gauges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monotonic_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monotonic_xport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acc_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_in_use, setup, teardown),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
