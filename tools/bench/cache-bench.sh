#!/usr/bin/env bash
# assemble --cache=writeback against nbdkit's file plugin (which writes through the page cache
# too), with --cache=none for reference: fio's nbd engine, 4 KiB random writes at queue depth 32,
# 1 GiB member files written in full on ext4 (see nbd-bench.sh for why in full). bitmirror
# writes two members and an internal bitmap; nbdkit one file: the ratio is a mirror's cost.
#
# Usage: tools/bench/cache-bench.sh [RUNTIME_SECONDS] [ROUNDS]   (default: 20 2)
# BENCH_EXT4_DIR (default /var/tmp) holds the files. Needs: fio, nbdkit, python3, a JDK.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
runtime="${1:-20}"
rounds="${2:-2}"
d="${BENCH_EXT4_DIR:-/var/tmp}/bitmirror-cache-bench"
size=$((1024 * 1024 * 1024))
for t in fio nbdkit python3; do
  command -v "$t" >/dev/null || { echo "cache-bench: $t is not installed" >&2; exit 1; }
done
"$here/bitmirror" --version >/dev/null
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$d"; }
trap cleanup EXIT

# fio prints "connected to NBD server" on stdout before its JSON.
fiorun() { # uri
  fio --name=b --ioengine=nbd --uri="$1" --rw=randwrite --bs=4k --iodepth=32 --size=$((size / 2)) \
    --time_based --runtime="$runtime" --ramp_time=3 --output-format=json 2>/dev/null \
    | python3 -c 'import json,sys; s=sys.stdin.read(); w=json.loads(s[s.index("{"):])["jobs"][0]["write"]
print("%.0f IOPS  %.1f MiB/s  p99 %.0f us" % (w["iops"], w["bw"] / 1024, w["clat_ns"]["percentile"]["99.000000"] / 1000))'
}
wait_sock() { for _ in $(seq 200); do [[ -S "$1" ]] && return 0; sleep 0.05; done; echo "no socket $1" >&2; return 1; }
files() { rm -rf "$d"; mkdir -p "$d"; for f in "$@"; do dd if=/dev/zero of="$d/$f" bs=1M count=$((size >> 20)) oflag=direct status=none; done; }

bitmirror() { # cache mode
  files a b
  "$here/bitmirror" create --level=1 --raid-devices=2 --assume-clean --bitmap=internal "$d/a" "$d/b" >/dev/null
  "$here/bitmirror" assemble --cache="$1" --export="nbd+unix:///?socket=$d/s" --control="$d/c" "$d/a" "$d/b" \
    >"$d/log" 2>&1 &
  pid=$!; wait_sock "$d/s"
  printf '%-32s %s\n' "bitmirror --cache=$1" "$(fiorun "nbd+unix:///?socket=$d/s")"
  kill -TERM "$pid"; wait "$pid" || true; pid=
}
nbdkit_file() {
  files f
  nbdkit -f -U "$d/s" file file="$d/f" &
  pid=$!; wait_sock "$d/s"
  printf '%-32s %s\n' "nbdkit file (one file)" "$(fiorun "nbd+unix:///?socket=$d/s")"
  kill -TERM "$pid"; wait "$pid" || true; pid=
}
for _ in $(seq "$rounds"); do
  bitmirror writeback; nbdkit_file; bitmirror none
done
