#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Prometheus endpoint (metrics:) of a running ltsd. Known frames go
# through the switch; every scrape must pass `promtool check metrics`, and
# its numbers must be those ltsctl (show summary / sessions / tunnels --json)
# and the pinned BPF maps (bpftool map dump) show.
#
#        ns $NS_LAC                   ns $NS_LTS                      ns $NS_LNS
#  +-------------------+    +------------------------------+    +-------------------+
#  | 10.0.1.1 scapy    |    | ltsd  http://127.0.0.1:9716  |    | 10.0.2.1 scapy    |
#  |   (static frames) |    |       http://[::1]:9716      |    |   (static frames) |
#  | 10.0.1.5 scapy    |veth|       curl, promtool, ltsctl |veth| 10.0.2.1 xl2tpd   |
#  |   LAC "lac-scapy" |----| lts-a                  lts-b |----|   LNS lns1, echo  |
#  |  lac0             |    | 10.0.1.2            10.0.2.2 |    |  lns0             |
#  +-------------------+    +------------------------------+    +-------------------+
#
#  A  mode native, metrics on 127.0.0.1:9716, static sessions s1 (fast path)
#     and mix (IPv4 checksum 0 into IPv6: slow path): data, verdict, relay,
#     switch and control counters against ltsctl and bpftool; HTTP errors;
#     more idle clients than the limit: ltsd's loop goes on (ltsctl answers,
#     the slow path relays, no CPU burnt), idle clients are dropped after
#     the timeout and a scrape waiting behind them is then served
#  B  mode off, metrics on [::1]:9716 with per_session: one series per
#     session and direction, equal to ltsctl's and slow_stats'
#  C  no metrics: section: nothing listens
#  D  a switched call (scripted LAC -> ltsd -> xl2tpd LNS lns1, rule
#     to-lns1): tunnels, sessions and calls by state, per-rule and per-type
#     counters while it is up; after its CDN the data totals do not go down
#     although the call's counters left ltsctl (skipped without xl2tpd)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"
. "$(dirname "$0")/switch_lib.sh"

K=${E2E_FRAMES:-20}
PORT=9716
URL4=http://127.0.0.1:$PORT/metrics
URL6=http://[::1]:$PORT/metrics

e2e_init
for t in curl promtool; do
	command -v "$t" >/dev/null 2>&1 || skip "needs $t (scripts/install-deps.sh)"
done
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
xl2tpd_trap_exit
sw_topo
bpffs_mount
SOCK=$E2E_TMP/ltsd.sock
VERSION=$("$LTSD" --version | awk '{ print $2 }')

# ---------------------------------------------------------------- helpers

# scrape TAG [URL]: GET the metrics from inside the switch's namespace into
# $E2E_TMP/TAG.prom (headers: TAG.hdr). Fails the check when curl does.
scrape() {
	if ! ip netns exec "$NS_LTS" curl -sS -g --max-time "${SCRAPE_TIMEOUT:-10}" -D "$E2E_TMP/$1.hdr" \
		-o "$E2E_TMP/$1.prom" "${2:-$URL4}" 2>"$E2E_TMP/$1.curl"; then
		fail "$1: curl ${2:-$URL4}: $(cat "$E2E_TMP/$1.curl")"
		: >"$E2E_TMP/$1.prom"
		return 1
	fi
}

# check_promtool TAG: the scrape passes promtool's parser and linter.
check_promtool() {
	local out
	if out=$(promtool check metrics <"$E2E_TMP/$1.prom" 2>&1) && [ -z "$out" ]; then
		ok "$1: promtool check metrics: clean ($(grep -vc '^#' "$E2E_TMP/$1.prom") series)"
	else
		fail "$1: promtool check metrics:"
		printf '%s\n' "$out" | head -n 10 | sed 's/^/      | /'
	fi
}

# mval TAG SERIES: the value of SERIES (name{labels} exactly as exposed);
# "none" when absent.
mval() {
	awk -v k="$2" '{ v = $NF; key = substr($0, 1, length($0) - length(v) - 1) }
		key == k { print v; f = 1 } END { if (!f) print "none" }' "$E2E_TMP/$1.prom"
}

# msum TAG ERE: the sum of the series whose name{labels} matches ERE.
msum() {
	awk -v re="$2" '/^#/ { next } { v = $NF; key = substr($0, 1, length($0) - length(v) - 1) }
		key ~ re { s += v } END { print s + 0 }' "$E2E_TMP/$1.prom"
}

ctl() { "$LTSCTL" -s "$SOCK" "$@"; }

# jq_py FILE EXPR: EXPR (Python, the document is d) of a JSON file.
jq_py() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}

# check_summary TAG SUMMARY_BEFORE SUMMARY_AFTER: every counter of
# `ltsctl show summary` that the endpoint exports (switch.X as
# lts_switch_X_total, control.X as lts_control_X_total, and the gauges)
# lies between the two summaries taken around the scrape, and equals them
# when they agree. Keys without a series are listed, not failed.
check_summary() {
	local out
	out=$("$PY" - "$E2E_TMP/$1.prom" "$2" "$3" <<'EOF'
import json, re, sys
series = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    key, val = line.rstrip("\n").rsplit(" ", 1)
    series[key] = int(val)
def fam(name):
    return sum(v for k, v in series.items() if re.match(re.escape(name) + r"(\{|$)", k))
def fam_where(name, label):
    return sum(v for k, v in series.items() if k.startswith(name + "{") and label in k)
a = json.load(open(sys.argv[2]))["summary"]
b = json.load(open(sys.argv[3]))["summary"]
checks = {
    "static_sessions": fam("lts_static_sessions"),
    "tunnels": fam("lts_tunnels"),
    "tunnels_established": fam_where("lts_tunnels", 'state="established"'),
    "sessions": fam("lts_sessions"),
    "calls": fam("lts_calls"),
    "calls_switched": fam_where("lts_calls", 'state="up"'),
}
for k, v in a.get("switch", {}).items():
    checks["switch." + k] = series.get("lts_switch_%s_total" % k)
for k, v in a.get("control", {}).items():
    checks["control." + k] = series.get("lts_half_open_tunnels" if k == "half_open"
                                        else "lts_control_%s_total" % k)
bad = missing = 0
for k, got in sorted(checks.items()):
    path = k.split(".")
    lo, hi = a, b
    for p in path:
        lo, hi = lo[p], hi[p]
    if got is None:
        print("note: summary %s has no series" % k)
        missing += 1
        continue
    if not (min(lo, hi) <= got <= max(lo, hi)):
        print("MISMATCH %s: ltsctl %s..%s, metrics %s" % (k, lo, hi, got))
        bad += 1
print("checked %d summary values, %d without a series" % (len(checks) - missing, missing))
sys.exit(1 if bad else 0)
EOF
	)
	if [ $? -eq 0 ]; then
		ok "$1: ltsctl show summary = metrics: $(printf '%s' "$out" | tail -n 1)"
		printf '%s\n' "$out" | grep '^note' | sed 's/^/      /'
	else
		fail "$1: ltsctl show summary and the metrics differ:"
		printf '%s\n' "$out" | sed 's/^/      | /'
	fi
}

# summary_pair TAG: ltsctl show summary before and after a scrape (TAG).
summary_pair() {
	ctl --json show summary >"$E2E_TMP/$1.sum0" 2>&1
	scrape "$1" "${2:-$URL4}"
	ctl --json show summary >"$E2E_TMP/$1.sum1" 2>&1
}

# check_reasons TAG BEFORE AFTER: each lts_xdp_verdicts_total lies between
# the reason_stats dumps taken around the scrape (equal when they agree).
check_reasons() {
	local r before after got bad=0
	for r in $(sed -n 's/.*X([A-Z_]*, *"\([a-z_0-9]*\)".*/\1/p' "$LTS_SRC_DIR/maps/lts_reasons.h"); do
		before=$(snap_get "$2" "reason.$r")
		after=$(snap_get "$3" "reason.$r")
		got=$(mval "$1" "lts_xdp_verdicts_total{reason=\"$r\"}")
		if [ "$got" = none ] || [ "$got" -lt "$before" ] || [ "$got" -gt "$after" ]; then
			fail "$1: lts_xdp_verdicts_total{reason=\"$r\"} = $got, bpftool reason_stats $before..$after"
			bad=1
		fi
	done
	[ $bad = 1 ] || ok "$1: every lts_xdp_verdicts_total = bpftool reason_stats ($(msum "$1" '^lts_xdp_verdicts_total') verdicts)"
}

# sessions_sum FILE PATH: the sum over `ltsctl --json show sessions` of the
# counters at PATH (e.g. fast.lac_to_lns.packets), sessions without counters 0.
sessions_sum() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
t = 0
for s in json.load(open(sys.argv[1]))["sessions"]:
    v = s.get("counters")
    for p in sys.argv[2].split("."):
        v = v.get(p) if isinstance(v, dict) else None
    t += v or 0
print(t)
EOF
}

# cpu_ticks PID: user + system time of PID so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

STATIC_SESSIONS=$(
	cat <<EOF
static_sessions:
  - name: s1
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, peer_port: 1701, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, peer_port: 1701, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }
  - name: mix
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, peer_port: 1701, tunnel_id: 120, session_id: 12, peer_tunnel_id: 220, peer_session_id: 22 }
    b: { local: "$V6_B_LOCAL", peer: "$V6_B_PEER", peer_port: 1701, tunnel_id: 320, session_id: 32, peer_tunnel_id: 420, peer_session_id: 42 }
EOF
)

# static_cfg MODE [METRICS_YAML]: the static sessions, with an operator socket.
static_cfg() {
	cfg_head "$1" | sed "s|^  hostname: lts-e2e|&\n  control_socket: $SOCK|"
	printf '%s\n' "$STATIC_SESSIONS"
	[ -z "${2:-}" ] || printf '%s\n' "$2"
}

s1_ab() {
	flow "$1" "$NS_LAC" lac0 "$NS_LNS" lns0 4 "$V4_A_PEER" "$V4_A_LOCAL" 1701 1701 100 1 \
		"$V4_B_LOCAL" "$V4_B_PEER" 1701 1701 400 4 "$2" "$3"
}
s1_ba() {
	flow "$1" "$NS_LNS" lns0 "$NS_LAC" lac0 4 "$V4_B_PEER" "$V4_B_LOCAL" 1701 1701 300 3 \
		"$V4_A_LOCAL" "$V4_A_PEER" 1701 1701 200 2 "$2" "$3"
}
# IPv4 with UDP checksum 0 into IPv6 needs a full checksum: XDP passes it up.
mix_ab() {
	flow "$1" "$NS_LAC" lac0 "$NS_LNS" lns0 6 "$V4_A_PEER" "$V4_A_LOCAL" 1701 1701 120 12 \
		"$V6_B_LOCAL" "$V6_B_PEER" 1701 1701 420 42 49 "$2" --udp-csum-zero
}

FAST_AB='lts_data_packets_total{path="fast",direction="lac_to_lns"}'
FAST_BA='lts_data_packets_total{path="fast",direction="lns_to_lac"}'
SLOW_AB='lts_data_packets_total{path="slow",direction="lac_to_lns"}'
SLOW_BA='lts_data_packets_total{path="slow",direction="lns_to_lac"}'
FASTB_AB='lts_data_bytes_total{path="fast",direction="lac_to_lns"}'
FASTB_BA='lts_data_bytes_total{path="fast",direction="lns_to_lac"}'
SLOWB_AB='lts_data_bytes_total{path="slow",direction="lac_to_lns"}'

###########################################################################
heading "A: mode native, metrics on 127.0.0.1:$PORT"
static_cfg native "metrics: { listen: \"127.0.0.1:$PORT\" }" >"$E2E_TMP/a.yaml"
ltsd_start "$E2E_TMP/a.yaml" ltsd-a
check_match "ltsd logs the endpoint" "metrics on http://127.0.0.1:$PORT/metrics$" "$(cat "$LTSD_LOG")"
wait_next_hops 4

scrape a0
check_promtool a0
check_match "a0: Content-Type" $'^Content-Type: text/plain; version=0.0.4; charset=utf-8\r$' \
	"$(cat "$E2E_TMP/a0.hdr")"
check_eq "a0: lts_build_info" 1 "$(mval a0 "lts_build_info{version=\"$VERSION\"}")"
check_eq "a0: lts_static_sessions" 2 "$(mval a0 lts_static_sessions)"
check_eq "a0: data counters before any frame" 0 "$(msum a0 '^lts_data_(packets|bytes)_total')"
check_eq "a0: per-session series are off by default" 0 "$(grep -c '^lts_session_' "$E2E_TMP/a0.prom")"
start=$(mval a0 lts_start_time_seconds)
now=$(date +%s)
if [ "$start" != none ] && [ $((now - start)) -ge 0 ] && [ $((now - start)) -lt 120 ]; then
	ok "a0: lts_start_time_seconds is ltsd's start ($((now - start)) s ago)"
else
	fail "a0: lts_start_time_seconds = $start, now $now"
fi

s1_ab a-s1-ab 49 "$K"
AB_FRAMES=$FLOW_FRAMES AB_BYTES=$FLOW_BYTES
s1_ba a-s1-ba 49 $((K / 2))
BA_FRAMES=$FLOW_FRAMES BA_BYTES=$FLOW_BYTES
mix_ab a-mix-ab 5
MIX_FRAMES=$FLOW_FRAMES MIX_BYTES=$FLOW_BYTES
# ltsd copies the slow path's counters into slow_stats periodically.
stats_snapshot_when "$E2E_TMP/a.before" 5 '^slow_stats\..*\.packets$' "$MIX_FRAMES" ||
	fail "A: slow_stats did not reach $MIX_FRAMES packets"
summary_pair a1
stats_snapshot "$E2E_TMP/a.after"
ctl --json show sessions >"$E2E_TMP/a1.sessions" 2>&1
check_promtool a1
check_eq "a1: $FAST_AB = frames sent s1 a->b" "$AB_FRAMES" "$(mval a1 "$FAST_AB")"
check_eq "a1: $FASTB_AB = their L2TP bytes" "$AB_BYTES" "$(mval a1 "$FASTB_AB")"
check_eq "a1: $FAST_BA = frames sent s1 b->a" "$BA_FRAMES" "$(mval a1 "$FAST_BA")"
check_eq "a1: $FASTB_BA" "$BA_BYTES" "$(mval a1 "$FASTB_BA")"
check_eq "a1: $SLOW_AB = mix frames (pass_csum, relayed)" "$MIX_FRAMES" "$(mval a1 "$SLOW_AB")"
check_eq "a1: $SLOWB_AB" "$MIX_BYTES" "$(mval a1 "$SLOWB_AB")"
check_eq "a1: $SLOW_BA" 0 "$(mval a1 "$SLOW_BA")"
for p in fast.lac_to_lns.packets fast.lac_to_lns.bytes fast.lns_to_lac.packets \
	fast.lns_to_lac.bytes slow.lac_to_lns.packets slow.lac_to_lns.bytes slow.lns_to_lac.packets; do
	IFS=. read -r path dir what <<<"$p"
	check_eq "a1: lts_data_${what}_total{path=\"$path\",direction=\"$dir\"} = ltsctl show sessions (sum of $p)" \
		"$(sessions_sum "$E2E_TMP/a1.sessions" "$p")" \
		"$(mval a1 "lts_data_${what}_total{path=\"$path\",direction=\"$dir\"}")"
done
for m in session_stats:fast slow_stats:slow; do
	IFS=: read -r map path <<<"$m"
	for d in 0:lac_to_lns 1:lns_to_lac; do
		IFS=: read -r i dir <<<"$d"
		check_eq "a1: lts_data_packets_total{path=\"$path\",direction=\"$dir\"} = bpftool $map dir[$i]" \
			"$(snap_sum "$E2E_TMP/a.after" "^$map\\..*\\.$i\\.packets$")" \
			"$(mval a1 "lts_data_packets_total{path=\"$path\",direction=\"$dir\"}")"
		check_eq "a1: lts_data_bytes_total{path=\"$path\",direction=\"$dir\"} = bpftool $map dir[$i]" \
			"$(snap_sum "$E2E_TMP/a.after" "^$map\\..*\\.$i\\.bytes$")" \
			"$(mval a1 "lts_data_bytes_total{path=\"$path\",direction=\"$dir\"}")"
	done
done
check_reasons a1 "$E2E_TMP/a.before" "$E2E_TMP/a.after"
check_eq "a1: switched_redirect = the fast-path frames" $((AB_FRAMES + BA_FRAMES)) \
	"$(mval a1 'lts_xdp_verdicts_total{reason="switched_redirect"}')"
check_eq "a1: pass_csum = the mix frames" "$MIX_FRAMES" "$(mval a1 'lts_xdp_verdicts_total{reason="pass_csum"}')"
check_eq "a1: lts_slowpath_datagrams_total{result=\"relayed\"}" "$MIX_FRAMES" \
	"$(mval a1 'lts_slowpath_datagrams_total{result="relayed"}')"
check_eq "a1: nothing else reached the relay" 0 \
	"$(msum a1 '^lts_slowpath_datagrams_total\{result="(no_session|malformed|ttl_expired|send_error)"\}')"
check_summary a1 "$E2E_TMP/a1.sum0" "$E2E_TMP/a1.sum1"
check_eq "a1: no tunnels (static sessions only)" 0 "$(msum a1 '^lts_tunnels\{')"

heading "A: HTTP"
code() { ip netns exec "$NS_LTS" curl -sS -g --max-time 5 -o /dev/null -w '%{http_code}' "$@" 2>&1; }
check_eq "GET / -> 404" 404 "$(code "http://127.0.0.1:$PORT/")"
check_eq "GET /metrics/x -> 404" 404 "$(code "http://127.0.0.1:$PORT/metrics/x")"
check_eq "POST /metrics -> 405" 405 "$(code -X POST -d x=1 "$URL4")"
check_eq "HEAD /metrics -> 200" 200 "$(code -I "$URL4")"
check_eq "from the LAC's namespace: not listening there" 000 \
	"$(ip netns exec "$NS_LAC" curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://$V4_A_LOCAL:$PORT/metrics")"

IDLE_N=12
heading "A: $IDLE_N idle clients (limit 8, idle timeout 10 s)"
# Each holder connection reports when the server closes it.
ip netns exec "$NS_LTS" "$PY" - "$PORT" "$IDLE_N" >"$E2E_TMP/idle.log" 2>&1 <<'EOF' &
import select, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
print("open %d" % n, flush=True)
t0, open_ = time.time(), set(socks)
while open_ and time.time() - t0 < 25:
    r, _, _ = select.select(list(open_), [], [], 0.5)
    for s in r:
        if not s.recv(64):
            print("closed %.1f" % (time.time() - t0), flush=True)
            open_.discard(s)
print("done, %d still open" % len(open_), flush=True)
EOF
IDLE_PID=$!
E2E_BG_PIDS+=("$IDLE_PID")
wait_for 5 grep -q '^open' "$E2E_TMP/idle.log" || fail "idle clients could not connect"
t_idle=$SECONDS
ticks0=$(cpu_ticks "$LTSD_PID")
t0=$(date +%s%N)
ctl show summary >/dev/null 2>&1
check_eq "ltsctl answers while the endpoint is full" 0 "$?"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 1000 ] && ok "ltsctl answered in $ms ms" || fail "ltsctl took $ms ms"
mix_ab a-mix-idle 3
check_eq "the slow path relays while the endpoint is full (ltsctl: mix slow packets)" \
	$((MIX_FRAMES + 3)) "$(ctl --json show sessions >"$E2E_TMP/idle.sessions" 2>&1;
		sessions_sum "$E2E_TMP/idle.sessions" slow.lac_to_lns.packets)"
# A scrape behind the idle clients: served once the first ones time out.
SCRAPE_TIMEOUT=25 scrape idle
waited=$((SECONDS - t_idle))
check_eq "a scrape waiting behind the idle clients is served (after ${waited}s): slow frames" \
	$((MIX_FRAMES + 3)) "$(mval idle "$SLOW_AB")"
ticks=$(($(cpu_ticks "$LTSD_PID") - ticks0))
hz=$(getconf CLK_TCK)
# A loop spinning on a socket it cannot serve would burn the whole wait.
if [ "$ticks" -lt $((hz * 2)) ]; then
	ok "ltsd used $ticks ticks of CPU (${hz}/s) in the ${waited} s the endpoint was full"
else
	fail "ltsd used $ticks ticks of CPU (${hz}/s) in ${waited} s with the endpoint full: busy loop?"
fi
wait_pid_exit "$IDLE_PID" 30
closed=$(grep -c '^closed' "$E2E_TMP/idle.log")
first=$(awk '/^closed/ { print int($2); exit }' "$E2E_TMP/idle.log")
check_eq "every idle client was closed by ltsd ($(tail -n 1 "$E2E_TMP/idle.log"))" "$IDLE_N" "$closed"
if [ -n "$first" ] && [ "$first" -ge 9 ] && [ "$first" -le 13 ]; then
	ok "the first idle clients were closed after ${first} s (timeout 10 s)"
else
	fail "first idle client closed after '${first}' s, expected about 10"
fi
check_ltsd_alive "after the idle clients"

ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
check_match "ltsd logs what the endpoint answered" 'metrics: [0-9]+ scrapes answered, 2 not found, 1 bad methods, 0 errors' \
	"$(cat "$LTSD_LOG")"
check_ltsd_gone_clean

###########################################################################
heading "B: mode off, metrics on [::1]:$PORT, per_session"
static_cfg off "metrics: { listen: \"[::1]:$PORT\", per_session: true }" >"$E2E_TMP/b.yaml"
ltsd_start "$E2E_TMP/b.yaml" ltsd-b
check_match "ltsd logs the endpoint" "metrics on http://\[::1\]:$PORT/metrics \(per session\)" "$(cat "$LTSD_LOG")"
s1_ab b-s1-ab 49 "$K"
AB_FRAMES=$FLOW_FRAMES AB_BYTES=$FLOW_BYTES
s1_ba b-s1-ba 49 3
BA_FRAMES=$FLOW_FRAMES BA_BYTES=$FLOW_BYTES
stats_snapshot_when "$E2E_TMP/b.after" 5 '^slow_stats\..*\.packets$' $((AB_FRAMES + BA_FRAMES)) ||
	fail "B: slow_stats did not reach $((AB_FRAMES + BA_FRAMES)) packets"
scrape b1 "$URL6"
ctl --json show sessions >"$E2E_TMP/b1.sessions" 2>&1
check_promtool b1
check_eq "b1: over IPv6: lts_build_info" 1 "$(mval b1 "lts_build_info{version=\"$VERSION\"}")"
S1='rule="static:s1",lac_peer="",lns_peer="",lac_tunnel_id="100",lac_session_id="1",lns_tunnel_id="300",lns_session_id="3"'
MIX='rule="static:mix",lac_peer="",lns_peer="",lac_tunnel_id="120",lac_session_id="12",lns_tunnel_id="320",lns_session_id="32"'
check_eq "b1: s1 slow lac_to_lns packets = frames sent" "$AB_FRAMES" \
	"$(mval b1 "lts_session_packets_total{$S1,path=\"slow\",direction=\"lac_to_lns\"}")"
check_eq "b1: s1 slow lac_to_lns bytes" "$AB_BYTES" \
	"$(mval b1 "lts_session_bytes_total{$S1,path=\"slow\",direction=\"lac_to_lns\"}")"
check_eq "b1: s1 slow lns_to_lac packets" "$BA_FRAMES" \
	"$(mval b1 "lts_session_packets_total{$S1,path=\"slow\",direction=\"lns_to_lac\"}")"
check_eq "b1: s1 fast (XDP off)" 0 "$(msum b1 "^lts_session_packets_total\\{rule=\"static:s1\".*path=\"fast\"")"
check_eq "b1: mix: no frames" 0 "$(msum b1 "^lts_session_(packets|bytes)_total\\{rule=\"static:mix\"")"
check_eq "b1: 8 series per family (2 sessions x 2 paths x 2 directions)" "8 8" \
	"$(grep -c '^lts_session_packets_total{' "$E2E_TMP/b1.prom") $(grep -c '^lts_session_bytes_total{' "$E2E_TMP/b1.prom")"
check_eq "b1: s1 per session = ltsctl (slow lac_to_lns packets, bytes; lns_to_lac packets)" \
	"$(jq_py "$E2E_TMP/b1.sessions" '" ".join(str(x) for s in d["sessions"] if s["rule"] == "static:s1" for x in (s["counters"]["slow"]["lac_to_lns"]["packets"], s["counters"]["slow"]["lac_to_lns"]["bytes"], s["counters"]["slow"]["lns_to_lac"]["packets"]))')" \
	"$(mval b1 "lts_session_packets_total{$S1,path=\"slow\",direction=\"lac_to_lns\"}") $(mval b1 "lts_session_bytes_total{$S1,path=\"slow\",direction=\"lac_to_lns\"}") $(mval b1 "lts_session_packets_total{$S1,path=\"slow\",direction=\"lns_to_lac\"}")"
check_eq "b1: s1 per session = bpftool slow_stats[0]" \
	"$(snap_get "$E2E_TMP/b.after" slow_stats.0.0.packets) $(snap_get "$E2E_TMP/b.after" slow_stats.0.0.bytes) $(snap_get "$E2E_TMP/b.after" slow_stats.0.1.packets)" \
	"$(mval b1 "lts_session_packets_total{$S1,path=\"slow\",direction=\"lac_to_lns\"}") $(mval b1 "lts_session_bytes_total{$S1,path=\"slow\",direction=\"lac_to_lns\"}") $(mval b1 "lts_session_packets_total{$S1,path=\"slow\",direction=\"lns_to_lac\"}")"
check_eq "b1: totals = the per-session series" "$(msum b1 '^lts_session_packets_total\{')" \
	"$(msum b1 '^lts_data_packets_total\{')"
check_eq "b1: mode off: no XDP verdicts" 0 "$(msum b1 '^lts_xdp_verdicts_total')"
check_eq "b1: not on IPv4" 000 \
	"$(ip netns exec "$NS_LTS" curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$URL4")"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
check_ltsd_gone_clean

###########################################################################
heading "C: no metrics: section, no endpoint"
static_cfg native >"$E2E_TMP/c.yaml"
ltsd_start "$E2E_TMP/c.yaml" ltsd-c
check_eq "nothing listens on TCP in the switch's namespace" "" \
	"$(ip netns exec "$NS_LTS" ss -Hltn 2>&1)"
check_eq "ltsd does not mention metrics" 0 "$(grep -c metrics "$LTSD_LOG")"
ltsd_stop
check_ltsd_gone_clean

###########################################################################
heading "D: a switched call"
if [ ! -x "$XL2TPD" ] || [ ! -x "$PPP_STANDIN" ]; then
	echo "SKIP  D: needs xl2tpd and $PPP_STANDIN (scripts/install-deps.sh, make $O/tests/e2e/ppp_standin)"
	e2e_done
fi
sw_cfg native >"$E2E_TMP/d.yaml"
printf 'metrics: { listen: "127.0.0.1:%s" }\n' "$PORT" >>"$E2E_TMP/d.yaml"
ltsd_start "$E2E_TMP/d.yaml" ltsd-d
xl2tpd_start lns1 "$NS_LNS" lns $SW_LNS1_IP $V4_B_LOCAL hostname=lns-one standin-echo=yes
N=10
slac_start d --tunnel-id 501 tunnel call a called=401 wait-file "$E2E_TMP/d.data" 10 \
	data a $N m wait-rx a $N 10 wait-file "$E2E_TMP/d.go" 30 cdn a stopccn
slac_wait d "$(slac_ev d call a)" 10 || die "D: the call did not come up"
standin_wait_started lns1 1 5 || fail "D: no stand-in on lns1"
NH_TIMEOUT=10 wait_next_hops 2
touch "$E2E_TMP/d.data"
slac_wait d "$(slac_ev d data_rx a)" 10 $N || fail "D: the echoes did not come back"
sw_call_by_lac "$(slac_get d "$(slac_ev d call a)" 'e["sid"]')" || fail "D: no switched line"
IDX=$SW_IDX
stats_snapshot "$E2E_TMP/d.before"
summary_pair d1
stats_snapshot "$E2E_TMP/d.after"
ctl --json show sessions >"$E2E_TMP/d1.sessions" 2>&1
ctl --json show tunnels >"$E2E_TMP/d1.tunnels" 2>&1
check_promtool d1
check_eq "d1: lts_calls{rule=to-lns1, up}" 1 "$(mval d1 'lts_calls{rule="to-lns1",state="up"}')"
check_eq "d1: lts_calls{rule=default, up}" 0 "$(mval d1 'lts_calls{rule="default",state="up"}')"
check_eq "d1: lts_tunnels: the LAC's (lns role, peer scapy) and ours to lns1 (lac role), established" "1 1" \
	"$(mval d1 'lts_tunnels{role="lns",state="established",peer="scapy"}') $(mval d1 'lts_tunnels{role="lac",state="established",peer="lns1"}')"
check_eq "d1: lts_tunnels = ltsctl show tunnels (role, state, peer of each)" \
	"$(jq_py "$E2E_TMP/d1.tunnels" '" ".join(sorted("%s/%s/%s" % (t["role"], t["state"].lower(), t.get("lac_peer") or t.get("lns_peer")) for t in d["tunnels"]))')" \
	"$(awk '/^lts_tunnels\{/ && $NF > 0 { match($0, /role="[a-z]+",state="[a-z_]+",peer="[^"]*"/); s = substr($0, RSTART, RLENGTH); gsub(/role=|state=|peer=|"/, "", s); gsub(/,/, "/", s); for (i = 0; i < $NF; i++) print s }' "$E2E_TMP/d1.prom" | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "d1: lts_sessions established, each leg" "1 1" \
	"$(mval d1 'lts_sessions{role="lns",state="established",peer="scapy"}') $(mval d1 'lts_sessions{role="lac",state="established",peer="lns1"}')"
check_eq "d1: lts_rule_calls_total / _switched_total / _failed_total {rule=to-lns1}" "1 1 0" \
	"$(mval d1 'lts_rule_calls_total{rule="to-lns1"}') $(mval d1 'lts_rule_calls_switched_total{rule="to-lns1"}') $(mval d1 'lts_rule_calls_failed_total{rule="to-lns1"}')"
check_eq "d1: control messages received: SCCRQ SCCCN ICRQ ICCN (from the LAC), SCCRP ICRP (from lns1)" "1 1 1 1 1 1" \
	"$(for t in sccrq scccn icrq iccn sccrp icrp; do printf '%s ' "$(mval d1 "lts_control_messages_total{direction=\"rx\",type=\"$t\"}")"; done | sed 's/ $//')"
check_eq "d1: control messages sent: SCCRQ SCCCN ICRQ ICCN (to lns1), SCCRP ICRP (to the LAC)" "1 1 1 1 1 1" \
	"$(for t in sccrq scccn icrq iccn sccrp icrp; do printf '%s ' "$(mval d1 "lts_control_messages_total{direction=\"tx\",type=\"$t\"}")"; done | sed 's/ $//')"
check_eq "d1: fast path = the $N frames and their $N echoes" "$N $N" "$(mval d1 "$FAST_AB") $(mval d1 "$FAST_BA")"
check_eq "d1: data totals = ltsctl (fast packets and bytes, both ways)" \
	"$(for p in fast.lac_to_lns.packets fast.lac_to_lns.bytes fast.lns_to_lac.packets fast.lns_to_lac.bytes; do printf '%s ' "$(sessions_sum "$E2E_TMP/d1.sessions" $p)"; done | sed 's/ $//')" \
	"$(mval d1 "$FAST_AB") $(mval d1 "$FASTB_AB") $(mval d1 "$FAST_BA") $(mval d1 "$FASTB_BA")"
check_eq "d1: data totals = bpftool session_stats[$IDX]" \
	"$(snap_get "$E2E_TMP/d.after" "session_stats.$IDX.0.packets") $(snap_get "$E2E_TMP/d.after" "session_stats.$IDX.0.bytes") $(snap_get "$E2E_TMP/d.after" "session_stats.$IDX.1.packets") $(snap_get "$E2E_TMP/d.after" "session_stats.$IDX.1.bytes")" \
	"$(mval d1 "$FAST_AB") $(mval d1 "$FASTB_AB") $(mval d1 "$FAST_BA") $(mval d1 "$FASTB_BA")"
check_reasons d1 "$E2E_TMP/d.before" "$E2E_TMP/d.after"
check_summary d1 "$E2E_TMP/d1.sum0" "$E2E_TMP/d1.sum1"
BYTES_AB=$(mval d1 "$FASTB_AB")

heading "D: the call ends"
touch "$E2E_TMP/d.go"
slac_done d 20
check_slac_ok d
check_swtab "D: after the LAC's CDN and StopCCN" 0
_calls_down() { scrape d2 && [ "$(msum d2 '^lts_calls\{')" = 0 ] && [ "$(msum d2 '^lts_sessions\{')" = 0 ]; }
wait_for 10 _calls_down || fail "D: calls or sessions still in the metrics: $(grep -E '^lts_(calls|sessions)\{.* [1-9]' "$E2E_TMP/d2.prom" | tr '\n' ' ')"
summary_pair d2
ctl --json show sessions >"$E2E_TMP/d2.sessions" 2>&1
check_promtool d2
check_eq "d2: ltsctl no longer shows the call's counters" 0 \
	"$(sessions_sum "$E2E_TMP/d2.sessions" fast.lac_to_lns.packets)"
check_eq "d2: the data totals keep what the call counted" "$N $BYTES_AB $N" \
	"$(mval d2 "$FAST_AB") $(mval d2 "$FASTB_AB") $(mval d2 "$FAST_BA")"
check_eq "d2: CDN result 1 received from the LAC" 1 \
	"$(mval d2 'lts_control_result_codes_total{message="cdn",direction="rx",result="1",error=""}')"
check_eq "d2: CDNs sent (to lns1, relaying it)" 1 "$(msum d2 '^lts_control_result_codes_total\{message="cdn",direction="tx"')"
check_eq "d2: StopCCN received" 1 "$(mval d2 'lts_control_messages_total{direction="rx",type="stopccn"}')"
check_eq "d2: the LAC's tunnel is gone from established" 0 \
	"$(mval d2 'lts_tunnels{role="lns",state="established",peer="scapy"}')"
check_summary d2 "$E2E_TMP/d2.sum0" "$E2E_TMP/d2.sum1"
check_ltsd_alive "after the switched call"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
check_ltsd_gone_clean
e2e_done
