#!/usr/bin/env bash
# TLS cost on the NBD export: fio's nbd engine, 4 KiB random writes at queue depth 32 over
# loopback TCP, against one bitmirror array (two members on tmpfs, internal bitmap) served
# plain (nbd://127.0.0.1:PORT) and then with --tls=require (nbds://localhost:PORT/), in turn,
# BENCH_ROUNDS times (default 3); prints every run, the medians and TLS's cost in percent.
# Certificates are made with openssl in a temporary directory; fio's libnbd finds the client's
# in $HOME/.pki/libnbd (it refuses tls-certificates= in a URI), so HOME is pointed there.
#
# In the same rounds, as a peer, nbdkit's file plugin on a file of the same size on tmpfs, plain
# and with --tls=require (its gnutls on both sides): its TLS cost next to ours.
# BENCH_PIN=1: the server on CPU 0 and fio on CPU 1 (taskset), so neither steals the other's CPU.
# BENCH_RAMP (seconds, default 20): fio's ramp before it counts. The JVM compiles the TLS path
# for about 10 s after the first requests (C2 used 3 to 4.5 s of CPU there, on the server's CPU
# when pinned), and the reader's inline policy may hand requests to workers while it does; a 3 s
# ramp measured that warm-up, not the steady state. Every server gets the same ramp.
#
# Usage: tools/bench/nbd-tls-bench.sh [RUNTIME_SECONDS]     (default 20)
# Needs: fio, openssl, a JDK, nbdkit (skipped without it), taskset for BENCH_PIN=1; tmpfs at /dev/shm.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
runtime="${1:-20}"
rounds="${BENCH_ROUNDS:-3}"
pin="${BENCH_PIN:-0}"
ramp="${BENCH_RAMP:-20}"
server_cpu=(); fio_cpu=()
if [[ $pin == 1 ]]; then server_cpu=(taskset -c 0); fio_cpu=(taskset -c 1); fi
size=$((1024 * 1024 * 1024))
for t in fio openssl; do
  command -v "$t" >/dev/null || { echo "nbd-tls-bench: $t is not installed" >&2; exit 1; }
done
"$here/bitmirror" --version >/dev/null

work=$(mktemp -d /dev/shm/nbd-tls-bench.XXXXXX)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A CA, the server's certificate for localhost, a client certificate.
certs="$work/certs"; home="$work/home"; pki="$home/.pki/libnbd"
mkdir -p "$certs" "$pki"
(
  cd "$certs"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca-cert.pem -days 2 -subj /CN=bench-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
  for who in server client; do
    openssl req -newkey rsa:2048 -nodes -keyout "$who-key.pem" -out "$who.csr" -subj "/CN=$who" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$who.ext"
    openssl x509 -req -in "$who.csr" -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial -out "$who-cert.pem" \
      -days 2 -extfile "$who.ext" 2>/dev/null
  done
  cp ca-cert.pem client-cert.pem client-key.pem "$pki/"
)

truncate -s "$size" "$work/a" "$work/b" "$work/n"
"$here/bitmirror" create --level=1 --raid-devices=2 --assume-clean "$work/a" "$work/b" >/dev/null
port=$((20000 + RANDOM % 20000))

start() { # extra args...
  "${server_cpu[@]}" "$here/bitmirror" assemble --export="nbd://127.0.0.1:$port" --control="$work/c" "$@" "$work/a" "$work/b" \
    >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 400); do [[ -S "$work/c" ]] && return 0; sleep 0.05; done
  echo "bitmirror did not start: $(cat "$work/log")" >&2; exit 1
}
# nbdkit's file plugin on a 1 GiB sparse file on tmpfs: the peer.
start_nbdkit() { # extra args...
  "${server_cpu[@]}" nbdkit -f -p "$port" -i 127.0.0.1 "$@" file "$work/n" >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 400); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nbdkit did not start: $(cat "$work/log")" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; rm -f "$work/c"; }

# CPU seconds (user + system) the server has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$pid/stat"; }

iops() { # uri
  HOME="$home" "${fio_cpu[@]}" fio --name=b --ioengine=nbd --uri="$1" --rw=randwrite --bs=4k --iodepth=32 --size=$((size / 2)) \
    --time_based --runtime="$runtime" --ramp_time="$ramp" --output-format=json 2>/dev/null \
    | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"iops":[0-9.]*' | head -1 | cut -d: -f2
}

# The server's CPU per write (µs), over the ramp and the run: what TLS costs the server alone,
# apart from the client's own TLS, which competes for the same CPUs.
per_write() { # cpu0 cpu1 iops
  echo "($2 - $1) * 1000000 / ($3 * ($runtime + $ramp))" | bc -l
}
# One measurement: the server started by "$1" with the rest as its arguments, fio on "$uri".
measure() { # starter uri args...
  local starter=$1 uri=$2; shift 2
  "$starter" "$@"; local c0; c0=$(cpu)
  m_iops=$(iops "$uri"); m_cpu=$(per_write "$c0" "$(cpu)" "$m_iops"); stop
}
peer=0; command -v nbdkit >/dev/null && peer=1 || echo "nbd-tls-bench: nbdkit is not installed, no peer figures" >&2
[[ $pin == 1 ]] && echo "pinned: server on CPU 0, fio on CPU 1"
plain=(); tls=(); kplain=(); ktls=()
for r in $(seq "$rounds"); do
  measure start "nbd://127.0.0.1:$port/"; p=$m_iops; pc=$m_cpu; plain+=("$p")
  measure start "nbds://localhost:$port/" --tls=require --tls-certificates="$certs"; t=$m_iops; tc=$m_cpu; tls+=("$t")
  printf 'round %d: bitmirror plain %.0f IOPS (server %.1f us CPU/write), tls %.0f IOPS (server %.1f us CPU/write)\n' \
    "$r" "$p" "$pc" "$t" "$tc"
  if [[ $peer == 1 ]]; then
    measure start_nbdkit "nbd://127.0.0.1:$port/"; p=$m_iops; pc=$m_cpu; kplain+=("$p")
    measure start_nbdkit "nbds://localhost:$port/" --tls=require --tls-certificates="$certs"; t=$m_iops; tc=$m_cpu; ktls+=("$t")
    printf 'round %d: nbdkit    plain %.0f IOPS (server %.1f us CPU/write), tls %.0f IOPS (server %.1f us CPU/write)\n' \
      "$r" "$p" "$pc" "$t" "$tc"
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mp=$(median "${plain[@]}"); mt=$(median "${tls[@]}")
printf 'median: bitmirror plain %.0f IOPS, tls %.0f IOPS, TLS costs %.1f%%\n' "$mp" "$mt" "$(echo "(1 - $mt / $mp) * 100" | bc -l)"
if [[ $peer == 1 ]]; then
  mp=$(median "${kplain[@]}"); mt=$(median "${ktls[@]}")
  printf 'median: nbdkit    plain %.0f IOPS, tls %.0f IOPS, TLS costs %.1f%%\n' "$mp" "$mt" "$(echo "(1 - $mt / $mp) * 100" | bc -l)"
fi
