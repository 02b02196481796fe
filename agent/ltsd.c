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
#include "ctl_server.h"
#include "dp/bpf_loader.h"
#include "dp/dp.h"
#include "l2tp/ctrl_plane.h"
#include "lib/log.h"
#include "lts_config.h"
#include "metrics.h"
#include "switch.h"

#define LTSD_VERSION "0.1.0"
#define TICK_SEC 1
/* On SIGTERM, how long StopCCNs may take to be acknowledged. */
#define SHUTDOWN_GRACE_MS 2000

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
	struct lts_dp dp;
	struct lts_ctrl_plane cp;
	struct lts_switch sw;
	bool cp_ready;
	struct lts_ctl_server ctl;      /* ltsctl's socket; fd -1: none */
	struct lts_metrics metrics;     /* the Prometheus endpoint (metrics:) */
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
	pr_info("ready: %zu static sessions, mode %s, maps pinned in %s",
		cfg->n_static_sessions, lts_dp_mode_name(cfg->mode), cfg->bpffs);
	return 0;
}

static void stop(struct ltsd *d)
{
	lts_ctl_server_close(&d->ctl);
	if (d->cp_ready) {
		lts_cp_fini(&d->cp);
		lts_switch_fini(&d->sw);
	}
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
