// SPDX-License-Identifier: GPL-2.0
/*
 * The operator socket: ltsd's state as JSON for ltsctl (see ctl_server.h).
 *
 * One request per connection, answered synchronously from the event loop:
 * only root can connect (0600 socket in a 0700 directory, and SO_PEERCRED),
 * and the time one connection may take is bounded (LTS_CTL_RECV_TIMEOUT_MS
 * + LTS_CTL_SEND_TIMEOUT_MS), so a stuck client delays the daemon by a
 * second at most.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "ctl_server.h"
#include "lib/fsutil.h"
#include "lib/json.h"
#include "lib/log.h"

/* A single send() blocks at most this long; the answer as a whole, LTS_CTL_SEND_TIMEOUT_MS. */
#define SEND_SLICE_MS 100

/* ------------------------------------------------------------ rendering */

static void json_ip(struct lts_json *j, const char *key, const struct lts_ip *ip)
{
	char buf[INET6_ADDRSTRLEN];

	/* An unset address (no family) is null, not "?". */
	if (ip->family != LTS_FAMILY_IPV4 && ip->family != LTS_FAMILY_IPV6)
		lts_json_str(j, key, NULL);
	else
		lts_json_str(j, key, lts_ip_str(ip, buf, sizeof(buf)));
}

static uint64_t secs_since(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

static const char *role_name(enum lts_role r)
{
	return r == LTS_ROLE_LNS ? "lns" : "lac";
}

static const char *lac_peer_name(const struct lts_config *cfg, int idx)
{
	return idx >= 0 && (size_t)idx < cfg->n_lac_peers ? cfg->lac_peers[idx].name : NULL;
}

static const char *lns_peer_name(const struct lts_config *cfg, int idx)
{
	return idx >= 0 && (size_t)idx < cfg->n_lns_peers ? cfg->lns_peers[idx].name : NULL;
}

static void render_summary(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	const struct lts_config *cfg = v->cfg;
	const struct lts_tunnel *t;
	const struct lts_call *c;
	uint64_t n_tun = 0, n_est = 0, n_inst = 0;

	for (t = v->cp ? v->cp->all : NULL; t; t = t->next) {
		n_tun++;
		n_est += t->state == LTS_TUN_ESTABLISHED;
	}
	for (c = v->sw ? v->sw->calls : NULL; c; c = c->next)
		n_inst += c->installed;
	lts_json_obj_begin(j, "summary");
	lts_json_u64(j, "version", LTS_CTL_PROTO_VERSION);
	lts_json_str(j, "hostname", cfg->hostname);
	lts_json_str(j, "mode", lts_dp_mode_name(cfg->mode));
	lts_json_u64(j, "uptime_s", secs_since(now_ms, v->started_ms));
	lts_json_u64(j, "tunnels", n_tun);
	lts_json_u64(j, "tunnels_established", n_est);
	lts_json_u64(j, "sessions", v->cp ? v->cp->n_sessions : 0);
	lts_json_u64(j, "calls", v->sw ? v->sw->n_calls : 0);
	lts_json_u64(j, "calls_switched", n_inst);
	lts_json_u64(j, "static_sessions", cfg->n_static_sessions);
	lts_json_u64(j, "max_sessions", cfg->max_sessions);
	if (v->sw) {
		const struct lts_switch_counters *s = &v->sw->ctr;

		lts_json_obj_begin(j, "switch");
		lts_json_u64(j, "calls_switched", s->calls_switched);
		lts_json_u64(j, "calls_refused", s->calls_refused);
		lts_json_u64(j, "loops_detected", s->loops_detected);
		lts_json_u64(j, "failovers", s->failovers);
		lts_json_obj_end(j);
	}
	if (v->cp) {
		const struct lts_cp_counters *k = &v->cp->ctr;

		lts_json_obj_begin(j, "control");
		lts_json_u64(j, "rx_packets", k->rx_packets);
		lts_json_u64(j, "rx_malformed", k->rx_malformed);
		lts_json_u64(j, "rx_no_tunnel", k->rx_no_tunnel);
		lts_json_u64(j, "rx_wrong_peer", k->rx_wrong_peer);
		lts_json_u64(j, "sccrq_rate_limited", k->sccrq_rate_limited);
		lts_json_u64(j, "sccrq_refused", k->sccrq_refused);
		lts_json_u64(j, "tunnels_opened", k->tunnels_opened);
		lts_json_u64(j, "sessions_opened", k->sessions_opened);
		lts_json_obj_end(j);
	}
	lts_json_obj_end(j);
}

static void render_xport(const struct lts_ctrl_xport_counters *k, struct lts_json *j)
{
	lts_json_obj_begin(j, "control");
	lts_json_u64(j, "tx_msgs", k->tx_msgs);
	lts_json_u64(j, "retransmits", k->retransmits);
	lts_json_u64(j, "zlb_tx", k->zlb_tx);
	lts_json_u64(j, "zlb_rx", k->zlb_rx);
	lts_json_u64(j, "hello_tx", k->hello_tx);
	lts_json_u64(j, "tx_errors", k->tx_errors);
	lts_json_u64(j, "delivered", k->delivered);
	lts_json_u64(j, "duplicates", k->duplicates);
	lts_json_u64(j, "reordered", k->reordered);
	lts_json_u64(j, "out_of_window", k->out_of_window);
	lts_json_u64(j, "bad_nr", k->bad_nr);
	lts_json_u64(j, "malformed", k->malformed);
	lts_json_u64(j, "queue_full", k->queue_full);
	lts_json_obj_end(j);
}

static int cmp_tunnel_id(const void *a, const void *b)
{
	const struct lts_tunnel *x = *(const struct lts_tunnel *const *)a;
	const struct lts_tunnel *y = *(const struct lts_tunnel *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The control plane's tunnels by our tunnel ID (a stable order to show). */
static int sorted_tunnels(const struct lts_ctrl_plane *cp, const struct lts_tunnel ***out,
			  size_t *n)
{
	const struct lts_tunnel *t, **arr;
	size_t i = 0;

	*n = 0;
	*out = NULL;
	for (t = cp ? cp->all : NULL; t; t = t->next)
		(*n)++;
	if (!*n)
		return 0;
	arr = calloc(*n, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	for (t = cp->all; t; t = t->next)
		arr[i++] = t;
	qsort(arr, *n, sizeof(*arr), cmp_tunnel_id);
	*out = arr;
	return 0;
}

static int render_tunnels(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	const struct lts_tunnel **arr;
	size_t i, n;
	int err;

	err = sorted_tunnels(v->cp, &arr, &n);
	if (err)
		return err;
	lts_json_arr_begin(j, "tunnels");
	for (i = 0; i < n; i++) {
		const struct lts_tunnel *t = arr[i];

		lts_json_obj_begin(j, NULL);
		lts_json_u64(j, "id", t->id);
		lts_json_u64(j, "peer_id", t->peer_id);
		lts_json_str(j, "role", role_name(t->role));
		lts_json_str(j, "state", lts_tun_state_name(t->state));
		json_ip(j, "peer", &t->ep.peer);
		lts_json_u64(j, "peer_port", t->ep.peer_port);
		json_ip(j, "local", &t->ep.local);
		lts_json_u64(j, "local_port", t->ep.local_port);
		lts_json_str(j, "peer_hostname", t->peer_hostname[0] ? t->peer_hostname : NULL);
		/* The configured peer: a LAC when we are its LNS, and the reverse. */
		if (t->role == LTS_ROLE_LNS)
			lts_json_str(j, "lac_peer", lac_peer_name(v->cfg, t->lac_idx));
		else
			lts_json_str(j, "lns_peer", lns_peer_name(v->cfg, t->lns_idx));
		lts_json_u64(j, "sessions", t->n_sessions);
		lts_json_u64(j, "uptime_s", secs_since(now_ms, t->created_ms));
		render_xport(&t->xport.ctr, j);
		lts_json_obj_end(j);
	}
	lts_json_arr_end(j);
	free(arr);
	return 0;
}

/* One leg as configured or installed (no live session behind it). */
static void render_static_leg(struct lts_json *j, const char *key, const struct lts_static_leg *l,
			      const char *state, const char *peer_name)
{
	lts_json_obj_begin(j, key);
	json_ip(j, "peer", &l->peer);
	lts_json_u64(j, "peer_port", l->peer_port);
	json_ip(j, "local", &l->local);
	lts_json_u64(j, "local_port", l->local_port);
	lts_json_u64(j, "tunnel_id", l->tunnel_id);
	lts_json_u64(j, "session_id", l->session_id);
	lts_json_u64(j, "peer_tunnel_id", l->peer_tunnel_id);
	lts_json_u64(j, "peer_session_id", l->peer_session_id);
	lts_json_str(j, "state", state);
	lts_json_str(j, "peer_name", peer_name);
	lts_json_obj_end(j);
}

static const char *session_peer_name(const struct lts_config *cfg, const struct lts_session *s)
{
	return s->t->role == LTS_ROLE_LNS ? lac_peer_name(cfg, s->t->lac_idx)
					  : lns_peer_name(cfg, s->t->lns_idx);
}

/* One leg from its live half-session (NULL: null). */
static void render_session_leg(const struct lts_ctl_view *v, struct lts_json *j, const char *key,
			       const struct lts_session *s)
{
	struct lts_static_leg l;

	if (!s) {
		lts_json_null(j, key);
		return;
	}
	memset(&l, 0, sizeof(l));
	l.peer = s->t->ep.peer;
	l.peer_port = s->t->ep.peer_port;
	l.local = s->t->ep.local;
	l.local_port = s->t->ep.local_port;
	l.tunnel_id = s->t->id;
	l.session_id = s->id;
	l.peer_tunnel_id = s->t->peer_id;
	l.peer_session_id = s->peer_id;
	render_static_leg(j, key, &l, lts_sess_state_name(s->state), session_peer_name(v->cfg, s));
}

static void json_dir(struct lts_json *j, const char *key, uint64_t packets, uint64_t bytes)
{
	lts_json_obj_begin(j, key);
	lts_json_u64(j, "packets", packets);
	lts_json_u64(j, "bytes", bytes);
	lts_json_obj_end(j);
}

static void json_dirs(struct lts_json *j, const char *key, const struct lts_session_stats *st)
{
	lts_json_obj_begin(j, key);
	json_dir(j, "lac_to_lns", st->dir[LTS_DIR_A_TO_B].packets, st->dir[LTS_DIR_A_TO_B].bytes);
	json_dir(j, "lns_to_lac", st->dir[LTS_DIR_B_TO_A].packets, st->dir[LTS_DIR_B_TO_A].bytes);
	lts_json_obj_end(j);
}

/*
 * Counters of slot idx: fast path + slow path per direction (a is the LAC
 * side: dir 0 is LAC -> LNS), then each path on its own.
 */
static void render_counters(const struct lts_ctl_view *v, struct lts_json *j, uint32_t idx)
{
	const struct lts_dp_ops *ops = &v->dp;
	struct lts_session_stats fast = { 0 }, slow = { 0 }, sum;
	int d;

	if (ops->fast_stats && ops->fast_stats(ops->ctx, idx, &fast))
		memset(&fast, 0, sizeof(fast));
	if (ops->slow_stats && ops->slow_stats(ops->ctx, idx, &slow))
		memset(&slow, 0, sizeof(slow));
	for (d = 0; d < LTS_DIR_MAX; d++) {
		sum.dir[d].packets = fast.dir[d].packets + slow.dir[d].packets;
		sum.dir[d].bytes = fast.dir[d].bytes + slow.dir[d].bytes;
	}
	lts_json_obj_begin(j, "counters");
	json_dir(j, "lac_to_lns", sum.dir[LTS_DIR_A_TO_B].packets, sum.dir[LTS_DIR_A_TO_B].bytes);
	json_dir(j, "lns_to_lac", sum.dir[LTS_DIR_B_TO_A].packets, sum.dir[LTS_DIR_B_TO_A].bytes);
	json_dirs(j, "fast", &fast);
	json_dirs(j, "slow", &slow);
	lts_json_obj_end(j);
}

static void render_static(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			  size_t i)
{
	const struct lts_static_session *s = &v->cfg->static_sessions[i];
	char rule[LTS_CFG_NAME_MAX + 8];

	snprintf(rule, sizeof(rule), "static:%s", s->name);
	lts_json_obj_begin(j, NULL);
	lts_json_str(j, "rule", rule);
	lts_json_str(j, "state", "static");
	lts_json_u64(j, "uptime_s", secs_since(now_ms, v->started_ms));
	lts_json_u64(j, "stats_idx", i);
	render_static_leg(j, "lac", &s->a, "static", NULL);
	render_static_leg(j, "lns", &s->b, "static", NULL);
	render_counters(v, j, i);
	lts_json_obj_end(j);
}

static void render_call(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			const struct lts_call *c)
{
	const struct lts_session *legs[2] = { c->first, c->second };
	uint64_t since = c->up_ms;

	if (!c->installed && c->first)
		since = c->first->created_ms;
	else if (!c->installed)
		since = c->second ? c->second->created_ms : now_ms;
	lts_json_obj_begin(j, NULL);
	lts_json_str(j, "rule", c->rule ? c->rule->name : NULL);
	lts_json_str(j, "state", c->installed ? "up" : "setup");
	lts_json_u64(j, "uptime_s", secs_since(now_ms, since));
	if (c->installed) {
		/* What the data plane switches; the half-sessions give the states. */
		lts_json_u64(j, "stats_idx", c->stats_idx);
		render_static_leg(j, "lac", &c->pair.a,
				  legs[0] ? lts_sess_state_name(legs[0]->state) : NULL,
				  legs[0] ? session_peer_name(v->cfg, legs[0]) : NULL);
		render_static_leg(j, "lns", &c->pair.b,
				  legs[1] ? lts_sess_state_name(legs[1]->state) : NULL,
				  legs[1] ? session_peer_name(v->cfg, legs[1]) : NULL);
		render_counters(v, j, c->stats_idx);
	} else {
		lts_json_null(j, "stats_idx");
		render_session_leg(v, j, "lac", legs[0]);
		render_session_leg(v, j, "lns", legs[1]);
		lts_json_null(j, "counters");
	}
	lts_json_obj_end(j);
}

/* A half-session the switch holds no call for (refused, or being torn down). */
static void render_unswitched(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			      const struct lts_session *s)
{
	bool toward_lac = s->t->role == LTS_ROLE_LNS;

	lts_json_obj_begin(j, NULL);
	lts_json_null(j, "rule");
	lts_json_str(j, "state", "unswitched");
	lts_json_u64(j, "uptime_s", secs_since(now_ms, s->created_ms));
	lts_json_null(j, "stats_idx");
	render_session_leg(v, j, "lac", toward_lac ? s : NULL);
	render_session_leg(v, j, "lns", toward_lac ? NULL : s);
	lts_json_null(j, "counters");
	lts_json_obj_end(j);
}

static int render_sessions(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	const struct lts_tunnel **arr;
	const struct lts_session *s;
	const struct lts_call *c;
	size_t i, n;
	int err;

	err = sorted_tunnels(v->cp, &arr, &n);
	if (err)
		return err;
	lts_json_arr_begin(j, "sessions");
	for (i = 0; i < v->cfg->n_static_sessions; i++)
		render_static(v, now_ms, j, i);
	/* Calls are pushed at the head: walk from the tail, oldest first. */
	for (c = v->sw ? v->sw->calls : NULL; c && c->next; c = c->next)
		;
	for (; c; c = c->prev)
		render_call(v, now_ms, j, c);
	for (i = 0; i < n; i++)
		for (s = arr[i]->sessions; s; s = s->next)
			if (!s->user)
				render_unswitched(v, now_ms, j, s);
	lts_json_arr_end(j);
	free(arr);
	return 0;
}

int lts_ctl_render(const struct lts_ctl_view *v, enum lts_ctl_req req, uint64_t now_ms,
		   char **out, size_t *len)
{
	struct lts_json j;
	int err = 0;

	lts_json_init(&j, true);
	lts_json_obj_begin(&j, NULL);
	switch (req) {
	case LTS_CTL_SHOW_SUMMARY:
		render_summary(v, now_ms, &j);
		break;
	case LTS_CTL_SHOW_TUNNELS:
		err = render_tunnels(v, now_ms, &j);
		break;
	case LTS_CTL_SHOW_SESSIONS:
		err = render_sessions(v, now_ms, &j);
		break;
	default:
		err = -EINVAL;
	}
	lts_json_obj_end(&j);
	if (err) {
		lts_json_free(&j);
		return err;
	}
	return lts_json_finish(&j, out, len);
}

int lts_ctl_render_error(const char *msg, char **out, size_t *len)
{
	struct lts_json j;

	lts_json_init(&j, true);
	lts_json_obj_begin(&j, NULL);
	lts_json_str(&j, "error", msg);
	lts_json_obj_end(&j);
	return lts_json_finish(&j, out, len);
}

int lts_ctl_parse_request(const char *line, enum lts_ctl_req *out)
{
	static const struct {
		const char *what;
		enum lts_ctl_req req;
	} reqs[] = {
		{ "summary", LTS_CTL_SHOW_SUMMARY },
		{ "tunnels", LTS_CTL_SHOW_TUNNELS },
		{ "sessions", LTS_CTL_SHOW_SESSIONS },
	};
	char buf[LTS_CTL_REQ_MAX + 1], *verb, *what, *save;
	size_t i;

	if (strlen(line) > LTS_CTL_REQ_MAX)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", line);
	verb = strtok_r(buf, " \t\r\n", &save);
	what = verb ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	if (!verb || !what || strtok_r(NULL, " \t\r\n", &save) || strcmp(verb, "show"))
		return -EINVAL;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		if (!strcmp(what, reqs[i].what)) {
			*out = reqs[i].req;
			return 0;
		}
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ socket */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_timeout(int fd, int opt, unsigned int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* An existing path: 0 once it is gone, or why it must stay. */
static int remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, err;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno : 0;
	close(fd);
	if (!err)
		return -EADDRINUSE; /* someone answers: another ltsd */
	if (err != -ECONNREFUSED)
		return err;
	if (unlink(sa->sun_path) && errno != ENOENT)
		return -errno;
	pr_info("control socket: removed stale %s", sa->sun_path);
	return 0;
}

int lts_ctl_server_open(struct lts_ctl_server *srv, const char *path,
			const struct lts_ctl_view *view)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	int err;

	memset(srv, 0, sizeof(*srv));
	srv->fd = -1;
	srv->view = *view;
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	err = lts_mkdir_parent(path);
	err = err ?: remove_stale(&sa);
	if (err)
		return err;
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		return -errno;
	/* Never, even briefly, a socket others may connect to. */
	old_mask = umask(0177);
	err = bind(srv->fd, (const struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old_mask);
	if (err)
		goto fail_close;
	if (chmod(path, 0600) || listen(srv->fd, 16) || stat(path, &st)) {
		err = -errno;
		unlink(path);
		goto fail_close;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	return 0;

fail_close:
	close(srv->fd);
	srv->fd = -1;
	return err;
}

/* The request line, within LTS_CTL_RECV_TIMEOUT_MS. 0 or a negative errno. */
static int read_request(int fd, char *buf, size_t cap)
{
	uint64_t deadline = mono_ms() + LTS_CTL_RECV_TIMEOUT_MS;
	size_t len = 0;
	ssize_t n;

	set_timeout(fd, SO_RCVTIMEO, LTS_CTL_RECV_TIMEOUT_MS);
	while (!memchr(buf, '\n', len)) {
		if (len == cap - 1)
			return -EMSGSIZE;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n < 0 && errno == EINTR && mono_ms() < deadline)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if (n == 0)
			break; /* the client shut down its side: the line is complete */
		len += n;
		if (mono_ms() >= deadline && !memchr(buf, '\n', len))
			return -ETIMEDOUT;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* All of buf within LTS_CTL_SEND_TIMEOUT_MS. 0 or a negative errno. */
static int send_all(int fd, const char *buf, size_t len)
{
	uint64_t deadline = mono_ms() + LTS_CTL_SEND_TIMEOUT_MS;
	ssize_t n;

	set_timeout(fd, SO_SNDTIMEO, SEND_SLICE_MS);
	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= n;
		} else if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			return -errno;
		}
		if (len && mono_ms() >= deadline)
			return -ETIMEDOUT;
	}
	return 0;
}

static void answer_error(struct lts_ctl_server *srv, int fd, const char *msg)
{
	size_t len;
	char *doc;

	if (lts_ctl_render_error(msg, &doc, &len))
		return;
	if (send_all(fd, doc, len))
		srv->ctr.io_errors++;
	free(doc);
}

static void serve(struct lts_ctl_server *srv, int fd, uint64_t now_ms)
{
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1 };
	char req[LTS_CTL_REQ_MAX + 2];
	socklen_t cl = sizeof(cred);
	enum lts_ctl_req what;
	size_t len;
	char *doc;
	int err;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		srv->ctr.refused++;
		pr_warn("control socket: refused pid %d uid %u: only root may use it",
			(int)cred.pid, (unsigned int)cred.uid);
		answer_error(srv, fd, "permission denied: only root may use the control socket");
		return;
	}
	err = read_request(fd, req, sizeof(req));
	if (err) {
		srv->ctr.io_errors++;
		pr_debug("control socket: no request from pid %d: %s", (int)cred.pid,
			 strerror(-err));
		if (err == -EMSGSIZE)
			answer_error(srv, fd, "request too long");
		return;
	}
	if (lts_ctl_parse_request(req, &what)) {
		srv->ctr.bad_requests++;
		answer_error(srv, fd, "unknown request (expected: show summary|tunnels|sessions)");
		return;
	}
	err = lts_ctl_render(&srv->view, what, now_ms, &doc, &len);
	if (err) {
		pr_warn("control socket: cannot answer \"%s\": %s", req, strerror(-err));
		answer_error(srv, fd, strerror(-err));
		return;
	}
	err = send_all(fd, doc, len);
	free(doc);
	if (err) {
		srv->ctr.io_errors++;
		pr_debug("control socket: answer to pid %d cut short: %s", (int)cred.pid,
			 strerror(-err));
		return;
	}
	srv->ctr.answered++;
	pr_debug("control socket: pid %d: %s (%zu bytes)", (int)cred.pid, req, len);
}

void lts_ctl_server_handle(struct lts_ctl_server *srv, uint64_t now_ms)
{
	char drain[256];
	int i, fd;

	for (i = 0; srv->fd >= 0 && i < LTS_CTL_ACCEPT_BATCH; i++) {
		fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Logged once per cause: EMFILE would repeat at every wakeup. */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != srv->accept_errno) {
				srv->accept_errno = errno;
				pr_warn("control socket: accept: %s", strerror(errno));
			}
			return;
		}
		srv->accept_errno = 0;
		serve(srv, fd, now_ms);
		/* Unread input would make close() reset the connection under the answer. */
		while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
			;
		shutdown(fd, SHUT_WR);
		close(fd);
	}
}

void lts_ctl_server_close(struct lts_ctl_server *srv)
{
	struct stat st;

	if (!srv || srv->fd < 0)
		return;
	close(srv->fd);
	srv->fd = -1;
	/* Another ltsd may have replaced a socket it found dead: leave that one. */
	if (!lstat(srv->path, &st) && st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
}
