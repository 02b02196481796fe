// SPDX-License-Identifier: GPL-2.0
/*
 * L2TP data-frame generator of the switching-rate benchmark (issue #5
 * part 2). It prepares one IPv4/UDP/L2TPv2 data frame and has the kernel
 * transmit it over and over through BPF_PROG_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES: the tiny program gen_tx.bpf.c rewrites the
 * header, takes the next of K session IDs (round robin) and returns XDP_TX,
 * which sends the frame out of --iface, into its veth peer. One core
 * generates ~20 Mpps this way (trafgen: ~1.7 Mpps).
 *
 * --anchor names an idle interface (an unconnected veth end) that the
 * program is attached to while it runs: a BPF_PROG_RUN call with repeat > 1
 * otherwise adds the program to the kernel's XDP dispatcher and removes it
 * again, at the cost of a synchronize_rcu() per call.
 *
 * Bounded in both count and time: it stops after --max-frames frames or
 * --duration seconds, whichever comes first. With --sink-pin it reads the
 * sink's counter (tests/bench/sink.bpf.c, pinned by bench_attach) before the
 * first frame and --drain-ms after the last, and prints one line:
 *
 *   sent=N delivered=N elapsed=S offered_mpps=X delivered_mpps=X loss=N loss_pct=X
 *
 * delivered_mpps = delivered / elapsed (the sending interval); loss = sent -
 * delivered. Without --sink-pin, delivered figures are "-".
 *
 * Some kernels refuse live frames (lockdown: EPERM; before 5.18 the flag is
 * unknown: EINVAL). The benchmark then skips what needs them instead of
 * failing, so the refusal gets its own exit status, GEN_EXIT_REFUSED (77),
 * and one line on stderr:
 *
 *   l2tp_gen: the kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES (EPERM: Operation not permitted)
 *
 * --probe --iface IF only asks that question: one live run of 64 frames out
 * of IF (run it in a throwaway namespace), exit 0 if accepted, 77 if refused.
 * LTS_BENCH_FORCE_NO_LIVE=1 in the environment makes every live-frames call
 * fail with EPERM without asking the kernel, so that the refused path can be
 * tested on a machine that allows live frames.
 *
 * --ring: the packet ring, which works on every kernel. The bouncers
 * (ring.bpf.c, attached by bench_attach ring at both ends: --gen-pin on
 * --iface's end, --sink-pin on the sink's) send every frame back, so
 * --frames N frames injected once through an AF_PACKET socket circulate
 * gen -> forwarder -> sink -> forwarder -> gen on the core that injected
 * them (this process's CPU at start; it moves itself to another CPU after
 * the injection, when there is one, so as not to compete). After
 * --warmup-ms the bouncers' counters are read over --duration seconds; then
 * both ends drop what arrives until the ring is empty. One line:
 *
 *   frames=N elapsed=S fwd_mpps=X gen_mpps=X sink_mpps=X
 *
 * fwd_mpps counts the forwarder's passes in both directions (a frame passes
 * it once per bounce at either end); gen_mpps / sink_mpps are the frames
 * delivered to each end per second.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lts_l2tp.h"
#include "gen_tx.skel.h"

#define GEN_HDR_LEN 48		   /* as in gen_tx.bpf.c */
#define GEN_MIN_SIZE 52		   /* header + PPP address/control/protocol */
#define GEN_MAX_SIZE 3000	   /* one page with the kernel's headroom */
#define CALL_TARGET_NS 20000000ull /* ~20 ms per BPF_PROG_RUN call */
#define PROBE_FRAMES 64		   /* > 1: the same kernel path as a real run */
#define GEN_ENOTSUPP 524	   /* the kernel's internal ENOTSUPP, not in libc */
#define GEN_EXIT_REFUSED 77	   /* the kernel refuses live frames */
#define FORCE_NO_LIVE_ENV "LTS_BENCH_FORCE_NO_LIVE"
#define RING_MAX_FRAMES 4096
#define RING_DRAIN_MS 50	   /* ends dropping: every frame has arrived somewhere */

struct gen_opts {
	const char *iface;
	const char *anchor;
	const char *sink_pin;
	uint8_t dst_mac[ETH_ALEN];
	struct in_addr src, dst;
	uint16_t sport, dport, tunnel, session;
	uint32_t sessions;
	uint32_t size;
	double duration;
	uint64_t max_frames;
	unsigned int drain_ms;
	bool probe;
	bool ring;
	const char *gen_pin;	/* ring: the bouncers' ring_ctl maps */
	uint32_t ring_frames;
	unsigned int warmup_ms;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int if_mac(const char *ifname, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

static int parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static uint16_t ip_csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Ethernet / IPv4 (DF, TTL 64) / UDP (checksum 0, legal over IPv4 and kept
 * by the switch) / L2TPv2 data header without optional fields / PPP IPv4.
 */
static void build_frame(const struct gen_opts *o, const uint8_t src_mac[ETH_ALEN], uint8_t *f)
{
	struct ethhdr *eth = (void *)f;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	uint8_t *l2tp = (uint8_t *)(udp + 1);
	uint16_t v;
	uint32_t i;

	memset(f, 0, o->size);
	memcpy(eth->h_dest, o->dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(o->size - ETH_HLEN));
	ip->frag_off = htons(0x4000);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = o->src.s_addr;
	ip->daddr = o->dst.s_addr;
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(o->sport);
	udp->dest = htons(o->dport);
	udp->len = htons((uint16_t)(o->size - ETH_HLEN - sizeof(*ip)));
	v = htons(LTS_L2TP_VERSION);
	memcpy(l2tp, &v, 2);
	v = htons(o->tunnel);
	memcpy(l2tp + 2, &v, 2);
	v = htons(o->session);
	memcpy(l2tp + 4, &v, 2);
	/* PPP in HDLC-like framing carrying IPv4, then a recognisable pattern. */
	l2tp[6] = 0xff;
	l2tp[7] = 0x03;
	l2tp[8] = 0x00;
	l2tp[9] = 0x21;
	for (i = GEN_MIN_SIZE; i < o->size; i++)
		f[i] = (uint8_t)i;
}

static int sink_read(const char *pin, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd, i, err = 0;
	uint32_t key = 0;
	uint64_t *vals;

	if (ncpu < 0)
		return ncpu;
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return -errno;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(fd, &key, vals))
		err = -errno;
	*out = 0;
	for (i = 0; !err && i < ncpu; i++)
		*out += vals[i];
	free(vals);
	close(fd);
	return err;
}

/* Slot 1 of a bouncer's ring_ctl (ring.bpf.c) on every CPU: != 0 drops frames. */
static int ring_set_stop(const char *pin, uint64_t stop)
{
	int ncpu = libbpf_num_possible_cpus(), fd, i, err = 0;
	uint32_t key = 1;
	uint64_t *vals;

	if (ncpu < 0)
		return ncpu;
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return -errno;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
	} else {
		for (i = 0; i < ncpu; i++)
			vals[i] = stop;
		if (bpf_map_update_elem(fd, &key, vals, BPF_ANY))
			err = -errno;
	}
	free(vals);
	close(fd);
	return err;
}

/* Both ends' counters (slot 0 of ring_ctl, the layout sink_read reads). */
static int ring_read(const struct gen_opts *o, uint64_t *gen, uint64_t *sink)
{
	int err = sink_read(o->gen_pin, gen);

	return err ?: sink_read(o->sink_pin, sink);
}

/* The ring's frames, one sendto each, session IDs round robin like the bouncer's. */
static int ring_inject(const struct gen_opts *o, uint32_t ifindex, uint8_t *frame)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_ifindex = (int)ifindex,
	    .sll_halen = ETH_ALEN,
	};
	const size_t sid_off = ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr) + 4;
	uint32_t i;
	uint16_t v;
	int fd, err = 0;

	/* Protocol 0: this socket only sends. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sll.sll_addr, frame, ETH_ALEN);
	for (i = 0; i < o->ring_frames && !err; i++) {
		v = htons((uint16_t)(o->session + i % o->sessions));
		memcpy(frame + sid_off, &v, sizeof(v));
		if (sendto(fd, frame, o->size, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

/* Leave the injecting core to the ring: any other CPU this process may use. */
static void ring_move_off_cpu(void)
{
	int cpu = sched_getcpu(), n = (int)sysconf(_SC_NPROCESSORS_ONLN), i;
	cpu_set_t set;

	if (cpu < 0 || n < 2)
		return;
	CPU_ZERO(&set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		if (i != cpu)
			CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int run_ring(const struct gen_opts *o)
{
	uint64_t g0, s0, g1, s1, g2, s2, g3, s3, t0, t1;
	uint8_t src_mac[ETH_ALEN], *frame;
	double secs;
	uint32_t ifindex;
	int err;

	ifindex = if_nametoindex(o->iface);
	if (!ifindex || if_mac(o->iface, src_mac)) {
		fprintf(stderr, "l2tp_gen: no interface %s here\n", o->iface);
		return -ENODEV;
	}
	frame = malloc(o->size);
	if (!frame)
		return -ENOMEM;
	build_frame(o, src_mac, frame);
	/* An earlier run that failed half-way may have left the ends dropping. */
	err = ring_set_stop(o->gen_pin, 0);
	err = err ?: ring_set_stop(o->sink_pin, 0);
	err = err ?: ring_inject(o, ifindex, frame);
	if (err) {
		fprintf(stderr, "l2tp_gen: ring on %s: %s\n", o->iface, strerror(-err));
		goto out;
	}
	ring_move_off_cpu();
	usleep(o->warmup_ms * 1000);
	err = ring_read(o, &g0, &s0);
	if (err)
		goto out_counters;
	t0 = now_ns();
	usleep((useconds_t)(o->duration * 1e6));
	err = ring_read(o, &g1, &s1);
	t1 = now_ns();
	/* Empty the ring: both ends drop whatever arrives, then bounce again. */
	err = err ?: ring_set_stop(o->gen_pin, 1);
	err = err ?: ring_set_stop(o->sink_pin, 1);
	usleep(RING_DRAIN_MS * 1000);
	err = err ?: ring_read(o, &g2, &s2);
	usleep(RING_DRAIN_MS * 1000);
	err = err ?: ring_read(o, &g3, &s3);
	err = err ?: ring_set_stop(o->gen_pin, 0);
	err = err ?: ring_set_stop(o->sink_pin, 0);
	if (err)
		goto out_counters;
	if (g3 != g2 || s3 != s2)
		fprintf(stderr, "l2tp_gen: warning: frames still bounced after the ring's stop\n");
	secs = (double)(t1 - t0) / 1e9;
	printf("frames=%u elapsed=%.3f fwd_mpps=%.3f gen_mpps=%.3f sink_mpps=%.3f\n",
	       o->ring_frames, secs, (double)(g1 - g0 + s1 - s0) / secs / 1e6,
	       (double)(g1 - g0) / secs / 1e6, (double)(s1 - s0) / secs / 1e6);
	goto out;
out_counters:
	fprintf(stderr, "l2tp_gen: ring counters %s, %s: %s\n", o->gen_pin, o->sink_pin,
		strerror(-err));
out:
	free(frame);
	return err;
}

/* Set by LTS_BENCH_FORCE_NO_LIVE=1: live-frames calls fail as under lockdown. */
static bool force_no_live;

/*
 * One BPF_PROG_RUN of frame, as received on ifindex (0: no ctx, the kernel
 * picks a device), repeated repeat times; live: transmit what the program
 * returns XDP_TX for (else only run it). Returns 0 or -errno.
 */
static int prog_run(int prog_fd, const uint8_t *frame, uint32_t size, uint32_t ifindex,
		    uint32_t repeat, bool live)
{
	struct xdp_md ctx = {
	    .data_end = size,
	    .ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = size,
		    .ctx_in = ifindex ? &ctx : NULL, .ctx_size_in = ifindex ? sizeof(ctx) : 0,
		    .repeat = repeat, .flags = live ? BPF_F_TEST_XDP_LIVE_FRAMES : 0);

	if (live && force_no_live)
		return -EPERM;
	if (bpf_prog_test_run_opts(prog_fd, &topts))
		return -errno;
	return 0;
}

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case GEN_ENOTSUPP:
		return "ENOTSUPP";
	case EINVAL:
		return "EINVAL";
	}
	return "?";
}

/*
 * Whether err, the answer to a live-frames run, means that the kernel refuses
 * the feature rather than that something is wrong here (an interface gone, a
 * bad program). If so, says so in one line. EPERM (lockdown) and
 * EOPNOTSUPP/ENOTSUPP are refusals. EINVAL is what a kernel without the flag
 * answers, but also the answer to a ctx or frame it does not like, in live
 * mode stricter than in a plain run. So it only counts if a live run without
 * ctx (one frame out of a device of the kernel's choosing) is refused as well
 * while a plain run of this frame and ctx, which every kernel here allows
 * (DESIGN 6), is accepted.
 */
static bool live_refused(int err, int prog_fd, const uint8_t *frame, uint32_t size,
			 uint32_t ifindex)
{
	const char *why = "";

	switch (-err) {
	case EPERM:
	case EOPNOTSUPP:
	case GEN_ENOTSUPP:
		break;
	case EINVAL:
		if (prog_run(prog_fd, frame, size, 0, 1, true) != -EINVAL ||
		    prog_run(prog_fd, frame, size, ifindex, 1, false))
			return false;
		why = "; plain runs are accepted";
		break;
	default:
		return false;
	}
	fprintf(stderr, "l2tp_gen: the kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES (%s: %s%s%s)\n",
		errno_name(-err), strerror(-err), why,
		force_no_live ? "; simulated by " FORCE_NO_LIVE_ENV "=1" : "");
	return true;
}

/*
 * Sends o->max_frames frames or for o->duration, whichever ends first, and
 * prints the result line (with --probe: whether live frames work). Returns 0
 * or -errno; *refused tells the kernel's refusal of live frames from other
 * errors (a plain EPERM also comes from loading the program without root).
 */
static int run(const struct gen_opts *o, bool *refused)
{
	uint64_t sent = 0, before = 0, after = 0, t0, t1, deadline, repeat = 8192;
	uint8_t src_mac[ETH_ALEN], *frame;
	struct bench_gen_tx *skel;
	uint32_t ifindex, anchor = 0;
	int err, prog_fd;

	ifindex = if_nametoindex(o->iface);
	if (!ifindex || if_mac(o->iface, src_mac)) {
		fprintf(stderr, "l2tp_gen: no interface %s here\n", o->iface);
		return -ENODEV;
	}
	frame = malloc(o->size);
	if (!frame)
		return -ENOMEM;
	build_frame(o, src_mac, frame);

	skel = bench_gen_tx__open();
	if (!skel) {
		err = -errno;
		goto out_free;
	}
	memcpy((uint8_t *)skel->rodata->gen_hdr, frame, GEN_HDR_LEN);
	skel->rodata->gen_sessions = o->sessions;
	skel->rodata->gen_session_base = o->session;
	err = bench_gen_tx__load(skel);
	if (err) {
		fprintf(stderr, "l2tp_gen: cannot load gen_tx: %s\n", strerror(-err));
		goto out_destroy;
	}
	prog_fd = bpf_program__fd(skel->progs.bench_gen_tx);
	if (o->anchor) {
		anchor = if_nametoindex(o->anchor);
		err = anchor ? bpf_xdp_attach((int)anchor, prog_fd, XDP_FLAGS_DRV_MODE, NULL)
			     : -ENODEV;
		if (err) {
			fprintf(stderr, "l2tp_gen: attach to anchor %s: %s\n", o->anchor,
				strerror(-err));
			anchor = 0;
			goto out_destroy;
		}
	}

	if (o->sink_pin) {
		err = sink_read(o->sink_pin, &before);
		if (err) {
			fprintf(stderr, "l2tp_gen: sink counter %s: %s\n", o->sink_pin,
				strerror(-err));
			goto out_destroy;
		}
	}
	t0 = now_ns();
	deadline = t0 + (uint64_t)(o->duration * 1e9);
	t1 = t0;
	while (sent < o->max_frames && t1 < deadline) {
		uint64_t c0 = t1, dt;

		if (repeat > o->max_frames - sent)
			repeat = o->max_frames - sent;
		err = prog_run(prog_fd, frame, o->size, ifindex, (uint32_t)repeat, true);
		if (err) {
			*refused = live_refused(err, prog_fd, frame, o->size, ifindex);
			if (!*refused)
				fprintf(stderr, "l2tp_gen: BPF_PROG_RUN (live frames) on %s: %s\n",
					o->iface, strerror(-err));
			goto out_destroy;
		}
		sent += repeat;
		t1 = now_ns();
		/* Aim for ~20 ms a call: the deadline is then overshot by little. */
		dt = t1 - c0 ? t1 - c0 : 1;
		repeat = repeat * CALL_TARGET_NS / dt;
		if (repeat < 1024)
			repeat = 1024;
		if (repeat > (1u << 22))
			repeat = 1u << 22;
	}
	if (skel->bss->gen_sent != sent)
		fprintf(stderr,
			"l2tp_gen: warning: program counted %llu frames, runs %" PRIu64 "\n",
			(unsigned long long)skel->bss->gen_sent, sent);

	if (o->probe) {
		printf("l2tp_gen: the kernel accepts BPF_F_TEST_XDP_LIVE_FRAMES (%" PRIu64
		       " frames out of %s)\n",
		       sent, o->iface);
	} else if (o->sink_pin) {
		double secs = (double)(t1 - t0) / 1e9;

		usleep(o->drain_ms * 1000);
		err = sink_read(o->sink_pin, &after);
		if (err) {
			fprintf(stderr, "l2tp_gen: sink counter %s: %s\n", o->sink_pin,
				strerror(-err));
			goto out_destroy;
		}
		after -= before;
		printf("sent=%" PRIu64 " delivered=%" PRIu64 " elapsed=%.3f offered_mpps=%.3f "
		       "delivered_mpps=%.3f loss=%" PRId64 " loss_pct=%.1f\n",
		       sent, after, secs, (double)sent / secs / 1e6, (double)after / secs / 1e6,
		       (int64_t)(sent - after),
		       sent ? 100.0 * ((double)sent - (double)after) / (double)sent : 0.0);
	} else {
		double secs = (double)(t1 - t0) / 1e9;

		printf("sent=%" PRIu64 " delivered=- elapsed=%.3f offered_mpps=%.3f "
		       "delivered_mpps=- loss=- loss_pct=-\n",
		       sent, secs, (double)sent / secs / 1e6);
	}
out_destroy:
	if (anchor)
		bpf_xdp_detach((int)anchor, XDP_FLAGS_DRV_MODE, NULL);
	bench_gen_tx__destroy(skel);
out_free:
	free(frame);
	return err;
}

static void usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: l2tp_gen --iface IF --dst-mac MAC --src IPV4 --dst IPV4 [--sport P] [--dport "
	    "P]\n"
	    "                --tunnel ID --session ID [--sessions K] [--size BYTES]\n"
	    "                [--duration SEC] [--max-frames N] [--sink-pin PATH] [--drain-ms MS]\n"
	    "                [--anchor IF]\n"
	    "       l2tp_gen --probe --iface IF\n"
	    "       l2tp_gen --ring --iface IF --dst-mac MAC --src IPV4 --dst IPV4 --tunnel ID\n"
	    "                --session ID [--sessions K] [--size BYTES] [--frames N]\n"
	    "                [--duration SEC] [--warmup-ms MS] --gen-pin PATH --sink-pin PATH\n"
	    "  frames carry session IDs ID .. ID+K-1 of tunnel ID, round robin; --size is\n"
	    "  the Ethernet frame without FCS (%d..%d, default 64)\n"
	    "  --probe: does the kernel accept BPF_F_TEST_XDP_LIVE_FRAMES? (sends %d frames\n"
	    "  out of IF: use a throwaway veth)\n"
	    "  --ring: N frames (1..%d, default 256) injected once circulate between the\n"
	    "  bouncers whose ring_ctl maps are pinned at --gen-pin and --sink-pin\n"
	    "  exit: 0 ok, 1 error, 2 usage, %d the kernel refuses live frames\n"
	    "  (" FORCE_NO_LIVE_ENV "=1: behave as if it did, EPERM)\n",
	    GEN_MIN_SIZE, GEN_MAX_SIZE, PROBE_FRAMES, RING_MAX_FRAMES, GEN_EXIT_REFUSED);
}

static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *out > max ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"iface", required_argument, NULL, 'i'},
	    {"dst-mac", required_argument, NULL, 'm'},
	    {"src", required_argument, NULL, 's'},
	    {"dst", required_argument, NULL, 'd'},
	    {"sport", required_argument, NULL, 'S'},
	    {"dport", required_argument, NULL, 'D'},
	    {"tunnel", required_argument, NULL, 't'},
	    {"session", required_argument, NULL, 'e'},
	    {"sessions", required_argument, NULL, 'k'},
	    {"size", required_argument, NULL, 'z'},
	    {"duration", required_argument, NULL, 'T'},
	    {"max-frames", required_argument, NULL, 'n'},
	    {"sink-pin", required_argument, NULL, 'p'},
	    {"drain-ms", required_argument, NULL, 'w'},
	    {"anchor", required_argument, NULL, 'a'},
	    {"probe", no_argument, NULL, 'P'},
	    {"ring", no_argument, NULL, 'R'},
	    {"frames", required_argument, NULL, 'f'},
	    {"gen-pin", required_argument, NULL, 'g'},
	    {"warmup-ms", required_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct gen_opts o = {
	    .sport = LTS_L2TP_PORT_DEFAULT,
	    .dport = LTS_L2TP_PORT_DEFAULT,
	    .sessions = 1,
	    .size = 64,
	    .duration = 1.0,
	    .max_frames = 100000000ull,
	    .drain_ms = 100,
	    .ring_frames = 256,
	    .warmup_ms = 100,
	};
	bool have_mac = false, have_src = false, have_dst = false, refused = false;
	const char *force;
	unsigned long long v;
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.iface = optarg;
			break;
		case 'm':
			bad |= parse_mac(optarg, o.dst_mac);
			have_mac = true;
			break;
		case 's':
			bad |= inet_pton(AF_INET, optarg, &o.src) != 1;
			have_src = true;
			break;
		case 'd':
			bad |= inet_pton(AF_INET, optarg, &o.dst) != 1;
			have_dst = true;
			break;
		case 'S':
		case 'D':
		case 't':
		case 'e':
			bad |= parse_num(optarg, UINT16_MAX, &v) || !v;
			if (c == 'S')
				o.sport = (uint16_t)v;
			else if (c == 'D')
				o.dport = (uint16_t)v;
			else if (c == 't')
				o.tunnel = (uint16_t)v;
			else
				o.session = (uint16_t)v;
			break;
		case 'k':
			bad |= parse_num(optarg, UINT16_MAX, &v) || !v;
			o.sessions = (uint32_t)v;
			break;
		case 'z':
			bad |= parse_num(optarg, GEN_MAX_SIZE, &v) || v < GEN_MIN_SIZE;
			o.size = (uint32_t)v;
			break;
		case 'T':
			o.duration = strtod(optarg, NULL);
			bad |= !(o.duration > 0 && o.duration <= 600);
			break;
		case 'n':
			bad |= parse_num(optarg, UINT64_MAX, &v) || !v;
			o.max_frames = v;
			break;
		case 'p':
			o.sink_pin = optarg;
			break;
		case 'a':
			o.anchor = optarg;
			break;
		case 'w':
			bad |= parse_num(optarg, 60000, &v);
			o.drain_ms = (unsigned int)v;
			break;
		case 'P':
			o.probe = true;
			break;
		case 'R':
			o.ring = true;
			break;
		case 'f':
			bad |= parse_num(optarg, RING_MAX_FRAMES, &v) || !v;
			o.ring_frames = (uint32_t)v;
			break;
		case 'g':
			o.gen_pin = optarg;
			break;
		case 'W':
			bad |= parse_num(optarg, 10000, &v);
			o.warmup_ms = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o.probe) {
		/*
		 * Only the question of live frames: PROBE_FRAMES frames with
		 * made-up addresses and IDs, nothing measured. Addresses, IDs,
		 * a sink or an anchor given here would be ignored: refused.
		 */
		bad |= have_mac || have_src || have_dst || o.tunnel || o.session || o.sink_pin ||
		       o.anchor;
		o.tunnel = 1;
		o.session = 1;
		memset(o.dst_mac, 0xff, ETH_ALEN);
		o.max_frames = PROBE_FRAMES;
		have_mac = have_src = have_dst = true;
	}
	if (bad || optind != argc || !o.iface || !have_mac || !have_src || !have_dst || !o.tunnel ||
	    !o.session || (uint32_t)o.session + o.sessions - 1 > UINT16_MAX) {
		usage(stderr);
		return 2;
	}
	if (o.ring && (o.probe || o.anchor || !o.gen_pin || !o.sink_pin)) {
		usage(stderr);
		return 2;
	}
	force = getenv(FORCE_NO_LIVE_ENV);
	force_no_live = force && !strcmp(force, "1");
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (o.ring)
		return run_ring(&o) ? 1 : 0;
	if (!run(&o, &refused))
		return 0;
	return refused ? GEN_EXIT_REFUSED : 1;
}
