#!/usr/bin/env bash
# TLS cost on the NBD export: fio's nbd engine, 4 KiB random writes at queue depth 32 over
# loopback TCP, against one bitmirror array (two members on tmpfs, internal bitmap) served
# plain (nbd://127.0.0.1:PORT) and then with --tls=require (nbds://localhost:PORT/), in turn,
# BENCH_ROUNDS times (default 3); prints every run, the medians and TLS's cost in percent.
# Certificates are made with openssl in a temporary directory; fio's libnbd finds the client's
# in $HOME/.pki/libnbd (it refuses tls-certificates= in a URI), so HOME is pointed there.
#
# Usage: tools/bench/nbd-tls-bench.sh [RUNTIME_SECONDS]     (default 20)
# Needs: fio, openssl, a JDK; tmpfs at /dev/shm.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
runtime="${1:-20}"
rounds="${BENCH_ROUNDS:-3}"
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

truncate -s "$size" "$work/a" "$work/b"
"$here/bitmirror" create --level=1 --raid-devices=2 --assume-clean "$work/a" "$work/b" >/dev/null
port=$((20000 + RANDOM % 20000))

start() { # extra args...
  "$here/bitmirror" assemble --export="nbd://127.0.0.1:$port" --control="$work/c" "$@" "$work/a" "$work/b" \
    >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 400); do [[ -S "$work/c" ]] && return 0; sleep 0.05; done
  echo "bitmirror did not start: $(cat "$work/log")" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; rm -f "$work/c"; }

# CPU seconds (user + system) the server has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$pid/stat"; }

iops() { # uri
  HOME="$home" fio --name=b --ioengine=nbd --uri="$1" --rw=randwrite --bs=4k --iodepth=32 --size=$((size / 2)) \
    --time_based --runtime="$runtime" --ramp_time=3 --output-format=json 2>/dev/null \
    | tr -d ' \n' | grep -o '"write":{[^}]*' | grep -o '"iops":[0-9.]*' | head -1 | cut -d: -f2
}

# The server's CPU per write (µs), over the ramp and the run: what TLS costs the server alone,
# apart from the client's own TLS, which competes for the same CPUs.
per_write() { # cpu0 cpu1 iops
  echo "($2 - $1) * 1000000 / ($3 * ($runtime + 3))" | bc -l
}
plain=(); tls=()
for r in $(seq "$rounds"); do
  start; c0=$(cpu)
  p=$(iops "nbd://127.0.0.1:$port/"); pc=$(per_write "$c0" "$(cpu)" "$p"); plain+=("$p"); stop
  start --tls=require --tls-certificates="$certs"; c0=$(cpu)
  t=$(iops "nbds://localhost:$port/"); tc=$(per_write "$c0" "$(cpu)" "$t"); tls+=("$t"); stop
  printf 'round %d: plain %.0f IOPS (server %.1f us CPU/write), tls %.0f IOPS (server %.1f us CPU/write)\n' \
    "$r" "$p" "$pc" "$t" "$tc"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mp=$(median "${plain[@]}"); mt=$(median "${tls[@]}")
printf 'median: plain %.0f IOPS, tls %.0f IOPS, TLS costs %.1f%%\n' "$mp" "$mt" "$(echo "(1 - $mt / $mp) * 100" | bc -l)"
