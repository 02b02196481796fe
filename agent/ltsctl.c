// SPDX-License-Identifier: GPL-2.0
/*
 * ltsctl: the operator's view of a running ltsd, and the operator's hand on
 * it, through its control socket (switch.control_socket). One request line,
 * one JSON answer (agent/ctl_server.h); printed as is with --json, else as
 * aligned tables or one line saying what was done. docs/ltsctl.md.
 *
 * ltsctl knows the shape of each command (for usage errors and the bash
 * completion); ltsd is the judge of the rest (which IDs and peers exist).
 *
 * Exit status: 0 success, 1 ltsd unreachable or answering an error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "lib/json.h"
#include "lib/log.h" /* the trace flags' words only: ltsctl links no logger */
#include "lib/util.h"

#define LTSCTL_DEFAULT_SOCKET "/run/lts/ltsd.sock"
#define LTSCTL_TIMEOUT_S 10
#define LTSCTL_MAX_ANSWER (256u << 20)
#define LTSCTL_REQ_MAX 128 /* LTS_CTL_REQ_MAX: ltsd refuses longer lines */

#define TRACE_WORD(e, word) word " "
#define TRACE_WORDS LTS_TRACE_FLAGS(TRACE_WORD)

static const char usage_text[] =
	"usage: ltsctl [-s SOCKET] [--json] COMMAND\n"
	"views:\n"
	"  show summary|tunnels|sessions|peers|rules|stats\n"
	"  show tunnel ID                   one tunnel, its transport and its sessions\n"
	"  show session [TUNNEL/]SESSION    one call, both legs side by side\n"
	"  watch [-i SECONDS] [-n COUNT] [TOP]\n"
	"                                   the busiest sessions, packets and bits per second\n"
	"actions:\n"
	"  clear session [TUNNEL/]SESSION   CDN 3 on both legs of the call\n"
	"  clear tunnel ID                  StopCCN 1; CDN 3 on the other leg of its calls\n"
	"  clear peer [lac|lns] NAME        clear every tunnel of a configured peer\n"
	"  drain lac|lns NAME               refuse new tunnels and calls from a LAC (2/7),\n"
	"                                   place no new call on an LNS; the rest stays\n"
	"  undrain lac|lns NAME\n"
	"  log level err|warn|info|debug\n"
	"  trace FLAG... [peer NAME]        also log the debug lines of these subsystems\n"
	"                                   (with peer: only while NAME's tunnels are handled)\n"
	"  trace off\n"
	"  show trace                       trace flags, log level, syslog outputs and counters\n"
	"  reload                           read the configuration file again (as SIGHUP);\n"
	"                                   a bad file is refused and changes nothing\n"
	"  restart                          a new ltsd image (the binary on disk) takes over;\n"
	"                                   tunnels, calls and counters stay up\n"
	"FLAG: " TRACE_WORDS LTS_TRACE_ALL_WORD " (several: words or a,b,c)\n"
	"IDs are ltsd's own (the first of each ours/peer's pair in show sessions).\n"
	"options:\n"
	"  -s, --socket SOCKET  ltsd's control socket (default $LTS_CONTROL_SOCKET,\n"
	"                       else " LTSCTL_DEFAULT_SOCKET ")\n"
	"  -j, --json           print ltsd's JSON answer as is\n"
	"  -h, --help           this text\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

__attribute__((format(printf, 1, 2)))
static void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("ltsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ transport */

/* Send the request, read the whole answer. 0 or 1 (message printed). */
static int ask(const char *path, const char *req, char **out, size_t *out_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = LTSCTL_TIMEOUT_S };
	size_t len = 0, cap = 65536, sent = 0, rlen = strlen(req);
	char *buf = NULL, *nb;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_msg("socket path too long: %s", path);
		return 1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_msg("socket: %s", strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err_msg("cannot connect to %s: %s (is ltsd running? are you root?)", path,
			strerror(errno));
		goto fail;
	}
	while (sent < rlen) {
		n = send(fd, req + sent, rlen - sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* refused peers get an answer anyway: read it */
		sent += n;
	}
	shutdown(fd, SHUT_WR);
	buf = malloc(cap);
	if (!buf) {
		err_msg("out of memory");
		goto fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= LTSCTL_MAX_ANSWER) {
				err_msg("answer from %s larger than %u bytes", path,
					LTSCTL_MAX_ANSWER);
				goto fail;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				err_msg("out of memory");
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* A reset after the answer (e.g. refused before reading) ends it too. */
		if (n == 0 || (n < 0 && errno == ECONNRESET && len))
			break;
		if (n < 0) {
			err_msg("reading from %s: %s", path,
				errno == EAGAIN ? "timed out" : strerror(errno));
			goto fail;
		}
		len += n;
	}
	close(fd);
	if (!len) {
		err_msg("%s closed the connection without an answer", path);
		free(buf);
		return 1;
	}
	*out = buf;
	*out_len = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return 1;
}

/* ------------------------------------------------------------ tables */

#define TABLE_COLS_MAX 32

struct table {
	size_t ncols, nrows, cap;
	const char *const *hdr;
	unsigned int right; /* bit per right-aligned column */
	char **cells;       /* nrows * ncols, owned */
};

/* One row of t->ncols cells (NULL: "-"). */
static int table_addv(struct table *t, const char *const *cells)
{
	size_t c;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **nc = realloc(t->cells, cap * t->ncols * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		t->cells = nc;
		t->cap = cap;
	}
	for (c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = strdup(cells[c] ? cells[c] : "-");
	t->nrows++; /* even when incomplete: table_free() frees what is there */
	for (c = 0; c < t->ncols; c++)
		if (!t->cells[(t->nrows - 1) * t->ncols + c])
			return -ENOMEM;
	return 0;
}

static int table_add(struct table *t, ...)
{
	const char *cells[TABLE_COLS_MAX];
	va_list ap;
	size_t c;

	va_start(ap, t);
	for (c = 0; c < t->ncols; c++)
		cells[c] = va_arg(ap, const char *);
	va_end(ap);
	return table_addv(t, cells);
}

/* What a peer sent is shown, but never as terminal control sequences. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void table_print(struct table *t)
{
	size_t w[TABLE_COLS_MAX] = { 0 }, r, c, len;

	for (c = 0; c < t->ncols; c++)
		w[c] = strlen(t->hdr[c]);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			sanitize(t->cells[r * t->ncols + c]);
			len = strlen(t->cells[r * t->ncols + c]);
			if (len > w[c])
				w[c] = len;
		}
	}
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = r ? t->cells[(r - 1) * t->ncols + c] : t->hdr[c];
			bool last = c == t->ncols - 1;

			if (t->right & 1u << c)
				printf("%*s%s", (int)w[c], s, last ? "" : "  ");
			else if (last)
				printf("%s", s);
			else
				printf("%-*s  ", (int)w[c], s);
		}
		putchar('\n');
	}
}

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* Print (or say "out of memory"), free; the exit status of a view. */
static int table_done(struct table *t, int err, const char *empty)
{
	if (err) {
		err_msg("out of memory");
	} else {
		table_print(t);
		if (!t->nrows && empty)
			printf("%s\n", empty);
	}
	table_free(t);
	return err ? 1 : 0;
}

/* ------------------------------------------------------------ fields */

/* A scalar member as text; NULL (shown as "-") when missing or null. */
static const char *field(const struct lts_json_val *o, const char *key)
{
	const struct lts_json_val *v = lts_json_get(o, key);

	if (!v || v->type == LTS_JSON_NULL)
		return NULL;
	if (v->type == LTS_JSON_BOOL)
		return v->b ? "true" : "false";
	if (v->type == LTS_JSON_STR || v->type == LTS_JSON_NUM)
		return v->str;
	return "?";
}

static uint64_t u64_of(const struct lts_json_val *o, const char *key)
{
	uint64_t v = 0;

	lts_json_get_u64(o, key, &v);
	return v;
}

static bool bool_of(const struct lts_json_val *o, const char *key)
{
	const struct lts_json_val *v = lts_json_get(o, key);

	return v && v->type == LTS_JSON_BOOL && v->b;
}

static const char *secs_text(uint64_t s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%us", (unsigned int)s);
	else if (s < 3600)
		snprintf(buf, len, "%um%02us", (unsigned int)(s / 60), (unsigned int)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%uh%02um", (unsigned int)(s / 3600),
			 (unsigned int)(s / 60 % 60));
	else
		snprintf(buf, len, "%llud%02uh", (unsigned long long)(s / 86400),
			 (unsigned int)(s / 3600 % 24));
	return buf;
}

static const char *duration(const struct lts_json_val *o, const char *key, char *buf,
			    size_t len)
{
	uint64_t s;

	if (lts_json_get_u64(o, key, &s))
		return NULL;
	return secs_text(s, buf, len);
}

/* "addr:port", "[v6]:port"; NULL when the address is unknown. */
static const char *endpoint(const struct lts_json_val *o, const char *addr_key,
			    const char *port_key, char *buf, size_t len)
{
	const char *a = field(o, addr_key), *p = field(o, port_key);

	if (!a)
		return NULL;
	snprintf(buf, len, strchr(a, ':') ? "[%s]:%s" : "%s:%s", a, p ? p : "?");
	return buf;
}

/* "ours/peer's" of two id members. */
static const char *id_pair(const struct lts_json_val *o, const char *ours, const char *theirs,
			   char *buf, size_t len)
{
	const char *a = field(o, ours), *b = field(o, theirs);

	if (!a)
		return NULL;
	snprintf(buf, len, "%s/%s", a, b ? b : "-");
	return buf;
}

/* The member of doc the view answers with, of the type expected; NULL: said so. */
static const struct lts_json_val *member(const struct lts_json_val *doc, const char *key,
					 enum lts_json_type type)
{
	const struct lts_json_val *v = lts_json_get(doc, key);

	if (!v || v->type != type) {
		err_msg("unexpected answer: no \"%s\" %s", key,
			type == LTS_JSON_ARR ? "array" : "object");
		return NULL;
	}
	return v;
}

/* ------------------------------------------------------------ views */

static int show_tunnels(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "ID",   "PEER-ID",  "ROLE",  "STATE", "PEER",
					   "LOCAL", "HOSTNAME", "CONFIG", "SESS", "UPTIME",
					   "RETX", "HELLO-TX" };
	const struct lts_json_val *arr = member(doc, "tunnels", LTS_JSON_ARR), *t;
	struct table tab = { .ncols = 12, .hdr = hdr,
			     .right = 1u << 0 | 1u << 1 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 11 };
	int err = 0;

	if (!arr)
		return 1;
	for (t = arr->child; t && !err; t = t->next) {
		const struct lts_json_val *ctl = lts_json_get(t, "control");
		char peer[64], local[64], conf[80], up[32];
		const char *name = field(t, "lac_peer");
		const char *kind = "lac";

		if (!lts_json_get(t, "lac_peer")) {
			name = field(t, "lns_peer");
			kind = "lns";
		}
		snprintf(conf, sizeof(conf), "%s:%s", kind, name ? name : "-");
		err = table_add(&tab, field(t, "id"), field(t, "peer_id"), field(t, "role"),
				field(t, "state"),
				endpoint(t, "peer", "peer_port", peer, sizeof(peer)),
				endpoint(t, "local", "local_port", local, sizeof(local)),
				field(t, "peer_hostname"), conf, field(t, "sessions"),
				duration(t, "uptime_s", up, sizeof(up)), field(ctl, "retransmits"),
				field(ctl, "hello_tx"));
	}
	return table_done(&tab, err, "(no tunnels)");
}

static const char *session_state(const struct lts_json_val *s, char *buf, size_t len)
{
	const char *st = field(s, "state");
	const char *a = field(lts_json_get(s, "lac"), "state");
	const char *b = field(lts_json_get(s, "lns"), "state");

	if (!st || !strcmp(st, "up") || !strcmp(st, "static"))
		return st;
	snprintf(buf, len, "%s(%s/%s)", st, a ? a : "-", b ? b : "-");
	return buf;
}

static int show_sessions(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "RULE",     "STATE",    "UPTIME",   "LAC-PEER",
					   "LAC-TUN",  "LAC-SES",  "LNS-PEER", "LNS-TUN",
					   "LNS-SES",  "LAC>LNS-PKTS", "LAC>LNS-BYTES",
					   "LNS>LAC-PKTS", "LNS>LAC-BYTES" };
	const struct lts_json_val *arr = member(doc, "sessions", LTS_JSON_ARR), *s;
	struct table tab = { .ncols = 13, .hdr = hdr,
			     .right = 1u << 2 | 1u << 9 | 1u << 10 | 1u << 11 | 1u << 12 };
	int err = 0;

	if (!arr)
		return 1;
	for (s = arr->child; s && !err; s = s->next) {
		const struct lts_json_val *a = lts_json_get(s, "lac"), *b = lts_json_get(s, "lns");
		const struct lts_json_val *cnt = lts_json_get(s, "counters");
		const struct lts_json_val *ab = lts_json_get(cnt, "lac_to_lns");
		const struct lts_json_val *ba = lts_json_get(cnt, "lns_to_lac");
		char state[96], up[32], at[16], as[16], bt[16], bs[16];

		err = table_add(&tab, field(s, "rule"), session_state(s, state, sizeof(state)),
				duration(s, "uptime_s", up, sizeof(up)), field(a, "peer"),
				id_pair(a, "tunnel_id", "peer_tunnel_id", at, sizeof(at)),
				id_pair(a, "session_id", "peer_session_id", as, sizeof(as)),
				field(b, "peer"),
				id_pair(b, "tunnel_id", "peer_tunnel_id", bt, sizeof(bt)),
				id_pair(b, "session_id", "peer_session_id", bs, sizeof(bs)),
				field(ab, "packets"), field(ab, "bytes"), field(ba, "packets"),
				field(ba, "bytes"));
	}
	return table_done(&tab, err, "(no sessions)");
}

/*
 * Every scalar of o, nested members as "parent.member"; arrays of scalars
 * joined by commas; skip: members not to show (NULL-terminated).
 */
static int flatten(struct table *t, const struct lts_json_val *o, const char *prefix,
		   const char *const *skip)
{
	const struct lts_json_val *c, *e;
	const char *const *k;
	char name[128], list[512];
	size_t used;
	int err = 0;

	for (c = o->child; c && !err; c = c->next) {
		for (k = skip; k && *k && strcmp(*k, c->key); k++)
			;
		if (k && *k)
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", c->key);
		if (c->type == LTS_JSON_OBJ) {
			err = flatten(t, c, name, NULL);
		} else if (c->type == LTS_JSON_ARR) {
			used = 0;
			list[0] = '\0';
			for (e = c->child; e && used < sizeof(list); e = e->next)
				if (e->type == LTS_JSON_STR || e->type == LTS_JSON_NUM)
					used += snprintf(list + used, sizeof(list) - used, "%s%s",
							 used ? "," : "", e->str);
			err = table_add(t, name, list[0] ? list : NULL);
		} else {
			err = table_add(t, name, field(o, c->key));
		}
	}
	return err;
}

static int show_summary(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "FIELD", "VALUE" };
	const struct lts_json_val *sum = member(doc, "summary", LTS_JSON_OBJ);
	struct table tab = { .ncols = 2, .hdr = hdr };

	if (!sum)
		return 1;
	return table_done(&tab, flatten(&tab, sum, "", NULL), NULL);
}

static int show_peers(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "KIND",    "NAME",     "ADDRESS", "STATE",
					   "DRAINED", "TUNNELS",  "SESS",    "LOCKOUT",
					   "LAST-ERROR" };
	const struct lts_json_val *arr = member(doc, "peers", LTS_JSON_ARR), *p;
	struct table tab = { .ncols = 9, .hdr = hdr, .right = 1u << 5 | 1u << 6 | 1u << 7 };
	int err = 0;

	if (!arr)
		return 1;
	for (p = arr->child; p && !err; p = p->next) {
		const struct lts_json_val *e = lts_json_get(p, "last_error");
		char addr[80], tun[32], lock[32], last[160], age[32];
		const char *port = field(p, "port");

		snprintf(addr, sizeof(addr), "%s%s%s", field(p, "address") ?: "-",
			 port ? ":" : "", port ? port : "");
		snprintf(tun, sizeof(tun), "%llu/%llu",
			 (unsigned long long)u64_of(p, "tunnels_established"),
			 (unsigned long long)u64_of(p, "tunnels"));
		if (e && e->type == LTS_JSON_OBJ)
			snprintf(last, sizeof(last), "%s/%s %s (%s ago)", field(e, "result") ?: "?",
				 field(e, "error") ?: "?", field(e, "message") ?: "",
				 duration(e, "age_s", age, sizeof(age)) ?: "?");
		err = table_add(&tab, field(p, "kind"), field(p, "name"), addr, field(p, "state"),
				bool_of(p, "drained") ? "yes" : "no", tun, field(p, "sessions"),
				duration(p, "lockout_s", lock, sizeof(lock)),
				e && e->type == LTS_JSON_OBJ ? last : NULL);
	}
	return table_done(&tab, err, "(no peers configured)");
}

/* "key=value,..." of a rule's match ("*": everything). */
static const char *rule_match(const struct lts_json_val *m, char *buf, size_t len)
{
	const struct lts_json_val *c;
	size_t used = 0;

	buf[0] = '\0';
	for (c = m ? m->child : NULL; c && used < len; c = c->next)
		used += snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", c->key,
				 c->type == LTS_JSON_STR ? c->str : "?");
	return buf[0] ? buf : "*";
}

/* "lns:preference[drained][locked:Ns],..." of a rule's pool. */
static const char *rule_pool(const struct lts_json_val *pool, char *buf, size_t len)
{
	const struct lts_json_val *m;
	size_t used = 0;
	uint64_t lock;

	buf[0] = '\0';
	for (m = pool ? pool->child : NULL; m && used < len; m = m->next) {
		lock = u64_of(m, "lockout_s");
		used += snprintf(buf + used, len - used, "%s%s:%s%s", used ? "," : "",
				 field(m, "lns") ?: "?", field(m, "preference") ?: "?",
				 bool_of(m, "drained") ? "[drained]" : "");
		if (lock && used < len)
			used += snprintf(buf + used, len - used, "[locked:%llus]",
					 (unsigned long long)lock);
	}
	return buf;
}

static int show_rules(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "RULE",  "AT",   "MATCH",    "POOL",   "CALLS",
					   "HITS",  "SWITCHED", "FAILED", "FAILOVERS" };
	const struct lts_json_val *arr = member(doc, "rules", LTS_JSON_ARR), *r;
	struct table tab = { .ncols = 9, .hdr = hdr,
			     .right = 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 };
	int err = 0;

	if (!arr)
		return 1;
	for (r = arr->child; r && !err; r = r->next) {
		char match[256], pool[512];

		err = table_add(&tab, field(r, "name"), field(r, "decided_at"),
				rule_match(lts_json_get(r, "match"), match, sizeof(match)),
				rule_pool(lts_json_get(r, "pool"), pool, sizeof(pool)),
				field(r, "calls"), field(r, "hits"), field(r, "switched"),
				field(r, "failures"), field(r, "failovers"));
	}
	return table_done(&tab, err, "(no rules configured)");
}

static int show_tunnel(const struct lts_json_val *doc)
{
	static const char *const fhdr[] = { "FIELD", "VALUE" };
	static const char *const shdr[] = { "SESS", "PEER-SESS", "STATE", "UPTIME",
					    "CALL", "RULE", "OTHER-LEG" };
	static const char *const skip[] = { "session_list", NULL };
	const struct lts_json_val *t = member(doc, "tunnel", LTS_JSON_OBJ), *s;
	struct table f = { .ncols = 2, .hdr = fhdr };
	struct table st = { .ncols = 7, .hdr = shdr, .right = 1u << 0 | 1u << 1 | 1u << 3 };
	int err;

	if (!t)
		return 1;
	err = table_done(&f, flatten(&f, t, "", skip), NULL);
	if (err)
		return err;
	putchar('\n');
	s = lts_json_get(t, "session_list");
	for (s = s ? s->child : NULL; s && !err; s = s->next) {
		const struct lts_json_val *o = lts_json_get(s, "other_leg");
		char up[32], other[32];

		if (o && o->type == LTS_JSON_OBJ)
			snprintf(other, sizeof(other), "%s/%s", field(o, "tunnel_id") ?: "?",
				 field(o, "session_id") ?: "?");
		err = table_add(&st, field(s, "id"), field(s, "peer_id"), field(s, "state"),
				duration(s, "uptime_s", up, sizeof(up)), field(s, "call"),
				field(s, "rule"), o && o->type == LTS_JSON_OBJ ? other : NULL);
	}
	return table_done(&st, err, "(no sessions)");
}

/* One direction's "packets bytes" of a counters object, as two cells. */
static void dir_cells(const struct lts_json_val *o, const char *dir, const char **pk,
		      const char **by)
{
	const struct lts_json_val *d = lts_json_get(o, dir);

	*pk = field(d, "packets");
	*by = field(d, "bytes");
}

static void print_avps(const char *msg, const struct lts_json_val *avps, const char *vendor_key)
{
	const struct lts_json_val *a = lts_json_get(avps, msg), *e;
	char line[1024];
	size_t used = 0;
	uint64_t vendor = u64_of(avps, vendor_key);

	line[0] = '\0';
	for (e = a ? a->child : NULL; e && used < sizeof(line); e = e->next)
		if (e->type == LTS_JSON_STR)
			used += snprintf(line + used, sizeof(line) - used, "%s%s", used ? ", " : "",
					 e->str);
	if (vendor && used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, "%s%llu vendor AVP%s", used ? ", " : "",
			 (unsigned long long)vendor, vendor == 1 ? "" : "s");
	sanitize(line);
	printf("relayed in %s: %s\n", !strcmp(msg, "icrq") ? "ICRQ" : "ICCN",
	       line[0] ? line : "-");
}

/* One call, its two legs side by side, its counters per path and direction. */
static int show_session(const struct lts_json_val *doc)
{
	static const char *const hhdr[] = { "RULE", "STATE", "UPTIME", "STATS-IDX",
					    "CALL-SERIAL", "LNS-PEER" };
	static const char *const lhdr[] = { "LEG", "PEER", "LOCAL", "TUNNEL", "SESSION",
					    "STATE", "PEER-NAME" };
	static const char *const chdr[] = { "PATH", "LAC>LNS-PKTS", "LAC>LNS-BYTES",
					    "LNS>LAC-PKTS", "LNS>LAC-BYTES" };
	static const char *const legs[] = { "lac", "lns" };
	static const char *const paths[] = { "fast", "slow", NULL };
	const struct lts_json_val *s = member(doc, "session", LTS_JSON_OBJ), *cnt, *avps;
	struct table h = { .ncols = 6, .hdr = hhdr, .right = 1u << 2 | 1u << 3 | 1u << 4 };
	struct table l = { .ncols = 7, .hdr = lhdr };
	struct table c = { .ncols = 5, .hdr = chdr, .right = 0x1e };
	char state[96], up[32];
	int err, i;

	if (!s)
		return 1;
	err = table_add(&h, field(s, "rule"), session_state(s, state, sizeof(state)),
			duration(s, "uptime_s", up, sizeof(up)), field(s, "stats_idx"),
			field(s, "call_serial"), field(s, "lns_peer"));
	if (table_done(&h, err, NULL))
		return 1;
	putchar('\n');
	for (i = 0, err = 0; i < 2 && !err; i++) {
		const struct lts_json_val *g = lts_json_get(s, legs[i]);
		char peer[64], local[64], tun[16], ses[16];

		if (!g || g->type != LTS_JSON_OBJ) {
			err = table_add(&l, legs[i], NULL, NULL, NULL, NULL, NULL, NULL);
			continue;
		}
		err = table_add(&l, legs[i], endpoint(g, "peer", "peer_port", peer, sizeof(peer)),
				endpoint(g, "local", "local_port", local, sizeof(local)),
				id_pair(g, "tunnel_id", "peer_tunnel_id", tun, sizeof(tun)),
				id_pair(g, "session_id", "peer_session_id", ses, sizeof(ses)),
				field(g, "state"), field(g, "peer_name"));
	}
	if (table_done(&l, err, NULL))
		return 1;
	cnt = lts_json_get(s, "counters");
	if (cnt && cnt->type == LTS_JSON_OBJ) {
		putchar('\n');
		for (i = 0, err = 0; i < 3 && !err; i++) {
			const struct lts_json_val *o = paths[i] ? lts_json_get(cnt, paths[i]) : cnt;
			const char *cell[5] = { paths[i] ? paths[i] : "total" };

			dir_cells(o, "lac_to_lns", &cell[1], &cell[2]);
			dir_cells(o, "lns_to_lac", &cell[3], &cell[4]);
			err = table_addv(&c, cell);
		}
		if (table_done(&c, err, NULL))
			return 1;
	} else {
		table_free(&c);
		printf("\n(no counters: the pair is not installed)\n");
	}
	avps = lts_json_get(s, "relayed_avps");
	if (avps && avps->type == LTS_JSON_OBJ) {
		putchar('\n');
		print_avps("icrq", avps, "icrq_vendor");
		print_avps("iccn", avps, "iccn_vendor");
	}
	return 0;
}

/* "CDN 2/10" etc.: the union of the keys of rx and tx, in ltsd's order. */
static int add_results(struct table *t, const char *what, const struct lts_json_val *rx,
		       const struct lts_json_val *tx)
{
	const struct lts_json_val *sets[2] = { rx, tx }, *c;
	char name[32];
	int i, err = 0;

	for (i = 0; i < 2 && !err; i++) {
		for (c = sets[i] ? sets[i]->child : NULL; c && !err; c = c->next) {
			if (i == 1 && rx && lts_json_get(rx, c->key))
				continue; /* listed with rx */
			snprintf(name, sizeof(name), "%s %s", what, c->key);
			err = table_add(t, name, field(rx, c->key) ?: "0", field(tx, c->key) ?: "0");
		}
	}
	return err;
}

static int show_stats(const struct lts_json_val *doc)
{
	static const char *const mhdr[] = { "MESSAGE", "RX", "TX" };
	static const char *const rhdr[] = { "RESULT", "RX", "TX" };
	static const char *const fhdr[] = { "FIELD", "VALUE" };
	static const char *const skip[] = { "messages", "results", NULL };
	const struct lts_json_val *st = member(doc, "stats", LTS_JSON_OBJ), *m, *rx, *tx, *r, *sw;
	struct table mt = { .ncols = 3, .hdr = mhdr, .right = 6 };
	struct table rt = { .ncols = 3, .hdr = rhdr, .right = 6 };
	struct table ft = { .ncols = 2, .hdr = fhdr };
	char rate[64];
	int err = 0;

	if (!st)
		return 1;
	m = lts_json_get(st, "messages");
	rx = lts_json_get(m, "rx");
	tx = lts_json_get(m, "tx");
	for (m = rx && rx->type == LTS_JSON_OBJ ? rx->child : NULL; m && !err; m = m->next)
		err = table_add(&mt, m->key, field(rx, m->key), field(tx, m->key));
	if (mt.nrows || err) {
		if (table_done(&mt, err, NULL))
			return 1;
		putchar('\n');
	} else {
		table_free(&mt);
	}
	r = lts_json_get(st, "results");
	if (r && r->type == LTS_JSON_OBJ) {
		err = add_results(&rt, "StopCCN", lts_json_get(r, "stopccn_rx"),
				  lts_json_get(r, "stopccn_tx"));
		err = err ?: add_results(&rt, "CDN", lts_json_get(r, "cdn_rx"),
					 lts_json_get(r, "cdn_tx"));
		if (table_done(&rt, err, "(no StopCCN or CDN yet)"))
			return 1;
		putchar('\n');
	} else {
		table_free(&rt);
	}
	err = flatten(&ft, st, "", skip);
	sw = lts_json_get(st, "switch");
	if (!err && sw && sw->type == LTS_JSON_OBJ) {
		snprintf(rate, sizeof(rate), "%.1f / %.2f",
			 (double)u64_of(sw, "setups_10s") / 10, (double)u64_of(sw, "setups_60s") / 60);
		err = table_add(&ft, "switch.setups_per_s (10 s / 60 s)", rate);
	}
	return table_done(&ft, err, NULL);
}

/* ------------------------------------------------------------ actions */

static int show_cleared(const struct lts_json_val *doc)
{
	const struct lts_json_val *c = member(doc, "cleared", LTS_JSON_OBJ), *e;
	uint64_t n_tun, calls;
	char list[512];
	size_t used = 0;

	if (!c)
		return 1;
	n_tun = u64_of(c, "n_tunnels");
	calls = u64_of(c, "calls");
	list[0] = '\0';
	e = lts_json_get(c, "sessions");
	if (e && e->child) {
		printf("cleared session %s: %s CDN %s \"%s\"\n", e->child->str ?: "?",
		       calls ? "both legs of its call got" : "it got",
		       field(c, "cdn_result") ?: "?", field(c, "message") ?: "");
		return 0;
	}
	for (e = lts_json_get(c, "tunnels"), e = e ? e->child : NULL; e && used < sizeof(list);
	     e = e->next)
		used += snprintf(list + used, sizeof(list) - used, "%s%s", used ? " " : "",
				 e->str);
	if (!n_tun) {
		printf("nothing to clear: no tunnel up\n");
		return 0;
	}
	printf("cleared %llu tunnel%s (%s%s): StopCCN %s \"%s\"; %llu call%s cleared on the other "
	       "leg: CDN %s\n",
	       (unsigned long long)n_tun, n_tun == 1 ? "" : "s", list,
	       n_tun > 64 ? " ..." : "", field(c, "stopccn_result") ?: "?",
	       field(c, "message") ?: "", (unsigned long long)calls, calls == 1 ? "" : "s",
	       field(c, "cdn_result") ?: "?");
	return 0;
}

static int show_drain(const struct lts_json_val *doc)
{
	const struct lts_json_val *d = member(doc, "drain", LTS_JSON_OBJ);
	bool drained, changed;

	if (!d)
		return 1;
	drained = bool_of(d, "drained");
	changed = bool_of(d, "changed");
	printf("%s_peer %s %s%s%s; %s tunnels and %s sessions stay\n", field(d, "kind") ?: "?",
	       field(d, "peer") ?: "?",
	       changed ? "" : "already ", drained ? "drained" : "not drained",
	       !drained ? "" : !strcmp(field(d, "kind") ?: "", "lac")
			       ? " (new tunnels and calls get 2/7 \"try another\")"
			       : " (no new calls placed on it)",
	       field(d, "tunnels") ?: "?", field(d, "sessions") ?: "?");
	return 0;
}

static int show_log(const struct lts_json_val *doc)
{
	const struct lts_json_val *l = member(doc, "log", LTS_JSON_OBJ);

	if (!l)
		return 1;
	printf("log level %s (was %s)\n", field(l, "level") ?: "?", field(l, "previous") ?: "?");
	return 0;
}

/* reload, restart: what ltsd says it did (errors come as {"error": ...}). */
static int show_result(const struct lts_json_val *doc, const char *key)
{
	const struct lts_json_val *o = member(doc, key, LTS_JSON_OBJ);

	if (!o)
		return 1;
	printf("%s\n", field(o, "result") ?: "?");
	return 0;
}

static int show_reload(const struct lts_json_val *doc)
{
	return show_result(doc, "reload");
}

static int show_restart(const struct lts_json_val *doc)
{
	return show_result(doc, "restart");
}

/* The flags of a "trace" object's member key, and its peer: "tunnel,session peer x". */
static const char *trace_text(const struct lts_json_val *o, char *buf, size_t len)
{
	const struct lts_json_val *flags = lts_json_get(o, "flags"), *f;
	const char *peer = field(o, "peer");
	size_t used = 0;

	buf[0] = '\0';
	for (f = flags ? flags->child : NULL; f && used < len; f = f->next)
		if (f->type == LTS_JSON_STR)
			used += snprintf(buf + used, len - used, "%s%s", used ? "," : "", f->str);
	if (!used)
		snprintf(buf, len, "off");
	else if (peer && *peer && used < len)
		snprintf(buf + used, len - used, " peer %s", peer);
	return buf;
}

/* trace ...: one line; show trace: every field. */
static int show_trace_set(const struct lts_json_val *doc)
{
	const struct lts_json_val *t = member(doc, "trace", LTS_JSON_OBJ);
	char now[256], was[256];

	if (!t)
		return 1;
	printf("trace %s (was %s)\n", trace_text(t, now, sizeof(now)),
	       trace_text(lts_json_get(t, "previous"), was, sizeof(was)));
	return 0;
}

static int show_trace(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "FIELD", "VALUE" };
	const struct lts_json_val *t = member(doc, "trace", LTS_JSON_OBJ);
	struct table tab = { .ncols = 2, .hdr = hdr };

	if (!t)
		return 1;
	return table_done(&tab, flatten(&tab, t, "trace", NULL), NULL);
}

/* ------------------------------------------------------------ commands */

enum arg_kind {
	ARG_NONE,
	ARG_ID,      /* 1-65535 */
	ARG_SESSION, /* [TUNNEL/]SESSION */
	ARG_PEER,    /* [lac|lns] NAME */
	ARG_NAME,
	ARG_LEVEL,
	ARG_TRACE,   /* FLAG... [peer NAME] | off */
};

/*
 * The commands ltsd takes (ctl_server.c's table), and how each answer is
 * shown. what NULL: the arguments follow the verb (trace).
 */
static const struct command {
	const char *verb, *what;
	enum arg_kind arg;
	int (*show)(const struct lts_json_val *doc);
} commands[] = {
	{ "show", "summary", ARG_NONE, show_summary },
	{ "show", "tunnels", ARG_NONE, show_tunnels },
	{ "show", "sessions", ARG_NONE, show_sessions },
	{ "show", "peers", ARG_NONE, show_peers },
	{ "show", "rules", ARG_NONE, show_rules },
	{ "show", "stats", ARG_NONE, show_stats },
	{ "show", "tunnel", ARG_ID, show_tunnel },
	{ "show", "session", ARG_SESSION, show_session },
	{ "clear", "session", ARG_SESSION, show_cleared },
	{ "clear", "tunnel", ARG_ID, show_cleared },
	{ "clear", "peer", ARG_PEER, show_cleared },
	{ "drain", "lac", ARG_NAME, show_drain },
	{ "drain", "lns", ARG_NAME, show_drain },
	{ "undrain", "lac", ARG_NAME, show_drain },
	{ "undrain", "lns", ARG_NAME, show_drain },
	{ "log", "level", ARG_LEVEL, show_log },
	{ "show", "trace", ARG_NONE, show_trace },
	{ "trace", NULL, ARG_TRACE, show_trace_set },
	{ "reload", NULL, ARG_NONE, show_reload },
	{ "restart", NULL, ARG_NONE, show_restart },
};

/* A word ltsd would read as one word. */
static bool is_word(const char *s)
{
	return *s && !strpbrk(s, " \t\r\n");
}

/* Flags as words or comma-separated lists, each a trace flag or "all". */
static bool trace_args_ok(char **a, int n)
{
	static const char *const words[] = {
#define TRACE_NAME(e, word) word,
		LTS_TRACE_FLAGS(TRACE_NAME) LTS_TRACE_ALL_WORD,
#undef TRACE_NAME
	};
	const char *p;
	size_t len, k;
	int i;

	if (n == 1 && !strcmp(a[0], "off"))
		return true;
	if (n >= 2 && !strcmp(a[n - 2], "peer")) {
		if (!is_word(a[n - 1]))
			return false;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		for (p = a[i]; *p; p += len + (p[len] == ',')) {
			len = strcspn(p, ",");
			for (k = 0; k < ARRAY_SIZE(words); k++)
				if (strlen(words[k]) == len && !strncmp(p, words[k], len))
					break;
			if (k == ARRAY_SIZE(words))
				return false;
		}
	}
	return n > 0;
}

static bool args_ok(enum arg_kind k, char **a, int n)
{
	const char *slash;

	switch (k) {
	case ARG_NONE:
		return n == 0;
	case ARG_ID:
		return n == 1 && lts_parse_id(a[0], strlen(a[0]), NULL);
	case ARG_SESSION:
		if (n != 1)
			return false;
		slash = strchr(a[0], '/');
		return slash ? lts_parse_id(a[0], (size_t)(slash - a[0]), NULL) &&
				       lts_parse_id(slash + 1, strlen(slash + 1), NULL)
			     : lts_parse_id(a[0], strlen(a[0]), NULL);
	case ARG_PEER:
		if (n == 2)
			return (!strcmp(a[0], "lac") || !strcmp(a[0], "lns")) && is_word(a[1]);
		return n == 1 && is_word(a[0]);
	case ARG_NAME:
		return n == 1 && is_word(a[0]);
	case ARG_LEVEL:
		return n == 1 && (!strcmp(a[0], "err") || !strcmp(a[0], "error") ||
				  !strcmp(a[0], "warn") || !strcmp(a[0], "warning") ||
				  !strcmp(a[0], "info") || !strcmp(a[0], "debug"));
	case ARG_TRACE:
		return trace_args_ok(a, n);
	}
	return false;
}

/*
 * Whether argv[k] continues trace's list of flags: sent as one word
 * "a,b,c", as ltsd takes at most 8 words.
 */
static bool trace_list(const struct command *cmd, int argc, char **argv, int k)
{
	int flags_end = argc >= 3 && !strcmp(argv[argc - 2], "peer") ? argc - 2 : argc;

	return cmd->arg == ARG_TRACE && k >= 2 && k < flags_end;
}

/* The command argv names, and its request line; NULL (message printed): usage. */
static const struct command *command_of(int argc, char **argv, char *req, size_t cap)
{
	const struct command *cmd = NULL;
	size_t i, used;
	int k;

	if (argc < 1) {
		usage(stderr);
		return NULL;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].verb) &&
		    (!commands[i].what || (argc > 1 && !strcmp(argv[1], commands[i].what))))
			cmd = &commands[i];
	if (!cmd) {
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[0], commands[i].verb))
				break;
		if (i < sizeof(commands) / sizeof(commands[0]))
			err_msg("unknown %s '%s' (see ltsctl --help)", argv[0],
				argc > 1 ? argv[1] : "");
		else
			err_msg("unknown command '%s' (see ltsctl --help)", argv[0]);
		return NULL;
	}
	if (!cmd->what && !args_ok(cmd->arg, argv + 1, argc - 1)) {
		err_msg("bad arguments for '%s' (see ltsctl --help)", argv[0]);
		return NULL;
	}
	if (cmd->what && !args_ok(cmd->arg, argv + 2, argc - 2)) {
		err_msg("bad arguments for '%s %s' (see ltsctl --help)", argv[0], argv[1]);
		return NULL;
	}
	for (k = 0, used = 0; k < argc && used < cap; k++)
		used += snprintf(req + used, cap - used, "%s%s",
				 !k ? "" : trace_list(cmd, argc, argv, k) ? "," : " ", argv[k]);
	if (used + 1 >= cap || used > LTSCTL_REQ_MAX) {
		err_msg("request longer than %u bytes", LTSCTL_REQ_MAX);
		return NULL;
	}
	snprintf(req + used, cap - used, "\n");
	return cmd;
}

/* Ask, then print the answer as JSON or through show(). The exit status. */
static int run(const char *path, const char *req, int json,
	       int (*show)(const struct lts_json_val *doc))
{
	struct lts_json_val *doc;
	char perr[128], *answer;
	size_t len;
	int rc;

	if (ask(path, req, &answer, &len))
		return 1;
	if (lts_json_parse(answer, len, &doc, perr, sizeof(perr))) {
		err_msg("malformed answer from %s: %s", path, perr[0] ? perr : "out of memory");
		free(answer);
		return 1;
	}
	if (lts_json_get(doc, "error")) {
		const char *e = lts_json_get_str(doc, "error");

		err_msg("ltsd: %s", e ? e : "error");
		rc = 1;
	} else if (json) {
		rc = fwrite(answer, 1, len, stdout) == len ? 0 : 1;
	} else {
		rc = show(doc);
	}
	lts_json_val_free(doc);
	free(answer);
	if (fflush(stdout) && !rc) {
		err_msg("writing the output: %s", strerror(errno));
		rc = 1;
	}
	return rc;
}

/* ------------------------------------------------------------ watch */

/* One switched call between two samples: its key and last counters. */
struct watch_row {
	char key[48];      /* "T/S" of the LAC leg, or the static session's rule */
	const struct lts_json_val *s;
	uint64_t pk[2], by[2]; /* now, per direction (0: LAC -> LNS) */
	double pps[2], bps[2];
};

struct watch_prev {
	char key[48];
	uint64_t pk[2], by[2];
};

static volatile sig_atomic_t watch_stop;

static void on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int cmp_rate(const void *a, const void *b)
{
	const struct watch_row *x = a, *y = b;
	double dx = x->pps[0] + x->pps[1], dy = y->pps[0] + y->pps[1];

	return (dx < dy) - (dx > dy);
}

static const char *rate_text(double v, const char *unit, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2fG%s", v / 1e9, unit);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM%s", v / 1e6, unit);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk%s", v / 1e3, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The busiest sessions: `show sessions` every interval, rates from the
 * counter differences (the first sample shows rates since nothing: 0).
 */
static int watch(const char *path, double interval, long count, size_t top)
{
	static const char *const hdr[] = { "RULE",    "LAC-TUN/SES", "LNS-TUN/SES", "UPTIME",
					   "LAC>LNS-PPS", "LAC>LNS-BPS", "LNS>LAC-PPS",
					   "LNS>LAC-BPS", "PATH" };
	struct watch_prev *prev = NULL;
	size_t n_prev = 0, i, k;
	double t_prev = 0, t;
	long round;
	int rc = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (round = 0; !watch_stop && (count <= 0 || round < count); round++) {
		const struct lts_json_val *arr, *s;
		struct lts_json_val *doc = NULL;
		struct watch_row *rows = NULL;
		struct watch_prev *np = NULL;
		struct table tab = { .ncols = 9, .hdr = hdr, .right = 0xf8 };
		char perr[128], *answer = NULL;
		size_t len, n = 0;
		int d, err = 0;

		if (round)
			usleep((useconds_t)(interval * 1e6));
		if (watch_stop || ask(path, "show sessions\n", &answer, &len)) {
			rc = watch_stop ? 0 : 1;
			break;
		}
		t = now_s();
		if (lts_json_parse(answer, len, &doc, perr, sizeof(perr)) ||
		    !(arr = lts_json_get(doc, "sessions")) || arr->type != LTS_JSON_ARR) {
			err_msg("malformed answer from %s", path);
			lts_json_val_free(doc);
			free(answer);
			rc = 1;
			break;
		}
		rows = calloc(arr->n + 1, sizeof(*rows));
		np = calloc(arr->n + 1, sizeof(*np));
		if (!rows || !np) {
			err_msg("out of memory");
			rc = 1;
		}
		for (s = arr->child; s && rows && np; s = s->next) {
			const struct lts_json_val *a = lts_json_get(s, "lac");
			const struct lts_json_val *c = lts_json_get(s, "counters");
			struct watch_row *w = &rows[n];

			if (!c || c->type != LTS_JSON_OBJ)
				continue; /* no pair installed: nothing switched */
			if (!strcmp(field(s, "state") ?: "", "static"))
				snprintf(w->key, sizeof(w->key), "%s", field(s, "rule") ?: "?");
			else
				snprintf(w->key, sizeof(w->key), "%s/%s",
					 field(a, "tunnel_id") ?: "?", field(a, "session_id") ?: "?");
			w->s = s;
			for (d = 0; d < 2; d++) {
				const struct lts_json_val *o =
					lts_json_get(c, d ? "lns_to_lac" : "lac_to_lns");

				w->pk[d] = u64_of(o, "packets");
				w->by[d] = u64_of(o, "bytes");
			}
			for (k = 0; k < n_prev && t > t_prev; k++) {
				if (strcmp(prev[k].key, w->key))
					continue;
				for (d = 0; d < 2; d++) {
					/* A reused slot starts from 0: no negative rates. */
					if (w->pk[d] >= prev[k].pk[d])
						w->pps[d] = (w->pk[d] - prev[k].pk[d]) / (t - t_prev);
					if (w->by[d] >= prev[k].by[d])
						w->bps[d] = 8 * (w->by[d] - prev[k].by[d]) / (t - t_prev);
				}
				break;
			}
			memcpy(np[n].key, w->key, sizeof(w->key));
			memcpy(np[n].pk, w->pk, sizeof(w->pk));
			memcpy(np[n].by, w->by, sizeof(w->by));
			n++;
		}
		if (rows)
			qsort(rows, n, sizeof(*rows), cmp_rate);
		for (i = 0; i < n && i < top && !err && !rc; i++) {
			const struct lts_json_val *s2 = rows[i].s;
			const struct lts_json_val *c = lts_json_get(s2, "counters");
			const struct lts_json_val *b = lts_json_get(s2, "lns");
			uint64_t slow = u64_of(lts_json_get(lts_json_get(c, "slow"), "lac_to_lns"),
					       "packets") +
					u64_of(lts_json_get(lts_json_get(c, "slow"), "lns_to_lac"),
					       "packets");
			char lns[32], up[32], r[4][32];

			snprintf(lns, sizeof(lns), "%s/%s", field(b, "tunnel_id") ?: "?",
				 field(b, "session_id") ?: "?");
			err = table_add(&tab, field(s2, "rule"), rows[i].key, lns,
					duration(s2, "uptime_s", up, sizeof(up)),
					rate_text(rows[i].pps[0], "", r[0], sizeof(r[0])),
					rate_text(rows[i].bps[0], "b", r[1], sizeof(r[1])),
					rate_text(rows[i].pps[1], "", r[2], sizeof(r[2])),
					rate_text(rows[i].bps[1], "b", r[3], sizeof(r[3])),
					slow ? "fast+slow" : "fast");
		}
		if (!rc) {
			if (isatty(STDOUT_FILENO))
				fputs("\033[H\033[2J", stdout);
			printf("ltsctl watch: %zu switched sessions, top %zu, every %.1f s\n\n", n,
			       top, interval);
			if (table_done(&tab, err, "(no switched sessions)"))
				rc = 1;
			else
				putchar('\n');
			fflush(stdout);
		} else {
			table_free(&tab);
		}
		free(prev);
		prev = np;
		n_prev = np ? n : 0;
		t_prev = t;
		free(rows);
		lts_json_val_free(doc);
		free(answer);
		if (rc)
			break;
	}
	free(prev);
	return rc;
}

/* watch [-i SECONDS] [-n COUNT] [TOP] */
static int watch_main(const char *path, int argc, char **argv)
{
	double interval = 1;
	long count = 0, top = 20;
	char *end;
	int i;

	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-i") || !strcmp(argv[i], "-n")) && i + 1 < argc) {
			if (argv[i][1] == 'i')
				interval = strtod(argv[i + 1], &end);
			else
				count = strtol(argv[i + 1], &end, 10);
			if (*end || interval < 0.1 || interval > 3600 || count < 0) {
				err_msg("watch: bad value '%s' for %s", argv[i + 1], argv[i]);
				return 2;
			}
			i++;
		} else {
			top = strtol(argv[i], &end, 10);
			if (*end || top < 1 || top > 100000) {
				err_msg("watch: bad argument '%s' (usage: watch [-i SECONDS] "
					"[-n COUNT] [TOP])", argv[i]);
				return 2;
			}
		}
	}
	return watch(path, interval, count, (size_t)top);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = getenv("LTS_CONTROL_SOCKET");
	const struct command *cmd;
	char req[LTSCTL_REQ_MAX + 2];
	int opt, json = 0;

	if (!path || !*path)
		path = LTSCTL_DEFAULT_SOCKET;
	/* "+": options stop at the command (watch has its own). */
	while ((opt = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "watch")) {
		if (json) {
			err_msg("watch has no --json: use --json show sessions");
			return 2;
		}
		return watch_main(path, argc - optind, argv + optind);
	}
	cmd = command_of(argc - optind, argv + optind, req, sizeof(req));
	if (!cmd)
		return 2;
	return run(path, req, json, cmd->show);
}
