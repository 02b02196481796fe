// SPDX-License-Identifier: GPL-2.0
/*
 * l2tp_emul: an L2TPv2 LAC and LNS emulator for control-plane capacity tests
 * of ltsd (issue #5 part 4, docs/benchmarks.md), built on the agent's own
 * AVP codec (avp.h, ctrl_msg.h) and reliable transport (ctrl_transport.h).
 *
 *   l2tp_emul [--lac LOCAL_IP --lts LTS_IP [--lts-port 1701] --tunnels T
 *              --sessions S] [--lns LOCAL_IP [--lns-port 1701]]
 *             [--lns-netns NAME] [--rss-pid PID] [--timeout SEC] [--rws N] [--verbose]
 *
 * LAC role: opens T tunnels to LTS_IP (each its own UDP socket bound to
 * LOCAL_IP with a kernel-chosen source port; tunnel IDs 1..T), waits until
 * all are up, then places S incoming calls per tunnel (ICRQ, ICRP, ICCN) as
 * fast as the windows allow. LNS role: answers every tunnel opened to
 * LOCAL_IP:port (SCCRQ -> SCCRP, ICRQ -> ICRP, takes ICCN, CDN, StopCCN).
 * Both roles run in one process and one poll loop; --lns-netns NAME opens
 * the LNS socket in network namespace NAME (/run/netns/NAME), so that the
 * two roles can sit on either side of the switch.
 *
 * With both roles, a call counts as switched when the LAC sent its ICCN and
 * the LNS side received the ICCN ltsd relayed; setup time runs from the
 * first ICRQ to the last switched call. Teardown: one StopCCN per LAC tunnel,
 * timed until the LNS side saw every switched session cleared (CDN or
 * StopCCN). With --rss-pid, VmRSS of that process (ltsd) is read before the
 * tunnels open, once all calls are switched and after teardown, and its CPU
 * time (user + system) over the setup and over the teardown, so that the
 * cost per call is known apart from the wall-clock rate.
 *
 * --teardown cdn clears every call with its own CDN instead (the LNS side
 * still decides when it is done).
 *
 * Prints one JSON line on stdout. Exit status: 0 done, 1 usage or system
 * error, 2 timeout or stall (no progress for --stall seconds, default 15;
 * 0: off): the JSON line then has "timeout": true, "stalled" and the phase,
 * and the figures measured until then.
 * With only --lns it serves until the timeout or SIGINT/SIGTERM (exit 0).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "l2tp/avp.h"
#include "l2tp/ctrl_msg.h"
#include "l2tp/ctrl_transport.h"

#define MAX_LNS_TUNNELS 256
#define SESS_MAX 65536

enum tstate { T_IDLE, T_WAIT_SCCRP, T_UP, T_CLOSING, T_DEAD };
enum sstate { S_FREE, S_WAIT_ICRP, S_UP, S_CLEARED };

struct tun {
	bool lns; /* role */
	int fd;
	struct sockaddr_in peer;
	uint16_t tid, ptid;
	enum tstate st;
	bool xport_live;
	struct lts_ctrl_xport x;
	/* LAC: session i (our ID i + 1); LNS: indexed by our session ID */
	uint8_t *sst;
	uint16_t *psid;
	uint32_t nsess;
	uint32_t next_sid; /* LNS allocator */
};

static struct {
	uint32_t tunnels, sessions, rws, timeout_s, stall_s;
	bool lac, lns, verbose, cdn;
	struct sockaddr_in lac_local, lts, lns_local;
	int rss_pid;

	struct tun *lac_t;
	struct tun lns_t[MAX_LNS_TUNNELS];
	uint32_t n_lns_t;
	int lns_fd;

	/* counters */
	uint64_t lac_tun_up, lac_est, lac_cdn_rx, lac_stopccn_rx, lac_failed;
	uint64_t lns_tun, lns_icrq, lns_iccn, lns_cleared, lns_cdn_rx, lns_stopccn_rx;
	uint64_t parse_err;
} E = {.rws = 1024, .timeout_s = 120, .stall_s = 15};

static struct lts_ctrl_msg MSG; /* big: one, static */
static volatile sig_atomic_t stop;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "l2tp_emul: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static long rss_kib(void)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	if (E.rss_pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", E.rss_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * CPU time of that process (user + system), in seconds: the first field of
 * /proc/PID/schedstat (ns on the CPU), else utime + stime from /proc/PID/stat
 * (clock ticks). -1 when neither can be read.
 */
static double cpu_s(void)
{
	unsigned long long ns, ut, st;
	char path[64], buf[1024], *p;
	double v = -1;
	FILE *f;

	if (E.rss_pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", E.rss_pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &ns) == 1)
			v = ns / 1e9;
		fclose(f);
		if (v >= 0)
			return v;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", E.rss_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	/* comm may hold spaces: fields 14 and 15 count from the last ')'. */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		   &st) == 2)
		v = (double)(ut + st) / sysconf(_SC_CLK_TCK);
	fclose(f);
	return v;
}

/* ------------------------------------------------------------ messages */

struct mb {
	struct lts_avp_writer w;
	struct lts_avp_opts o;
	uint8_t buf[512];
};

static void mb_begin(struct mb *b, uint16_t type)
{
	memset(&b->o, 0, sizeof(b->o));
	lts_avpw_init(&b->w, b->buf, sizeof(b->buf), &b->o);
	lts_avpw_add_u16(&b->w, LTS_AVP_MSG_TYPE, type);
}

static void mb_send(struct tun *t, uint16_t sid, struct mb *b)
{
	int n = lts_avpw_finish(&b->w);
	int rc;

	if (n <= 0) {
		fprintf(stderr, "l2tp_emul: codec error %d\n", n);
		exit(1);
	}
	rc = lts_ctrl_xport_send(&t->x, sid, b->buf, n, now_ms());
	if (rc && E.verbose)
		fprintf(stderr, "l2tp_emul: tunnel %u: send: %s\n", t->tid, strerror(-rc));
}

static void add_tunnel_avps(struct mb *b, struct tun *t, const char *host)
{
	struct lts_avp_proto_ver pv = {LTS_CTRL_PROTO_VER, LTS_CTRL_PROTO_REV};

	lts_avpw_add_proto_ver(&b->w, &pv);
	lts_avpw_add_string(&b->w, LTS_AVP_HOST_NAME, host);
	lts_avpw_add_u32(&b->w, LTS_AVP_FRAMING_CAP, 3);
	lts_avpw_add_u16(&b->w, LTS_AVP_ASSIGNED_TUNNEL_ID, t->tid);
	lts_avpw_add_u16(&b->w, LTS_AVP_RECV_WINDOW_SIZE, E.rws);
}

static void send_stopccn(struct tun *t)
{
	struct lts_avp_result r = {.result = LTS_STOPCCN_CLEAR, .has_error = true};
	struct mb b;

	mb_begin(&b, LTS_CTRL_STOPCCN);
	lts_avpw_add_u16(&b.w, LTS_AVP_ASSIGNED_TUNNEL_ID, t->tid);
	lts_avpw_add_result(&b.w, &r);
	mb_send(t, 0, &b);
	lts_ctrl_xport_close(&t->x, now_ms());
	t->st = T_CLOSING;
}

/* ------------------------------------------------------------ transport */

static int x_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct tun *t = ctx;

	return sendto(t->fd, pkt, len, 0, (struct sockaddr *)&t->peer, sizeof(t->peer)) < 0 ? -errno
											    : 0;
}

static void lns_clear_all(struct tun *t)
{
	uint32_t i;

	for (i = 0; i < SESS_MAX; i++) {
		if (t->sst[i] == S_UP)
			E.lns_cleared++;
		if (t->sst[i] != S_FREE)
			t->sst[i] = S_CLEARED;
	}
}

static void lac_deliver(struct tun *t, const struct lts_ctrl_hdr *h, const struct lts_ctrl_msg *m)
{
	uint16_t v = 0, rws = 0;
	struct mb b;

	switch (m->type) {
	case LTS_CTRL_SCCRP:
		if (t->st != T_WAIT_SCCRP)
			return;
		lts_avp_get_u16(m, LTS_AVP_ASSIGNED_TUNNEL_ID, &v);
		lts_avp_get_u16(m, LTS_AVP_RECV_WINDOW_SIZE, &rws);
		t->ptid = v;
		lts_ctrl_xport_set_peer(&t->x, v, rws);
		mb_begin(&b, LTS_CTRL_SCCCN);
		mb_send(t, 0, &b);
		t->st = T_UP;
		E.lac_tun_up++;
		break;
	case LTS_CTRL_ICRP:
		if (!h->session_id || h->session_id > t->nsess ||
		    t->sst[h->session_id - 1] != S_WAIT_ICRP)
			return;
		lts_avp_get_u16(m, LTS_AVP_ASSIGNED_SESSION_ID, &v);
		t->psid[h->session_id - 1] = v;
		mb_begin(&b, LTS_CTRL_ICCN);
		lts_avpw_add_u32(&b.w, LTS_AVP_TX_CONNECT_SPEED, 10000000);
		lts_avpw_add_u32(&b.w, LTS_AVP_FRAMING_TYPE, 1);
		mb_send(t, v, &b);
		t->sst[h->session_id - 1] = S_UP;
		E.lac_est++;
		break;
	case LTS_CTRL_CDN:
		E.lac_cdn_rx++;
		if (h->session_id && h->session_id <= t->nsess) {
			if (t->sst[h->session_id - 1] == S_UP)
				E.lac_est--;
			t->sst[h->session_id - 1] = S_CLEARED;
		}
		if (E.verbose || E.lac_cdn_rx == 1) {
			struct lts_avp_result r = {0};

			lts_avp_get_result(m, &r);
			fprintf(stderr,
				"l2tp_emul: LAC tunnel %u: CDN for session %u: result %u error %u "
				"%.*s\n",
				t->tid, h->session_id, r.result, r.error, (int)r.message_len,
				r.message ? r.message : "");
		}
		break;
	case LTS_CTRL_STOPCCN:
		E.lac_stopccn_rx++;
		if (t->st != T_CLOSING) {
			struct lts_avp_result r = {0};

			lts_avp_get_result(m, &r);
			fprintf(stderr,
				"l2tp_emul: LAC tunnel %u: StopCCN from ltsd: result %u error %u "
				"%.*s\n",
				t->tid, r.result, r.error, (int)r.message_len,
				r.message ? r.message : "");
			if (t->st == T_UP)
				E.lac_tun_up--;
			lts_ctrl_xport_close(&t->x, now_ms());
			t->st = T_CLOSING;
		}
		break;
	default:
		break;
	}
}

static void lns_deliver(struct tun *t, const struct lts_ctrl_hdr *h, const struct lts_ctrl_msg *m)
{
	uint16_t v = 0, rws = 0;
	struct mb b;
	uint32_t i;

	switch (m->type) {
	case LTS_CTRL_SCCRQ:
		lts_avp_get_u16(m, LTS_AVP_ASSIGNED_TUNNEL_ID, &v);
		lts_avp_get_u16(m, LTS_AVP_RECV_WINDOW_SIZE, &rws);
		t->ptid = v;
		lts_ctrl_xport_set_peer(&t->x, v, rws);
		mb_begin(&b, LTS_CTRL_SCCRP);
		add_tunnel_avps(&b, t, "emul-lns");
		mb_send(t, 0, &b);
		break;
	case LTS_CTRL_SCCCN:
		t->st = T_UP;
		break;
	case LTS_CTRL_ICRQ:
		lts_avp_get_u16(m, LTS_AVP_ASSIGNED_SESSION_ID, &v);
		E.lns_icrq++;
		for (i = 0; i < SESS_MAX - 1; i++) {
			uint32_t sid = (t->next_sid + i) % (SESS_MAX - 1) + 1;

			if (t->sst[sid] == S_FREE || t->sst[sid] == S_CLEARED) {
				t->next_sid = sid;
				t->sst[sid] = S_WAIT_ICRP; /* waiting for the ICCN */
				t->psid[sid] = v;
				mb_begin(&b, LTS_CTRL_ICRP);
				lts_avpw_add_u16(&b.w, LTS_AVP_ASSIGNED_SESSION_ID, sid);
				mb_send(t, v, &b);
				return;
			}
		}
		{
			struct lts_avp_result r = {.result = LTS_CDN_GENERAL_ERROR,
						   .has_error = true,
						   .error = LTS_ERR_RESOURCES};

			mb_begin(&b, LTS_CTRL_CDN);
			lts_avpw_add_result(&b.w, &r);
			lts_avpw_add_u16(&b.w, LTS_AVP_ASSIGNED_SESSION_ID, 0);
			mb_send(t, v, &b);
		}
		break;
	case LTS_CTRL_ICCN:
		if (t->sst[h->session_id] == S_WAIT_ICRP) {
			t->sst[h->session_id] = S_UP;
			E.lns_iccn++;
		}
		break;
	case LTS_CTRL_CDN:
		E.lns_cdn_rx++;
		if (t->sst[h->session_id] == S_UP)
			E.lns_cleared++;
		t->sst[h->session_id] = S_CLEARED;
		break;
	case LTS_CTRL_STOPCCN:
		E.lns_stopccn_rx++;
		lns_clear_all(t);
		lts_ctrl_xport_close(&t->x, now_ms());
		t->st = T_CLOSING;
		break;
	default:
		break;
	}
}

static void x_deliver(void *ctx, const struct lts_ctrl_hdr *h, const uint8_t *body, size_t len)
{
	struct tun *t = ctx;
	struct lts_avp_opts o = {0};
	struct lts_ctrl_verdict v;

	if (lts_ctrl_msg_parse(body, len, &o, &MSG, &v)) {
		E.parse_err++;
		if (E.verbose || E.parse_err == 1)
			fprintf(stderr, "l2tp_emul: %s tunnel %u: bad %s: %s (%s)\n",
				t->lns ? "LNS" : "LAC", t->tid, lts_ctrl_type_name(MSG.type),
				lts_ctrl_action_str(v.action), v.message);
		if (v.action != LTS_CTRL_IGNORE && v.action != LTS_CTRL_ACCEPT)
			return;
	}
	if (t->lns)
		lns_deliver(t, h, &MSG);
	else
		lac_deliver(t, h, &MSG);
}

static void x_failed(void *ctx)
{
	struct tun *t = ctx;

	fprintf(stderr, "l2tp_emul: %s tunnel %u: retransmissions exhausted\n",
		t->lns ? "LNS" : "LAC", t->tid);
	if (!t->lns) {
		E.lac_failed++;
		if (t->st == T_UP)
			E.lac_tun_up--;
	} else {
		lns_clear_all(t);
	}
	t->st = T_DEAD;
	lts_ctrl_xport_fini(&t->x);
	t->xport_live = false;
}

static void x_closed(void *ctx)
{
	struct tun *t = ctx;

	t->st = T_DEAD;
	lts_ctrl_xport_fini(&t->x);
	t->xport_live = false;
}

static const struct lts_ctrl_xport_ops OPS = {
    .send = x_send,
    .deliver = x_deliver,
    .failed = x_failed,
    .closed = x_closed,
};

static int tun_init(struct tun *t, bool lns, int fd, uint16_t tid, uint32_t nsess)
{
	struct lts_ctrl_xport_cfg c;

	memset(t, 0, sizeof(*t));
	t->lns = lns;
	t->fd = fd;
	t->tid = tid;
	t->nsess = nsess;
	lts_ctrl_xport_cfg_default(&c);
	c.rws = E.rws;
	c.hello_interval_ms = 0;
	c.ack_delay_ms = 5;
	c.max_queue = 2 * (lns ? SESS_MAX : nsess) + 64;
	if (lts_ctrl_xport_init(&t->x, &c, &OPS, t, tid, now_ms()))
		return -1;
	t->xport_live = true;
	t->sst = calloc(lns ? SESS_MAX : nsess + 1, 1);
	t->psid = calloc(lns ? SESS_MAX : nsess + 1, sizeof(uint16_t));
	return t->sst && t->psid ? 0 : -1;
}

/* ------------------------------------------------------------ sockets */

static int udp_socket(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int sz = 8 << 20;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint8_t RXBUF[65536];

static void lac_rx(struct tun *t)
{
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(t->fd, RXBUF, sizeof(RXBUF), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (!t->xport_live)
			continue;
		if (t->st == T_WAIT_SCCRP)
			t->peer = from; /* the LTS may answer from another port */
		lts_ctrl_xport_input(&t->x, RXBUF, n, now_ms());
	}
}

static struct tun *lns_find_new(const struct sockaddr_in *from, const uint8_t *pkt, size_t len)
{
	struct lts_avp_opts o = {0};
	struct lts_ctrl_verdict v;
	uint16_t ptid = 0;
	struct tun *t;
	uint32_t i;

	if (lts_ctrl_msg_parse(pkt + LTS_CTRL_HDR_LEN, len - LTS_CTRL_HDR_LEN, &o, &MSG, &v) ||
	    MSG.type != LTS_CTRL_SCCRQ || lts_avp_get_u16(&MSG, LTS_AVP_ASSIGNED_TUNNEL_ID, &ptid))
		return NULL;
	for (i = 0; i < E.n_lns_t; i++) {
		t = &E.lns_t[i];
		if (t->xport_live && t->ptid == ptid &&
		    t->peer.sin_addr.s_addr == from->sin_addr.s_addr &&
		    t->peer.sin_port == from->sin_port)
			return t; /* a retransmitted SCCRQ */
	}
	if (E.n_lns_t >= MAX_LNS_TUNNELS) {
		fprintf(stderr, "l2tp_emul: LNS: more than %d tunnels, SCCRQ dropped\n",
			MAX_LNS_TUNNELS);
		return NULL;
	}
	t = &E.lns_t[E.n_lns_t];
	if (tun_init(t, true, E.lns_fd, E.n_lns_t + 1, 0))
		die("LNS tunnel: %s", strerror(errno));
	E.n_lns_t++;
	t->peer = *from;
	t->ptid = ptid;
	t->st = T_WAIT_SCCRP;
	E.lns_tun++;
	return t;
}

static void lns_rx(void)
{
	struct sockaddr_in from;
	struct lts_ctrl_hdr h;
	socklen_t fl;
	ssize_t n;
	struct tun *t;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(E.lns_fd, RXBUF, sizeof(RXBUF), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (lts_ctrl_hdr_parse(RXBUF, n, &h))
			continue;
		if (h.tunnel_id == 0) {
			if (h.length <= LTS_CTRL_HDR_LEN)
				continue;
			t = lns_find_new(&from, RXBUF, h.length);
		} else if (h.tunnel_id <= E.n_lns_t) {
			t = &E.lns_t[h.tunnel_id - 1];
		} else {
			t = NULL;
		}
		if (t && t->xport_live)
			lts_ctrl_xport_input(&t->x, RXBUF, n, now_ms());
	}
}

/* ------------------------------------------------------------ main loop */

static void tick_all(uint64_t now)
{
	uint32_t i;

	for (i = 0; i < E.tunnels; i++)
		if (E.lac_t[i].xport_live && lts_ctrl_xport_next_deadline(&E.lac_t[i].x) <= now)
			lts_ctrl_xport_tick(&E.lac_t[i].x, now);
	for (i = 0; i < E.n_lns_t; i++)
		if (E.lns_t[i].xport_live && lts_ctrl_xport_next_deadline(&E.lns_t[i].x) <= now)
			lts_ctrl_xport_tick(&E.lns_t[i].x, now);
}

static uint64_t next_deadline(void)
{
	uint64_t d = LTS_CTRL_NO_DEADLINE, x;
	uint32_t i;

	for (i = 0; i < E.tunnels; i++)
		if (E.lac_t[i].xport_live && (x = lts_ctrl_xport_next_deadline(&E.lac_t[i].x)) < d)
			d = x;
	for (i = 0; i < E.n_lns_t; i++)
		if (E.lns_t[i].xport_live && (x = lts_ctrl_xport_next_deadline(&E.lns_t[i].x)) < d)
			d = x;
	return d;
}

static struct pollfd *PFD;
static uint32_t NPFD;
static bool stalled;

/* Anything that moves: a call or tunnel state change on either side. */
static uint64_t progress(void)
{
	return E.lac_tun_up + E.lac_est + E.lac_cdn_rx + E.lac_stopccn_rx + E.lns_tun + E.lns_icrq +
	       E.lns_iccn + E.lns_cleared + E.lns_cdn_rx + E.lns_stopccn_rx;
}

/*
 * Run the loop until done(), the deadline, or (stall_s > 0) stall_s seconds
 * without progress; returns false on timeout or stall.
 */
static bool run_until(bool (*done)(void), double deadline, uint32_t stall_s)
{
	uint64_t now, d, last = progress();
	double last_at = now_s();
	uint32_t i;
	int ms, n;

	while (!done()) {
		if (stop || now_s() >= deadline)
			return false;
		if (progress() != last) {
			last = progress();
			last_at = now_s();
		} else if (stall_s && now_s() - last_at >= stall_s) {
			stalled = true;
			return false;
		}
		now = now_ms();
		tick_all(now);
		d = next_deadline();
		now = now_ms();
		ms = d == LTS_CTRL_NO_DEADLINE ? 100 : d <= now ? 0 : (int)(d - now);
		if (ms > 100)
			ms = 100;
		n = poll(PFD, NPFD, ms);
		if (n <= 0)
			continue;
		for (i = 0; i < NPFD; i++) {
			if (!(PFD[i].revents & POLLIN))
				continue;
			if (PFD[i].fd == E.lns_fd)
				lns_rx();
			else
				lac_rx(&E.lac_t[i]);
		}
	}
	return true;
}

static uint64_t total_calls(void)
{
	return (uint64_t)E.tunnels * E.sessions;
}

static bool tunnels_up(void)
{
	return E.lac_tun_up == E.tunnels;
}

static bool calls_switched(void)
{
	return E.lac_est == total_calls() && (!E.lns || E.lns_iccn == total_calls());
}

static bool lns_all_cleared(void)
{
	if (E.lns)
		return E.lns_cleared >= E.lns_iccn;
	for (uint32_t i = 0; i < E.tunnels; i++)
		if (E.lac_t[i].xport_live && lts_ctrl_xport_pending(&E.lac_t[i].x))
			return false;
	return true;
}

static bool never(void)
{
	return false;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void parse_ip(const char *s, struct sockaddr_in *a, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	if (inet_pton(AF_INET, s, &a->sin_addr) != 1)
		die("not an IPv4 address: %s", s);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: l2tp_emul [--lac LOCAL_IP --lts LTS_IP [--lts-port P] --tunnels T "
		"--sessions S]\n"
		"                 [--lns LOCAL_IP [--lns-port P]] [--rss-pid PID] [--timeout SEC]\n"
		"                 [--lns-netns NAME] [--teardown stopccn|cdn] [--stall SEC]\n"
		"                 [--rws N] [--verbose]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"lac", required_argument, NULL, 'a'},
					     {"lts", required_argument, NULL, 'l'},
					     {"lts-port", required_argument, NULL, 'p'},
					     {"tunnels", required_argument, NULL, 't'},
					     {"sessions", required_argument, NULL, 's'},
					     {"lns", required_argument, NULL, 'n'},
					     {"lns-port", required_argument, NULL, 'P'},
					     {"rss-pid", required_argument, NULL, 'r'},
					     {"timeout", required_argument, NULL, 'T'},
					     {"rws", required_argument, NULL, 'w'},
					     {"stall", required_argument, NULL, 'S'},
					     {"teardown", required_argument, NULL, 'D'},
					     {"lns-netns", required_argument, NULL, 'N'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *lac_ip = NULL, *lts_ip = NULL, *lns_ip = NULL, *lns_netns = NULL;
	unsigned lts_port = 1701, lns_port = 1701;
	double start, deadline, t_icrq = 0, t_sw = 0, t_down0 = 0, t_down1 = 0, t_tun = 0;
	long rss0 = -1, rss1 = -1, rss2 = -1;
	double cpu0 = -1, cpu1 = -1, cpu2 = -1, cpu3 = -1;
	const char *phase = "done";
	bool ok = true;
	uint32_t i, j;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			lac_ip = optarg;
			break;
		case 'l':
			lts_ip = optarg;
			break;
		case 'p':
			lts_port = atoi(optarg);
			break;
		case 't':
			E.tunnels = strtoul(optarg, NULL, 0);
			break;
		case 's':
			E.sessions = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			lns_ip = optarg;
			break;
		case 'P':
			lns_port = atoi(optarg);
			break;
		case 'r':
			E.rss_pid = atoi(optarg);
			break;
		case 'T':
			E.timeout_s = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			E.rws = strtoul(optarg, NULL, 0);
			break;
		case 'N':
			lns_netns = optarg;
			break;
		case 'S':
			E.stall_s = strtoul(optarg, NULL, 0);
			break;
		case 'D':
			if (!strcmp(optarg, "cdn"))
				E.cdn = true;
			else if (strcmp(optarg, "stopccn"))
				usage();
			break;
		case 'v':
			E.verbose = true;
			break;
		default:
			usage();
		}
	}
	E.lac = lac_ip != NULL;
	E.lns = lns_ip != NULL;
	if (optind != argc || (!E.lac && !E.lns) || (E.lac && (!lts_ip || !E.tunnels)) ||
	    E.tunnels > 65535 || E.sessions > 65535 || !E.rws || E.rws > LTS_CTRL_RWS_MAX ||
	    !E.timeout_s)
		usage();

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	PFD = calloc(E.tunnels + 1, sizeof(*PFD));
	if (!PFD)
		die("%s", "out of memory");
	if (E.lns) {
		int home = -1, ns;
		char path[256];

		parse_ip(lns_ip, &E.lns_local, lns_port);
		if (lns_netns) {
			snprintf(path, sizeof(path), "/run/netns/%s", lns_netns);
			home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
			ns = open(path, O_RDONLY | O_CLOEXEC);
			if (home < 0 || ns < 0 || setns(ns, CLONE_NEWNET))
				die("--lns-netns: %s", strerror(errno));
			close(ns);
		}
		E.lns_fd = udp_socket(&E.lns_local);
		if (E.lns_fd < 0)
			die("LNS socket: %s", strerror(errno));
		if (home >= 0) {
			if (setns(home, CLONE_NEWNET))
				die("setns back: %s", strerror(errno));
			close(home);
		}
	} else {
		E.lns_fd = -1;
	}
	if (E.lac) {
		parse_ip(lac_ip, &E.lac_local, 0);
		parse_ip(lts_ip, &E.lts, lts_port);
		E.lac_t = calloc(E.tunnels, sizeof(*E.lac_t));
		if (!E.lac_t)
			die("%s", "out of memory");
	}
	start = now_s();
	deadline = start + E.timeout_s;
	rss0 = rss_kib();

	if (!E.lac) { /* LNS only: serve until the timeout or a signal */
		PFD[0] = (struct pollfd){.fd = E.lns_fd, .events = POLLIN};
		NPFD = 1;
		run_until(never, deadline, 0);
		printf("{\"role\":\"lns\",\"tunnels\":%llu,\"icrq\":%llu,\"iccn\":%llu,\"cleared\":"
		       "%llu}\n",
		       (unsigned long long)E.lns_tun, (unsigned long long)E.lns_icrq,
		       (unsigned long long)E.lns_iccn, (unsigned long long)E.lns_cleared);
		return 0;
	}

	for (i = 0; i < E.tunnels; i++) {
		struct tun *t = &E.lac_t[i];
		struct mb b;
		int fd = udp_socket(&E.lac_local);

		if (fd < 0)
			die("LAC socket: %s", strerror(errno));
		if (tun_init(t, false, fd, i + 1, E.sessions))
			die("LAC tunnel: %s", strerror(errno));
		t->peer = E.lts;
		t->st = T_WAIT_SCCRP;
		PFD[i] = (struct pollfd){.fd = fd, .events = POLLIN};
		mb_begin(&b, LTS_CTRL_SCCRQ);
		add_tunnel_avps(&b, t, "emul-lac");
		mb_send(t, 0, &b);
	}
	NPFD = E.tunnels;
	if (E.lns)
		PFD[NPFD++] = (struct pollfd){.fd = E.lns_fd, .events = POLLIN};

	phase = "tunnels";
	if (!(ok = run_until(tunnels_up, deadline, E.stall_s)))
		goto out;
	t_tun = now_s();

	/* All calls at once: the transport sends them as the windows open. */
	phase = "setup";
	cpu0 = cpu_s();
	t_icrq = now_s();
	for (j = 0; j < E.sessions; j++) {
		for (i = 0; i < E.tunnels; i++) {
			struct tun *t = &E.lac_t[i];
			struct mb b;

			if (t->st != T_UP)
				continue;
			mb_begin(&b, LTS_CTRL_ICRQ);
			lts_avpw_add_u16(&b.w, LTS_AVP_ASSIGNED_SESSION_ID, j + 1);
			lts_avpw_add_u32(&b.w, LTS_AVP_CALL_SERIAL, i * E.sessions + j + 1);
			lts_avpw_add_u32(&b.w, LTS_AVP_BEARER_TYPE, 0);
			mb_send(t, 0, &b);
			t->sst[j] = S_WAIT_ICRP;
		}
	}
	if (!(ok = run_until(calls_switched, deadline, E.stall_s)))
		goto out;
	t_sw = now_s();
	cpu1 = cpu_s();
	rss1 = rss_kib();

	phase = "teardown";
	cpu2 = cpu_s();
	t_down0 = now_s();
	for (i = 0; i < E.tunnels; i++) {
		struct tun *t = &E.lac_t[i];

		if (t->st != T_UP)
			continue;
		if (!E.cdn) {
			send_stopccn(t);
			continue;
		}
		for (j = 0; j < t->nsess; j++) {
			struct lts_avp_result r = {.result = LTS_CDN_ADMIN, .has_error = true};
			struct mb b;

			if (t->sst[j] != S_UP)
				continue;
			mb_begin(&b, LTS_CTRL_CDN);
			lts_avpw_add_result(&b.w, &r);
			lts_avpw_add_u16(&b.w, LTS_AVP_ASSIGNED_SESSION_ID, j + 1);
			mb_send(t, t->psid[j], &b);
			t->sst[j] = S_CLEARED;
		}
	}
	if (!(ok = run_until(lns_all_cleared, deadline, E.stall_s)))
		goto out;
	t_down1 = now_s();
	cpu3 = cpu_s();
	/* let ltsd free what it frees when the LAC tunnels close */
	usleep(200000);
	rss2 = rss_kib();
	phase = "done";

out:
	if (!ok) {
		if (!t_sw && t_icrq) {
			t_sw = now_s();
			cpu1 = cpu_s();
		} else if (t_down0 && !t_down1) {
			t_down1 = now_s();
			cpu3 = cpu_s();
		}
		fprintf(stderr,
			"l2tp_emul: %s (limit %u s) in phase %s: LAC tunnels up %llu/%u, calls "
			"established %llu/%llu, LNS saw ICCN %llu, cleared %llu\n",
			stop	  ? "interrupted"
			: stalled ? "STALLED: no progress for --stall seconds"
				  : "TIMEOUT",
			stalled ? E.stall_s : E.timeout_s, phase, (unsigned long long)E.lac_tun_up,
			E.tunnels, (unsigned long long)E.lac_est, (unsigned long long)total_calls(),
			(unsigned long long)E.lns_iccn, (unsigned long long)E.lns_cleared);
		if (rss1 < 0)
			rss1 = rss_kib();
	}
	{
		uint64_t rtx = 0, tx = 0;
		double setup = t_sw - t_icrq, down = t_down1 - t_down0;
		uint64_t sw = E.lns ? E.lns_iccn : E.lac_est;
		/* ltsd's CPU seconds while setting up / tearing down, -1: unknown */
		double cs = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
		double cd = cpu2 >= 0 && cpu3 >= 0 ? cpu3 - cpu2 : -1;

		for (i = 0; i < E.tunnels; i++) {
			rtx += E.lac_t[i].x.ctr.retransmits;
			tx += E.lac_t[i].x.ctr.tx_msgs;
		}
		for (i = 0; i < E.n_lns_t; i++) {
			rtx += E.lns_t[i].x.ctr.retransmits;
			tx += E.lns_t[i].x.ctr.tx_msgs;
		}
		printf("{\"ok\":%s,\"timeout\":%s,\"stalled\":%s,\"teardown\":\"%s\",\"phase\":\"%"
		       "s\",\"tunnels\":%u,\"sessions_per_tunnel\":%u,"
		       "\"calls\":%llu,\"lac_established\":%llu,\"lns_iccn\":%llu,\"lns_cleared\":%"
		       "llu,"
		       "\"lns_tunnels\":%llu,\"tunnel_setup_s\":%.3f,\"setup_s\":%.3f,\"setups_per_"
		       "s\":%.0f,"
		       "\"teardown_s\":%.3f,\"teardowns_per_s\":%.0f,\"cdn_to_lac\":%llu,\"parse_"
		       "errors\":%llu,"
		       "\"tx_msgs\":%llu,\"retransmits\":%llu,\"rss_before_kib\":%ld,\"rss_"
		       "switched_kib\":%ld,"
		       "\"rss_after_kib\":%ld,\"rss_per_session_kib\":%.3f,"
		       "\"cpu_setup_s\":%.3f,\"cpu_per_setup_us\":%.1f,\"cpu_teardown_s\":%.3f,"
		       "\"cpu_per_teardown_us\":%.1f}\n",
		       ok ? "true" : "false", ok ? "false" : "true", stalled ? "true" : "false",
		       E.cdn ? "cdn" : "stopccn", phase, E.tunnels, E.sessions,
		       (unsigned long long)total_calls(), (unsigned long long)E.lac_est,
		       (unsigned long long)E.lns_iccn, (unsigned long long)E.lns_cleared,
		       (unsigned long long)E.lns_tun, t_tun ? t_tun - start : 0.0,
		       t_icrq ? setup : 0.0, t_icrq && setup > 0 ? sw / setup : 0.0,
		       t_down0 ? down : 0.0, t_down0 && down > 0 ? E.lns_cleared / down : 0.0,
		       (unsigned long long)E.lac_cdn_rx, (unsigned long long)E.parse_err,
		       (unsigned long long)tx, (unsigned long long)rtx, rss0, rss1, rss2,
		       rss0 >= 0 && rss1 >= 0 && sw ? (double)(rss1 - rss0) / sw : 0.0, cs,
		       cs >= 0 && sw ? cs * 1e6 / sw : -1.0, cd,
		       cd >= 0 && E.lns_cleared ? cd * 1e6 / E.lns_cleared : -1.0);
	}
	return ok ? 0 : 2;
}
