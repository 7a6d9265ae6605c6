#!/usr/bin/env bash
# NBD benchmark: 4 KiB random writes at queue depth 32 and 1 MiB sequential writes, with fio's
# nbd engine, against
#   - bitmirror, two members, internal bitmap
#   - bitmirror, two members, --bitmap=none
#   - bitmirror, internal bitmap, --nbd-dispatch=workers (every request handed to a worker)
#   - bitmirror, internal bitmap, --member-io=inline (each member written in turn by the requesting
#     thread, as before asynchronous member I/O; the default is --member-io=auto: Linux AIO)
#   - qemu-nbd serving a two-child quorum of the same kind of files (a user-space mirror, no bitmap)
#   - nbdkit's file plugin serving one file (no mirror)
#   - the storage alone: fio libaio O_DIRECT over two files, halved (a two-copy mirror's ceiling)
# with the member files on tmpfs, then on ext4. Prints IOPS and bandwidth, and the ratios.
#
# Usage: tools/bench/nbd-bench.sh [RUNTIME_SECONDS] [FS...]     (default: 20 tmpfs ext4)
# BENCH_ROUNDS=N (default 1) runs every server N times in turn, A B C ... A B C, and prints each
# run and then the medians, from which the ratios are computed: single 1 MiB runs on a small
# shared VM spread by 15% or more.
# Needs: fio, qemu-nbd (qemu-utils), nbdkit, a JDK. The ext4 directory is /var/tmp (ext4 here);
# set BENCH_EXT4_DIR to use another ext4 directory.
#
# Member files on ext4 are written in full before each server starts, as a disk would be: ext4
# serializes synchronous O_DIRECT writes into holes (or unwritten extents) on the inode lock for
# the whole I/O, while qemu's AIO holds it only to submit, so sparse files measure that quirk
# rather than the servers. Set BENCH_SPARSE=1 to measure sparse files anyway.
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

# Member files: sparse on tmpfs (no such lock there), written in full on ext4.
make_files() { # fs file...
  local fs=$1; shift
  for f in "$@"; do
    if [[ $fs == tmpfs || ${BENCH_SPARSE:-0} == 1 ]]; then
      truncate -s "$size" "$f"
    else
      dd if=/dev/zero of="$f" bs=1M count=$((size >> 20)) oflag=direct status=none
    fi
  done
}

results=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$results"
}
trap cleanup EXIT

wait_sock() { for _ in $(seq 200); do [[ -S "$1" ]] && return 0; sleep 0.05; done; echo "no socket $1" >&2; return 1; }

# A fresh directory per server and round: a socket left by the previous round would be taken
# for the new server's (nbdkit does not remove its socket when killed).
fresh_dir() { rm -rf "$1"; mkdir -p "$1"; }

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

row() { # label "IOPS MiB/s" "IOPS MiB/s"
  printf '%-28s %10s IOPS  %8s MiB/s   |  %8s IOPS %8s MiB/s\n' "$1" $2 $3
}

# Runs both fio jobs against one server; records 4K IOPS and 1M MiB/s under KEY.
measure() { # label uri key
  local r s
  r=$(run_fio "$2" randwrite 4k 32)
  s=$(run_fio "$2" write 1M 4)
  row "$1" "$r" "$s"
  echo "$r" >>"$results/$3.rand"
  echo "$s" >>"$results/$3.seq"
}

median() { # file -> the median line (lower middle for an even count)
  sort -n "$1" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

ratio() { echo "scale=2; $1 / $2" | bc -l; }

# The storage alone, no NBD: fio's libaio with O_DIRECT spreading the same writes over two
# files. Half its rate is the most any two-copy mirror can reach on these files.
raw() { # dir rw bs iodepth -> "IOPS MiB/s", halved
  local out iops bw
  out=$(fio --name=raw --ioengine=libaio --direct=1 --filename="$1/a:$1/b" --rw="$2" --bs="$3" --iodepth="$4" \
        --size=$((size / 2)) --time_based --runtime="$runtime" --ramp_time=3 --output-format=json 2>/dev/null)
  iops=$(printf '%s' "$out" | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"iops":[0-9.]*' | head -1 | cut -d: -f2)
  bw=$(printf '%s' "$out" | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"bw":[0-9]*' | head -1 | cut -d: -f2)
  printf '%.0f %.1f' "$(echo "$iops / 2" | bc -l)" "$(echo "$bw / 2048" | bc -l)"
}

one_round() { # fs base
  local fs=$1 base=$2 mode bm extra d pid label r q
  # internal/none: defaults (--nbd-dispatch=auto, --member-io=auto); workers: internal bitmap with
  # every request handed to a worker thread, for comparison with the reader running fast requests
  # itself; inline: internal bitmap, members written in turn by the requesting thread.
  for mode in internal none workers inline; do
    bm=$mode; extra=()
    [[ $mode == workers ]] && { bm=internal; extra=(--nbd-dispatch=workers); }
    [[ $mode == inline ]] && { bm=internal; extra=(--member-io=inline); }
    d="$base/bm-$mode"; fresh_dir "$d"
    make_files "$fs" "$d/a" "$d/b"
    "$here/bitmirror" create --level=1 --raid-devices=2 --assume-clean --bitmap="$bm" "$d/a" "$d/b" >/dev/null
    "$here/bitmirror" assemble --export="nbd+unix:///?socket=$d/s" --control="$d/c" "${extra[@]}" "$d/a" "$d/b" \
      >"$d/log" 2>&1 &
    pid=$!; pids+=("$pid"); wait_sock "$d/s"
    case $mode in
      workers) label="bitmirror dispatch=workers" ;;
      inline) label="bitmirror member-io=inline" ;;
      *) label="bitmirror bitmap=$mode" ;;
    esac
    measure "$label" "nbd+unix:///?socket=$d/s" "bm_$mode"
    kill -TERM "$pid"; wait "$pid" || true
    rm -f "$d/a" "$d/b"
  done
  d="$base/quorum"; fresh_dir "$d"; make_files "$fs" "$d/a" "$d/b"
  qemu-nbd --socket="$d/s" --persistent --shared=8 --cache=none --aio=native --image-opts \
    "driver=quorum,vote-threshold=1,read-pattern=fifo,children.0.driver=raw,children.0.file.driver=file,children.0.file.filename=$d/a,children.1.driver=raw,children.1.file.driver=file,children.1.file.filename=$d/b" \
    >"$d/log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_sock "$d/s"
  measure "qemu-nbd quorum (2 files)" "nbd+unix:///?socket=$d/s" quorum
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$d/a" "$d/b"
  d="$base/nbdkit"; fresh_dir "$d"; make_files "$fs" "$d/a"
  nbdkit -f -U "$d/s" file file="$d/a" cache=none >"$d/log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_sock "$d/s"
  measure "nbdkit file (1 file)" "nbd+unix:///?socket=$d/s" nbdkit
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$d/a"
  d="$base/raw"; fresh_dir "$d"; make_files "$fs" "$d/a" "$d/b"
  r=$(raw "$d" randwrite 4k 32); q=$(raw "$d" write 1M 4)
  row "storage alone, 2 copies" "$r" "$q"
  echo "$r" >>"$results/raw.rand"; echo "$q" >>"$results/raw.seq"
  rm -f "$d/a" "$d/b"
}

rounds=${BENCH_ROUNDS:-1}
labels=("bm_internal:bitmirror bitmap=internal" "bm_none:bitmirror bitmap=none"
  "bm_workers:bitmirror dispatch=workers" "bm_inline:bitmirror member-io=inline" "quorum:qemu-nbd quorum (2 files)" "nbdkit:nbdkit file (1 file)"
  "raw:storage alone, 2 copies")
for fs in "${filesystems[@]}"; do
  case "$fs" in
    tmpfs) base=$(mktemp -d /dev/shm/nbd-bench.XXXX) ;;
    ext4) base=$(mktemp -d "${BENCH_EXT4_DIR:-/var/tmp}/nbd-bench.XXXX") ;;
    *) echo "unknown fs $fs" >&2; exit 2 ;;
  esac
  rm -f "$results"/*
  echo "== members on $fs ($base), fio runtime ${runtime}s; 4 KiB randwrite QD32 | 1 MiB seq write QD4"
  for ((round = 1; round <= rounds; round++)); do
    [[ $rounds -gt 1 ]] && echo "-- round $round of $rounds"
    one_round "$fs" "$base"
  done
  rm -rf "$base"
  declare -A rand seq
  [[ $rounds -gt 1 ]] && echo "-- medians of $rounds rounds"
  for l in "${labels[@]}"; do
    key=${l%%:*}
    r=$(median "$results/$key.rand"); q=$(median "$results/$key.seq")
    [[ $rounds -gt 1 ]] && row "${l#*:}" "$r" "$q"
    rand[$key]=${r%% *}; seq[$key]=${q#* }
  done
  echo "ratios ($fs): 4K randwrite: bitmap on/off $(ratio "${rand[bm_internal]}" "${rand[bm_none]}"), vs qemu quorum $(ratio "${rand[bm_internal]}" "${rand[quorum]}"), vs nbdkit file $(ratio "${rand[bm_internal]}" "${rand[nbdkit]}"), dispatch auto/workers $(ratio "${rand[bm_internal]}" "${rand[bm_workers]}"), member-io auto/inline $(ratio "${rand[bm_internal]}" "${rand[bm_inline]}"), vs storage alone $(ratio "${rand[bm_internal]}" "${rand[raw]}")"
  echo "ratios ($fs): 1M seq write: bitmap on/off $(ratio "${seq[bm_internal]}" "${seq[bm_none]}"), vs qemu quorum $(ratio "${seq[bm_internal]}" "${seq[quorum]}"), vs nbdkit file $(ratio "${seq[bm_internal]}" "${seq[nbdkit]}"), dispatch auto/workers $(ratio "${seq[bm_internal]}" "${seq[bm_workers]}"), member-io auto/inline $(ratio "${seq[bm_internal]}" "${seq[bm_inline]}"), vs storage alone $(ratio "${seq[bm_internal]}" "${seq[raw]}")"
done
