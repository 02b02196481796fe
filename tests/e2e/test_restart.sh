#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Restarts and reloads without dropping a subscriber (docs/restart.md), with
# real xl2tpd peers and a PPP stream running through the switch the whole
# time: the LAC's stand-in sends numbered frames every 10 ms, the LNS's
# stand-in echoes each one, and every phase counts what was sent and what
# arrived, both ways.
#
#   1  kill -9 during the stream, a new ltsd within 2 s: nothing lost, no
#      tunnel or call torn down at either end, Hellos go on, a new call after
#      it is switched
#   2  ltsctl restart (a new image, same pid) during the stream: the same
#   3  SIGHUP adding an lns_peer and a rule: a new call follows the new rule,
#      the running call does not lose a frame
#   4  SIGHUP and ltsctl reload with a broken file: file:line:col reported,
#      nothing changes
#   5  reload removing that lns_peer: its call gets CDNs, the other none
#   6  restart after the file lost the first call's lns_peer: adopted, then
#      that call and tunnel cleared cleanly (CDN to the LAC, StopCCN to the LNS)
#   7  restart after the file turned policing on (other map sizes): reported,
#      started empty, nothing half-adopted
#
# Topology: switch_lib.sh's. LACs bras1 (10.0.1.1, host bras-1) and plain
# (10.0.1.3, host lac-plain); LNSes lns1 (10.0.2.1) and lns2 (10.0.2.3).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"
. "$(dirname "$0")/switch_lib.sh"

BATCH=${E2E_RESTART_FRAMES:-200} # frames per phase, one every 10 ms

e2e_init
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
xl2tpd_check
xl2tpd_trap_exit
sw_topo
bpffs_mount

SOCK=$E2E_TMP/ltsd.sock
CFG=$E2E_TMP/restart.yaml

# cfg PEERS...: the lns_peers named (lns1: rule default; lns2: rule by-host, bras-* -> lns2).
cfg() {
	local p
	cfg_head native | sed "/^  bpffs:/a\\
  control_socket: $SOCK\\
  on_stop: ${ON_STOP:-clear}"
	cat <<EOF
control:
  hello_interval: 1
  retransmit_initial: 200
  retransmit_max: 8000
  retries: 3
lac_peers:
  - {name: lacs, address: 10.0.1.0/24}
lns_peers:
EOF
	for p in "$@"; do
		echo "  - {name: $p, address: $(peer_ip "$p"), local: $V4_B_LOCAL}"
	done
	echo "rules:"
	for p in "$@"; do
		[ "$p" = lns2 ] && echo "  - {name: by-host, match: {lac_hostname: \"bras-*\"}, pool: [{lns: lns2}]}"
	done
	for p in "$@"; do
		[ "$p" = lns1 ] && echo "  - {name: default, pool: [{lns: lns1}]}"
	done
	return 0
}
peer_ip() { [ "$1" = lns1 ] && echo "$SW_LNS1_IP" || echo "$SW_LNS2_IP"; }

# Frames of the stand-ins: what bras1 sent, what lns1 got, what came back.
counts() {
	echo "$(standin_count bras1 tx) $(standin_count lns1 rx) $(standin_count bras1 rx)"
}

# stream_during PHASE CMD...: kick bras1's stand-in (BATCH frames over
# BATCH/100 s), run CMD half a second in, wait for the batch to end, then
# check that lns1 got every frame and bras1 every echo.
stream_during() {
	local phase=$1 tx0 rx0 echo0 tx1 rx1 echo1 sent lost_fwd lost_back
	shift
	read -r tx0 rx0 echo0 <<<"$(counts)"
	standin_kick bras1 || fail "$phase: no stand-in to kick"
	sleep 0.5
	"$@"
	# The batch takes BATCH * 10 ms; then the last echoes settle.
	wait_for $((BATCH / 100 + 10)) _batch_done $((tx0 + BATCH)) || true
	sleep 1
	read -r tx1 rx1 echo1 <<<"$(counts)"
	sent=$((tx1 - tx0))
	lost_fwd=$((sent - (rx1 - rx0)))
	lost_back=$((sent - (echo1 - echo0)))
	log "    $phase: frames sent $sent, lost LAC->LNS $lost_fwd, lost LNS->LAC $lost_back"
	check_eq "$phase: all $BATCH frames sent" "$BATCH" "$sent"
	check_eq "$phase: frames lost (LAC->LNS, LNS->LAC)" "0 0" "$lost_fwd $lost_back"
}
_batch_done() { [ "$(standin_count bras1 tx)" -ge "$1" ] && [ "$(standin_count bras1 rx)" -ge "$1" ]; }

# Nothing torn down at the peers: no StopCCN, no CDN in any xl2tpd log.
check_peers_untouched() {
	local n
	for n in "$@"; do
		check_eq "$PHASE: $n: no tunnel or call closed" 0 \
			"$(xl2tpd_log_count "$n" 'closed to|disconnected')"
	done
}

# Hellos: ltsd sends one per second on an idle tunnel; each is acknowledged,
# so the tunnels stay up past several retransmission budgets.
check_tunnels_alive() {
	sleep 4
	check_eq "$PHASE: ltsd still has its $1 tunnels established" "$1" \
		"$("$LTSCTL" -s "$SOCK" show tunnels 2>/dev/null | grep -c ESTABLISHED)"
	check_eq "$PHASE: ltsd gave up on no peer" 0 "$(sw_log_count 'peer not answering')"
}

wait_ready() { wait_for 15 _ready_count "$1"; }
# Packets LAC -> LNS of the first call ltsctl lists (its XDP and slow-path counters).
call_packets() {
	"$LTSCTL" -s "$SOCK" --json show sessions 2>/dev/null | "$PY" -c 'import json, sys
print(json.load(sys.stdin)["sessions"][0]["counters"]["lac_to_lns"]["packets"])' 2>/dev/null ||
		echo 0
}
_ready_count() { [ "$(grep -c 'ltsd: ready' "$LTSD_LOG")" -ge "$1" ]; }

###########################################################################
heading "setup: ltsd, xl2tpd LNS lns1, LAC bras1 with a call, stream stand-ins"
cfg lns1 >"$CFG"
ltsd_start "$CFG"
xl2tpd_start lns1 "$NS_LNS" lns $SW_LNS1_IP $V4_B_LOCAL hostname=lns-one standin-echo=yes \
	standin-echo-max=100000
xl2tpd_start bras1 "$NS_LAC" lac $SW_LAC1_IP $V4_A_LOCAL hostname=bras-1 \
	standin-send-ip=$BATCH standin-wait-usr1=yes standin-interval-ms=10
xl2tpd_wait_call bras1 && xl2tpd_wait_call lns1 || die "the first call did not come up"
sw_wait_log "switched: " 5 || die "ltsd did not switch the first call"
NH_TIMEOUT=10 wait_next_hops 2
standin_wait_started bras1 && standin_wait_started lns1 || die "stand-ins did not start"
PHASE=warm-up stream_during warm-up true

###########################################################################
heading "1: kill -9 during the stream, a new ltsd within 2 s"
PHASE=1
kill_and_restart() {
	local t0
	kill -KILL "$LTSD_PID"
	wait "$LTSD_PID" 2>/dev/null
	t0=$(date +%s%N)
	ltsd_start "$CFG" ltsd-2
	log "    new ltsd ready $(( ($(date +%s%N) - t0) / 1000000 )) ms after the kill"
}
before=$(call_packets)
stream_during 1 kill_and_restart
check_match "1: the restart store was adopted, every entry where it was" \
	"resumed 2 tunnels and 1 calls .* 0 stale fast-path entries removed" "$(cat "$LTSD_LOG")"
after=$(call_packets)
log "    1: the call's counter LAC->LNS: $before before the kill, $after after the batch"
check_eq "1: counters went on through the restart (+$BATCH at least)" 1 \
	"$((after >= before + BATCH))"
check_peers_untouched bras1 lns1
check_tunnels_alive 2
xl2tpd_start plain "$NS_LAC" lac $SW_LAC2_IP $V4_A_LOCAL hostname=lac-plain
xl2tpd_wait_call plain || fail "1: a new call after the restart did not come up"
sw_wait_log "switched: " 5 || fail "1: the new call was not switched"

###########################################################################
heading "2: ltsctl restart during the stream"
PHASE=2
planned_restart() {
	out=$("$LTSCTL" -s "$SOCK" restart 2>&1)
	check_eq "2: ltsctl restart exit status" 0 "$?"
	log "    ltsctl restart: $out"
	check_match "2: the answer names ltsd's pid" "^pid $LTSD_PID hands over" "$out"
	wait_ready 2 || fail "2: no second 'ltsd: ready' after ltsctl restart"
}
stream_during 2 planned_restart
check_eq "2: the same process goes on (a new image)" 0 "$(kill -0 "$LTSD_PID"; echo $?)"
check_match "2: adopted" "resumed 3 tunnels and 2 calls" "$(tail -n 40 "$LTSD_LOG")"
check_peers_untouched bras1 lns1 plain
check_tunnels_alive 3

###########################################################################
heading "3: SIGHUP adding lns_peer lns2 and rule by-host (bras-* -> lns2)"
PHASE=3
xl2tpd_start lns2 "$NS_LNS" lns $SW_LNS2_IP $V4_B_LOCAL hostname=lns-two
cfg lns1 lns2 >"$CFG"
stream_during 3 kill -HUP "$LTSD_PID"
check_match "3: reloaded" "reloaded: 1 lac_peers, 2 lns_peers, 2 rules" "$(cat "$LTSD_LOG")"
ip -n "$NS_LAC" addr add 10.0.1.7/24 dev lac0 || die "addr 10.0.1.7"
xl2tpd_start bras2 "$NS_LAC" lac 10.0.1.7 $V4_A_LOCAL hostname=bras-2
xl2tpd_wait_call bras2 && xl2tpd_wait_call lns2 || fail "3: bras-2's call did not reach lns2"
check_match "3: the new call follows the new rule" "-> by-host: placing the call on lns_peer lns2" \
	"$(cat "$LTSD_LOG")"
check_peers_untouched bras1 lns1 plain

###########################################################################
heading "4: a broken file: SIGHUP and ltsctl reload refuse it, nothing changes"
PHASE=4
cp "$CFG" "$E2E_TMP/good.yaml"
printf 'rules:\n  - {name: x, pool: [{lns: nowhere}]}\n' >>"$CFG"
kill -HUP "$LTSD_PID"
sw_wait_log "reload refused" 5 || fail "4: SIGHUP: no 'reload refused' in the log"
check_match "4: the log says file:line:col" "reload refused.*$CFG:[0-9]+:[0-9]+: " "$(cat "$LTSD_LOG")"
out=$("$LTSCTL" -s "$SOCK" reload 2>&1)
rc=$?
log "    ltsctl reload: $out"
check_eq "4: ltsctl reload exit status non-zero" 1 "$((rc != 0))"
check_match "4: ltsctl says file:line:col" "$CFG:[0-9]+:[0-9]+: " "$out"
check_eq "4: rules unchanged" 2 "$("$LTSCTL" -s "$SOCK" --json show rules | grep -c '"name"')"
cp "$E2E_TMP/good.yaml" "$CFG"

###########################################################################
heading "5: reload removing lns2: its call is cleared, the others keep flowing"
PHASE=5
cfg lns1 >"$CFG"
reload_now() {
	out=$("$LTSCTL" -s "$SOCK" reload 2>&1)
	check_eq "5: ltsctl reload exit status" 0 "$?"
}
stream_during 5 reload_now
xl2tpd_wait_call_closed bras2 5 || fail "5: bras-2 got no CDN"
xl2tpd_wait_tunnel_closed lns2 5 || fail "5: lns2 got no StopCCN"
check_match "5: why" "lns_peer lns2 removed from the configuration" "$(cat "$LTSD_LOG")"
check_peers_untouched bras1 lns1 plain

###########################################################################
heading "5b: SIGTERM with on_stop: keep during the stream, a new ltsd 1 s later"
PHASE=5b
ON_STOP=keep cfg lns1 >"$CFG"
"$LTSCTL" -s "$SOCK" reload >/dev/null 2>&1 || fail "5b: reload with on_stop: keep refused"
stop_keep_and_start() {
	kill -TERM "$LTSD_PID"
	wait "$LTSD_PID"
	check_eq "5b: ltsd exit status after SIGTERM" 0 "$?"
	check_match "5b: the restart store stays pinned" "state_tunnels" "$(ls "$BPFFS_DIR")"
	sleep 1 # nobody home: XDP switches alone
	ltsd_start "$CFG" ltsd-keep
}
stream_during 5b stop_keep_and_start
check_match "5b: adopted" "resumed [0-9]+ tunnels and 2 calls" "$(cat "$LTSD_LOG")"
check_peers_untouched bras1 lns1 plain
cfg lns1 >"$CFG" # on_stop: clear again

###########################################################################
heading "6: restart after lns1 left the file: adopted, then cleared cleanly"
PHASE=6
kill -KILL "$LTSD_PID"
wait "$LTSD_PID" 2>/dev/null
cfg lns2 >"$CFG"
ltsd_start "$CFG" ltsd-3
check_match "6: adopted first" "resumed [0-9]+ tunnels and 2 calls" "$(cat "$LTSD_LOG")"
check_match "6: then cleared" "lns_peer lns1 removed from the configuration" "$(cat "$LTSD_LOG")"
xl2tpd_wait_call_closed bras1 5 || fail "6: bras1 got no CDN"
xl2tpd_wait_tunnel_closed lns1 5 || fail "6: lns1 got no StopCCN"

###########################################################################
heading "7: restart when the file now polices: the pinned maps no longer fit"
PHASE=7
kill -KILL "$LTSD_PID"
wait "$LTSD_PID" 2>/dev/null
cfg lns2 | sed 's/pool: \[{lns: lns2}\]}/pool: [{lns: lns2}], police: {rate: 1000, burst: 10000}}/' >"$CFG"
grep -q police "$CFG" || die "7: no police key in the test config"
ltsd_start "$CFG" ltsd-4
check_match "7: reported, not adopted" \
	"restart store in .* not adopted: the pinned maps do not fit this configuration" \
	"$(cat "$LTSD_LOG")"
check_eq "7: nothing half-adopted" 0 "$(sw_log_count 'resumed [0-9]+ tunnels')"

heading "ltsd exits cleanly"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
check_eq "SIGTERM (on_stop: clear) removes the restart store" "" \
	"$(ls "$BPFFS_DIR" 2>/dev/null | grep state_)"
e2e_done
