#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: ltsd switching two real L2TP calls by rule. One xl2tpd LAC
# opens two tunnels (sections bras-1 and bras-2, each presenting its own Host
# Name) to ltsd, which answers as their LNS and places each call on the LNS
# its rules name: bras-1's on lns-isp1, bras-2's on lns-isp2, two more
# xl2tpd. Once both legs of a call are up, ltsd installs the pair in the XDP
# switch table: the PPP frames of the callers (stand-ins for pppd that send
# and echo frames) then cross the switch without entering the kernel stack or
# userspace. Needs root and the packages of scripts/install-deps.sh; about
# 15 s; leaves nothing behind; exits non-zero when something does not work.
#
#      ns lac                            ns lts                           ns lns
#  +----------------+      +--------------------------------+      +----------------+
#  | xl2tpd (LAC)   |      |  ltsd: lac_peers, rules,       |      | xl2tpd lns-isp1|
#  |  [lac bras-1]  |      |  lns_peers; XDP on lts-a/lts-b |      |   10.0.2.1     |
#  |  [lac bras-2]  | veth |                                | veth | xl2tpd lns-isp2|
#  | lac0 10.0.1.1  |------| lts-a 10.0.1.2  10.0.2.2 lts-b |------|   10.0.2.3     |
#  +----------------+      +--------------------------------+      +----------------+
. "$(dirname "$0")/../tests/e2e/lib.sh"
. "$(dirname "$0")/../tests/e2e/xl2tpd_lib.sh"
. "$(dirname "$0")/../tests/e2e/switch_lib.sh"

LAC=bras-1 # the xl2tpd instance; its first section, the second is bras-2
LNS1=lns-isp1 LNS2=lns-isp2
# Each LAC stand-in sends this many LCP Configure-Requests and PPP IPv4
# frames; the LNS stand-ins echo every frame.
N_LCP=2 N_IP=${DEMO_FRAMES:-5}
N=$((N_LCP + N_IP))

e2e_init
xl2tpd_check
xl2tpd_trap_exit
t_start=$SECONDS

cat <<'EOF'
L2TP tunnel switch demo: two calls switched by rule
===================================================
An xl2tpd LAC opens two tunnels to ltsd, with the Host Names bras-1 and
bras-2, and places one call in each. ltsd answers as their LNS, picks an LNS
for each call by its rules and places the call there (ltsd is the LAC toward
lns-isp1 and lns-isp2, two more xl2tpd). When both legs are up the pair goes
into the XDP switch table: from then on the callers' PPP frames are switched
by XDP, both ways.

      ns lac                            ns lts                           ns lns
  +----------------+      +--------------------------------+      +----------------+
  | xl2tpd (LAC)   |      |  ltsd: lac_peers, rules,       |      | xl2tpd lns-isp1|
  |  [lac bras-1]  |      |  lns_peers; XDP on lts-a/lts-b |      |   10.0.2.1     |
  |  [lac bras-2]  | veth |                                | veth | xl2tpd lns-isp2|
  | lac0 10.0.1.1  |------| lts-a 10.0.1.2  10.0.2.2 lts-b |------|   10.0.2.3     |
  +----------------+      +--------------------------------+      +----------------+
EOF

heading "1. Topology (namespaces $NS_LAC, $NS_LTS, $NS_LNS) and ltsd (XDP mode native)"
sw_topo
bpffs_mount
cfg=$E2E_TMP/demo.yaml
{
	cfg_head native | sed "s/max_sessions: .*/max_sessions: 4/; s/hostname: lts-e2e/hostname: lts-demo/
		/^  bpffs:/a\\
  control_socket: $E2E_TMP/ltsd.sock"
	cat <<EOF
lac_peers:
  - {name: bras, address: 10.0.1.0/24}
lns_peers:
  - {name: $LNS1, address: $SW_LNS1_IP, local: $V4_B_LOCAL}
  - {name: $LNS2, address: $SW_LNS2_IP, local: $V4_B_LOCAL}
rules:
  - {name: bras-2-to-isp2, match: {lac_hostname: "bras-2"}, pool: [{lns: $LNS2}]}
  - {name: default, pool: [{lns: $LNS1}]}
EOF
} >"$cfg"
log "    ltsd's config (rules: the first that matches wins):"
sed -n '/^lac_peers:/,$p' "$cfg" | sed 's/^/      /'
ltsd_start "$cfg" ltsd-demo
grep -E 'XDP attached|ready' "$LTSD_LOG" | cut -d' ' -f2- | sed 's/^/    /'

heading "2. Two xl2tpd LNSes, then the xl2tpd LAC with two sections"
xl2tpd_start "$LNS1" "$NS_LNS" lns $SW_LNS1_IP $V4_B_LOCAL hostname=$LNS1 standin-echo=yes
xl2tpd_start "$LNS2" "$NS_LNS" lns $SW_LNS2_IP $V4_B_LOCAL hostname=$LNS2 standin-echo=yes
lac_dir=$(xl2tpd_dir $LAC)
# Section bras-2: its own Host Name and pppd options (the stand-in's tag,
# LCP magic number and frame size differ: the two calls' frames differ). The
# LAC dials once that options file exists.
xl2tpd_start $LAC "$NS_LAC" lac $SW_LAC1_IP $V4_A_LOCAL hostname=bras-1 autodial=no \
	standin-send-lcp=$N_LCP standin-send-ip=$N_IP standin-wait-usr1=yes standin-interval-ms=20 \
	standin-ip-size=200 \
	extra="[lac bras-2]" extra="lns = $V4_A_LOCAL:1701" extra="autodial = no" \
	extra="hostname = bras-2" extra="pppoptfile = $lac_dir/options-bras-2" extra="length bit = yes" \
	extra="refuse pap = yes" extra="refuse chap = yes" extra="require authentication = no"
{
	sed 's/^standin-tag .*/standin-tag bras-2/; s/^standin-ip-size .*/standin-ip-size 120/' \
		"$lac_dir/options"
	echo "standin-magic 0x4c545332"
} >"$lac_dir/options-bras-2"
xl2tpd_ctl $LAC c bras-1 >/dev/null && xl2tpd_ctl $LAC c bras-2 >/dev/null ||
	die "the LAC did not accept 'c bras-1' / 'c bras-2'"
log "    xl2tpd LAC sections: $(grep -o '^\[lac [^]]*\]' "$lac_dir/xl2tpd.conf" | paste -sd' ' -)"
xl2tpd_wait_call $LAC 10 2 || die "the LAC's two calls did not come up"
xl2tpd_wait_call $LNS1 10 && xl2tpd_wait_call $LNS2 10 || die "the calls did not reach both LNSes"
log "    both calls are up at the LAC and at the LNSes"

heading "3. What ltsd did with the calls (its log)"
log "    (\"call T/S\": ltsd's tunnel and session ID toward the LAC; \"tun A/B\": ours/the peer's)"
grep -E 'SCCRQ from|-> [^:]+: (placing|switched)|dialling' "$LTSD_LOG" | cut -d' ' -f2- |
	sed 's/^ltsd: //; s/^/    /'
[ "$(sw_log_count ' -> bras-2-to-isp2: placing the call on lns_peer lns-isp2 ')" = 1 ] ||
	die "bras-2's call was not placed on lns-isp2"
[ "$(sw_log_count ' -> default: placing the call on lns_peer lns-isp1 ')" = 1 ] ||
	die "bras-1's call was not placed on lns-isp1"
[ "$(sw_log_count ': switched: ')" = 2 ] || die "ltsd did not switch both calls"
E2E_QUIET=1 NH_TIMEOUT=10 wait_next_hops 4

heading "4. PPP frames both ways (the LAC's stand-ins send, the LNSes' echo)"
sw_cap_start demo "$NS_LNS" lns0 "udp port 1701"
standin_wait_started $LAC 2 && standin_wait_started $LNS1 && standin_wait_started $LNS2 ||
	die "the pppd stand-ins did not start"
standin_kick $LAC || die "no LAC stand-in to kick"
standin_wait_rx $LNS1 $N 10 && standin_wait_rx $LNS2 $N 10 && standin_wait_rx $LAC $((2 * N)) 10 ||
	die "frames missing: lns-isp1 got $(standin_count $LNS1 rx), lns-isp2 $(standin_count $LNS2 rx), the LAC $(standin_count $LAC rx) of $((2 * N)) echoes"
sw_cap_stop demo
all_ok=1
for lns in $LNS1 $LNS2; do
	standin_frames $lns rx >"$E2E_TMP/$lns.rx"
	standin_frames $lns tx >"$E2E_TMP/$lns.tx"
	# The LAC stand-in whose frames this LNS got: by its first frame.
	pid=$(awk -v f="$(head -n 1 "$E2E_TMP/$lns.rx")" '$3 == "tx" && $5 == f { print $2; exit }' \
		"$(standin_log $LAC)")
	tag=$(awk -v p="$pid" '$1 == "#" && $3 == p && $4 == "start" { sub(/tag=/, "", $5); print $5 }' \
		"$(standin_log $LAC)")
	standin_frames $LAC tx "$pid" >"$E2E_TMP/$lns.lac.tx"
	standin_frames $LAC rx "$pid" >"$E2E_TMP/$lns.lac.rx"
	if [ -n "$pid" ] && cmp -s "$E2E_TMP/$lns.lac.tx" "$E2E_TMP/$lns.rx" &&
		cmp -s "$E2E_TMP/$lns.tx" "$E2E_TMP/$lns.lac.rx"; then
		log "    $tag -> $lns: $(wc -l <"$E2E_TMP/$lns.rx") frames, byte-exact; $lns -> $tag: $(wc -l <"$E2E_TMP/$lns.lac.rx") echoes, byte-exact"
	else
		log "    $tag <-> $lns: frames differ or are missing"
		all_ok=0
	fi
done
log "    the first two frames of each call (PPP, as the stand-ins logged them):"
for lns in $LNS1 $LNS2; do
	head -n 2 "$E2E_TMP/$lns.rx" | cut -c1-72 | sed "s/^/      $lns got: /; s/\$/.../"
done
log "    on the LNS side of the switch (tshark on lns0): data frames per direction"
tshark -n -r "$E2E_TMP/demo.pcapng" -Y 'l2tp.type == 0' -T fields -E occurrence=f \
	-e ip.src -e ip.dst -e l2tp.tunnel -e l2tp.session 2>/dev/null | sort | uniq -c |
	awk '{ printf "      %2d frames  %-9s -> %-9s tunnel %-5s session %s\n", $1, $2, $3, $4, $5 }'
[ "$all_ok" = 1 ] || die "PPP frames were not switched byte-exact"

heading "5. ltsctl show sessions"
"$LTSCTL" -s "$E2E_TMP/ltsd.sock" show sessions | sed 's/^/    /' || die "ltsctl failed"

heading "6. Counters (bpftool, maps pinned in $BPFFS_DIR)"
stats_snapshot "$E2E_TMP/demo.snap"
bad=0
for lns in $LNS1 $LNS2; do
	sess=$(xl2tpd_call_ids $lns | awk '{ print $2 }') # ltsd's session ID toward this LNS
	idx=$(sed -n "s/.*switched: .*<-> tun [0-9]*\/[0-9]* sess $sess\/[0-9]* (counters \[\([0-9]*\)\]).*/\1/p" "$LTSD_LOG")
	[ -n "$idx" ] || die "no counter slot for the call on $lns"
	log "    the call on $lns, counters [$idx]: its two entries in bpftool map dump pinned .../switch_table"
	for d in 0 1; do
		p=$(snap_get "$E2E_TMP/demo.snap" "session_stats.$idx.$d.packets")
		b=$(snap_get "$E2E_TMP/demo.snap" "session_stats.$idx.$d.bytes")
		[ "$p" = $N ] || bad=1
		totals[d]="$p packets $b bytes"
	done
	log "      stats_idx $idx: dir 0 (LAC -> LNS) ${totals[0]}, dir 1 (LNS -> LAC) ${totals[1]}"
	s=$(snap_sum "$E2E_TMP/demo.snap" "^slow_stats\\.$idx\\.")
	log "      slow_stats[$idx] (the userspace relay's counters, by stats_idx): all $s"
	[ "$s" = 0 ] || bad=1
done
log "    reason_stats, non-zero (bpftool map dump pinned .../reason_stats, summed over CPUs):"
awk '$1 ~ /^reason\./ && $2 > 0 { sub(/^reason\./, "", $1); printf "      %-20s %s\n", $1, $2 }' \
	"$E2E_TMP/demo.snap"
log "    (switched_redirect: the PPP frames above; pass_control: L2TP control messages, to"
log "     ltsd; pass_not_l2tp, pass_ipv6_exthdr: ARP, neighbour discovery, MLD, to the kernel)"
[ "$bad" = 0 ] || die "the per-session counters do not account for every frame ($N each way)"

heading "7. Teardown: the LAC closes both tunnels (StopCCN); ltsd clears the LNS legs (CDN)"
xl2tpd_ctl $LAC d bras-1 >/dev/null && xl2tpd_ctl $LAC d bras-2 >/dev/null ||
	die "the LAC did not accept 'd bras-1' / 'd bras-2'"
xl2tpd_wait_call_closed $LNS1 5 && xl2tpd_wait_call_closed $LNS2 5 || die "the LNSes did not see the calls end"
E2E_QUIET=1 check_swtab "teardown" 0 || die "switch table not empty after teardown"
grep -E 'peer StopCCN|tx CDN' "$LTSD_LOG" | cut -d' ' -f2- | sed 's/^ltsd: //; s/^/    /'
log "    switch table: empty"
ltsd_stop
[ "$LTSD_RC" = 0 ] || die "ltsd exited with $LTSD_RC"
tail -n 1 "$LTSD_LOG" | cut -d' ' -f2- | sed 's/^/    /'
log "    ltsd exited 0 after $((SECONDS - t_start)) s; namespaces, xl2tpd and the bpffs mount are removed on exit"
