// SPDX-License-Identifier: GPL-2.0
/*
 * ltsctl: the operator's view of a running ltsd, through its control socket
 * (switch.control_socket). One request, one JSON answer (agent/ctl_server.h);
 * printed as is with --json, else as aligned tables. docs/ltsctl.md.
 *
 * Exit status: 0 success, 1 ltsd unreachable or answering an error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "lib/json.h"

#define LTSCTL_DEFAULT_SOCKET "/run/lts/ltsd.sock"
#define LTSCTL_TIMEOUT_S 10
#define LTSCTL_MAX_ANSWER (256u << 20)

static void usage(FILE *f)
{
	fprintf(f, "usage: ltsctl [-s SOCKET] [--json] show tunnels|sessions|summary\n"
		   "  -s, --socket SOCKET  ltsd's control socket (default $LTS_CONTROL_SOCKET,\n"
		   "                       else " LTSCTL_DEFAULT_SOCKET ")\n"
		   "  -j, --json           print ltsd's JSON answer as is\n"
		   "  -h, --help           this text\n");
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

struct table {
	size_t ncols, nrows, cap;
	const char *const *hdr;
	unsigned int right; /* bit per right-aligned column */
	char **cells;       /* nrows * ncols, owned */
};

static int table_add(struct table *t, ...)
{
	va_list ap;
	size_t c;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **nc = realloc(t->cells, cap * t->ncols * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		t->cells = nc;
		t->cap = cap;
	}
	va_start(ap, t);
	for (c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + c] = strdup(s ? s : "-");
	}
	va_end(ap);
	t->nrows++; /* even when incomplete: table_free() frees what is there */
	for (c = 0; c < t->ncols; c++)
		if (!t->cells[(t->nrows - 1) * t->ncols + c])
			return -ENOMEM;
	return 0;
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
	size_t w[32] = { 0 }, r, c, len;

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

static const char *duration(const struct lts_json_val *o, const char *key, char *buf,
			    size_t len)
{
	uint64_t s;

	if (lts_json_get_u64(o, key, &s))
		return NULL;
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

/* ------------------------------------------------------------ views */

static int show_tunnels(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "ID",   "PEER-ID",  "ROLE",  "STATE", "PEER",
					   "LOCAL", "HOSTNAME", "CONFIG", "SESS", "UPTIME",
					   "RETX", "HELLO-TX" };
	const struct lts_json_val *arr = lts_json_get(doc, "tunnels"), *t;
	struct table tab = { .ncols = 12, .hdr = hdr,
			     .right = 1u << 0 | 1u << 1 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 11 };
	int err = 0;

	if (!arr || arr->type != LTS_JSON_ARR) {
		err_msg("unexpected answer: no \"tunnels\" array");
		return 1;
	}
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
	if (err) {
		err_msg("out of memory");
	} else {
		table_print(&tab);
		if (!tab.nrows)
			printf("(no tunnels)\n");
	}
	table_free(&tab);
	return err ? 1 : 0;
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
	const struct lts_json_val *arr = lts_json_get(doc, "sessions"), *s;
	struct table tab = { .ncols = 13, .hdr = hdr,
			     .right = 1u << 2 | 1u << 9 | 1u << 10 | 1u << 11 | 1u << 12 };
	int err = 0;

	if (!arr || arr->type != LTS_JSON_ARR) {
		err_msg("unexpected answer: no \"sessions\" array");
		return 1;
	}
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
	if (err) {
		err_msg("out of memory");
	} else {
		table_print(&tab);
		if (!tab.nrows)
			printf("(no sessions)\n");
	}
	table_free(&tab);
	return err ? 1 : 0;
}

/* Every scalar of the summary, nested members as "parent.member". */
static int flatten(struct table *t, const struct lts_json_val *o, const char *prefix)
{
	const struct lts_json_val *c;
	char name[128];
	int err = 0;

	for (c = o->child; c && !err; c = c->next) {
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", c->key);
		if (c->type == LTS_JSON_OBJ)
			err = flatten(t, c, name);
		else if (c->type != LTS_JSON_ARR)
			err = table_add(t, name, field(o, c->key));
	}
	return err;
}

static int show_summary(const struct lts_json_val *doc)
{
	static const char *const hdr[] = { "FIELD", "VALUE" };
	const struct lts_json_val *sum = lts_json_get(doc, "summary");
	struct table tab = { .ncols = 2, .hdr = hdr };
	int err;

	if (!sum || sum->type != LTS_JSON_OBJ) {
		err_msg("unexpected answer: no \"summary\" object");
		return 1;
	}
	err = flatten(&tab, sum, "");
	if (err)
		err_msg("out of memory");
	else
		table_print(&tab);
	table_free(&tab);
	return err ? 1 : 0;
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
	const char *path = getenv("LTS_CONTROL_SOCKET"), *what;
	struct lts_json_val *doc;
	char req[64], perr[128], *answer;
	size_t len;
	int opt, json = 0, rc;

	if (!path || !*path)
		path = LTSCTL_DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "show")) {
		usage(stderr);
		return 2;
	}
	what = argv[optind + 1];
	if (strcmp(what, "tunnels") && strcmp(what, "sessions") && strcmp(what, "summary")) {
		err_msg("unknown view '%s' (expected tunnels, sessions or summary)", what);
		return 2;
	}
	snprintf(req, sizeof(req), "show %s\n", what);
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
	} else if (!strcmp(what, "tunnels")) {
		rc = show_tunnels(doc);
	} else if (!strcmp(what, "sessions")) {
		rc = show_sessions(doc);
	} else {
		rc = show_summary(doc);
	}
	lts_json_val_free(doc);
	free(answer);
	if (fflush(stdout) && !rc) {
		err_msg("writing the output: %s", strerror(errno));
		rc = 1;
	}
	return rc;
}
