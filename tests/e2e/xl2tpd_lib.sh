# SPDX-License-Identifier: GPL-2.0
#
# Real L2TP peers for the e2e tests: xl2tpd as LAC or LNS, with
# tests/e2e/ppp_standin in place of pppd. Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/xl2tpd_lib.sh"
#
#   ip netns NS                                  private mount namespace
#  +------------------------------------------------------------------------+
#  | xl2tpd -D -c $dir/xl2tpd.conf -s $dir/l2tp-secrets -C $dir/control ... |
#  |    | fork+exec /usr/sbin/pppd  (bind mount of ppp_standin, this       |
#  |    |  pty       namespace only: the machine has no /dev/ppp anyway)   |
#  |    +------> ppp_standin  logs/sends/echoes async-HDLC PPP frames      |
#  +------------------------------------------------------------------------+
#
# Everything of an instance NAME lives in $E2E_TMP/xl2tpd-NAME/: xl2tpd.conf,
# options (pppoptfile, with the stand-in's "standin-*" lines), l2tp-secrets,
# control (fifo), xl2tpd.pid, xl2tpd.log (xl2tpd -D output, including the
# stand-ins' start/exit records) and standin.log (one line per PPP frame,
# format in ppp_standin.c; all calls of the instance append to it).
# Instances are killed by lib.sh's e2e_cleanup (their pids go into
# E2E_BG_PIDS); a stand-in exits with its pty or on xl2tpd's SIGTERM, and the
# bind mount dies with the mount namespace. Call xl2tpd_trap_exit after
# e2e_init: a failing test then shows the instances' logs, and the
# stand-ins are gone before the temp dir is removed.
#
# Typical use (ltsd as LNS for an xl2tpd LAC):
#   xl2tpd_start lac1 "$NS_LAC" lac $V4_A_PEER $V4_A_LOCAL standin-send-ip=10 \
#           standin-wait-usr1=yes
#   xl2tpd_wait_call lac1 || die "no call"
#   standin_wait_started lac1 && standin_kick lac1
#   standin_wait_rx lac1 10        # e.g. with an echoing peer
#   standin_frames lac1 tx; standin_frames lac1 rx; xl2tpd_call_ids lac1
#
# xl2tpd 1.3.18 facts (measured, see test_xl2tpd_harness.sh): IPv4 only; LAC
# section name = the name given here (control pipe: "c NAME"); the LNS section
# is "default". Hello interval is fixed at 60 s (HELLO_DELAY, compile time).
# Tunnel authentication (Challenge/Challenge Response) works with a shared
# secret. "hidden bit = yes" is accepted but xl2tpd sends no hidden AVP. No
# proxy authentication AVPs are sent by the LAC; "c NAME user pass" only
# hands user and password to pppd.

XL2TPD=${XL2TPD:-/usr/sbin/xl2tpd}
PPP_STANDIN=${PPP_STANDIN:-$BUILD/tests/e2e/ppp_standin}
# The pppd path compiled into xl2tpd (strings /usr/sbin/xl2tpd | grep pppd).
XL2TPD_PPPD=${XL2TPD_PPPD:-/usr/sbin/pppd}
XL2TPD_START_TIMEOUT=${XL2TPD_START_TIMEOUT:-5}

declare -A XL2TPD_PID=() XL2TPD_NS=() XL2TPD_ROLE=()

# xl2tpd_check: skip unless xl2tpd can run here; die when the stand-in is not built.
xl2tpd_check() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -x "$XL2TPD" ] || skip "needs xl2tpd (scripts/install-deps.sh)"
	command -v unshare >/dev/null 2>&1 || skip "needs unshare"
	[ -x "$PPP_STANDIN" ] || die "$PPP_STANDIN not built: run make $O/tests/e2e/ppp_standin"
}

# xl2tpd_dir NAME: the instance's directory.
xl2tpd_dir() { printf '%s/xl2tpd-%s\n' "$E2E_TMP" "$1"; }

_xl2tpd_yesno() {
	case $2 in
	yes | no) ;;
	*) die "xl2tpd_start: $1 must be yes or no, not '$2'" ;;
	esac
}

# xl2tpd_start NAME NS ROLE LOCAL PEER [KEY=VALUE...]
#   NAME    instance name; for a LAC also the section name used to dial
#   NS      network namespace to run in
#   ROLE    lac | lns
#   LOCAL   IPv4 address to listen on (listen-addr)
#   PEER    LAC: the LNS to dial; LNS: the LAC to accept (checked only with
#           access_control=yes)
# KEY=VALUE (defaults in brackets):
#   hostname=H        Host Name AVP [NAME]
#   port=P            local UDP port [1701]
#   peer_port=P       LAC: the LNS's UDP port [1701]
#   secret=S          tunnel authentication with secret S [none]
#   challenge=yes|no  challenge the peer (needs secret) [yes with a secret]
#   hidden=yes|no     "hidden bit" (xl2tpd hides nothing in practice) [no]
#   autodial=yes|no   LAC: dial (tunnel + call) at start [yes]
#   redial=yes|no     LAC: redial after a disconnect [no]
#   length_bit=yes|no L bit (and Length) in data messages [yes]
#   flow_bit=yes|no   "flow bit" [no]; xl2tpd 1.3.18 still sends data
#                     messages without Ns/Nr (its man page: broken)
#   rws=N             tunnel receive window size [xl2tpd default 4]
#   max_retries=N     control retransmissions before giving up [xl2tpd default 5]
#   access_control=yes|no  LNS: accept only PEER [no]
#   ip_range=A-B      LNS: remote addresses handed to pppd [192.168.77.10-192.168.77.250]
#   local_ip=A        LNS: local address handed to pppd [192.168.77.1]
#   debug=yes|no      xl2tpd avp/network/state/tunnel debug logging [no]
#   extra=LINE        a raw line for the section (repeatable)
#   standin-KEY=V     stand-in option "standin-KEY V" in the pppoptfile:
#                     log (default $dir/standin.log), tag (default NAME),
#                     send-lcp, send-ip, interval-ms, start-delay-ms, wait-rx,
#                     wait-usr1, echo, echo-max, magic, acfc, ip-size, ip-src,
#                     ip-dst, accm (ppp_standin --help). A sender should not
#                     start before the far end's stand-in runs: frames reach a
#                     pty still in cooked mode (0x7f erases) or no pppd at all.
#                     Deterministic: standin-wait-usr1=yes, then standin_kick
#                     once both ends' standin_wait_started returned.
# Returns once xl2tpd listens (bounded); sets XL2TPD_PID[NAME].
xl2tpd_start() {
	local name=$1 ns=$2 role=$3 local_ip=$4 peer=$5
	shift 5
	local dir hostname=$name port=1701 peer_port=1701 secret= challenge= hidden=no
	local autodial=yes redial=no length_bit=yes flow_bit=no rws= max_retries=
	local access_control=no ip_range=192.168.77.10-192.168.77.250 lip=192.168.77.1
	local debug=no kv key val
	local extra=() standin=()

	case $role in lac | lns) ;; *) die "xl2tpd_start: role must be lac or lns, not '$role'" ;; esac
	[ -z "${XL2TPD_PID[$name]:-}" ] || die "xl2tpd_start: instance '$name' exists"
	for kv in "$@"; do
		key=${kv%%=*}
		val=${kv#*=}
		[ "$key" != "$kv" ] || die "xl2tpd_start: expected KEY=VALUE, got '$kv'"
		case $key in
		hostname) hostname=$val ;;
		port) port=$val ;;
		peer_port) peer_port=$val ;;
		secret) secret=$val ;;
		challenge) _xl2tpd_yesno "$key" "$val" && challenge=$val ;;
		hidden) _xl2tpd_yesno "$key" "$val" && hidden=$val ;;
		autodial) _xl2tpd_yesno "$key" "$val" && autodial=$val ;;
		redial) _xl2tpd_yesno "$key" "$val" && redial=$val ;;
		length_bit) _xl2tpd_yesno "$key" "$val" && length_bit=$val ;;
		flow_bit) _xl2tpd_yesno "$key" "$val" && flow_bit=$val ;;
		rws) rws=$val ;;
		max_retries) max_retries=$val ;;
		access_control) _xl2tpd_yesno "$key" "$val" && access_control=$val ;;
		ip_range) ip_range=$val ;;
		local_ip) lip=$val ;;
		debug) _xl2tpd_yesno "$key" "$val" && debug=$val ;;
		extra) extra+=("$val") ;;
		standin-*) standin+=("$key $val") ;;
		hello*) die "xl2tpd_start: xl2tpd's Hello interval is fixed (60 s), '$key' cannot be set" ;;
		*) die "xl2tpd_start: unknown option '$key'" ;;
		esac
	done
	[ -n "$challenge" ] || { [ -n "$secret" ] && challenge=yes || challenge=no; }
	[ "$challenge" = no ] || [ -n "$secret" ] || die "xl2tpd_start: challenge=yes needs secret="

	dir=$(xl2tpd_dir "$name")
	mkdir -p "$dir" || die "mkdir $dir"
	rm -f "$dir/standin.log" "$dir/xl2tpd.log" "$dir/control" "$dir/xl2tpd.pid"

	{
		echo "; $role '$name' in $ns, generated by $(basename "$0")"
		echo "[global]"
		echo "listen-addr = $local_ip"
		echo "port = $port"
		echo "auth file = $dir/l2tp-secrets"
		echo "access control = $access_control"
		# pppd must get a pty even where kernel L2TP exists (pppol2tp plugin)
		echo "force userspace = yes"
		[ -z "$max_retries" ] || echo "max retries = $max_retries"
		if [ "$debug" = yes ]; then
			echo "debug avp = yes"
			echo "debug network = yes"
			echo "debug state = yes"
			echo "debug tunnel = yes"
		fi
		echo
		if [ "$role" = lac ]; then
			echo "[lac $name]"
			echo "lns = $peer:$peer_port"
			echo "autodial = $autodial"
			echo "redial = $redial"
		else
			echo "[lns default]"
			[ "$access_control" = no ] || echo "lac = $peer"
			echo "ip range = $ip_range"
			echo "local ip = $lip"
		fi
		echo "hostname = $hostname"
		echo "pppoptfile = $dir/options"
		echo "challenge = $challenge"
		echo "hidden bit = $hidden"
		echo "length bit = $length_bit"
		echo "flow bit = $flow_bit"
		[ -z "$rws" ] || echo "tunnel rws = $rws"
		# PPP authentication is the stand-in's business (it does none).
		echo "refuse pap = yes"
		echo "refuse chap = yes"
		echo "require authentication = no"
		local l
		for l in "${extra[@]}"; do echo "$l"; done
	} >"$dir/xl2tpd.conf"

	# l2tp-secrets: "them us secret", * matches any host name.
	if [ -n "$secret" ]; then
		printf '* * %s\n' "$secret" >"$dir/l2tp-secrets"
	else
		: >"$dir/l2tp-secrets"
	fi
	chmod 600 "$dir/l2tp-secrets"

	{
		echo "# pppd options for ppp_standin: it reads only standin-* lines"
		echo "noauth"
		echo "standin-log $dir/standin.log"
		echo "standin-tag $name"
		local s
		for s in "${standin[@]}"; do echo "$s"; done
	} >"$dir/options"

	# unshare execs sh, sh execs xl2tpd: $! is xl2tpd's pid. Without a pppd
	# to bind over, an overlay adds the stand-in to a private view of its dir.
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		standin=$1 pppd=$2 dir=$3
		shift 3
		if [ -e "$pppd" ]; then
			mount --bind "$standin" "$pppd" || exit 111
		else
			mkdir -p "$dir/pppd-overlay" &&
				cp "$standin" "$dir/pppd-overlay/$(basename "$pppd")" &&
				mount -t overlay overlay \
					-o "lowerdir=$dir/pppd-overlay:$(dirname "$pppd")" \
					"$(dirname "$pppd")" || exit 111
		fi
		exec "$@"' sh "$PPP_STANDIN" "$XL2TPD_PPPD" "$dir" \
		"$XL2TPD" -D -c "$dir/xl2tpd.conf" -s "$dir/l2tp-secrets" \
		-p "$dir/xl2tpd.pid" -C "$dir/control" >"$dir/xl2tpd.log" 2>&1 &
	local pid=$!
	E2E_BG_PIDS+=("$pid")
	XL2TPD_PID[$name]=$pid
	XL2TPD_NS[$name]=$ns
	XL2TPD_ROLE[$name]=$role

	local deadline=$((SECONDS + XL2TPD_START_TIMEOUT))
	until grep -q 'Listening on IP address' "$dir/xl2tpd.log" 2>/dev/null && [ -p "$dir/control" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			local rc=$?
			cat "$dir/xl2tpd.log" >&2
			XL2TPD_PID[$name]=
			die "xl2tpd '$name' exited with $rc at start (111: mounting the stand-in failed)"
		fi
		if [ $SECONDS -ge "$deadline" ]; then
			cat "$dir/xl2tpd.log" >&2
			die "xl2tpd '$name' not listening within ${XL2TPD_START_TIMEOUT}s"
		fi
		sleep 0.05
	done
}

# xl2tpd_alive NAME
xl2tpd_alive() {
	[ -n "${XL2TPD_PID[$1]:-}" ] && kill -0 "${XL2TPD_PID[$1]}" 2>/dev/null
}

# xl2tpd_stop NAME: SIGTERM, SIGKILL after 5 s; then wait for its stand-ins,
# which exit on their pty's hangup. Returns xl2tpd's exit status. xl2tpd
# exits on SIGTERM without sending StopCCN (its stand-ins see SIGHUP): close
# tunnels with xl2tpd_disconnect first when the peer must see them go.
xl2tpd_stop() {
	local pid=${XL2TPD_PID[$1]:-} rc
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	if ! wait_pid_exit "$pid" 5; then
		echo "xl2tpd '$1' (pid $pid) ignored SIGTERM for 5s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	XL2TPD_PID[$1]=
	_standin_reap "$1"
	return $rc
}

# _standin_reap NAME: wait up to 3 s for the instance's stand-ins, then SIGKILL.
# Orphaned by xl2tpd, a stand-in that exited is a zombie until whatever
# reaps orphans gets to it (seconds, on some machines): that counts as gone.
_standin_reap() {
	local p
	for p in $(standin_pids "$1"); do
		wait_for 3 _standin_gone "$p" || kill -KILL "$p" 2>/dev/null
	done
}

_standin_gone() {
	local st
	# the stand-in runs as /usr/sbin/pppd: any other comm is a reused pid
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = pppd ] || return 0
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# xl2tpd_log_count NAME ERE: matching lines in the xl2tpd log.
xl2tpd_log_count() {
	grep -Ec -- "$2" "$(xl2tpd_dir "$1")/xl2tpd.log" 2>/dev/null
}

# xl2tpd_wait_log NAME ERE [SECONDS] [COUNT]: until COUNT (1) lines match.
xl2tpd_wait_log() {
	local f n=${4:-1}
	f=$(xl2tpd_dir "$1")/xl2tpd.log
	wait_for "${3:-10}" _xl2tpd_at_least "$f" "$2" "$n"
}

_xl2tpd_at_least() { [ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }

# xl2tpd_wait_tunnel NAME [SECONDS] [COUNT]: "Connection established" (both roles).
xl2tpd_wait_tunnel() { xl2tpd_wait_log "$1" 'Connection established to' "${2:-10}" "${3:-1}"; }

# xl2tpd_wait_call NAME [SECONDS] [COUNT]: "Call established" (both roles).
xl2tpd_wait_call() { xl2tpd_wait_log "$1" 'Call established with' "${2:-10}" "${3:-1}"; }

# xl2tpd_wait_tunnel_closed NAME [SECONDS] [COUNT]: the tunnel went down
# (StopCCN sent or received). LAC: "Connection 123 closed to A, port P (...)",
# LNS: "Connection closed to A, port P (...), Local: ...".
xl2tpd_wait_tunnel_closed() {
	xl2tpd_wait_log "$1" 'Connection ([0-9]+ )?closed to .*, port [0-9]+' "${2:-10}" "${3:-1}"
}

# xl2tpd_wait_call_closed NAME [SECONDS] [COUNT]: a call went down (CDN).
# LNS: "Connection closed to A, serial N (...)", LAC: "Call N to A disconnected".
xl2tpd_wait_call_closed() {
	xl2tpd_wait_log "$1" 'Connection closed to .*, serial [0-9]+|Call [0-9]+ to .* disconnected' \
		"${2:-10}" "${3:-1}"
}

# xl2tpd_tunnel_ids NAME [N]: "LOCAL REMOTE" tunnel IDs of the Nth (1) tunnel.
xl2tpd_tunnel_ids() {
	grep 'Connection established to' "$(xl2tpd_dir "$1")/xl2tpd.log" | sed -n "${2:-1}p" |
		sed 's/.*Local: \([0-9]*\), Remote: \([0-9]*\).*/\1 \2/'
}

# xl2tpd_call_ids NAME [N]: "LOCAL REMOTE" session IDs of the Nth (1) call.
xl2tpd_call_ids() {
	grep 'Call established with' "$(xl2tpd_dir "$1")/xl2tpd.log" | sed -n "${2:-1}p" |
		sed 's/.*Local: \([0-9]*\), Remote: \([0-9]*\).*/\1 \2/'
}

# xl2tpd_ctl NAME COMMAND...: one control pipe request; prints xl2tpd's
# answer ("00 OK" ...) and succeeds when it starts with "00". Commands:
# "c LAC [user [pass]]" dial (user/pass only go to pppd's argv: "name USER",
# passwordfd), "d LAC" disconnect the tunnel, "h CALLID" hang up a call.
xl2tpd_ctl() {
	local name=$1 dir res reader rc answer
	shift
	dir=$(xl2tpd_dir "$name")
	# "@FILE cmd": xl2tpd fopen()s FILE for writing, answers and unlinks it,
	# so FILE must be a fifo with a reader already waiting (as xl2tpd-control does).
	res=$dir/ctl-answer.$BASHPID
	rm -f "$res"
	mkfifo "$res" || return 1
	timeout 5 cat "$res" >"$res.txt" &
	reader=$!
	# A fifo write blocks without a reader: bounded.
	if ! timeout 5 sh -c 'printf "%s\n" "$1" >"$2"' sh "@$res $*" "$dir/control"; then
		echo "xl2tpd_ctl $name: control pipe write failed" >&2
		kill "$reader" 2>/dev/null
		wait "$reader" 2>/dev/null
		rm -f "$res" "$res.txt"
		return 1
	fi
	wait "$reader"
	rc=$?
	answer=$(cat "$res.txt")
	rm -f "$res" "$res.txt"
	if [ "$rc" -ne 0 ]; then
		echo "xl2tpd_ctl $name: no answer to '$*'" >&2
		return 1
	fi
	printf '%s\n' "$answer"
	# "00 OK", "01 Session 'x' already active!", ...
	[ "${answer#00 }" != "$answer" ]
}

# xl2tpd_dial NAME [USER [PASSWORD]]: a LAC places a call (tunnel first when needed).
xl2tpd_dial() { xl2tpd_ctl "$1" c "$@"; }

# xl2tpd_disconnect NAME: a LAC closes its tunnel (StopCCN).
xl2tpd_disconnect() { xl2tpd_ctl "$1" d "$1"; }

# ---------------------------------------------------------------- stand-in

# standin_log NAME: path of the instance's frame log.
standin_log() { printf '%s/standin.log\n' "$(xl2tpd_dir "$1")"; }

# standin_frames NAME DIR [PID]: hex of the frames in direction DIR (rx, tx,
# bad_fcs, ...), one per line, in log order; only stand-in PID's when given.
standin_frames() {
	awk -v d="$2" -v p="${3:-}" '$1 != "#" && $3 == d && (p == "" || $2 == p) { print $5 }' \
		"$(standin_log "$1")" 2>/dev/null
}

# standin_count NAME DIR: number of frames logged in direction DIR.
standin_count() {
	awk -v d="$2" '$1 != "#" && $3 == d { n++ } END { print n + 0 }' \
		"$(standin_log "$1")" 2>/dev/null || echo 0
}

# standin_wait_rx NAME [COUNT] [SECONDS]: until COUNT (1) good frames arrived.
standin_wait_rx() { wait_for "${3:-10}" _standin_at_least "$1" rx "${2:-1}"; }

_standin_at_least() { [ "$(standin_count "$1" "$2")" -ge "$3" ]; }

# standin_pids NAME: pids of the stand-ins that started (one per call).
# "start" is logged once the pty is raw and SIGUSR1 is handled.
standin_pids() {
	awk '$1 == "#" && $4 == "start" { print $3 }' "$(standin_log "$1")" 2>/dev/null
}

# standin_wait_started NAME [COUNT] [SECONDS]: until COUNT (1) stand-ins started.
standin_wait_started() { wait_for "${3:-10}" _standin_started "$1" "${2:-1}"; }

_standin_started() { [ "$(standin_pids "$1" | wc -l)" -ge "$2" ]; }

# standin_kick NAME [PID...]: SIGUSR1 to the instance's running stand-ins (or
# to the PIDs given): each starts a batch of send-lcp + send-ip frames.
standin_kick() {
	local name=$1 p n=0
	shift
	[ $# -gt 0 ] || set -- $(standin_pids "$name")
	for p in "$@"; do
		# only our own stand-ins: a pid the log knows and that has not exited
		grep -q "^# [0-9.]* $p exit " "$(standin_log "$name")" && continue
		kill -USR1 "$p" 2>/dev/null && n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

# standin_exit_stat NAME KEY [PID]: a counter of the exit record(s) (rx, tx,
# echo, bad_fcs, runt, abort, overflow, sent_lcp, sent_ip), summed over the
# stand-ins that exited; "reason" gives the reasons instead.
standin_exit_stat() {
	awk -v k="$2" -v p="${3:-}" '
		$1 == "#" && $4 == "exit" && (p == "" || $3 == p) {
			for (i = 5; i <= NF; i++) {
				split($i, kv, "=")
				if (kv[1] == k) { if (k == "reason") r = r kv[2] " "; else n += kv[2] }
			}
			seen = 1
		}
		END { if (k == "reason") print r; else print n + 0; exit !seen }' "$(standin_log "$1")"
}

# xl2tpd_show_logs NAME [LINES]: the tail of both logs, for failure reports.
xl2tpd_show_logs() {
	local dir f
	dir=$(xl2tpd_dir "$1")
	for f in "$dir/xl2tpd.log" "$dir/standin.log"; do
		[ -s "$f" ] || continue
		echo "---- last lines of $f ----"
		tail -n "${2:-20}" "$f" | cut -c1-200
	done
}

# ---------------------------------------------------------------- captures

# pcap_ppp_frames PCAP SRC [SPORT]: the PPP frame (hex, L2TP data header
# stripped) of every L2TP data message sent by SRC (and SPORT), in order:
# comparable with standin_frames. UDP port 1701 (and SPORT) is decoded as
# L2TP. Only the first udp.payload counts: a PPP IP frame may carry UDP too.
pcap_ppp_frames() {
	tshark -n -r "$1" ${3:+-d udp.port==$3,l2tp} \
		-Y "l2tp.type == 0 && ip.src == $2${3:+ && udp.srcport == $3}" \
		-T fields -E occurrence=f -e udp.payload 2>/dev/null |
		"$PY" -c '
import sys
for line in sys.stdin:
    b = bytes.fromhex(line.strip().replace(":", ""))
    if len(b) < 6:
        continue
    f = b[0]
    hl = 2 + (2 if f & 0x40 else 0) + 4 + (4 if f & 0x08 else 0)
    if f & 0x02:  # RFC 2661 3.1: Offset Size, then that much padding
        hl += 2 + int.from_bytes(b[hl:hl + 2], "big")
    print(b[hl:].hex())'
}

# pcap_l2tp_problems PCAP: frames tshark marks malformed or with an error.
pcap_l2tp_problems() {
	tshark -n -r "$1" -Y '_ws.malformed || _ws.expert.severity == error' \
		-T fields -e frame.number -e _ws.col.Info 2>/dev/null
}

# pcap_control_types PCAP: message types of the L2TP control messages
# (ZLBs left out), space separated, in order: 1 SCCRQ, 2 SCCRP, 3 SCCCN,
# 4 StopCCN, 6 HELLO, 10 ICRQ, 11 ICRP, 12 ICCN, 14 CDN.
pcap_control_types() {
	tshark -n -r "$1" -Y 'l2tp.type == 1 && l2tp.avp.message_type' \
		-T fields -e l2tp.avp.message_type 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# ---------------------------------------------------------------- failures

# xl2tpd_trap_exit: at exit, show the logs of every instance if the test
# failed, stop the instances and their stand-ins (before their directory
# goes), then run lib.sh's e2e_cleanup as before. Call after e2e_init (or
# after setting the EXIT trap to e2e_cleanup).
xl2tpd_trap_exit() { trap _xl2tpd_exit EXIT; }

_xl2tpd_exit() {
	local rc=$? n
	# Cleanup must finish even when stdout went away (a caller piping into head).
	trap '' PIPE
	trap - EXIT
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for n in "${!XL2TPD_NS[@]}"; do
			xl2tpd_show_logs "$n" 15
		done
	fi
	for n in "${!XL2TPD_NS[@]}"; do
		xl2tpd_stop "$n" >/dev/null 2>&1
	done
	(exit "$rc")
	e2e_cleanup
}
