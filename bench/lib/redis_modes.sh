# The four Redis deployments of issue 14's benchmark, each made of real redis-server /
# redis-sentinel processes on free loopback ports, with its files in $run/<mode>/, and a
# socialgate replica started against one of them. Sourced by bench/issue14-benchmark.sh after
# bench/lib/services.sh (bench_pids, wait_listening, wait_http, stop_one) and with $run,
# $sg_bin, $idp_url, $site, $client_id, $client_secret set.
#
# start_redis_MODE (standalone, tls, sentinel, cluster) sets:
#   mode_env        the socialgate variables that point it at the deployment (VAR=VALUE ...)
#   mode_data_pids  the data nodes' pids (their CPU is what a request costs Redis)
#   mode_desc       one line saying what runs, for the report
# and returns non-zero, with a line on stderr, when the deployment did not come up in time.

# free_port [BUS]: a loopback port nothing listens on now (the kernel's pick, then released:
# another process could take it before we do, hence the retries around every start). With BUS,
# port + 10000 (the Cluster bus) must be free too.
free_port() {
  python3 - "${1:-}" <<'PY'
import socket, sys
bus = sys.argv[1] == "bus"
for _ in range(200):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if not bus:
        print(port)
        sys.exit(0)
    if port + 10000 > 65535:
        continue
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port + 10000))
        print(port)
        sys.exit(0)
    except OSError:
        continue
sys.exit("no free port")
PY
}

# until_true SECONDS COMMAND...: polls COMMAND (quietly) every 0.1 s until it succeeds or the
# deadline passes; the status says which.
until_true() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@" >/dev/null 2>&1
}

# alive PID: the process still runs (and is not a zombie waiting for us).
alive() {
  kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# spawn LOG COMMAND...: starts COMMAND in the background, output to LOG, registered for
# stop_services; sets spawned_pid.
spawn() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 </dev/null &
  spawned_pid=$!
  bench_pids+=("$spawned_pid")
}

# redis_answers PORT [redis-cli options...]: PING answered PONG.
redis_answers() {
  local port=$1
  shift
  [ "$(redis-cli -h 127.0.0.1 -p "$port" "$@" ping 2>/dev/null)" = PONG ]
}

# give_up PID: stops a process that did not come up and forgets it (it is the newest in
# bench_pids), so that its pid, maybe reused later, is never signalled again.
give_up() {
  stop_one "$1" 2 2>/dev/null
  wait "$1" 2>/dev/null || true
  [ "${bench_pids[-1]:-}" = "$1" ] && unset 'bench_pids[-1]'
  return 1
}

# wait_node PID SECONDS PORT [redis-cli options...]: until the node answers PING on PORT; gives
# up early when the process exits (port taken...).
wait_node() {
  local pid=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    redis_answers "$@" && return 0
    alive "$pid" || break
    sleep 0.1
  done
  redis_answers "$@"
}

# data_node DIR PORT [redis-server options...]: one redis-server without persistence, waited
# for; sets spawned_pid. Status 1 when it did not answer within 10 s.
data_node() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  spawn "$dir/redis-$port.log" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" "$@"
  wait_node "$spawned_pid" 10 "$port" || give_up "$spawned_pid"
}

# with_retries COMMAND...: COMMAND up to 5 times (a port picked by free_port may be taken by
# someone else before the server binds it).
with_retries() {
  local try
  for try in 1 2 3 4 5; do "$@" && return 0; done
  return 1
}

standalone_node() {
  standalone_port=$(free_port)
  data_node "$run/standalone" "$standalone_port"
}

start_redis_standalone() {
  with_retries standalone_node || { echo "redis-server did not start (see $run/standalone)" >&2; return 1; }
  mode_data_pids=("$spawned_pid")
  mode_env=("REDIS_URL=redis://127.0.0.1:$standalone_port/0")
  mode_desc="one redis-server, plain TCP"
}

# make_tls_files DIR: a test CA and a server certificate for IP:127.0.0.1 signed by it (the
# openssl CLI, as the issue's tests do), in DIR/ca.crt, DIR/server.crt, DIR/server.key.
make_tls_files() {
  local dir=$1
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=socialgate bench CA" \
      -keyout ca.key -out ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.crt
  ) >"$dir/openssl.log" 2>&1
}

tls_node() {
  local dir=$run/tls
  tls_port=$(free_port)
  # Plain TCP off (--port 0): every byte goes through TLS. Clients are not asked for a
  # certificate. Ready once it answers over TLS, verified against the test CA as socialgate will.
  spawn "$dir/redis-$tls_port.log" redis-server --port 0 --tls-port "$tls_port" --bind 127.0.0.1 --save '' \
    --appendonly no --dir "$dir" --tls-cert-file "$dir/server.crt" --tls-key-file "$dir/server.key" \
    --tls-ca-cert-file "$dir/ca.crt" --tls-auth-clients no
  wait_node "$spawned_pid" 10 "$tls_port" --tls --cacert "$dir/ca.crt" || give_up "$spawned_pid"
}

start_redis_tls() {
  make_tls_files "$run/tls" || { echo "openssl could not make the test certificates (see $run/tls/openssl.log)" >&2; return 1; }
  with_retries tls_node || { echo "redis-server with TLS did not start (see $run/tls)" >&2; return 1; }
  mode_data_pids=("$spawned_pid")
  mode_env=("REDIS_URL=rediss://127.0.0.1:$tls_port/0" "SOCIAL_AUTH_REDIS_CA_FILE=$run/tls/ca.crt")
  mode_desc="one redis-server with --port 0 --tls-port (TLS 1.2/1.3 as negotiated, server certificate from a test CA, no client certificate)"
}

sentinel_master_name=sgmaster

# sentinel_reports PORT MASTER_PORT: the sentinel names 127.0.0.1:MASTER_PORT as the master, knows
# its replica and the two other sentinels.
sentinel_reports() {
  local port=$1 master_port=$2 addr info
  addr=$(redis-cli -h 127.0.0.1 -p "$port" sentinel get-master-addr-by-name "$sentinel_master_name" 2>/dev/null | tr '\n' ' ')
  [ "$addr" = "127.0.0.1 $master_port " ] || return 1
  info=$(redis-cli -h 127.0.0.1 -p "$port" sentinel master "$sentinel_master_name" 2>/dev/null | paste - - | tr '\t' ' ')
  grep -qx 'num-slaves 1' <<<"$info" && grep -qx 'num-other-sentinels 2' <<<"$info"
}

replica_in_sync() {
  redis-cli -h 127.0.0.1 -p "$1" info replication 2>/dev/null | tr -d '\r' | grep -qx 'master_link_status:up'
}

sentinel_node() {  # sentinel_node DIR MASTER_PORT: one redis-sentinel; sets spawned_pid, sentinel_port
  local dir=$1 master_port=$2
  sentinel_port=$(free_port)
  # Sentinel rewrites its configuration file (the replicas and sentinels it learns), so each
  # gets its own, writable one.
  cat >"$dir/sentinel-$sentinel_port.conf" <<CONF
port $sentinel_port
bind 127.0.0.1
daemonize no
dir $dir
logfile ""
sentinel monitor $sentinel_master_name 127.0.0.1 $master_port 2
sentinel down-after-milliseconds $sentinel_master_name 5000
sentinel failover-timeout $sentinel_master_name 60000
sentinel parallel-syncs $sentinel_master_name 1
CONF
  spawn "$dir/sentinel-$sentinel_port.log" redis-sentinel "$dir/sentinel-$sentinel_port.conf"
  wait_node "$spawned_pid" 10 "$sentinel_port" || give_up "$spawned_pid"
}

sentinel_data_node() {  # sentinel_data_node [redis-server options]: sets sentinel_data_port
  sentinel_data_port=$(free_port)
  data_node "$run/sentinel" "$sentinel_data_port" "$@"
}

start_redis_sentinel() {
  local dir=$run/sentinel master_port replica_port sentinels=() i
  mkdir -p "$dir"
  with_retries sentinel_data_node || { echo "the Sentinel master did not start (see $dir)" >&2; return 1; }
  master_port=$sentinel_data_port
  mode_data_pids=("$spawned_pid")
  with_retries sentinel_data_node --replicaof 127.0.0.1 "$master_port" ||
    { echo "the Sentinel replica did not start (see $dir)" >&2; return 1; }
  replica_port=$sentinel_data_port
  mode_data_pids+=("$spawned_pid")
  until_true 20 replica_in_sync "$replica_port" ||
    { echo "the replica on $replica_port did not sync with the master on $master_port within 20s" >&2; return 1; }
  for i in 1 2 3; do
    with_retries sentinel_node "$dir" "$master_port" || { echo "redis-sentinel $i did not start (see $dir)" >&2; return 1; }
    sentinels+=("127.0.0.1:$sentinel_port")
  done
  # Sentinels find each other through hello messages on the master every 2 s.
  for i in "${sentinels[@]}"; do
    until_true 30 sentinel_reports "${i##*:}" "$master_port" ||
      { echo "sentinel $i does not report master $master_port with 1 replica and 2 other sentinels within 30s" >&2; return 1; }
  done
  local list
  list=$(IFS=,; echo "${sentinels[*]}")
  # REDIS_URL still gives the data nodes' credentials and database; the address comes from the
  # sentinels.
  mode_env=("REDIS_URL=redis://127.0.0.1:$master_port/0" "REDIS_SENTINELS=$list"
            "REDIS_SENTINEL_MASTER=$sentinel_master_name")
  mode_desc="master + 1 replica (asynchronous replication) + 3 redis-sentinel (quorum 2), plain TCP"
}

cluster_node() {  # sets cluster_port (data port; the bus is cluster_port + 10000)
  cluster_port=$(free_port bus)
  data_node "$run/cluster/$cluster_port" "$cluster_port" --cluster-enabled yes \
    --cluster-config-file "$run/cluster/$cluster_port/nodes.conf" --cluster-node-timeout 5000
}

cluster_ok() {  # cluster_ok PORT...: every node says cluster_state:ok and knows all 16384 slots
  local port info
  for port in "$@"; do
    info=$(redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | tr -d '\r')
    grep -qx 'cluster_state:ok' <<<"$info" && grep -qx 'cluster_slots_ok:16384' <<<"$info" || return 1
    grep -qx "cluster_known_nodes:$#" <<<"$info" || return 1
  done
}

start_redis_cluster() {
  local ports=() addresses=() i
  mkdir -p "$run/cluster"
  mode_data_pids=()
  for i in 1 2 3; do
    with_retries cluster_node || { echo "cluster node $i did not start (see $run/cluster)" >&2; return 1; }
    ports+=("$cluster_port")
    addresses+=("127.0.0.1:$cluster_port")
    mode_data_pids+=("$spawned_pid")
  done
  # Three masters, the 16384 slots split between them, no replicas. redis-cli waits for the
  # nodes to agree on the configuration before it returns.
  timeout 60 redis-cli --cluster create "${addresses[@]}" --cluster-replicas 0 --cluster-yes \
    >"$run/cluster/create.log" 2>&1 </dev/null ||
    { echo "redis-cli --cluster create failed (see $run/cluster/create.log)" >&2; return 1; }
  until_true 30 cluster_ok "${ports[@]}" ||
    { echo "the cluster did not reach cluster_state:ok on all three nodes within 30s" >&2; return 1; }
  local list
  list=$(IFS=,; echo "${addresses[*]}")
  mode_env=("REDIS_URL=redis://127.0.0.1:${ports[0]}/0" "REDIS_CLUSTER_NODES=$list")
  mode_desc="3 masters (redis-cli --cluster create, no replicas), plain TCP"
}

# start_socialgate_in NAME VAR=VALUE...: one replica as bench/lib/services.sh's
# start_socialgate starts it (same variables), with the mode's variables on top; log in
# $run/NAME.log; sets sg_pid and sg_url. Unlike start_socialgate it gives up as soon as the
# process exits, and says why in sg_start_error: a mode not built yet exits at start.
start_socialgate_in() {
  local name=$1
  shift
  sg_start_error=""
  # env applies its assignments in order: the mode's come last and win.
  spawn "$run/$name.log" env USE_ALLAUTH_SOCIAL_ACCOUNTS=True CVAT_BASE_URL="$site" \
    SOCIAL_AUTH_GITHUB_CLIENT_ID="$client_id" SOCIAL_AUTH_GITHUB_CLIENT_SECRET="$client_secret" \
    SOCIAL_AUTH_GITHUB_URL="$idp_url" SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True AUTH_CONFIG_PATH="$run/auth_config.yml" \
    SOCIALGATE_LISTEN=127.0.0.1:0 \
    SOCIAL_AUTH_RATE_LIMITS=off SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS=1000000 \
    SOCIALGATE_PROVIDER_WORKERS="${SOCIALGATE_PROVIDER_WORKERS:-32}" \
    SOCIALGATE_MAX_CONNECTIONS="${SOCIALGATE_MAX_CONNECTIONS:-20000}" \
    SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS="${SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS:-20000}" \
    SOCIALGATE_KEEPALIVE_IDLE_SECONDS="${SOCIALGATE_KEEPALIVE_IDLE_SECONDS:-300}" \
    "$@" "$sg_bin"
  sg_pid=$spawned_pid
  local port
  if ! port=$(wait_listening "$run/$name.log" "$sg_pid" 30 2>/dev/null); then
    if alive "$sg_pid"; then
      sg_start_error="no listening line within 30s"
    else
      local status=0
      wait "$sg_pid" 2>/dev/null || status=$?
      sg_start_error="exited at start with status $status"
    fi
    return 1
  fi
  sg_url="http://127.0.0.1:$port"
  if ! wait_http "$sg_url/readyz" 200 30 2>/dev/null; then
    sg_start_error="/readyz not 200 within 30s"
    alive "$sg_pid" || sg_start_error="exited before /readyz answered 200"
    return 1
  fi
}

# stop_since COUNT: stops what was started after bench_pids had COUNT entries (newest first,
# as stop_services does), and forgets it.
stop_since() {
  local count=$1 i
  for ((i = ${#bench_pids[@]} - 1; i >= count; i--)); do stop_one "${bench_pids[$i]}" 10 2>/dev/null; done
  for ((i = ${#bench_pids[@]} - 1; i >= count; i--)); do wait "${bench_pids[$i]}" 2>/dev/null || true; done
  bench_pids=("${bench_pids[@]:0:$count}")
}
