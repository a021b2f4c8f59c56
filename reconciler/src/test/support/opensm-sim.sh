#!/bin/sh
# Test support: a real OpenSM on a simulated InfiniBand fabric (ibsim), per directory.
#
#   opensm-sim.sh check              exit 0 when ibsim, opensm, libumad2sim and infiniband-diags are there
#   opensm-sim.sh start DIR          start ibsim on DIR/net (written if missing: a switch, the SM's
#                                    HCA and three HCAs, Hca2, Hca3 and VfHca, on switch ports 2-4), then
#                                    opensm -P DIR/partitions.conf (pid in DIR/opensm.pid); returns
#                                    once OpenSM is MASTER
#   opensm-sim.sh stop DIR           stop both
#   opensm-sim.sh run DIR CMD...     run an infiniband-diags command against the simulated fabric
#   opensm-sim.sh guid DIR VALUE     give VfHca's port 1 the port GUID VALUE (hex) at run time, as
#                                    kvm-sriov programs a VF's GUID; returns once the port answers
#                                    with it
#
# Everything lives in DIR; the simulator's sockets are named after DIR (IBSIM_SOCKNAME), so two
# directories are two fabrics. Diagnostics address ports by direct route from the SM's HCA:
# 0,1,N is the HCA on switch port N. No fixed sleeps: every wait polls with a deadline.
set -eu

die() { echo "opensm-sim.sh: $*" >&2; exit 1; }

UMAD2SIM=/usr/lib/x86_64-linux-gnu/umad2sim/libumad2sim.so

check() {
  command -v ibsim >/dev/null || die "ibsim is not installed (ibsim-utils)"
  command -v opensm >/dev/null || die "opensm is not installed (opensm)"
  command -v smpquery >/dev/null || die "smpquery is not installed (infiniband-diags)"
  [ -e "$UMAD2SIM" ] || die "no $UMAD2SIM (libumad2sim0)"
}

# The simulator's environment for DIR: its socket name, the SM's HCA as the point of attachment.
simenv() {
  IBSIM_SOCKNAME=kvmsriov$(printf '%s' "$1" | md5sum | cut -c1-12)
  export IBSIM_SOCKNAME SIM_HOST=SmHca OSM_TMP_DIR="$1" OSM_CACHE_DIR="$1"
}

# Polls CMD (a shell string) every 0.1 s until it succeeds or SECONDS pass.
wait_for() {
  secs=$1; what=$2; shift 2
  end=$(( $(date +%s) + secs ))
  until eval "$*" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "$what: not within $secs s"
    sleep 0.1
  done
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

netfile() {
  cat > "$1" <<'NET'
Switch	8 "Switch1"
[1]	"SmHca"[1]
[2]	"Hca2"[1]
[3]	"Hca3"[1]
[4]	"VfHca"[1]

Hca	1 "SmHca"
[1]	"Switch1"[1]

Hca	1 "Hca2"
[1]	"Switch1"[2]

Hca	1 "Hca3"
[1]	"Switch1"[3]

Hca	1 "VfHca"
[1]	"Switch1"[4]
NET
}

start() {
  check
  dir=$1
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  simenv "$dir"
  stop "$dir"
  [ -e "$dir/net" ] || netfile "$dir/net"
  [ -e "$dir/partitions.conf" ] || echo 'Default=0x7fff, ipoib : ALL=full, SELF=full ;' > "$dir/partitions.conf"
  rm -f "$dir/console" "$dir/ibsim.log" "$dir/opensm.log"
  mkfifo "$dir/console"
  # <> keeps the console open for writing too, so ibsim never sees its end
  ibsim -s "$dir/net" <>"$dir/console" >"$dir/ibsim.log" 2>&1 &
  echo $! > "$dir/ibsim.pid"
  wait_for 20 "ibsim ready" grep -q "'Network simulator ready'" "'$dir/ibsim.log'"
  LD_PRELOAD=$UMAD2SIM opensm -P "$dir/partitions.conf" -f "$dir/opensm.log" >"$dir/opensm.out" 2>&1 &
  echo $! > "$dir/opensm.pid"
  wait_for 60 "OpenSM MASTER" "LD_PRELOAD=$UMAD2SIM sminfo | grep -q SMINFO_MASTER"
}

stop() {
  dir=$1
  for p in opensm ibsim; do
    if alive "$dir/$p.pid"; then
      pid=$(cat "$dir/$p.pid")
      kill "$pid" 2>/dev/null || :
      # OpenSM waits on its simulated port and may not act on TERM; KILL after 5 s
      end=$(( $(date +%s) + 5 ))
      while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || :
    fi
    rm -f "$dir/$p.pid"
  done
}

run() {
  dir=$(cd "$1" && pwd); shift
  simenv "$dir"
  LD_PRELOAD=$UMAD2SIM exec "$@"
}

guid() {
  dir=$(cd "$1" && pwd); value=$2
  simenv "$dir"
  # ibsim answers NodeInfo with node GUID + port number as the port's GUID (its per-port Guid
  # command changes only what Dump prints), so the node gets the GUID one below the port's
  hex=$(printf '%16s' "$(echo "$value" | sed 's/^0[xX]//' | tr A-F a-f)" | tr ' ' 0)
  # sh's arithmetic stops at 2^63: subtract in two 32-bit halves
  hi=$((0x$(echo "$hex" | cut -c1-8))); lo=$((0x$(echo "$hex" | cut -c9-16)))
  if [ "$lo" -eq 0 ]; then hi=$((hi - 1)); lo=4294967295; else lo=$((lo - 1)); fi
  node=$(printf '0x%08x%08x' "$hi" "$lo")
  echo "Guid \"VfHca\" $node" > "$dir/console"
  wait_for 20 "port GUID $value" \
    "LD_PRELOAD=$UMAD2SIM smpquery -D nodeinfo 0,1,4 1 | grep -q 'PortGuid:\.*0x$hex'"
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case $cmd in
  check) check ;;
  start) [ $# -eq 1 ] || die "usage: start DIR"; start "$1" ;;
  stop) [ $# -eq 1 ] || die "usage: stop DIR"; stop "$(cd "$1" && pwd)" ;;
  run) [ $# -ge 2 ] || die "usage: run DIR CMD..."; run "$@" ;;
  guid) [ $# -eq 2 ] || die "usage: guid DIR VALUE"; guid "$1" "$2" ;;
  *) die "usage: opensm-sim.sh check|start DIR|stop DIR|run DIR CMD...|guid DIR VALUE" ;;
esac
