// SPDX-License-Identifier: GPL-2.0
/*
 * ltsd: the L2TP tunnel switch daemon. Wiring and the event loop only: the
 * data plane (dp/), the control plane (l2tp/), the switch between them and
 * the operator socket are modules of their own. One context object, one
 * epoll loop (signalfd, timerfd, netlink, UDP sockets, the operator socket,
 * the metrics endpoint), one thread.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include "accounting.h"
#include "ctl_server.h"
#include "dp/bpf_loader.h"
#include "dp/dp.h"
#include "l2tp/ctrl_plane.h"
#include "lib/log.h"
#include "lib/sdnotify.h"
#include "lts_config.h"
#include "metrics.h"
#include "restart.h"
#include "switch.h"

#define LTSD_VERSION "0.1.0"
#define TICK_SEC 1
/* On SIGTERM, how long StopCCNs may take to be acknowledged. */
#define SHUTDOWN_GRACE_MS 2000
/* ltsctl restart: time for its answer to leave before the process image goes. */
#define RESTART_DELAY_MS 100

enum ev_tag {
	EV_SIGNAL = 1,
	EV_TIMER,
	EV_NETLINK,
	EV_CTRL_TIMER,
	EV_CTL_SOCKET,
	EV_METRICS,
	EV_UDP_BASE = 100,
};

struct ltsd {
	struct lts_config *cfg;
	const char *cfg_path;
	char **argv;                    /* for ltsctl restart (execv) */
	struct lts_restart restart;     /* the restart store kept current */
	uint64_t restart_at;            /* ltsctl restart asked: hand over then; 0: no */
	struct lts_dp dp;
	struct lts_ctrl_plane cp;
	struct lts_switch sw;
	bool cp_ready;
	struct lts_ctl_server ctl;      /* ltsctl's socket; fd -1: none */
	struct lts_metrics metrics;     /* the Prometheus endpoint (metrics:) */
	struct lts_acct acct;           /* records of switched calls (accounting:) */
	int epfd, sigfd, timerfd, cp_timerfd;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ltsd -c FILE [-v] [--check]\n"
		   "  -c, --config FILE  configuration (YAML, see docs/config.md)\n"
		   "      --check        validate the configuration and exit\n"
		   "  -v, --verbose      debug logging (libbpf, libxdp, per-frame events)\n"
		   "      --version      print the version and exit\n");
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/*
 * SIGHUP and ltsctl reload: the whole file is read and checked first; a bad
 * one changes nothing. A good one is applied as a difference (switch.h
 * lts_switch_reconfigure): established calls keep their fast-path entries.
 */
static int apply_file(struct ltsd *d, char *msg, size_t size)
{
	struct lts_config *cfg, *old = d->cfg;
	int err;

	if (lts_config_load_file(d->cfg_path, &cfg, msg, size)) {
		pr_err("reload refused, the running configuration stays: %s", msg);
		return -EINVAL;
	}
	if (lts_config_needs_restart(old, cfg, msg, size)) {
		pr_err("reload refused, the running configuration stays: %s: %s", d->cfg_path, msg);
		lts_config_free(cfg);
		return -EINVAL;
	}
	err = lts_switch_reconfigure(&d->sw, cfg, now_ms());
	if (err) {
		snprintf(msg, size, "%s: %s", d->cfg_path, strerror(-err));
		pr_err("reload failed: %s", msg);
		lts_config_free(cfg);
		return err;
	}
	/* Everything that reads the configuration reads the new one from here on. */
	d->cfg = cfg;
	d->dp.cfg = cfg;
	d->ctl.view.cfg = cfg;
	lts_metrics_set_config(&d->metrics, cfg);
	lts_log_configure(&cfg->logging);
	lts_acct_reopen(&d->acct, &cfg->accounting); /* logrotate moved the file */
	lts_config_free(old);
	snprintf(msg, size, "%s reloaded: %zu lac_peers, %zu lns_peers, %zu rules, "
		 "%zu static sessions", d->cfg_path, cfg->n_lac_peers, cfg->n_lns_peers,
		 cfg->n_rules, cfg->n_static_sessions);
	pr_info("%s", msg);
	return 0;
}

/* systemd hears of it (Type=notify): RELOADING=1, then READY=1 whatever the outcome. */
static int reload(void *ctx, char *msg, size_t size)
{
	struct ltsd *d = ctx;
	int err;

	lts_notify_reloading();
	err = apply_file(d, msg, size);
	lts_notify_status("%s", err ? "reload refused: the running configuration stays" : msg);
	lts_notify_ready();
	return err;
}

/* ltsctl restart: answer, then hand over to a new image of ltsd (run()). */
static int restart(void *ctx, char *msg, size_t size)
{
	struct ltsd *d = ctx;

	if (!lts_state_open(&d->dp.state)) {
		snprintf(msg, size, "no restart store (see the log): a restart would drop the "
			 "sessions");
		return -ENOTSUP;
	}
	d->restart_at = now_ms() + RESTART_DELAY_MS;
	snprintf(msg, size, "pid %d hands over to a new ltsd image; sessions stay up",
		 (int)getpid());
	pr_info("restart requested: %s", msg);
	return 0;
}

/* The control plane sends through the data plane's sockets; its call events go to the switch. */
static int start_control_plane(struct ltsd *d)
{
	const struct lts_ctrl_output out = lts_dp_ctrl_output(&d->dp);
	struct lts_dp_ops dp = lts_dp_ops(&d->dp);
	struct lts_ctrl_plane_ops ops;
	int err;

	/* With metrics:, counts of calls that end are kept (metrics.h). */
	err = lts_metrics_wrap_dp(&d->metrics, d->cfg, &dp);
	err = err ?: lts_switch_init(&d->sw, d->cfg, &dp);
	if (err)
		return err;
	lts_switch_cp_ops(&ops);
	err = lts_cp_init(&d->cp, d->cfg, &out, &ops, &d->sw, now_ms());
	if (err) {
		lts_switch_fini(&d->sw);
		return err;
	}
	/* Session IDs whose fast-table slots are free (issue 11). */
	d->cp.sidmap = &d->dp.sidmap;
	lts_switch_attach(&d->sw, &d->cp);
	d->cp_ready = true;
	lts_restart_attach(&d->restart, &d->dp.state, &d->cp, &d->sw);
	if (d->dp.adopted) {
		struct lts_restart_report rep;

		lts_restart_adopt(&d->restart, &d->dp, now_ms(), &rep);
		pr_info("restart: resumed %u tunnels and %u calls (%u tunnels and %u calls could "
			"not be resumed; %u tunnels of removed peers cleared; %d stale fast-path "
			"entries removed)", rep.tunnels, rep.calls, rep.tunnels_lost, rep.calls_lost,
			rep.tunnels_cleared, rep.stale_entries);
	}
	pr_info("control plane: %zu lac_peers, %zu lns_peers, %zu rules", d->cfg->n_lac_peers,
		d->cfg->n_lns_peers, d->cfg->n_rules);
	return 0;
}

static int epoll_add(struct ltsd *d, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
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
		.dp = lts_dp_ops(&d->dp),
		.started_ms = now_ms(),
		.reload = reload,
		.restart = restart,
		.daemon = d,
	};
	const char *path = d->cfg->control_socket;
	int err;

	err = lts_ctl_server_open(&d->ctl, path, &view);
	/* One fd for the listening socket, its clients and their deadlines. */
	err = err ?: epoll_add(d, lts_ctl_server_poll_fd(&d->ctl), EV_CTL_SOCKET);
	if (err) {
		pr_err("control socket %s: %s: ltsctl will not work", path,
		       err == -EADDRINUSE ? "in use by another ltsd" :
		       err == -EEXIST ? "exists and is not a socket" : strerror(-err));
		lts_ctl_server_close(&d->ctl);
		return;
	}
	pr_info("control socket %s", path);
}

/* The Prometheus endpoint (metrics:). Not fatal either, like the operator socket. */
static void start_metrics(struct ltsd *d)
{
	const struct lts_metrics_view view = {
		.ctl = {
			.cfg = d->cfg,
			.cp = &d->cp,
			.sw = &d->sw,
			.dp = lts_dp_ops(&d->dp),
			.started_ms = now_ms(),
		},
		.slow = &d->dp.sp.ctr,
		.version = LTSD_VERSION,
		.start_time_s = (uint64_t)time(NULL),
	};
	const char *listen = d->cfg->metrics.listen;
	int err;

	if (!listen[0])
		return;
	err = lts_metrics_open(&d->metrics, d->cfg, &view);
	err = err ?: epoll_add(d, lts_metrics_poll_fd(&d->metrics), EV_METRICS);
	if (err) {
		pr_err("metrics %s: %s: no metrics endpoint", listen, strerror(-err));
		lts_metrics_close_server(&d->metrics);
		return;
	}
	pr_info("metrics on http://%s" LTS_METRICS_PATH "%s", listen,
		d->cfg->metrics.per_session ? " (per session)" : "");
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
	sigaddset(&mask, SIGHUP);
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
	if (!err && lts_dp_netlink_fd(&d->dp) >= 0)
		err = epoll_add(d, lts_dp_netlink_fd(&d->dp), EV_NETLINK);
	for (i = 0; !err && i < d->dp.sp.n_socks; i++)
		err = epoll_add(d, d->dp.sp.socks[i].fd, EV_UDP_BASE + i);
	return err;
}

static void on_tick(struct ltsd *d)
{
	uint64_t expirations;

	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	lts_dp_tick(&d->dp);
	lts_acct_tick(&d->acct, now_ms());
	lts_log_tick(); /* repeat counts, syslog reconnects */
}

/* How run() ended. */
enum run_end {
	RUN_STOPPED,   /* everything cleared (StopCCN sent) */
	RUN_KEEP,      /* exit leaving the sessions to the next ltsd (on_stop: keep) */
	RUN_RESTART,   /* exec a new image that adopts the sessions (ltsctl restart) */
};

/* A signal: SIGHUP reloads; SIGTERM stops as on_stop says; SIGINT clears. */
static enum run_end on_signal(struct ltsd *d, uint64_t *stop_at)
{
	struct signalfd_siginfo si;
	char msg[LTS_CFG_ERR_MAX];

	if (read(d->sigfd, &si, sizeof(si)) != sizeof(si) || *stop_at)
		return RUN_STOPPED;
	if (si.ssi_signo == SIGHUP) {
		reload(d, msg, sizeof(msg));
		return RUN_STOPPED;
	}
	if (si.ssi_signo == SIGTERM && d->cfg->on_stop == LTS_STOP_KEEP) {
		pr_info("signal %u: exiting, sessions kept for the next ltsd (on_stop: keep)",
			si.ssi_signo);
		lts_notify_stopping();
		return RUN_KEEP;
	}
	pr_info("signal %u: shutting down", si.ssi_signo);
	lts_notify_stopping();
	lts_cp_shutdown(&d->cp, now_ms());
	*stop_at = now_ms() + SHUTDOWN_GRACE_MS;
	return RUN_STOPPED;
}

/*
 * The event loop. After a signal the control plane says goodbye (StopCCN on
 * every tunnel) and the loop goes on until those are acknowledged or the
 * grace period ends; or it ends at once, leaving everything to the next
 * ltsd (RUN_KEEP, RUN_RESTART).
 */
static int run(struct ltsd *d, enum run_end *end)
{
	uint64_t stop_at = 0, expirations;
	struct epoll_event evs[16];
	int n, i, timeout;

	*end = RUN_STOPPED;
	for (;;) {
		arm_cp_timer(d);
		if (stop_at && (lts_cp_idle(&d->cp) || now_ms() >= stop_at))
			return 0;
		if (d->restart_at && now_ms() >= d->restart_at) {
			*end = RUN_RESTART;
			return 0;
		}
		timeout = d->restart_at ? RESTART_DELAY_MS / 4 : stop_at ? 100 : -1;
		n = epoll_wait(d->epfd, evs, 16, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == EV_SIGNAL) {
				*end = on_signal(d, &stop_at);
				if (*end != RUN_STOPPED)
					return 0;
			} else if (tag == EV_TIMER) {
				on_tick(d);
			} else if (tag == EV_CTRL_TIMER) {
				if (read(d->cp_timerfd, &expirations, sizeof(expirations)) > 0)
					lts_cp_tick(&d->cp, now_ms());
			} else if (tag == EV_METRICS) {
				lts_metrics_handle(&d->metrics);
			} else if (tag == EV_CTL_SOCKET) {
				lts_ctl_server_handle(&d->ctl, now_ms());
			} else if (tag == EV_NETLINK) {
				lts_dp_netlink(&d->dp);
			} else if (tag >= EV_UDP_BASE && tag - EV_UDP_BASE < d->dp.sp.n_socks) {
				lts_slowpath_input(&d->dp.sp, &d->dp.sp.socks[tag - EV_UDP_BASE]);
			}
		}
	}
}

static int start(struct ltsd *d)
{
	const struct lts_config *cfg = d->cfg;
	int err;

	err = lts_dp_open(&d->dp, cfg, cp_input, d);
	err = err ?: start_control_plane(d);
	err = err ?: setup_loop(d);
	if (err)
		return err;
	start_ctl_server(d);
	start_metrics(d);
	lts_acct_open(&d->acct, &cfg->accounting, &d->sw);
	pr_info("ready: %zu static sessions, mode %s, maps pinned in %s",
		cfg->n_static_sessions, lts_dp_mode_name(cfg->mode), cfg->bpffs);
	lts_notify_ready();
	lts_notify_status("serving: %zu lac_peers, %zu lns_peers, %zu rules, %zu static sessions, "
			  "mode %s", cfg->n_lac_peers, cfg->n_lns_peers, cfg->n_rules,
			  cfg->n_static_sessions, lts_dp_mode_name(cfg->mode));
	return 0;
}

/*
 * Leave everything to the next ltsd: the store as it is now, the program
 * attached, the maps pinned; no hook may tear down what stop() frees.
 */
static void hand_over(struct ltsd *d)
{
	lts_restart_detach(&d->restart);
	memset(&d->cp.ops, 0, sizeof(d->cp.ops));
	d->dp.keep = true;
}

static void stop(struct ltsd *d)
{
	lts_ctl_server_close(&d->ctl);
	if (d->cp_ready) {
		lts_cp_fini(&d->cp);
		lts_switch_fini(&d->sw);
	}
	/* After the control plane: calls still up at its end wrote their stop records. */
	lts_acct_close(&d->acct);
	/* After the switch: its hooks went through the metrics' accumulator. */
	lts_metrics_close(&d->metrics);
	lts_dp_close(&d->dp);
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
	struct ltsd d = { .epfd = -1, .sigfd = -1, .timerfd = -1, .cp_timerfd = -1,
			  .ctl = { .fd = -1 } };
	const char *cfg_path = NULL;
	char err_msg[LTS_CFG_ERR_MAX];
	enum run_end end = RUN_STOPPED;
	int opt, check = 0, err;

	while ((opt = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'C': check = 1; break;
		case 'v': lts_log_set_verbose(true); break;
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

	/* logging: (syslog, trace flags) from here on; -v stays debug. */
	lts_log_configure(&d.cfg->logging);
	/* The dispatcher cannot load on our kernels; skip the attempt and its noise. */
	setenv("LIBXDP_SKIP_DISPATCHER", "1", 0);
	lts_log_hook_libs();
	d.cfg_path = cfg_path;
	d.argv = argv;
	err = start(&d);
	if (!err)
		err = run(&d, &end);
	if (!err && end != RUN_STOPPED)
		hand_over(&d);
	stop(&d);
	lts_config_free(d.cfg);
	if (err)
		pr_err("exiting: %s", strerror(-err));
	if (!err && end == RUN_RESTART) {
		pr_info("restart: executing a new ltsd image");
		lts_notify_reloading(); /* the new image says READY=1 */
		execv("/proc/self/exe", argv);
		pr_err("restart: exec failed: %s; the sessions wait for the next ltsd",
		       strerror(errno));
		return 1;
	}
	return err ? 1 : 0;
}
