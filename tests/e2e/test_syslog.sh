#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ltsd's logging: section against a real rsyslogd (Debian's). ltsd sends its
# lines to rsyslogd's local socket (RFC 3164 over an AF_UNIX datagram socket,
# a path in the test's temp dir) and over UDP to rsyslogd's imudp (RFC 5424)
# in another namespace, with facility local3, minimum severity info and the
# prefix "lts-test". rsyslogd writes what it got, with the facility,
# severity, tag, APP-NAME, PROCID, MSGID and message it parsed, to a file.
# Then trace flags are turned on and off at run time with ltsctl, and
# scripted LACs open tunnels: the tunnel subsystem's debug lines show up
# (on stderr and in syslog) only while traced, and only for the peer the
# filter names. Last, rsyslogd restarts: ltsd counts what it lost meanwhile
# and connects to the new socket.
#
#      ns lac                            ns lts                          ns lns
#  +--------------+      +---------------------------------+      +-----------------------+
#  | scapy LACs   | veth | lts-a      ltsd (mode off) lts-b| veth | rsyslogd              |
#  | 10.0.1.1 lac1|------| 10.0.1.2             10.0.2.2   |------| imudp 10.0.2.1:5514   |
#  | 10.0.1.7 (no |      |   |                     |        |      |   (RFC 5424, UDP)     |
#  |   lac_peer)  |      |   +-- $E2E_TMP/log.sock +--------------->| imuxsock              |
#  +--------------+      +---------------------------------+      |   $E2E_TMP/log.sock   |
#                             $E2E_TMP/run/ltsd.sock               | -> $E2E_TMP/syslog.out|
#                                      |                           +-----------------------+
#                           ltsctl trace / show trace
#
# A UNIX socket is a path, not an address of a namespace: ltsd in ns lts
# reaches rsyslogd's socket in ns lns through the file system.
. "$(dirname "$0")/lib.sh"

LTSCTL=$BUILD/ltsctl
SCAPY_LAC=$E2E_DIR/scapy_lac.py
RSYSLOGD=${RSYSLOGD:-rsyslogd}
SYSLOG_PORT=5514
LAC1_IP=$V4_A_PEER   # lac_peer lac1
STRANGER_IP=10.0.1.7 # no lac_peer: refused with a warning

e2e_init
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
command -v "$RSYSLOGD" >/dev/null 2>&1 || skip "needs rsyslogd (Debian package rsyslog, scripts/install-deps.sh)"
topo_create
bpffs_mount
ip -n "$NS_LAC" addr add $STRANGER_IP/24 dev lac0 || die "addr $STRANGER_IP"

SOCK=$E2E_TMP/run/ltsd.sock
LOGSOCK=$E2E_TMP/log.sock
OUT=$E2E_TMP/syslog.out

###########################################################################
heading "rsyslogd: local socket and UDP, one line per message with what it parsed"
mkdir -p "$E2E_TMP/rsyslog"
cat >"$E2E_TMP/rsyslog.conf" <<EOF
global(workDirectory="$E2E_TMP/rsyslog")
module(load="imuxsock" SysSock.Use="off")
module(load="imudp")
input(type="imuxsock" Socket="$LOGSOCK" RateLimit.Interval="0")
input(type="imudp" Address="$V4_B_PEER" Port="$SYSLOG_PORT" RateLimit.Interval="0")
template(name="lts" type="string"
	 string="in=%inputname% fac=%syslogfacility-text% sev=%syslogseverity-text% app=%app-name% tag=%syslogtag% procid=%procid% msgid=%msgid% host=%hostname% msg=%msg%\n")
*.* action(type="omfile" file="$OUT" template="lts")
EOF
"$RSYSLOGD" -N1 -f "$E2E_TMP/rsyslog.conf" >"$E2E_TMP/rsyslog.check" 2>&1 ||
	die "rsyslogd rejects its config: $(cat "$E2E_TMP/rsyslog.check")"
ip netns exec "$NS_LNS" "$RSYSLOGD" -n -f "$E2E_TMP/rsyslog.conf" -i "$E2E_TMP/rsyslog.pid" \
	>"$E2E_TMP/rsyslog.log" 2>&1 &
E2E_BG_PIDS+=($!)
wait_for 10 eval "[ -S '$LOGSOCK' ] && ip netns exec '$NS_LNS' ss -Hlun | grep -q ':$SYSLOG_PORT '" ||
	die "rsyslogd did not open $LOGSOCK and udp $V4_B_PEER:$SYSLOG_PORT: $(cat "$E2E_TMP/rsyslog.log")"
ok "rsyslogd listens on $LOGSOCK and udp $V4_B_PEER:$SYSLOG_PORT"

###########################################################################
heading "ltsd with logging.syslog: local3, info, prefix lts-test"
cat >"$E2E_TMP/ltsd.yaml" <<EOF
$(cfg_head off | sed "s|^  hostname: lts-e2e|&\n  control_socket: $SOCK|")
logging:
  level: info
  syslog:
    socket: $LOGSOCK
    remote: "$V4_B_PEER:$SYSLOG_PORT"
    facility: local3
    level: info
    prefix: lts-test
lac_peers:
  - { name: lac1, address: $LAC1_IP }
  - { name: lac9, address: 10.0.1.9 }
EOF
ltsd_start "$E2E_TMP/ltsd.yaml"

# syslog_lines IN ERE: lines rsyslogd wrote for input IN (imuxsock, imudp) matching ERE.
syslog_lines() { grep -E -- "^in=$1 .*$2" "$OUT" 2>/dev/null; }
_syslog_has() { [ "$(syslog_lines "$1" "$2" | wc -l)" -ge "${3:-1}" ]; }
# wait_syslog IN ERE [COUNT]: until rsyslogd wrote COUNT (1) such lines (bounded).
wait_syslog() { wait_for 5 _syslog_has "$@"; }
# syslog_count IN ERE
syslog_count() { syslog_lines "$1" "$2" | wc -l; }

# check_syslog_line WHAT IN ERE FIELDS: the first line matching ERE has exactly FIELDS
# (an ERE over the whole line, from "fac=").
check_syslog_line() {
	local line
	wait_syslog "$2" "$3"
	line=$(syslog_lines "$2" "$3" | head -n 1)
	check_match "$1" "$4" "$line"
}

HOST=$(hostname)
check_syslog_line "ready line over the local socket: local3.info, tag lts-test[ltsd's pid]" \
	imuxsock 'msg= ?ready:' \
	"^in=imuxsock fac=local3 sev=info app=lts-test tag=lts-test\[$LTSD_PID\]: procid=$LTSD_PID "
check_syslog_line "ready line over UDP (RFC 5424): local3.info, APP-NAME, PROCID, MSGID, HOSTNAME" \
	imudp 'msg= ?ready:' \
	"^in=imudp fac=local3 sev=info app=lts-test tag=lts-test\[$LTSD_PID\] procid=$LTSD_PID msgid=general host=$HOST msg=ready: "
check_eq "ltsd's stderr has the same ready line" 1 "$(grep -c 'ltsd: ready:' "$LTSD_LOG")"

# lac SRC HOSTNAME TAG STEPS...: a scripted LAC from SRC, run to its end.
lac() {
	local src=$1 host=$2 tag=$3
	shift 3
	ip netns exec "$NS_LAC" "$PY" "$SCAPY_LAC" --local "$src" --peer "$V4_A_LOCAL" \
		--hostname "$host" --rto 0.5 --retries 2 --answer-timeout 5 "$@" \
		>"$E2E_TMP/lac-$tag.jsonl" 2>"$E2E_TMP/lac-$tag.err"
}

heading "a warning: an SCCRQ from an address no lac_peer has"
lac "$STRANGER_IP" lac-stranger stranger tunnel
check_syslog_line "refusal over the local socket: local3.warning" imuxsock \
	"SCCRQ from $STRANGER_IP port 1701 refused" \
	'^in=imuxsock fac=local3 sev=warning app=lts-test '
check_syslog_line "refusal over UDP: local3.warning, MSGID tunnel (its subsystem)" imudp \
	"SCCRQ from $STRANGER_IP port 1701 refused" \
	'^in=imudp fac=local3 sev=warning app=lts-test .* msgid=tunnel '

###########################################################################
# The tunnel FSM logs `tun ID/PEER [idle] SCCRQ from "HOST"` at debug.
sccrq_debug() { printf 'SCCRQ from "%s"' "$1"; }

# tunnel_round TAG: lac1 opens a tunnel with Host Name lac-TAG and closes it.
tunnel_round() {
	lac "$LAC1_IP" "lac-$1" "$1" tunnel stopccn
	grep -q '"ev": "tunnel"' "$E2E_TMP/lac-$1.jsonl" ||
		fail "$1: the scripted LAC got no tunnel: $(cat "$E2E_TMP/lac-$1.err" "$E2E_TMP/lac-$1.jsonl")"
	# ltsd logged the round before it acknowledged the StopCCN; rsyslogd
	# writes asynchronously: what is absent must have had time to arrive.
	sleep 0.5
}

# check_traced WHAT TAG YES|NO: the round's debug line is (not) on stderr and in syslog.
check_traced() {
	local what=$1 tag=$2 want=$3 pat n_err n_ux n_udp
	pat=$(sccrq_debug "lac-$tag")
	if [ "$want" = YES ]; then
		wait_syslog imudp "sev=debug .*$pat"
		wait_syslog imuxsock "sev=debug .*$pat"
	fi
	n_err=$(grep -c "ltsd: debug: tun [0-9]*/4242 \[IDLE\] $pat" "$LTSD_LOG")
	n_ux=$(syslog_count imuxsock "fac=local3 sev=debug app=lts-test .*$pat")
	n_udp=$(syslog_count imudp "fac=local3 sev=debug app=lts-test .*msgid=tunnel .*$pat")
	check_eq "$what: debug line on stderr, local socket, UDP" \
		"$([ "$want" = YES ] && echo "1 1 1" || echo "0 0 0")" "$n_err $n_ux $n_udp"
}

heading "no trace flag: the tunnel's debug lines are not written"
tunnel_round r0
check_traced "untraced tunnel" r0 NO
check_eq "its info lines are (tunnel up, local socket)" 1 \
	"$(syslog_count imuxsock "sev=info .*tun [0-9]+/4242 \[WAIT_CTL_CONN -> ESTABLISHED\]")"

heading "ltsctl trace tunnel"
out=$("$LTSCTL" -s "$SOCK" trace tunnel 2>&1)
check_eq "ltsctl trace tunnel exit status" 0 "$?"
check_eq "ltsctl says what changed" "trace tunnel (was off)" "$out"
J=$E2E_TMP/trace.json
"$LTSCTL" -s "$SOCK" --json show trace >"$J" 2>&1
check_eq "show trace: flags, peer, level, syslog facility, prefix" \
	"['tunnel'] '' info local3 lts-test" \
	"$("$PY" -c 'import json, sys
t = json.load(open(sys.argv[1]))["trace"]
s = t["log"]["syslog"]
print(t["flags"], repr(t["peer"]), t["log"]["level"], s["facility"], s["prefix"])' "$J" 2>&1)"
check_eq "show trace: both destinations took lines, lost none" "True 0 True 0" \
	"$("$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))["trace"]["log"]["syslog"]
print(s["local"]["sent"] > 3, s["local"]["errors"], s["remote"]["sent"] > 3, s["remote"]["errors"])' "$J" 2>&1)"
out=$("$LTSCTL" -s "$SOCK" show trace 2>&1)
check_match "show trace (table): the flags" '^trace\.flags +tunnel$' "$out"
check_match "show trace (table): the local socket" "^trace\.log\.syslog\.local\.socket +$LOGSOCK$" "$out"
tunnel_round r1
check_traced "traced tunnel" r1 YES

heading "ltsctl trace tunnel peer lac9: another peer's tunnel is not traced"
out=$("$LTSCTL" -s "$SOCK" trace tunnel peer lac9 2>&1)
check_eq "ltsctl trace tunnel peer lac9" "trace tunnel peer lac9 (was tunnel)" "$out"
tunnel_round r2
check_traced "lac1's tunnel, filter lac9" r2 NO
out=$("$LTSCTL" -s "$SOCK" trace all peer lac1 2>&1)
check_match "ltsctl trace all peer lac1" '^trace general,tunnel,.*,accounting peer lac1 \(was tunnel peer lac9\)$' "$out"
tunnel_round r3
check_traced "lac1's tunnel, filter lac1" r3 YES

heading "ltsctl trace off"
out=$("$LTSCTL" -s "$SOCK" trace off 2>&1)
check_eq "ltsctl trace off" "trace off (was general,tunnel,session,switch,transport,dataplane,config,ctl,metrics,accounting peer lac1)" "$out"
tunnel_round r4
check_traced "after trace off" r4 NO
check_eq "the operator's trace changes are logged (local socket)" 4 \
	"$(syslog_count imuxsock 'sev=info .*msg= ?trace .* \(was ')"

heading "ltsctl trace: errors"
"$LTSCTL" -s "$SOCK" trace bogus >/dev/null 2>"$E2E_TMP/err1"
check_eq "unknown flag: usage error, exit 2" 2 "$?"
"$LTSCTL" -s "$SOCK" trace tunnel peer nosuch >/dev/null 2>"$E2E_TMP/err2"
check_eq "unknown peer: exit 1" 1 "$?"
check_eq "unknown peer: ltsd says why" "ltsctl: ltsd: no lac_peer or lns_peer named nosuch" \
	"$(cat "$E2E_TMP/err2")"
check_eq "trace unchanged by the errors" "[]" \
	"$("$LTSCTL" -s "$SOCK" --json show trace | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["trace"]["flags"])')"

heading "rsyslogd restarts: lines meanwhile are counted as lost, then flow again"
RS_PID=$(cat "$E2E_TMP/rsyslog.pid" 2>/dev/null)
kill -TERM "$RS_PID" 2>/dev/null
wait_pid_exit "$RS_PID" 5 || die "rsyslogd (pid $RS_PID) ignored SIGTERM"
"$LTSCTL" -s "$SOCK" trace session >/dev/null # an info line with nobody to take it
check_match "ltsd says once that the local socket is gone" \
	"syslog $LOGSOCK: .*: lines are dropped and counted" "$(cat "$LTSD_LOG")"
ip netns exec "$NS_LNS" "$RSYSLOGD" -n -f "$E2E_TMP/rsyslog.conf" -i "$E2E_TMP/rsyslog.pid" \
	>>"$E2E_TMP/rsyslog.log" 2>&1 &
E2E_BG_PIDS+=($!)
wait_for 10 eval "[ -S '$LOGSOCK' ] && ip netns exec '$NS_LNS' ss -Hlun | grep -q ':$SYSLOG_PORT '" ||
	die "rsyslogd did not come back: $(cat "$E2E_TMP/rsyslog.log")"
sleep 1.2 # ltsd's reconnect delay
"$LTSCTL" -s "$SOCK" trace off >/dev/null
check_syslog_line "a line after the restart arrives over the local socket" imuxsock \
	'msg= ?trace off \(was session\)' '^in=imuxsock fac=local3 sev=info '
check_match "ltsd says the local socket takes lines again" \
	"syslog $LOGSOCK: taking lines again" "$(cat "$LTSD_LOG")"
check_eq "show trace: the local socket lost lines, the remote host none" "True 0" \
	"$("$LTSCTL" -s "$SOCK" --json show trace | "$PY" -c 'import json, sys
s = json.load(sys.stdin)["trace"]["log"]["syslog"]
print(s["local"]["errors"] >= 1, s["remote"]["errors"])')"

check_ltsd_alive "after the rounds"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
log "    rsyslogd wrote $(wc -l <"$OUT") lines ($(syslog_count imuxsock .) local, $(syslog_count imudp .) UDP)"
e2e_done
