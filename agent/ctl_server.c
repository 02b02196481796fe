// SPDX-License-Identifier: GPL-2.0
/*
 * The operator socket: ltsd's state as JSON for ltsctl (see ctl_server.h).
 *
 * One request per connection; only root can connect (0600 socket in a 0700
 * directory, and SO_PEERCRED). ltsd is one thread: a blocking read or write
 * on a client would stall the control plane and the slow path with it, so
 * nothing here ever waits. Each client is a small state machine (reading
 * the request, writing the answer) in a fixed table, driven by the server's
 * own epoll set, which the daemon's loop polls as a single fd; deadlines are
 * a timerfd in the same set, so the loop needs no timeout of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include "ctl_server.h"
#include "lib/fsutil.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

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
		lts_json_u64(j, "info_dropped", s->info_dropped);
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
		lts_json_u64(j, "half_open", v->cp->n_half_open);
		lts_json_u64(j, "half_open_evicted", k->half_open_evicted);
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

/* Tags of the server's own epoll set: a client's slot index, or one of these. */
#define TAG_LISTEN LTS_CTL_MAX_CLIENTS
#define TAG_TIMER (LTS_CTL_MAX_CLIENTS + 1)

/* Bytes written to one client per wakeup: a fast reader of a huge answer shares the loop. */
#define WRITE_SLICE (256u << 10)
/* Input read and thrown away before close (so it does not reset the answer), at most. */
#define DRAIN_MAX (64u << 10)
/* After accept() ran out of fds or memory: try again this much later, not at every wakeup. */
#define ACCEPT_PAUSE_MS 1000

static const char busy_msg[] = "control socket busy: too many clients, try again";
static const char denied_msg[] = "permission denied: only root may use the control socket";

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

static int poll_ctl(struct lts_ctl_server *srv, int op, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(srv->epfd, op, fd, &ev) ? -errno : 0;
}

int lts_ctl_server_open(struct lts_ctl_server *srv, const char *path,
			const struct lts_ctl_view *view)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	size_t i;
	int err;

	memset(srv, 0, sizeof(*srv));
	srv->fd = srv->epfd = srv->timerfd = -1;
	for (i = 0; i < LTS_CTL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	srv->armed_ms = LTS_CTL_NO_DEADLINE;
	srv->view = *view;
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	err = lts_mkdir_parent(path);
	err = err ?: remove_stale(&sa);
	if (err)
		return err;
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0)
		return -errno;
	srv->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv->timerfd < 0) {
		err = -errno;
		goto fail_epoll;
	}
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		err = -errno;
		goto fail_timer;
	}
	/* Never, even briefly, a socket others may connect to. */
	old_mask = umask(0177);
	err = bind(srv->fd, (const struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old_mask);
	if (err)
		goto fail_close;
	err = chmod(path, 0600) || listen(srv->fd, 16) || stat(path, &st) ? -errno : 0;
	err = err ?: poll_ctl(srv, EPOLL_CTL_ADD, srv->fd, EPOLLIN, TAG_LISTEN);
	err = err ?: poll_ctl(srv, EPOLL_CTL_ADD, srv->timerfd, EPOLLIN, TAG_TIMER);
	if (err) {
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
fail_timer:
	close(srv->timerfd);
	srv->timerfd = -1;
fail_epoll:
	close(srv->epfd);
	srv->epfd = -1;
	return err;
}

int lts_ctl_server_poll_fd(const struct lts_ctl_server *srv)
{
	return srv->fd < 0 ? -1 : srv->epfd;
}

/* ------------------------------------------------------------ clients */

/*
 * After a complete answer, unread input is drained first: close() with data
 * in the receive queue would reset the connection under the answer the
 * client has not read yet.
 */
static void sock_close(int fd, bool graceful)
{
	char drain[4096];
	size_t n = 0;
	ssize_t r;

	if (graceful) {
		while (n < DRAIN_MAX && (r = recv(fd, drain, sizeof(drain), MSG_DONTWAIT)) > 0)
			n += r;
		shutdown(fd, SHUT_WR);
	}
	close(fd); /* also leaves the epoll set: the fd was never duplicated */
}

/* Close c's connection and free its slot. */
static void client_close(struct lts_ctl_server *srv, struct lts_ctl_client *c, bool graceful)
{
	sock_close(c->fd, graceful);
	free(c->answer);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	srv->n_clients--;
}

/* c goes away without (the rest of) its answer. */
static void client_drop(struct lts_ctl_server *srv, struct lts_ctl_client *c, int err)
{
	srv->ctr.io_errors++;
	srv->ctr.timeouts += err == -ETIMEDOUT;
	pr_debug("control socket: pid %d dropped %s: %s", (int)c->pid,
		 c->state == LTS_CTL_CLIENT_READING ? "before its request" : "during its answer",
		 strerror(-err));
	client_close(srv, c, false);
}

/* Wait for events on c (level-triggered); 0 or a negative errno. */
static int client_wait(struct lts_ctl_server *srv, struct lts_ctl_client *c, uint32_t events)
{
	int err;

	if (c->events == events)
		return 0;
	err = poll_ctl(srv, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, events,
		       (uint32_t)(c - srv->clients));
	if (!err)
		c->events = events;
	return err;
}

/*
 * Read what is there of the request line: 0 when it is complete (a newline,
 * or the client shut down its side), -EAGAIN to wait for more, -EMSGSIZE or
 * another negative errno.
 */
static int client_read(struct lts_ctl_client *c)
{
	const size_t cap = sizeof(c->req) - 1;
	ssize_t n;

	while (!memchr(c->req, '\n', c->req_len)) {
		if (c->req_len == cap)
			return -EMSGSIZE;
		n = recv(c->fd, c->req + c->req_len, cap - c->req_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (n == 0)
			break;
		c->req_len += n;
	}
	c->req[c->req_len] = '\0';
	c->req[strcspn(c->req, "\n")] = '\0';
	return 0;
}

/* Write what the socket takes: 0 when all is sent, -EAGAIN to wait, or a negative errno. */
static int client_write(struct lts_ctl_client *c)
{
	size_t budget = WRITE_SLICE;
	ssize_t n;

	while (c->sent < c->answer_len) {
		/* Still writable: level-triggered epoll brings the loop back at once. */
		if (!budget)
			return -EAGAIN;
		n = send(c->fd, c->answer + c->sent, MIN(c->answer_len - c->sent, budget),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		c->sent += n;
		budget -= n;
	}
	return 0;
}

/* From now on c owes reading doc (ours now), within LTS_CTL_SEND_TIMEOUT_MS. */
static void client_answer(struct lts_ctl_client *c, char *doc, size_t len, bool is_answer,
			  uint64_t now_ms)
{
	c->state = LTS_CTL_CLIENT_WRITING;
	c->answer = doc;
	c->answer_len = len;
	c->sent = 0;
	c->is_answer = is_answer;
	c->deadline_ms = now_ms + LTS_CTL_SEND_TIMEOUT_MS;
}

/* {"error": msg} for c: 0, or -ENOMEM if even that cannot be rendered. */
static int client_answer_error(struct lts_ctl_client *c, const char *msg, uint64_t now_ms)
{
	size_t len;
	char *doc;
	int err;

	err = lts_ctl_render_error(msg, &doc, &len);
	if (!err)
		client_answer(c, doc, len, false, now_ms);
	return err;
}

/* The request line is in: render what it asks for. 0, or -ENOMEM: nothing to send. */
static int client_respond(struct lts_ctl_server *srv, struct lts_ctl_client *c, uint64_t now_ms)
{
	enum lts_ctl_req what;
	size_t len;
	char *doc;
	int err;

	if (lts_ctl_parse_request(c->req, &what)) {
		srv->ctr.bad_requests++;
		return client_answer_error(
			c, "unknown request (expected: show summary|tunnels|sessions)", now_ms);
	}
	err = lts_ctl_render(&srv->view, what, now_ms, &doc, &len);
	if (err) {
		pr_warn("control socket: cannot answer \"%s\": %s", c->req, strerror(-err));
		return client_answer_error(c, strerror(-err), now_ms);
	}
	client_answer(c, doc, len, true, now_ms);
	return 0;
}

/*
 * Take c as far as it goes without waiting: read the request, answer, close.
 * Where the socket is not ready, register interest in what is missing and
 * return: the server's epoll set brings us back.
 */
static void client_run(struct lts_ctl_server *srv, struct lts_ctl_client *c, uint64_t now_ms)
{
	int err;

	if (c->state == LTS_CTL_CLIENT_READING) {
		err = client_read(c);
		if (err == -EAGAIN) {
			err = client_wait(srv, c, EPOLLIN);
			if (err)
				client_drop(srv, c, err);
			return;
		}
		if (err == -EMSGSIZE) {
			srv->ctr.io_errors++;
			pr_debug("control socket: pid %d: request too long", (int)c->pid);
			if (client_answer_error(c, "request too long", now_ms)) {
				client_close(srv, c, false);
				return;
			}
		} else if (err) {
			client_drop(srv, c, err);
			return;
		} else if (client_respond(srv, c, now_ms)) {
			client_close(srv, c, true);
			return;
		}
	}
	err = client_write(c);
	if (err == -EAGAIN)
		err = client_wait(srv, c, EPOLLOUT);
	else if (!err && c->is_answer) {
		srv->ctr.answered++;
		pr_debug("control socket: pid %d: %s (%zu bytes)", (int)c->pid, c->req, c->answer_len);
	}
	if (err)
		client_drop(srv, c, err);
	else if (c->sent == c->answer_len)
		client_close(srv, c, true);
}

/* Rate-limited: a flood of connections must not become a flood of log lines. */
static void note_busy(struct lts_ctl_server *srv, uint64_t now_ms, const char *what)
{
	if (now_ms < srv->busy_log_ms) {
		srv->busy_quiet++;
		return;
	}
	pr_warn("control socket: %u clients at once (the limit): %s (%" PRIu64
		" more since the last warning; %" PRIu64 " turned away, %" PRIu64
		" evicted in all)", (unsigned int)LTS_CTL_MAX_CLIENTS, what, srv->busy_quiet,
		srv->ctr.busy_refused, srv->ctr.busy_evicted);
	srv->busy_quiet = 0;
	srv->busy_log_ms = now_ms + LTS_CTL_BUSY_LOG_MS;
}

/* Slots held by peer pid (connections SO_PEERCRED gave that pid). */
static unsigned int peer_slots(const struct lts_ctl_server *srv, pid_t pid)
{
	unsigned int i, n = 0;

	for (i = 0; i < LTS_CTL_MAX_CLIENTS; i++)
		n += srv->clients[i].fd >= 0 && srv->clients[i].pid == pid;
	return n;
}

/*
 * A slot for a new connection. When all are taken, a client still owing its
 * request gives up its slot: ltsctl sends its request as it connects, so
 * idle connections never keep a real request out. The victim is the oldest
 * of the peer holding the most slots: a process that floods the socket
 * evicts its own connections, not ltsctl's between its connect() and its
 * send(). NULL: every slot is sending an answer.
 */
static struct lts_ctl_client *client_slot(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct lts_ctl_client *c, *victim = NULL;
	unsigned int held, victim_held = 0;

	for (c = srv->clients; c < srv->clients + LTS_CTL_MAX_CLIENTS; c++) {
		if (c->fd < 0)
			return c;
		if (c->state != LTS_CTL_CLIENT_READING)
			continue;
		held = peer_slots(srv, c->pid);
		if (held > victim_held || (held == victim_held && c->seq < victim->seq)) {
			victim = c;
			victim_held = held;
		}
	}
	if (!victim)
		return NULL;
	srv->ctr.busy_evicted++;
	pr_debug("control socket: pid %d evicted: no request yet and the slots are full",
		 (int)victim->pid);
	note_busy(srv, now_ms, "evicted a connection without a request");
	client_close(srv, victim, false);
	return victim;
}

/* No slot: say so if the socket takes it at once (it is new: it does), and close. */
static void refuse_busy(struct lts_ctl_server *srv, int fd, uint64_t now_ms)
{
	size_t len;
	char *doc;

	srv->ctr.busy_refused++;
	note_busy(srv, now_ms, "turned a connection away");
	if (!lts_ctl_render_error(busy_msg, &doc, &len)) {
		if (send(fd, doc, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			pr_debug("control socket: busy answer: %s", strerror(errno));
		free(doc);
	}
	sock_close(fd, true);
}

/* A new connection in slot c: check who it is, then serve what is already there. */
static void client_start(struct lts_ctl_server *srv, struct lts_ctl_client *c, int fd,
			 uint64_t now_ms)
{
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1 };
	socklen_t cl = sizeof(cred);

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->state = LTS_CTL_CLIENT_READING;
	c->seq = srv->next_seq++;
	c->deadline_ms = now_ms + LTS_CTL_RECV_TIMEOUT_MS;
	srv->n_clients++;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl))
		cred.uid = (uid_t)-1;
	c->pid = cred.pid;
	if (cred.uid != 0) {
		srv->ctr.refused++;
		pr_warn("control socket: refused pid %d uid %u: only root may use it",
			(int)cred.pid, (unsigned int)cred.uid);
		if (client_answer_error(c, denied_msg, now_ms)) {
			client_close(srv, c, true);
			return;
		}
	}
	/* ltsctl's request is usually in already: no need to wait for epoll to say so. */
	client_run(srv, c, now_ms);
}

static void accept_batch(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct lts_ctl_client *c;
	int i, fd;

	for (i = 0; i < LTS_CTL_ACCEPT_BATCH; i++) {
		fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* Logged once per cause: EMFILE would repeat at every wakeup. */
			if (errno != srv->accept_errno) {
				srv->accept_errno = errno;
				pr_warn("control socket: accept: %s", strerror(errno));
			}
			/*
			 * The connection stays pending and the listening socket readable:
			 * stop polling it for a while, or the loop would spin on it.
			 */
			if (!poll_ctl(srv, EPOLL_CTL_DEL, srv->fd, 0, 0))
				srv->accept_resume_ms = now_ms + ACCEPT_PAUSE_MS;
			return;
		}
		srv->accept_errno = 0;
		c = client_slot(srv, now_ms);
		if (c)
			client_start(srv, c, fd, now_ms);
		else
			refuse_busy(srv, fd, now_ms);
	}
}

void lts_ctl_server_handle(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct epoll_event evs[LTS_CTL_MAX_CLIENTS + 2];
	bool listen_ready = false;
	uint64_t expirations;
	int i, n;

	if (srv->fd < 0)
		return;
	n = epoll_wait(srv->epfd, evs, ARRAY_SIZE(evs), 0);
	for (i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		struct lts_ctl_client *c;

		if (tag == TAG_LISTEN) {
			listen_ready = true;
		} else if (tag == TAG_TIMER) {
			if (read(srv->timerfd, &expirations, sizeof(expirations)) < 0 &&
			    errno != EAGAIN)
				pr_debug("control socket: timer: %s", strerror(errno));
		} else if (tag < LTS_CTL_MAX_CLIENTS) {
			c = &srv->clients[tag];
			if (c->fd >= 0)
				client_run(srv, c, now_ms);
		}
	}
	/*
	 * Accept after the clients' events: a slot freed above and reused here
	 * cannot be handed an event meant for its previous owner.
	 */
	if (listen_ready)
		accept_batch(srv, now_ms);
	lts_ctl_server_tick(srv, now_ms);
}

uint64_t lts_ctl_server_next_deadline(const struct lts_ctl_server *srv)
{
	uint64_t next = srv->accept_resume_ms ?: LTS_CTL_NO_DEADLINE;
	size_t i;

	for (i = 0; i < LTS_CTL_MAX_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			next = MIN(next, srv->clients[i].deadline_ms);
	return next;
}

static void arm_timer(struct lts_ctl_server *srv)
{
	uint64_t next = lts_ctl_server_next_deadline(srv);
	struct itimerspec its = { 0 };

	if (next == srv->armed_ms)
		return;
	if (next != LTS_CTL_NO_DEADLINE) {
		next = next ?: 1; /* 0 would disarm */
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	if (timerfd_settime(srv->timerfd, TFD_TIMER_ABSTIME, &its, NULL)) {
		pr_warn("control socket: timer: %s", strerror(errno));
		return;
	}
	srv->armed_ms = next;
}

void lts_ctl_server_tick(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct lts_ctl_client *c;

	if (srv->fd < 0)
		return;
	for (c = srv->clients; c < srv->clients + LTS_CTL_MAX_CLIENTS; c++)
		if (c->fd >= 0 && c->deadline_ms <= now_ms)
			client_drop(srv, c, -ETIMEDOUT);
	if (srv->accept_resume_ms && srv->accept_resume_ms <= now_ms &&
	    !poll_ctl(srv, EPOLL_CTL_ADD, srv->fd, EPOLLIN, TAG_LISTEN))
		srv->accept_resume_ms = 0;
	arm_timer(srv);
}

void lts_ctl_server_close(struct lts_ctl_server *srv)
{
	struct lts_ctl_client *c;
	struct stat st;

	if (!srv || srv->fd < 0)
		return;
	for (c = srv->clients; c < srv->clients + LTS_CTL_MAX_CLIENTS; c++)
		if (c->fd >= 0)
			client_close(srv, c, false);
	close(srv->timerfd);
	close(srv->epfd);
	close(srv->fd);
	srv->fd = srv->epfd = srv->timerfd = -1;
	/* Another ltsd may have replaced a socket it found dead: leave that one. */
	if (!lstat(srv->path, &st) && st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
}
