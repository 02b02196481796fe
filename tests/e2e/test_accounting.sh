#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Accounting (accounting:) and readiness (sd_notify) of a running ltsd.
# Calls are switched from a scripted LAC to a real xl2tpd LNS that echoes
# every frame; the records in the accounting file must hold what ltsctl and
# the pinned counters say the calls carried, and why each one ended.
#
#        ns $NS_LAC                   ns $NS_LTS                      ns $NS_LNS
#  +-------------------+    +------------------------------+    +-------------------+
#  | 10.0.1.5 scapy    |    | ltsd                         |    | 10.0.2.1 xl2tpd   |
#  |   LAC "lac-scapy" |veth|   accounting.jsonl           |veth|   LNS lns1        |
#  |   (lac_peer scapy)|----| lts-a                  lts-b |----|   (stand-in echo) |
#  |  lac0             |    | 10.0.1.2            10.0.2.2 |    |  lns0             |
#  +-------------------+    +------------------------------+    +-------------------+
#                                  |
#              $NOTIFY_SOCKET: a datagram listener (python), as systemd's
#
#  R  readiness: READY=1 (and STATUS=) once the operator socket is up
#  A  call A (a user name with quotes and a backslash), N frames each way:
#     start record; interim records every second; the file renamed and
#     `ltsctl reload`: records go to a new file of the configured name;
#     `ltsctl clear session`: stop record with the counters ltsctl and
#     bpftool showed, terminate cause 6 (Admin-Reset)
#  B  call B on the same tunnel, M frames each way, ended by the LAC's CDN
#     (result 1): stop record with its counters, terminate cause 1
#  S  SIGTERM: STOPPING=1; every line of both files is one JSON record
#
# Skips (77) without root, scapy, xl2tpd or the PPP stand-in.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"
. "$(dirname "$0")/switch_lib.sh"

N=${E2E_FRAMES:-12}
M=7
USER_A='ev"e\x@isp1.example'
USER_B=bob@isp2.example

e2e_init
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
xl2tpd_check
[ -x "$PPP_STANDIN" ] || skip "needs $PPP_STANDIN (make $O/tests/e2e/ppp_standin)"
xl2tpd_trap_exit
sw_topo
bpffs_mount
SOCK=$E2E_TMP/ltsd.sock
ACCT_DIR=$E2E_TMP/acct
ACCT=$ACCT_DIR/accounting.jsonl
NOTIFY=$E2E_TMP/notify.sock
NOTIFY_LOG=$E2E_TMP/notify.log
mkdir -p "$ACCT_DIR"

ctl() { "$LTSCTL" -s "$SOCK" "$@"; }

# acct EXPR [FILE...]: EXPR (Python) over the records of the files (default
# both: the rotated one first), parsed in order: recs, and the helpers
# of(sid, event) (the records of the call whose LAC leg has our session
# ID sid) and one(sid, event) (exactly one of them, else an error).
acct() {
	local expr=$1
	shift
	[ $# -gt 0 ] || set -- "$ACCT.1" "$ACCT"
	"$PY" - "$expr" "$@" <<'EOF' 2>&1
import json, os, sys
recs = []
for p in sys.argv[2:]:
    if os.path.exists(p):
        recs += [json.loads(l) for l in open(p, encoding="utf-8")]
def of(sid, event=None):
    return [r for r in recs if r["lac"]["session_id"] == int(sid)
            and (event is None or r["event"] == event)]
def one(sid, event):
    rs = of(sid, event)
    if len(rs) != 1:
        raise SystemExit("%d %s records of session %s" % (len(rs), event, sid))
    return rs[0]
print(eval(sys.argv[1]))
EOF
}

_acct_has() { [ "$(acct "len(of($1, '$2'))" "${@:3}")" -ge 1 ] 2>/dev/null; }

# wait_record SID EVENT [FILE...]: until the call has such a record (5 s).
wait_record() { wait_for 5 _acct_has "$@"; }

# show_session ID PATH: a value of `ltsctl --json show session ID`.
show_session() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))["session"]
for k in sys.argv[2].split("."):
    d = d[k]
print(d)' "$E2E_TMP/session.json" "$1" 2>&1
}

# check_counters WHAT SID IDX: the stop record of session SID against
# `ltsctl show session` (session.json, taken before the end) and the
# pinned session_stats/slow_stats of slot IDX (before.snap).
check_counters() {
	local sid=$2 idx=$3 d
	check_eq "$1: stop record: input/output packets and octets = ltsctl show session" \
		"$(show_session counters.lac_to_lns.packets) $(show_session counters.lns_to_lac.packets) $(show_session counters.lac_to_lns.bytes) $(show_session counters.lns_to_lac.bytes)" \
		"$(acct "' '.join(str(one($sid, 'stop')[k]) for k in ('input_packets', 'output_packets', 'input_octets', 'output_octets'))")"
	for d in 0:input 1:output; do
		check_eq "$1: stop record: ${d#*:}_packets, _octets = bpftool dir[${d%%:*}] (fast + slow)" \
			"$(($(snap_get "$E2E_TMP/before.snap" "session_stats.$idx.${d%%:*}.packets") + $(snap_get "$E2E_TMP/before.snap" "slow_stats.$idx.${d%%:*}.packets"))) $(($(snap_get "$E2E_TMP/before.snap" "session_stats.$idx.${d%%:*}.bytes") + $(snap_get "$E2E_TMP/before.snap" "slow_stats.$idx.${d%%:*}.bytes")))" \
			"$(acct "' '.join(str(one($sid, 'stop')[k]) for k in ('${d#*:}_packets', '${d#*:}_octets'))")"
	done
}

###########################################################################
heading "R: readiness (NOTIFY_SOCKET)"
# What systemd does for Type=notify: a datagram socket; each message is logged
# with whether the operator socket existed when it arrived.
"$PY" - "$NOTIFY" "$SOCK" "$NOTIFY_LOG" <<'EOF' &
import os, socket, sys
path, ctl, out = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        up = "yes" if os.path.exists(ctl) else "no"
        for line in msg.split("\n"):
            f.write("%s ctl_socket=%s\n" % (line, up))
EOF
E2E_BG_PIDS+=($!)
wait_for 5 test -S "$NOTIFY" || die "the notify listener did not start"

# Records go to syslog too: a datagram socket standing in for /dev/log
# (tests/e2e/test_syslog.sh has a real rsyslogd for the log lines).
SYSLOG=$E2E_TMP/syslog.sock
SYSLOG_LOG=$E2E_TMP/syslog.log
"$PY" - "$SYSLOG" "$SYSLOG_LOG" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(65536).decode(errors="replace").rstrip("\n") + "\n")
EOF
E2E_BG_PIDS+=($!)
wait_for 5 test -S "$SYSLOG" || die "the syslog listener did not start"

sw_cfg native >"$E2E_TMP/acct.yaml"
printf 'accounting: { file: %s, interim_interval: 1, syslog: true }\n' "$ACCT" >>"$E2E_TMP/acct.yaml"
printf 'logging: { syslog: { socket: %s, facility: local5, level: error } }\n' "$SYSLOG" \
	>>"$E2E_TMP/acct.yaml"
NOTIFY_SOCKET=$NOTIFY
export NOTIFY_SOCKET
ltsd_start "$E2E_TMP/acct.yaml" ltsd-acct
unset NOTIFY_SOCKET
wait_for 5 grep -q '^READY=1' "$NOTIFY_LOG"
check_eq "READY=1, once, with the operator socket up" "READY=1 ctl_socket=yes" \
	"$(grep '^READY=' "$NOTIFY_LOG")"
check_match "STATUS= after READY=1" "^STATUS=serving: 2 lac_peers, 4 lns_peers, 7 rules, 0 static sessions, mode native ctl_socket=yes$" \
	"$(sed -n '/^READY=1/,$p' "$NOTIFY_LOG" | grep '^STATUS=')"
check_eq "nothing before READY=1" "READY=1" "$(head -n 1 "$NOTIFY_LOG" | cut -d' ' -f1)"
sw_check_log "ltsd logs where the records go" \
	"accounting: records to $ACCT and syslog, interim records every 1 s"

###########################################################################
heading "A: a call cleared by the operator"
xl2tpd_start lns1 "$NS_LNS" lns $SW_LNS1_IP $V4_B_LOCAL hostname=lns-one standin-echo=yes
slac_start acct --tunnel-id 501 tunnel \
	call a called=401 "user=$USER_A" wait-file "$E2E_TMP/a.data" 10 data a "$N" m \
	wait-rx a "$N" 10 wait-cdn a 60 \
	call b called=401 "user=$USER_B" wait-file "$E2E_TMP/b.data" 10 data b "$M" m \
	wait-rx b "$M" 10 wait-file "$E2E_TMP/b.go" 60 cdn b stopccn
slac_wait acct "$(slac_ev acct call a)" 10 || die "A: the call did not come up"
standin_wait_started lns1 1 5 || fail "A: no stand-in on lns1"
NH_TIMEOUT=10 wait_next_hops 2
touch "$E2E_TMP/a.data"
slac_wait acct "$(slac_ev acct data_rx a)" 10 "$N" || fail "A: the echoes did not come back"
sw_call_by_lac "$(slac_get acct "$(slac_ev acct call a)" 'e["sid"]')" || die "A: no switched line"
A=$SW_LAC_SESS A_ID=$SW_LAC_TUN/$SW_LAC_SESS A_IDX=$SW_IDX

wait_record "$A" start || fail "A: no start record"
check_eq "A: start: rule, user (quotes and backslash intact), realm" \
	"to-lns1|$USER_A|isp1.example" \
	"$(acct "'|'.join((one($A, 'start')['rule'], one($A, 'start')['user'], one($A, 'start')['realm']))")"
check_eq "A: start: LAC leg: peer, endpoints, host names, IDs" \
	"scapy ipv4 $SW_SLAC_IP:1701 $V4_A_LOCAL:1701 lac-scapy lts-e2e $SW_LAC_TUN/$SW_LAC_SESS $SW_LAC_PTUN/$SW_LAC_PSESS $SW_LAC_PTUN/$SW_LAC_PSESS-$SW_LAC_TUN/$SW_LAC_SESS" \
	"$(acct "(lambda l: '%s %s %s:%d %s:%d %s %s %d/%d %d/%d %s' % (l['peer_name'], l['medium'], l['client_endpoint'], l['client_port'], l['server_endpoint'], l['server_port'], l['client_auth_id'], l['server_auth_id'], l['tunnel_id'], l['session_id'], l['peer_tunnel_id'], l['peer_session_id'], l['tunnel_connection']))(one($A, 'start')['lac'])")"
check_eq "A: start: LNS leg: peer, endpoints, host names, IDs" \
	"lns1 ipv4 $V4_B_LOCAL $SW_LNS1_IP:1701 lts-to-lns1 lns-one $SW_LNS_TUN/$SW_LNS_SESS $SW_LNS_PTUN/$SW_LNS_PSESS $SW_LNS_TUN/$SW_LNS_SESS-$SW_LNS_PTUN/$SW_LNS_PSESS" \
	"$(acct "(lambda l: '%s %s %s %s:%d %s %s %d/%d %d/%d %s' % (l['peer_name'], l['medium'], l['client_endpoint'], l['server_endpoint'], l['server_port'], l['client_auth_id'], l['server_auth_id'], l['tunnel_id'], l['session_id'], l['peer_tunnel_id'], l['peer_session_id'], l['tunnel_connection']))(one($A, 'start')['lns'])")"
check_eq "A: start: no counters yet, event start, nas_identifier" "False start lts-e2e" \
	"$(acct "' '.join(str(x) for x in ('input_packets' in one($A, 'start'), one($A, 'start')['event'], one($A, 'start')['nas_identifier']))")"

wait_record "$A" interim || fail "A: no interim record within 5 s (interim_interval: 1)"
check_eq "A: interim: the start's acct_session_id and start_time, session_time >= 1" "True True True" \
	"$(acct "' '.join(str(x) for x in (of($A, 'interim')[0]['acct_session_id'] == one($A, 'start')['acct_session_id'], of($A, 'interim')[0]['start_time'] == one($A, 'start')['start_time'], of($A, 'interim')[0]['session_time'] >= 1))")"

heading "A: logrotate: rename, ltsctl reload"
mv "$ACCT" "$ACCT.1"
out=$(ctl reload 2>&1)
check_eq "ltsctl reload exit status" 0 "$?"
if wait_record "$A" interim "$ACCT"; then
	ok "A: after the reload, records go to a new $(basename "$ACCT")"
else
	fail "A: no record in a new $(basename "$ACCT") after ltsctl reload ($out)"
fi
check_eq "A: the renamed file holds the start and the earlier interims, whole lines" "True" \
	"$(acct "len(of($A, 'start')) == 1 and len(of($A, 'interim')) >= 1" "$ACCT.1")"

heading "A: ltsctl clear session"
ctl --json show session "$A_ID" >"$E2E_TMP/session.json" 2>&1 || fail "A: show session $A_ID"
stats_snapshot "$E2E_TMP/before.snap"
check_eq "A: ltsctl counts the frames: $N each way" "$N $N" \
	"$(show_session counters.lac_to_lns.packets) $(show_session counters.lns_to_lac.packets)"
ctl clear session "$A_ID" >/dev/null 2>&1
check_eq "A: ltsctl clear session exit status" 0 "$?"
wait_record "$A" stop "$ACCT" || fail "A: no stop record"
check_counters A "$A" "$A_IDX"
check_eq "A: stop: terminate cause, its CDN (ours, result 3)" \
	"6 Admin-Reset operator True 3 0 cleared by operator" \
	"$(acct "(lambda r: '%d %s %s %s %d %d %s' % (r['terminate_cause'], r['terminate_cause_name'], r['cdn']['by'], r['cdn']['local'], r['cdn']['result'], r['cdn']['error'], r['cdn']['message']))(one($A, 'stop'))")"
check_eq "A: stop: the start's key, start_time and user" "True True True" \
	"$(acct "' '.join(str(one($A, 'stop')[k] == one($A, 'start')[k]) for k in ('acct_session_id', 'start_time', 'user'))")"
check_eq "A: stop: session_time = the call's time up (ltsctl uptime, +-1 s)" "True" \
	"$(acct "abs(one($A, 'stop')['session_time'] - $(show_session uptime_s)) <= 1")"

###########################################################################
heading "B: a call the LAC ends (CDN 1)"
slac_wait acct "$(slac_ev acct call b)" 10 || die "B: the call did not come up"
touch "$E2E_TMP/b.data"
slac_wait acct "$(slac_ev acct data_rx b)" 10 "$M" || fail "B: the echoes did not come back"
sw_call_by_lac "$(slac_get acct "$(slac_ev acct call b)" 'e["sid"]')" || die "B: no switched line"
B=$SW_LAC_SESS
ctl --json show session "$SW_LAC_TUN/$SW_LAC_SESS" >"$E2E_TMP/session.json" 2>&1 ||
	fail "B: show session"
stats_snapshot "$E2E_TMP/before.snap"
check_eq "B: ltsctl counts the frames: $M each way" "$M $M" \
	"$(show_session counters.lac_to_lns.packets) $(show_session counters.lns_to_lac.packets)"
touch "$E2E_TMP/b.go"
slac_done acct 20
check_slac_ok acct
wait_record "$B" stop "$ACCT" || fail "B: no stop record"
check_counters B "$B" "$SW_IDX"
check_eq "B: stop: terminate cause, the LAC's CDN" "1 User-Request lac False 1 0" \
	"$(acct "(lambda r: '%d %s %s %s %d %d' % (r['terminate_cause'], r['terminate_cause_name'], r['cdn']['by'], r['cdn']['local'], r['cdn']['result'], r['cdn']['error']))(one($B, 'stop'))")"
check_eq "B: user, realm" "$USER_B isp2.example" \
	"$(acct "one($B, 'stop')['user'] + ' ' + one($B, 'stop')['realm']")"
check_eq "A and B: different keys" "True" \
	"$(acct "one($A, 'stop')['acct_session_id'] != one($B, 'stop')['acct_session_id']")"

heading "A, B: the same records through syslog"
# <PRI>: local5 (21) * 8 + info (6) = 174, whatever logging.syslog.level says.
check_eq "B's stop record through syslog, whole, at local5.info" "True" \
	"$("$PY" - "$SYSLOG_LOG" "$ACCT" "$B" <<'EOF' 2>&1
import json, sys
logf, acctf, sid = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = [l for l in open(acctf) if '"event":"stop"' in l and ('"session_id":%d,' % sid) in l]
got = [l.split(": ", 1)[1].strip() for l in open(logf) if l.startswith("<174>") and '"event":"stop"' in l]
print(len(want) == 1 and any(json.loads(g) == json.loads(want[0]) for g in got))
EOF
)"

###########################################################################
heading "S: SIGTERM"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
check_eq "STOPPING=1 when the shutdown began" "STOPPING=1" \
	"$(grep -o '^STOPPING=1' "$NOTIFY_LOG")"
n=$(acct "len(recs)")
check_eq "every line of both files is one JSON record" "$(cat "$ACCT.1" "$ACCT" | wc -l)" "$n"
check_match "ltsd's last word on accounting: $n records, none lost" \
	"accounting: $n records, 0 lost, 0 failed opens" "$(cat "$LTSD_LOG")"
check_ltsd_gone_clean
e2e_done
