#!/usr/bin/env bash
# NBD benchmark: 4 KiB random writes at queue depth 32 and 1 MiB sequential writes, with fio's
# nbd engine, against
#   - bitmirror, two members, internal bitmap
#   - bitmirror, two members, --bitmap=none
#   - qemu-nbd serving a two-child quorum of the same kind of files (a user-space mirror, no bitmap)
#   - nbdkit's file plugin serving one file (no mirror)
# with the member files on tmpfs, then on ext4. Prints IOPS and bandwidth, and the ratios.
#
# Usage: tools/bench/nbd-bench.sh [RUNTIME_SECONDS] [FS...]     (default: 20 tmpfs ext4)
# Needs: fio, qemu-nbd (qemu-utils), nbdkit, a JDK. The ext4 directory is /var/tmp (ext4 here);
# set BENCH_EXT4_DIR to use another ext4 directory.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
runtime="${1:-20}"
shift || true
filesystems=("${@:-tmpfs ext4}")
[[ ${#filesystems[@]} -eq 1 ]] && read -r -a filesystems <<<"${filesystems[0]}"
size=$((1024 * 1024 * 1024))
for t in fio qemu-nbd nbdkit; do
  command -v "$t" >/dev/null || { echo "nbd-bench: $t is not installed" >&2; exit 1; }
done
"$here/bitmirror" --version >/dev/null

pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_sock() { for _ in $(seq 200); do [[ -S "$1" ]] && return 0; sleep 0.05; done; echo "no socket $1" >&2; return 1; }

# fio write IOPS and bandwidth (MiB/s) from its JSON output.
run_fio() { # uri rw bs iodepth
  local out
  out=$(fio --name=b --ioengine=nbd --uri="$1" --rw="$2" --bs="$3" --iodepth="$4" --size=$((size / 2)) \
        --time_based --runtime="$runtime" --ramp_time=3 --output-format=json 2>/dev/null)
  local iops bw
  iops=$(printf '%s' "$out" | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"iops":[0-9.]*' | head -1 | cut -d: -f2)
  bw=$(printf '%s' "$out" | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"bw":[0-9]*' | head -1 | cut -d: -f2)
  printf '%.0f %.1f' "$iops" "$(echo "$bw / 1024" | bc -l)"
}

measure() { # label uri
  local r s
  r=$(run_fio "$2" randwrite 4k 32)
  s=$(run_fio "$2" write 1M 4)
  printf '%-28s %10s IOPS  %8s MiB/s   |  %8s IOPS %8s MiB/s\n' "$1" ${r} ${s}
  eval "res_${3}_rand=${r%% *}; res_${3}_seq=${s#* }"
}

for fs in "${filesystems[@]}"; do
  case "$fs" in
    tmpfs) base=$(mktemp -d /dev/shm/nbd-bench.XXXX) ;;
    ext4) base=$(mktemp -d "${BENCH_EXT4_DIR:-/var/tmp}/nbd-bench.XXXX") ;;
    *) echo "unknown fs $fs" >&2; exit 2 ;;
  esac
  echo "== members on $fs ($base), fio runtime ${runtime}s; 4 KiB randwrite QD32 | 1 MiB seq write QD4"
  for mode in internal none; do
    d="$base/bm-$mode"; mkdir -p "$d"
    truncate -s "$size" "$d/a" "$d/b"
    "$here/bitmirror" create --level=1 --raid-devices=2 --assume-clean --bitmap="$mode" "$d/a" "$d/b" >/dev/null
    "$here/bitmirror" assemble --export="nbd+unix:///?socket=$d/s" --control="$d/c" "$d/a" "$d/b" >"$d/log" 2>&1 &
    pid=$!; pids+=("$pid"); wait_sock "$d/s"
    measure "bitmirror bitmap=$mode" "nbd+unix:///?socket=$d/s" "bm_$mode"
    kill -TERM "$pid"; wait "$pid" || true
    rm -f "$d/a" "$d/b"
  done
  d="$base/quorum"; mkdir -p "$d"; truncate -s "$size" "$d/a" "$d/b"
  qemu-nbd --socket="$d/s" --persistent --shared=8 --cache=none --aio=native --image-opts \
    "driver=quorum,vote-threshold=1,read-pattern=fifo,children.0.driver=raw,children.0.file.driver=file,children.0.file.filename=$d/a,children.1.driver=raw,children.1.file.driver=file,children.1.file.filename=$d/b" \
    >"$d/log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_sock "$d/s"
  measure "qemu-nbd quorum (2 files)" "nbd+unix:///?socket=$d/s" quorum
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$d/a" "$d/b"
  d="$base/nbdkit"; mkdir -p "$d"; truncate -s "$size" "$d/a"
  nbdkit -f -U "$d/s" file file="$d/a" cache=none >"$d/log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_sock "$d/s"
  measure "nbdkit file (1 file)" "nbd+unix:///?socket=$d/s" nbdkit
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$d/a"
  rm -rf "$base"
  ratio() { echo "scale=2; $1 / $2" | bc -l; }
  echo "ratios ($fs): 4K randwrite: bitmap on/off $(ratio "$res_bm_internal_rand" "$res_bm_none_rand"), vs qemu quorum $(ratio "$res_bm_internal_rand" "$res_quorum_rand"), vs nbdkit file $(ratio "$res_bm_internal_rand" "$res_nbdkit_rand")"
  echo "ratios ($fs): 1M seq write: bitmap on/off $(ratio "$res_bm_internal_seq" "$res_bm_none_seq"), vs qemu quorum $(ratio "$res_bm_internal_seq" "$res_quorum_seq"), vs nbdkit file $(ratio "$res_bm_internal_seq" "$res_nbdkit_seq")"
done
