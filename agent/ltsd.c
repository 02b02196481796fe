// SPDX-License-Identifier: GPL-2.0
/*
 * ltsd: the L2TP tunnel switch daemon. Loads and attaches the XDP fast path,
 * installs the configured switched sessions, keeps their next hops fresh and
 * relays in userspace whatever the fast path passes up. One context object,
 * one epoll loop (signalfd, timerfd, netlink, UDP sockets, the operator
 * socket), one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/vfs.h>
#include <time.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>
#include "dp/bpf_loader.h"
#include "ctl_server.h"
#include "l2tp/ctrl_plane.h"
#include "dp/egress.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lts_config.h"
#include "lts_xdp.skel.h"
#include "dp/nexthop.h"
#include "dp/slowpath.h"
#include "dp/static_sessions.h"
#include "dp/swtab.h"
#include "switch.h"
#include "dp/xdp_attach.h"

#define LTSD_VERSION "0.1.0"
#define TICK_SEC 1
#define REFRESH_EVERY_TICKS 30
/* On SIGTERM, how long StopCCNs may take to be acknowledged. */
#define SHUTDOWN_GRACE_MS 2000

enum ev_tag {
	EV_SIGNAL = 1,
	EV_TIMER,
	EV_NETLINK,
	EV_CTRL_TIMER,
	EV_CTL_SOCKET,
	EV_UDP_BASE = 100,
};

struct ltsd {
	struct lts_config *cfg;
	int pin_dir_fd;                /* flock()ed: one ltsd per bpffs directory */
	struct lts_xdp *skel;
	struct lts_xdp_link *links;
	uint32_t *ifindexes;
	size_t n_links;
	struct lts_swtab tab;
	struct lts_nl nl, nl_mon;
	struct lts_egress egress;
	struct lts_slowpath sp;
	struct lts_ctrl_plane cp;
	struct lts_switch sw;
	bool cp_ready;
	struct lts_ctl_server ctl;      /* ltsctl's socket; fd -1: none */
	int epfd, sigfd, timerfd, cp_timerfd;
	unsigned int ticks;
	int unresolved;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ltsd -c FILE [-v] [--check]\n"
		   "  -c, --config FILE  configuration (YAML, see docs/config.md)\n"
		   "      --check        validate the configuration and exit\n"
		   "  -v, --verbose      debug logging (libbpf, libxdp, per-frame events)\n"
		   "      --version      print the version and exit\n");
}

/*
 * Own the pin directory: it must be on bpffs, only one ltsd may use it (in
 * any network namespace), and pins left by a dead ltsd are removed so this
 * run starts from empty maps.
 */
static int claim_pin_dir(struct ltsd *d)
{
	static const char *const maps[] = { LTS_MAP_SWITCH, LTS_MAP_SESSION_STATS,
					    LTS_MAP_SLOW_STATS, LTS_MAP_REASON_STATS,
					    LTS_MAP_TX_PORTS };
	const char *dir = d->cfg->bpffs;
	char path[LTS_CFG_PATH_MAX + 32];
	struct statfs st;
	size_t i;
	int err;

	err = lts_mkdir_p(dir);
	if (err || statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		pr_err("%s is not on a bpffs mount (mount -t bpf bpf /sys/fs/bpf)%s%s", dir,
		       err ? ": " : "", err ? strerror(-err) : "");
		return err ? err : -ENOTDIR;
	}
	d->pin_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->pin_dir_fd < 0)
		return -errno;
	if (flock(d->pin_dir_fd, LOCK_EX | LOCK_NB)) {
		pr_err("%s is in use by another ltsd", dir);
		return -EBUSY;
	}
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, maps[i]);
		if (!unlink(path))
			pr_warn("removed stale pin %s", path);
	}
	return 0;
}

static int attach_interfaces(struct ltsd *d)
{
	const struct lts_config *cfg = d->cfg;
	int prog_fd = bpf_program__fd(d->skel->progs.lts_xdp);
	size_t i;
	int err;

	d->links = calloc(cfg->n_interfaces, sizeof(*d->links));
	d->ifindexes = calloc(cfg->n_interfaces, sizeof(*d->ifindexes));
	if (!d->links || !d->ifindexes)
		return -ENOMEM;
	for (i = 0; i < cfg->n_interfaces; i++) {
		err = lts_xdp_lock(&d->links[i], cfg->interfaces[i]);
		if (err)
			return err;
		d->n_links++;
		if (cfg->mode == LTS_DP_OFF) {
			err = lts_xdp_clear_leftover(&d->links[i]);
			if (err)
				return err;
			continue;
		}
		err = lts_bpf_add_tx_port(d->skel, d->links[i].ifindex);
		if (err) {
			pr_err("interface %s: cannot add to the devmap: %s", cfg->interfaces[i],
			       strerror(-err));
			return err;
		}
		err = lts_xdp_attach(&d->links[i], prog_fd, cfg->mode);
		if (err)
			return err;
		d->ifindexes[i] = d->links[i].ifindex;
	}
	return 0;
}

static int install_static_sessions(struct ltsd *d)
{
	const struct lts_config *cfg = d->cfg;
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	size_t i;
	int dir, err;

	for (i = 0; i < cfg->n_static_sessions; i++) {
		lts_static_entries(&cfg->static_sessions[i], i, key, val);
		/* Reverse direction first, so a reply never finds half a pair. */
		for (dir = LTS_DIR_MAX - 1; dir >= 0; dir--) {
			err = lts_swtab_insert(&d->tab, &key[dir], &val[dir]);
			err = err ?: lts_bpf_install(d->skel, &key[dir], &val[dir]);
			if (err) {
				pr_err("static session %s: cannot install: %s",
				       cfg->static_sessions[i].name, strerror(-err));
				return err;
			}
		}
		pr_info("static session %s: tun %u/%u <-> tun %u/%u installed (counters [%zu])",
			cfg->static_sessions[i].name, key[0].tunnel_id, key[0].session_id,
			key[1].tunnel_id, key[1].session_id, i);
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void refresh_egress(struct ltsd *d)
{
	if (d->cfg->mode != LTS_DP_OFF)
		d->unresolved = lts_egress_refresh(&d->egress, &d->tab);
}

static int io_send_ctrl(void *ctx, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
			size_t len)
{
	struct ltsd *d = ctx;

	return lts_slowpath_send_ctrl(&d->sp, ep, pkt, len);
}

/* Both directions of a switched pair, reverse first, from zeroed counters. */
static int io_install(void *ctx, const struct lts_static_session *pair, uint32_t idx)
{
	struct lts_session_stats zero = { 0 };
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	struct ltsd *d = ctx;
	int dir, err = 0;

	lts_static_entries(pair, idx, key, val);
	err = lts_bpf_zero_session_stats(d->skel, idx);
	err = err ?: lts_bpf_write_slow_stats(d->skel, idx, &zero);
	if (err)
		return err;
	if (idx < d->sp.n_stats)
		d->sp.stats[idx] = zero;
	for (dir = LTS_DIR_MAX - 1; dir >= 0 && !err; dir--) {
		err = lts_swtab_insert(&d->tab, &key[dir], &val[dir]);
		err = err ?: lts_bpf_install(d->skel, &key[dir], &val[dir]);
	}
	if (err) {
		for (dir = 0; dir < LTS_DIR_MAX; dir++) {
			lts_swtab_remove(&d->tab, &key[dir]);
			lts_bpf_remove(d->skel, &key[dir]);
		}
		return err;
	}
	refresh_egress(d);
	return 0;
}

static void io_remove(void *ctx, const struct lts_static_session *pair)
{
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	struct ltsd *d = ctx;
	int dir;

	lts_static_entries(pair, 0, key, val);
	for (dir = 0; dir < LTS_DIR_MAX; dir++) {
		lts_bpf_remove(d->skel, &key[dir]);
		lts_swtab_remove(&d->tab, &key[dir]);
	}
}

/* Last frame of a session on either path, in ms of CLOCK_MONOTONIC. */
static uint64_t io_last_rx_ms(void *ctx, uint32_t idx)
{
	struct lts_session_stats fast;
	struct ltsd *d = ctx;
	uint64_t last = 0;
	int dir;

	if (!lts_bpf_session_stats(d->skel, idx, &fast))
		for (dir = 0; dir < LTS_DIR_MAX; dir++)
			if (fast.dir[dir].last_seen_ns > last)
				last = fast.dir[dir].last_seen_ns;
	for (dir = 0; idx < d->sp.n_stats && dir < LTS_DIR_MAX; dir++)
		if (d->sp.stats[idx].dir[dir].last_seen_ns > last)
			last = d->sp.stats[idx].dir[dir].last_seen_ns;
	return last / 1000000;
}

static void cp_input(void *ctx, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
		     size_t len)
{
	struct ltsd *d = ctx;

	lts_cp_input(&d->cp, ep, pkt, len, now_ms());
}

/* Arm the control-plane timer for its next deadline (one-shot, absolute). */
static void arm_cp_timer(struct ltsd *d)
{
	uint64_t next = lts_cp_next_deadline(&d->cp);
	struct itimerspec its = { 0 };

	if (next != LTS_CTRL_NO_DEADLINE) {
		next = next ?: 1; /* 0 would disarm */
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	timerfd_settime(d->cp_timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int start_control_plane(struct ltsd *d)
{
	const struct lts_switch_io io = {
		.send_ctrl = io_send_ctrl,
		.install = io_install,
		.remove = io_remove,
		.last_rx_ms = io_last_rx_ms,
		.ctx = d,
	};
	struct lts_ctrl_plane_ops ops;
	int err;

	err = lts_switch_init(&d->sw, d->cfg, &io);
	if (err)
		return err;
	lts_switch_cp_ops(&ops);
	err = lts_cp_init(&d->cp, d->cfg, &ops, &d->sw, now_ms());
	if (err) {
		lts_switch_fini(&d->sw);
		return err;
	}
	lts_switch_attach(&d->sw, &d->cp);
	d->cp_ready = true;
	d->sp.on_control = cp_input;
	d->sp.ctl_ctx = d;
	pr_info("control plane: %zu lac_peers, %zu lns_peers, %zu rules", d->cfg->n_lac_peers,
		d->cfg->n_lns_peers, d->cfg->n_rules);
	return 0;
}

static int epoll_add(struct ltsd *d, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int ctl_fast_stats(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct ltsd *d = ctx;

	return lts_bpf_session_stats(d->skel, idx, out);
}

static int ctl_slow_stats(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct ltsd *d = ctx;

	if (idx >= d->sp.n_stats)
		return -ENOENT;
	*out = d->sp.stats[idx];
	return 0;
}

/*
 * The operator socket (ltsctl). Not fatal: switching goes on without it,
 * e.g. while another ltsd (other namespace, same path) holds the path.
 */
static void start_ctl_server(struct ltsd *d)
{
	const struct lts_ctl_view view = {
		.cfg = d->cfg,
		.cp = &d->cp,
		.sw = &d->sw,
		.stats = { .fast = ctl_fast_stats, .slow = ctl_slow_stats, .ctx = d },
		.started_ms = now_ms(),
	};
	const char *path = d->cfg->control_socket;
	int err;

	err = lts_ctl_server_open(&d->ctl, path, &view);
	err = err ?: epoll_add(d, d->ctl.fd, EV_CTL_SOCKET);
	if (err) {
		pr_err("control socket %s: %s: ltsctl will not work", path,
		       err == -EADDRINUSE ? "in use by another ltsd" :
		       err == -EEXIST ? "exists and is not a socket" : strerror(-err));
		lts_ctl_server_close(&d->ctl);
		return;
	}
	pr_info("control socket %s", path);
}

static int setup_loop(struct ltsd *d)
{
	struct itimerspec its = { .it_interval.tv_sec = TICK_SEC, .it_value.tv_sec = TICK_SEC };
	sigset_t mask;
	size_t i;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->cp_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->epfd < 0 || d->sigfd < 0 || d->timerfd < 0 || d->cp_timerfd < 0 ||
	    timerfd_settime(d->timerfd, 0, &its, NULL))
		return -errno;
	err = epoll_add(d, d->sigfd, EV_SIGNAL);
	err = err ?: epoll_add(d, d->timerfd, EV_TIMER);
	err = err ?: epoll_add(d, d->cp_timerfd, EV_CTRL_TIMER);
	if (!err && d->nl_mon.fd >= 0)
		err = epoll_add(d, d->nl_mon.fd, EV_NETLINK);
	for (i = 0; !err && i < d->sp.n_socks; i++)
		err = epoll_add(d, d->sp.socks[i].fd, EV_UDP_BASE + i);
	return err;
}

static void publish_slow_stats(void *ctx, uint32_t idx, const struct lts_session_stats *st)
{
	struct ltsd *d = ctx;

	lts_bpf_write_slow_stats(d->skel, idx, st);
}

static void flush_slow_stats(struct ltsd *d)
{
	lts_slowpath_flush(&d->sp, publish_slow_stats, d);
}


static void on_tick(struct ltsd *d)
{
	uint64_t expirations;

	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	flush_slow_stats(d);
	if (d->unresolved || ++d->ticks % REFRESH_EVERY_TICKS == 0)
		refresh_egress(d);
}

/*
 * The event loop. After a signal the control plane says goodbye (StopCCN on
 * every tunnel) and the loop goes on until those are acknowledged or the
 * grace period ends.
 */
static int run(struct ltsd *d)
{
	uint64_t stop_at = 0, expirations;
	struct epoll_event evs[16];
	int n, i;

	for (;;) {
		arm_cp_timer(d);
		if (stop_at && (lts_cp_idle(&d->cp) || now_ms() >= stop_at))
			return 0;
		n = epoll_wait(d->epfd, evs, 16, stop_at ? 100 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				if (read(d->sigfd, &si, sizeof(si)) != sizeof(si) || stop_at)
					continue;
				pr_info("signal %u: shutting down", si.ssi_signo);
				lts_cp_shutdown(&d->cp, now_ms());
				stop_at = now_ms() + SHUTDOWN_GRACE_MS;
			} else if (tag == EV_TIMER) {
				on_tick(d);
			} else if (tag == EV_CTRL_TIMER) {
				if (read(d->cp_timerfd, &expirations, sizeof(expirations)) > 0)
					lts_cp_tick(&d->cp, now_ms());
			} else if (tag == EV_CTL_SOCKET) {
				lts_ctl_server_handle(&d->ctl, now_ms());
			} else if (tag == EV_NETLINK) {
				if (lts_nl_drain(&d->nl_mon) > 0)
					refresh_egress(d);
			} else if (tag >= EV_UDP_BASE && tag - EV_UDP_BASE < d->sp.n_socks) {
				lts_slowpath_input(&d->sp, &d->sp.socks[tag - EV_UDP_BASE]);
			}
		}
	}
}

static int start(struct ltsd *d)
{
	const struct lts_config *cfg = d->cfg;
	struct lts_bpf_opts opts = {
		.pin_dir = cfg->bpffs,
		.l2tp_ports = cfg->l2tp_ports,
		.n_l2tp_ports = cfg->n_l2tp_ports,
		.max_sessions = cfg->max_sessions,
	};
	int err;

	err = claim_pin_dir(d);
	err = err ?: lts_bpf_load(&opts, &d->skel);
	err = err ?: lts_swtab_init(&d->tab, 2 * cfg->max_sessions);
	err = err ?: lts_slowpath_open(&d->sp, cfg->l2tp_ports, cfg->n_l2tp_ports, &d->tab,
				       cfg->max_sessions);
	if (err)
		return err;
	/* Interfaces are locked in every mode: mode off still clears leftovers. */
	err = attach_interfaces(d);
	if (err)
		return err;
	if (cfg->mode != LTS_DP_OFF) {
		err = lts_nl_open(&d->nl, 0);
		err = err ?: lts_nl_open(&d->nl_mon, 1);
		if (err)
			return err;
		d->egress = (struct lts_egress){ .nl = &d->nl, .skel = d->skel,
						 .ifindexes = d->ifindexes,
						 .n_ifindexes = d->n_links };
	} else {
		pr_info("dataplane mode off: every frame goes through the userspace relay");
	}
	err = install_static_sessions(d);
	err = err ?: start_control_plane(d);
	err = err ?: setup_loop(d);
	if (err)
		return err;
	start_ctl_server(d);
	refresh_egress(d);
	pr_info("ready: %zu static sessions, mode %s, maps pinned in %s",
		cfg->n_static_sessions, lts_dp_mode_name(cfg->mode), cfg->bpffs);
	return 0;
}

static void stop(struct ltsd *d)
{
	size_t i;

	lts_ctl_server_close(&d->ctl);
	/* Detach first: no frame may reach a program whose maps are going. */
	for (i = 0; i < d->n_links; i++)
		lts_xdp_release(&d->links[i]);
	if (d->skel)
		flush_slow_stats(d);
	if (d->sp.n_socks)
		pr_info("slow path: %llu relayed, %llu control, %llu unknown session, "
			"%llu malformed, %llu ttl expired, %llu send errors",
			(unsigned long long)d->sp.ctr.relayed, (unsigned long long)d->sp.ctr.control,
			(unsigned long long)d->sp.ctr.no_session,
			(unsigned long long)d->sp.ctr.malformed,
			(unsigned long long)d->sp.ctr.ttl_expired,
			(unsigned long long)d->sp.ctr.send_errors);
	if (d->cp_ready) {
		lts_cp_fini(&d->cp);
		lts_switch_fini(&d->sw);
	}
	lts_slowpath_close(&d->sp);
	lts_nl_close(&d->nl_mon);
	lts_nl_close(&d->nl);
	lts_swtab_fini(&d->tab);
	lts_bpf_destroy(d->skel, 1);
	free(d->links);
	free(d->ifindexes);
	if (d->pin_dir_fd >= 0)
		close(d->pin_dir_fd); /* releases the flock */
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->cp_timerfd >= 0)
		close(d->cp_timerfd);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ltsd d = { .pin_dir_fd = -1, .epfd = -1, .sigfd = -1, .timerfd = -1, .cp_timerfd = -1,
			  .nl = { .fd = -1 }, .nl_mon = { .fd = -1 }, .ctl = { .fd = -1 } };
	const char *cfg_path = NULL;
	char err_msg[LTS_CFG_ERR_MAX];
	int opt, check = 0, err;

	while ((opt = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'C': check = 1; break;
		case 'v': lts_log_set_level(LTS_LOG_DEBUG); break;
		case 'V': printf("ltsd %s\n", LTSD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!cfg_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (lts_config_load_file(cfg_path, &d.cfg, err_msg, sizeof(err_msg))) {
		fprintf(stderr, "%s\n", err_msg);
		return 1;
	}
	if (check) {
		printf("%s: ok\n", cfg_path);
		lts_config_free(d.cfg);
		return 0;
	}

	/* The dispatcher cannot load on our kernels; skip the attempt and its noise. */
	setenv("LIBXDP_SKIP_DISPATCHER", "1", 0);
	lts_log_hook_libs();
	err = start(&d);
	if (!err)
		err = run(&d);
	stop(&d);
	lts_config_free(d.cfg);
	if (err)
		pr_err("exiting: %s", strerror(-err));
	return err ? 1 : 0;
}
