#!/usr/bin/env bash
# Where a 4 KiB mirrored write's CPU goes: one bitmirror array (two 1 GiB member files written in
# full on ext4, internal bitmap, default options) served over a Unix socket, fio's nbd engine at
# 4 KiB random writes QD32 for 14 s; over 10 s of it, samples /proc/stat (how busy the CPUs are)
# and the server's /proc/PID/stat (its user and system time), and prints the writes per second,
# the CPUs' busy share, and the server's user and kernel microseconds per write. Then the same
# for fio's libaio O_DIRECT over two files (the two-copy ceiling of nbd-bench.sh): its kernel
# microseconds per single write.
#
# Usage: tools/bench/cpu-per-write.sh [ASSEMBLE-OPTION...]   (e.g. --cache=writeback)
# BENCH_EXT4_DIR (default /var/tmp). Needs: fio, a JDK.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
d=$(mktemp -d "${BENCH_EXT4_DIR:-/var/tmp}/cpu-per-write.XXXX")
pid=
cleanup() { [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; rm -rf "$d"; }
trap cleanup EXIT
hz=$(getconf CLK_TCK)
for f in a b; do dd if=/dev/zero of="$d/$f" bs=1M count=1024 oflag=direct status=none; done
"$here/bitmirror" create --level=1 --raid-devices=2 --assume-clean --bitmap=internal "$d/a" "$d/b" >/dev/null
"$here/bitmirror" assemble --export="nbd+unix:///?socket=$d/s" --control="$d/c" "$@" "$d/a" "$d/b" >"$d/log" 2>&1 &
for _ in $(seq 200); do [[ -S $d/s ]] && break; sleep 0.05; done
# The launcher execs java, so $! is the server itself.
pid=$!
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat; }
fio --name=b --ioengine=nbd --uri="nbd+unix:///?socket=$d/s" --rw=randwrite --bs=4k --iodepth=32 --size=512M \
  --time_based --runtime=14 --output-format=json >"$d/fio.json" 2>/dev/null &
fpid=$!
sleep 3
read -r b0 t0 < <(busy); read -r u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat)
sleep 10
read -r b1 t1 < <(busy); read -r u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
wait "$fpid"
iops=$(tr -d ' \n' <"$d/fio.json" | grep -o '"write":{[^}]*' | grep -o '"iops":[0-9.]*' | head -1 | cut -d: -f2)
n=$(echo "$iops * 10" | bc -l)
printf 'bitmirror: %.0f writes/s, CPUs %d%% busy, server %.1f us user + %.1f us kernel per write\n' "$iops" \
  $((100 * (b1 - b0) / (t1 - t0))) "$(echo "($u1 - $u0) * 1000000 / $hz / $n" | bc -l)" \
  "$(echo "($s1 - $s0) * 1000000 / $hz / $n" | bc -l)"
kill -TERM "$pid"; wait "$pid" || true; pid=
out=$( { /usr/bin/time -f '%S' fio --name=raw --ioengine=libaio --direct=1 --filename="$d/a:$d/b" --rw=randwrite \
  --bs=4k --iodepth=32 --size=512M --time_based --runtime=10 --output-format=json; } 2>"$d/time")
riops=$(printf '%s' "$out" | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"iops":[0-9.]*' | head -1 | cut -d: -f2)
printf 'fio libaio, 2 files: %.0f single writes/s, %.1f us kernel per write (whole run)\n' "$riops" \
  "$(echo "$(tail -1 "$d/time") * 1000000 / ($riops * 10)" | bc -l)"
