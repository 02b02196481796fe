// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the operator socket's request line and its answers
 * (agent/ctl_server.c, agent/lib/json.c).
 *
 *   line     the bytes before the first '\n' (all of them if there is none),
 *            read as the C string the server hands lts_ctl_parse_request():
 *            cut at a NUL
 *   '\n'     then the view the answer is rendered over:
 *   f        one byte of VIEW_* flags
 *   v[8]     big-endian: the counters the fake lts_dp_ops hooks return,
 *            the control plane's and the switch's counters, the states
 *   names    the rest: the two tunnels' peer Host Names (text the peers
 *            chose), separated by a NUL, each cut to what a tunnel stores
 *
 * The view is the one of tests/unit/test_ctl_server.c, built by hand over a
 * config loaded once: two tunnels (we are LNS on one, LAC on the other),
 * five sessions, an installed call, a call being set up, a session no call
 * holds, two static sessions.
 *
 * Oracles besides the sanitizers:
 *  - lts_ctl_parse_request() agrees with a reference parser written here
 *    from its contract (ctl_server.h): "show" and one of summary, tunnels,
 *    sessions, separated by blanks, at most LTS_CTL_REQ_MAX bytes;
 *  - every answer (lts_ctl_render() for a request that parses, and
 *    lts_ctl_render_error() of the line itself for every input) is
 *    NUL-terminated at the stated length, ends in a newline, parses with
 *    the project's JSON parser (agent/lib/json.h) into an object with the
 *    one member the request asks for, and renders the same twice;
 *  - text the peer or operator chose comes back through the JSON parser
 *    byte for byte where it is valid UTF-8, each other byte as U+0080..
 *    U+00FF (json.h: invalid bytes become \u00XX);
 *  - the counts agree with the view: tunnels, sessions (static, calls,
 *    unswitched), tunnels sorted by our ID.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl_server.h"
#include "lib/json.h"
#include "lib/log.h"

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

#define NOW_MS 100000ull
#define STARTED_MS 40000ull

enum {
	VIEW_NO_CP = 1 << 0,        /* no control plane */
	VIEW_NO_SW = 1 << 1,        /* no switch */
	VIEW_NO_HOOKS = 1 << 2,     /* counters read as zero */
	VIEW_HOOKS_FAIL = 1 << 3,   /* the hooks fail: must read as zero too */
	VIEW_NOT_INSTALLED = 1 << 4, /* the first call still being set up */
	VIEW_SAME_IDS = 1 << 5,     /* both tunnels have the same ID */
	VIEW_NO_PEERS = 1 << 6,     /* peer indexes out of the config's range */
	VIEW_EARLY = 1 << 7,        /* now is before everything was created */
};

static const char cfg_yaml[] =
	"switch: { hostname: lts-fuzz }\n"
	"dataplane: { mode: off, max_sessions: 16 }\n"
	"static_sessions:\n"
	"  - name: st0\n"
	"    a: { local: 10.0.1.2, peer: 10.0.1.1, tunnel_id: 100, session_id: 1,"
	" peer_tunnel_id: 200, peer_session_id: 2 }\n"
	"    b: { local: \"fd00:2::2\", peer: \"fd00:2::1\", peer_port: 1702, tunnel_id: 300,"
	" session_id: 3, peer_tunnel_id: 400, peer_session_id: 4, dscp: 46 }\n"
	"  - name: st1\n"
	"    a: { local: 10.0.1.2, peer: 10.0.1.9, tunnel_id: 101, session_id: 1,"
	" peer_tunnel_id: 201, peer_session_id: 2 }\n"
	"    b: { local: 10.0.2.2, peer: 10.0.2.1, tunnel_id: 301, session_id: 3,"
	" peer_tunnel_id: 401, peer_session_id: 4 }\n"
	"lac_peers:\n"
	"  - { name: lac-west, address: 10.0.1.0/24 }\n"
	"lns_peers:\n"
	"  - { name: lns-core, address: \"2001:db8:2::1\" }\n"
	"rules:\n"
	"  - name: default\n"
	"    pool: [ { lns: lns-core } ]\n";

static struct lts_config *cfg;

struct view {
	struct lts_ctrl_plane cp;
	struct lts_switch sw;
	struct lts_tunnel t_lac, t_lns;
	struct lts_session s_up_a, s_up_b, s_set_a, s_set_b, s_alone;
	struct lts_call call_up, call_setup;
	struct lts_ctl_view v;
	uint64_t ctr;
	bool fail;
	size_t n_tunnels, n_sessions; /* what the answers must list */
};

static struct view V;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[LTS_CFG_ERR_MAX];

	(void)argc;
	(void)argv;
	lts_log_set_level(LTS_LOG_ERR);
	if (lts_config_load_string("fuzz.yaml", cfg_yaml, strlen(cfg_yaml), &cfg, err,
				   sizeof(err))) {
		fprintf(stderr, "fuzz_ctl_request: %s\n", err);
		abort();
	}
	return 0;
}

/* ------------------------------------------------------------ the view */

static int fake_stats(void *ctx, uint32_t idx, struct lts_session_stats *out, int salt)
{
	struct view *w = ctx;
	int d;

	if (w->fail)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	for (d = 0; d < LTS_DIR_MAX; d++) {
		/* Wraps around for large counters: sums must still render. */
		out->dir[d].packets = w->ctr + idx * 1000 + 10 * d + salt;
		out->dir[d].bytes = w->ctr * 100 + out->dir[d].packets;
	}
	return 0;
}

static int fake_fast(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	return fake_stats(ctx, idx, out, 1);
}

static int fake_slow(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	return fake_stats(ctx, idx, out, 2);
}

static void set_ip(struct lts_ip *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = strchr(s, ':') ? LTS_FAMILY_IPV6 : LTS_FAMILY_IPV4;
	CHECK(inet_pton(ip->family == LTS_FAMILY_IPV6 ? AF_INET6 : AF_INET, s, ip->addr) == 1);
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
	if (t->sessions)
		t->sessions->prev = s;
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

/* A peer's Host Name: names[*pos..] up to a NUL, cut to what a tunnel stores. */
static void take_name(char *dst, const uint8_t *names, size_t n, size_t *pos)
{
	size_t len = 0;

	if (*pos >= n)
		return;
	while (*pos + len < n && names[*pos + len])
		len++;
	memcpy(dst, names + *pos, len < LTS_HOSTNAME_MAX - 1 ? len : LTS_HOSTNAME_MAX - 1);
	*pos += len + (*pos + len < n); /* and the NUL */
}

static void build_view(struct view *w, uint8_t f, uint64_t v, const uint8_t *names, size_t n)
{
	uint8_t st = v & 0xff;
	size_t pos = 0;

	memset(w, 0, sizeof(*w));
	w->ctr = v;
	w->fail = f & VIEW_HOOKS_FAIL;

	w->t_lac = (struct lts_tunnel){ .id = 12, .peer_id = 5831, .role = LTS_ROLE_LNS,
					.state = st % LTS_TUN_STATE_MAX, .lac_idx = 0,
					.lns_idx = -1, .created_ms = 10000 };
	set_ip(&w->t_lac.ep.peer, "10.0.1.1");
	set_ip(&w->t_lac.ep.local, "10.0.1.2");
	w->t_lac.ep.peer_port = 1701;
	w->t_lac.ep.local_port = 1701;
	w->t_lac.xport.ctr.retransmits = v;
	w->t_lac.xport.ctr.hello_tx = v >> 8;

	w->t_lns = (struct lts_tunnel){ .id = f & VIEW_SAME_IDS ? 12 : 7, .peer_id = 77,
					.role = LTS_ROLE_LAC,
					.state = (st >> 4) % LTS_TUN_STATE_MAX, .lac_idx = -1,
					.lns_idx = 0, .created_ms = 20000 };
	set_ip(&w->t_lns.ep.peer, "2001:db8:2::1");
	set_ip(&w->t_lns.ep.local, "2001:db8:2::2");
	w->t_lns.ep.peer_port = 1701;
	w->t_lns.ep.local_port = 1701;
	w->t_lns.xport.ctr.tx_msgs = ~v;
	if (f & VIEW_NO_PEERS) {
		w->t_lac.lac_idx = 1; /* one past the config's lac_peers */
		w->t_lns.lns_idx = -1;
	}

	take_name(w->t_lac.peer_hostname, names, n, &pos);
	take_name(w->t_lns.peer_hostname, names, n, &pos);

	add_session(&w->t_lac, &w->s_alone, 6, 10, (v >> 8) % LTS_SESS_STATE_MAX, 90000, NULL);
	add_session(&w->t_lac, &w->s_up_a, 5, 9, LTS_SESS_ESTABLISHED, 30000, &w->call_up);
	add_session(&w->t_lns, &w->s_up_b, 33, 44, LTS_SESS_ESTABLISHED, 31000, &w->call_up);
	add_session(&w->t_lac, &w->s_set_a, 8, 18, (v >> 16) % LTS_SESS_STATE_MAX, 95000,
		    &w->call_setup);
	add_session(&w->t_lns, &w->s_set_b, 34, 0, (v >> 24) % LTS_SESS_STATE_MAX, 95500,
		    &w->call_setup);

	w->call_up = (struct lts_call){ .first = &w->s_up_a, .second = &w->s_up_b,
					.rule = &cfg->rules[0],
					.installed = !(f & VIEW_NOT_INSTALLED),
					.stats_idx = (v >> 32) % cfg->max_sessions, .up_ms = 32000 };
	snprintf(w->call_up.pair.name, sizeof(w->call_up.pair.name), "default");
	leg_from(&w->call_up.pair.a, &w->s_up_a);
	leg_from(&w->call_up.pair.b, &w->s_up_b);
	w->call_setup = (struct lts_call){ .first = &w->s_set_a, .second = &w->s_set_b,
					   .rule = v & 0x100 ? NULL : &cfg->rules[0] };

	/* Lists are pushed at the head: the newest first. */
	w->cp.cfg = cfg;
	w->cp.all = &w->t_lac;
	w->t_lac.next = &w->t_lns;
	w->t_lns.prev = &w->t_lac;
	w->cp.n_tunnels = 2;
	w->cp.n_sessions = 5;
	w->cp.ctr.rx_packets = v;
	w->cp.ctr.half_open_evicted = ~v;
	w->cp.n_half_open = v >> 40;
	w->sw.cfg = cfg;
	w->sw.calls = &w->call_setup;
	w->call_setup.next = &w->call_up;
	w->call_up.prev = &w->call_setup;
	w->sw.n_calls = 2;
	w->sw.ctr.calls_switched = v;
	w->sw.ctr.info_dropped = ~v;

	w->v = (struct lts_ctl_view){ .cfg = cfg,
				      .cp = f & VIEW_NO_CP ? NULL : &w->cp,
				      .sw = f & VIEW_NO_SW ? NULL : &w->sw,
				      .started_ms = f & VIEW_EARLY ? NOW_MS + 1 : STARTED_MS };
	if (!(f & VIEW_NO_HOOKS))
		w->v.dp = (struct lts_dp_ops){ .fast_stats = fake_fast, .slow_stats = fake_slow,
					       .ctx = w };

	w->n_tunnels = w->v.cp ? 2 : 0;
	w->n_sessions = cfg->n_static_sessions + (w->v.sw ? 2 : 0) + (w->v.cp ? 1 : 0);
}

/* ------------------------------------------------------------ oracles */

/* Our own reading of the contract in ctl_server.h. */
static int ref_parse(const char *line, enum lts_ctl_req *out)
{
	static const char *const what[] = {
		[LTS_CTL_SHOW_SUMMARY] = "summary",
		[LTS_CTL_SHOW_TUNNELS] = "tunnels",
		[LTS_CTL_SHOW_SESSIONS] = "sessions",
	};
	const char *word[2], *p = line;
	size_t len[2], n = 0, i;

	if (strlen(line) > LTS_CTL_REQ_MAX)
		return -EINVAL;
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (!*p)
			break;
		if (n == 2)
			return -EINVAL;
		word[n] = p;
		len[n] = strcspn(p, " \t\r\n");
		p += len[n++];
	}
	if (n != 2 || len[0] != 4 || memcmp(word[0], "show", 4))
		return -EINVAL;
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		if (len[1] == strlen(what[i]) && !memcmp(word[1], what[i], len[1])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if there is none. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* What the JSON round trip must give back for the C string s (malloc()ed). */
static char *expected_text(const char *s, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	char *out = malloc(2 * n + 1);

	CHECK(out);
	while (i < n) {
		k = utf8_valid(u + i, n - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			out[o++] = 0xc0 | u[i] >> 6;
			out[o++] = 0x80 | (u[i] & 0x3f);
			i++;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static void check_text(const struct lts_json_val *v, const char *want)
{
	size_t len;
	char *exp;

	if (!want[0] && v->type == LTS_JSON_NULL)
		return;
	CHECK(v->type == LTS_JSON_STR);
	exp = expected_text(want, &len);
	CHECK(v->str_len == len && !memcmp(v->str, exp, len));
	free(exp);
}

/* An answer: its framing, then parsed; the one member of its object. */
static struct lts_json_val *check_answer(const char *out, size_t len, const char *member,
					 const struct lts_json_val **body)
{
	struct lts_json_val *doc = NULL;
	char err[128];

	CHECK(out);
	CHECK(len > 0 && strlen(out) == len && out[len - 1] == '\n');
	if (lts_json_parse(out, len, &doc, err, sizeof(err))) {
		fprintf(stderr, "not valid JSON (%s):\n%s", err, out);
		abort();
	}
	CHECK(doc->type == LTS_JSON_OBJ && doc->n == 1);
	*body = lts_json_get(doc, member);
	CHECK(*body);
	return doc;
}

static void check_error_answer(const char *line)
{
	const struct lts_json_val *body;
	struct lts_json_val *doc;
	char *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0;

	CHECK(lts_ctl_render_error(line, &out, &len) == 0);
	doc = check_answer(out, len, "error", &body);
	CHECK(body->type == LTS_JSON_STR);
	if (line[0])
		check_text(body, line);
	else
		CHECK(body->str_len == 0);
	CHECK(lts_ctl_render_error(line, &again, &len2) == 0);
	CHECK(len2 == len && !memcmp(out, again, len));
	lts_json_val_free(doc);
	free(again);
	free(out);
}

static void check_tunnels(const struct view *w, const struct lts_json_val *arr)
{
	const struct lts_json_val *t;
	uint64_t id, last = 0;
	size_t i = 0;

	CHECK(arr->type == LTS_JSON_ARR && arr->n == w->n_tunnels);
	for (t = arr->child; t; t = t->next, i++) {
		const struct lts_tunnel *src;
		const struct lts_json_val *h;

		CHECK(t->type == LTS_JSON_OBJ);
		CHECK(lts_json_get_u64(t, "id", &id) == 0 && id >= last);
		last = id;
		/* Equal IDs: the order between them is free. */
		src = lts_json_get_str(t, "role") && !strcmp(lts_json_get_str(t, "role"), "lns") ?
			      &w->t_lac : &w->t_lns;
		CHECK(id == src->id);
		h = lts_json_get(t, "peer_hostname");
		CHECK(h);
		check_text(h, src->peer_hostname);
		CHECK(lts_json_get(t, "control") && lts_json_get(t, "control")->type == LTS_JSON_OBJ);
	}
}

static void check_sessions(const struct view *w, const struct lts_json_val *arr)
{
	const struct lts_json_val *s;

	CHECK(arr->type == LTS_JSON_ARR && arr->n == w->n_sessions);
	for (s = arr->child; s; s = s->next) {
		CHECK(s->type == LTS_JSON_OBJ);
		CHECK(lts_json_get_str(s, "state"));
		CHECK(lts_json_get(s, "lac") && lts_json_get(s, "lns") &&
		      lts_json_get(s, "counters"));
	}
}

static void check_summary(const struct view *w, const struct lts_json_val *o)
{
	uint64_t n;

	CHECK(o->type == LTS_JSON_OBJ);
	CHECK(lts_json_get_str(o, "hostname") && !strcmp(lts_json_get_str(o, "hostname"),
							    cfg->hostname));
	CHECK(lts_json_get_u64(o, "version", &n) == 0 && n == LTS_CTL_PROTO_VERSION);
	CHECK(lts_json_get_u64(o, "tunnels", &n) == 0 && n == w->n_tunnels);
	CHECK(lts_json_get_u64(o, "static_sessions", &n) == 0 && n == cfg->n_static_sessions);
	CHECK(!lts_json_get(o, "switch") == !w->v.sw);
	CHECK(!lts_json_get(o, "control") == !w->v.cp);
}

static void check_render(const struct view *w, enum lts_ctl_req req, uint64_t now_ms)
{
	static const char *const member[] = {
		[LTS_CTL_SHOW_SUMMARY] = "summary",
		[LTS_CTL_SHOW_TUNNELS] = "tunnels",
		[LTS_CTL_SHOW_SESSIONS] = "sessions",
	};
	const struct lts_json_val *body;
	struct lts_json_val *doc;
	char *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0;

	CHECK(lts_ctl_render(&w->v, req, now_ms, &out, &len) == 0);
	doc = check_answer(out, len, member[req], &body);
	switch (req) {
	case LTS_CTL_SHOW_SUMMARY:
		check_summary(w, body);
		break;
	case LTS_CTL_SHOW_TUNNELS:
		check_tunnels(w, body);
		break;
	case LTS_CTL_SHOW_SESSIONS:
		check_sessions(w, body);
		break;
	}
	CHECK(lts_ctl_render(&w->v, req, now_ms, &again, &len2) == 0);
	CHECK(len2 == len && !memcmp(out, again, len));
	lts_json_val_free(doc);
	free(again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size), *rest = NULL;
	size_t line_len = nl ? (size_t)(nl - data) : size, rest_len = 0, i;
	enum lts_ctl_req req = LTS_CTL_SHOW_SUMMARY, ref = LTS_CTL_SHOW_SUMMARY;
	uint64_t v = 0;
	uint8_t f = 0;
	char *line;
	int ret;

	/* Exactly the line's bytes and a NUL: any over-read is the parser's. */
	line = malloc(line_len + 1);
	CHECK(line);
	memcpy(line, data, line_len);
	line[line_len] = '\0';

	ret = lts_ctl_parse_request(line, &req);
	CHECK(ret == 0 || ret == -EINVAL);
	CHECK(ret == ref_parse(line, &ref));
	CHECK(ret || req == ref);
	check_error_answer(line);

	if (nl) {
		rest = nl + 1;
		rest_len = size - line_len - 1;
	}
	if (rest_len) {
		f = rest[0];
		rest++;
		rest_len--;
	}
	for (i = 0; i < 8; i++) {
		v = v << 8 | (rest_len ? rest[0] : 0);
		if (rest_len) {
			rest++;
			rest_len--;
		}
	}
	if (!ret) {
		build_view(&V, f, v, rest, rest_len);
		check_render(&V, req, NOW_MS);
	}
	free(line);
	return 0;
}
