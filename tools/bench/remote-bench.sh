#!/usr/bin/env bash
# Write-behind over a slow remote leg: fio's nbd engine, 4 KiB random writes at queue depth 32,
# through one bitmirror array whose members are a local file on tmpfs and a remote member, an
# nbdkit file plugin export (over a Unix socket) of a file on tmpfs, --write-mostly. Three arrays
# in turn, BENCH_ROUNDS times (default 3):
#   nodelay  the remote leg as fast as the machine, write-behind on      (the reference)
#   behind   nbdkit's delay filter (wdelay=5ms) on the remote leg, write-behind on
#   sync     the same delay, write-behind off (create without --write-behind)
# and prints every run, the medians and behind/nodelay. BENCH_WB (default 1024) is the
# write-behind limit; NBDKIT_THREADS (default 64) nbdkit's threads per connection (the delay
# filter sleeps in a thread, so a remote leg carries at most connections x threads writes per 5 ms).
#
# BENCH_PIN (default 1): nbdkit on CPU 1, bitmirror and fio on CPU 0 (taskset). The remote leg's
# server stands for another machine: pinned, its delay filter's threads do not take the CPU the
# array and the client share. BENCH_PIN=0 lets all three share both CPUs.
#
# Usage: tools/bench/remote-bench.sh [RUNTIME_SECONDS]     (default 15)
# Needs: fio, nbdkit, a JDK, taskset for BENCH_PIN=1; tmpfs at /dev/shm.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
runtime="${1:-15}"
rounds="${BENCH_ROUNDS:-3}"
wb="${BENCH_WB:-1024}"
threads="${NBDKIT_THREADS:-64}"
pin="${BENCH_PIN:-1}"
local_cpu=(); remote_cpu=()
if [[ $pin == 1 ]]; then local_cpu=(taskset -c 0); remote_cpu=(taskset -c 1); echo "pinned: nbdkit on CPU 1, bitmirror and fio on CPU 0"; fi
size=$((1024 * 1024 * 1024))
for t in fio nbdkit; do
  command -v "$t" >/dev/null || { echo "remote-bench: $t is not installed" >&2; exit 1; }
done
"$here/bitmirror" --version >/dev/null

work=$(mktemp -d /dev/shm/remote-bench.XXXXXX)
pid=; kpid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [[ -n $kpid ]] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
remote="nbd+unix:///?socket=$work/r.sock"

serve_remote() { # extra nbdkit words (filters before the plugin, params after)...
  local before=() after=()
  for w in "$@"; do if [[ $w == -* ]]; then before+=("$w"); else after+=("$w"); fi; done
  "${remote_cpu[@]}" nbdkit -f -t "$threads" -U "$work/r.sock" "${before[@]}" file "file=$work/r" "${after[@]}" >"$work/nbdkit.log" 2>&1 &
  kpid=$!
  for _ in $(seq 200); do [[ -S "$work/r.sock" ]] && return 0; sleep 0.05; done
  echo "nbdkit did not start: $(cat "$work/nbdkit.log")" >&2; exit 1
}
stop_remote() { kill "$kpid"; wait "$kpid" || true; kpid=; rm -f "$work/r.sock"; }

# One measurement: a fresh array (create with "$@"), the remote served with $delay words.
measure() { # behind(0/1) nbdkit-words...
  local behind=$1; shift
  rm -f "$work/l" "$work/r"; truncate -s "$size" "$work/l" "$work/r"
  serve_remote
  local opt=(); [[ $behind == 1 ]] && opt=(--write-behind="$wb")
  "$here/bitmirror" create --level=1 --raid-devices=2 --assume-clean "${opt[@]}" "$work/l" -W "$remote" >/dev/null
  stop_remote
  serve_remote "$@"
  "${local_cpu[@]}" "$here/bitmirror" assemble --export="nbd+unix:///?socket=$work/a.sock" --control="$work/c" "$work/l" "$remote" \
    >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 400); do [[ -S "$work/c" ]] && break; sleep 0.05; done
  [[ -S "$work/c" ]] || { echo "bitmirror did not start: $(cat "$work/log")" >&2; exit 1; }
  m_iops=$("${local_cpu[@]}" fio --name=b --ioengine=nbd --uri="nbd+unix:///?socket=$work/a.sock" --rw=randwrite --bs=4k --iodepth=32 \
    --size=$((size / 2)) --time_based --runtime="$runtime" --ramp_time=3 --output-format=json 2>/dev/null \
    | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"iops":[0-9.]*' | head -1 | cut -d: -f2)
  kill "$pid"; wait "$pid" || true; pid=; rm -f "$work/c" "$work/a.sock"
  stop_remote
}
fast=(); slow=(); sync=()
for r in $(seq "$rounds"); do
  measure 1; f=$m_iops; fast+=("$f")
  measure 1 --filter=delay wdelay=5ms; b=$m_iops; slow+=("$b")
  measure 0 --filter=delay wdelay=5ms; s=$m_iops; sync+=("$s")
  printf 'round %d: nodelay %.0f IOPS, behind (wdelay=5ms) %.0f IOPS, sync (wdelay=5ms, no write-behind) %.0f IOPS\n' \
    "$r" "$f" "$b" "$s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mf=$(median "${fast[@]}"); mb=$(median "${slow[@]}"); ms=$(median "${sync[@]}")
printf 'median: nodelay %.0f IOPS, behind %.0f IOPS (%.2f of nodelay), sync %.0f IOPS (%.2f of nodelay)\n' \
  "$mf" "$mb" "$(echo "$mb / $mf" | bc -l)" "$ms" "$(echo "$ms / $mf" | bc -l)"
