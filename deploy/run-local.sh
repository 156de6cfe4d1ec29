#!/usr/bin/env bash
# Builds socialgate and runs a whole local deployment to click through, all on 127.0.0.1:
#   - redis-server on a free port;
#   - the development IdP, which plays GitHub, Google, Amazon Cognito and a generic OpenID
#     Connect IdP (the "Corp SSO" of .run/auth_config.yml); its pages let you pick any user;
#   - two socialgate replicas sharing that Redis;
#   - when Debian's Django, DRF and gunicorn are installed (deploy/install-deps.sh installs them)
#     and nginx is there: the CVAT path. A CVAT-like Django server (tests/cvat/cvat_like: CVAT's
#     authentication settings, with socialgate's package installed only through
#     DJANGO_SETTINGS_MODULE=socialgate_cvat.settings) as two gunicorn replicas on one database,
#     and nginx in front with deploy/nginx/socialgate-cvat.conf's routing, as a CVAT deployment
#     has it. nginx's address is then the public URL (CVAT_BASE_URL).
# It prints the URLs; Ctrl-C stops everything. Logs go to .run/.
#
#   SG_PORT_A (8080), SG_PORT_B (8081): the socialgate replicas
#   SG_IDP_PORT (9000): the dev IdP
#   SG_SITE_PORT (8088), SG_CVAT_PORT_A (8090), SG_CVAT_PORT_B (8091): nginx and the Django replicas
#   SG_NO_CVAT=1: socialgate alone, even when Django is installed
#   SG_BUILD=0: skip installing packages and building (use what is in the build directory)
#   SG_BUILD_DIR (build), SG_RUN_DIR (.run): where the binaries are, where logs and data go
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${SG_BUILD_DIR:-build}
if [ "${SG_BUILD:-1}" != 0 ]; then
  bash deploy/install-deps.sh
  # An existing build directory (the tests' one) is reused as configured; a new one is made here.
  [ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" --target socialgate socialgate-dev-idp
fi

port_a=${SG_PORT_A:-8080}
port_b=${SG_PORT_B:-8081}
idp_port=${SG_IDP_PORT:-9000}
site_port=${SG_SITE_PORT:-8088}
cvat_ports=("${SG_CVAT_PORT_A:-8090}" "${SG_CVAT_PORT_B:-8091}")
idp="http://127.0.0.1:$idp_port"
run_dir=${SG_RUN_DIR:-$root/.run}
run_dir=$(mkdir -p "$run_dir" && cd "$run_dir" && pwd)
mkdir -p "$run_dir"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Each gets 10 s to stop by itself (gunicorn and socialgate finish what they are doing), then
  # is killed: stopping must never hang the terminal.
  for _ in $(seq 100); do
    alive=""
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() {  # wait_for URL: poll until it answers (any HTTP status), for up to 30 s
  for _ in $(seq 300); do curl -sS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "gave up waiting for $1 (logs in $run_dir)" >&2
  return 1
}
wait_ready() {  # wait_ready URL: poll until it answers 200, for up to 30 s
  for _ in $(seq 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "gave up waiting for $1 (logs in $run_dir)" >&2
  return 1
}

# The CVAT path needs Debian's Django, DRF and gunicorn (in Debian's python3) and nginx.
cvat=""
if [ -z "${SG_NO_CVAT:-}" ] && /usr/bin/python3 -c "import django, rest_framework, gunicorn" 2>/dev/null &&
   [ -x /usr/sbin/nginx ]; then
  cvat=1
fi
if [ -n "$cvat" ]; then base_url="http://127.0.0.1:$site_port"; else base_url="http://127.0.0.1:$port_a"; fi

# 1. Redis on a random free loopback port.
for _ in $(seq 30); do
  redis_port=$((20000 + RANDOM % 30000))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$run_dir" \
    >"$run_dir/redis.log" 2>&1 </dev/null &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then pids+=("$redis_pid"); break; fi
  kill "$redis_pid" 2>/dev/null || true
done

# 2. The dev IdP: one client, whose callbacks must start with the public URL.
"$build/dev-idp/socialgate-dev-idp" --listen "127.0.0.1:$idp_port" --client "dev-client:dev-secret:$base_url/" \
  >"$run_dir/dev-idp.log" 2>&1 </dev/null &
pids+=($!)
wait_for "$idp/_dev/stats"

# 3. socialgate: CVAT's variables for GitHub, Google and Cognito, all pointed at the dev IdP,
#    and an auth_config.yml with one generic OIDC IdP (CVAT's format).
cat >"$run_dir/auth_config.yml" <<YAML
sso:
  enabled: true
  identity_providers:
    - id: corp
      protocol: OIDC
      name: Corp SSO
      server_url: $idp/oidc
      client_id: dev-client
      client_secret: dev-secret
      email_domain: example.com
YAML
export USE_ALLAUTH_SOCIAL_ACCOUNTS=True
export CVAT_BASE_URL="$base_url"
export SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True  # the dev IdP speaks plain HTTP on loopback
export SOCIAL_AUTH_GITHUB_CLIENT_ID=dev-client SOCIAL_AUTH_GITHUB_CLIENT_SECRET=dev-secret
export SOCIAL_AUTH_GITHUB_URL="$idp"
export SOCIAL_AUTH_GOOGLE_CLIENT_ID=dev-client SOCIAL_AUTH_GOOGLE_CLIENT_SECRET=dev-secret
export SOCIAL_AUTH_GOOGLE_ISSUER="$idp/google"
export SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN="$idp/cognito" SOCIAL_AUTH_AMAZON_COGNITO_ISSUER="$idp/cognito"
export SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID=dev-client SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET=dev-secret
export AUTH_CONFIG_PATH="$run_dir/auth_config.yml"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
if [ -n "$cvat" ]; then
  # Behind CVAT: its UI finishes the login (the one-time code for a key), and nginx's address
  # is the one that may set X-Forwarded-For.
  export SOCIAL_AUTH_FLOW=cvat-ui SOCIAL_AUTH_TRUSTED_PROXIES=127.0.0.1
fi
for port in "$port_a" "$port_b"; do
  SOCIALGATE_LISTEN="127.0.0.1:$port" "$build/app/socialgate" >"$run_dir/socialgate-$port.log" 2>&1 </dev/null &
  pids+=($!)
  wait_ready "http://127.0.0.1:$port/readyz"
done

# 4. The CVAT path: the CVAT-like Django server (two gunicorn replicas, one SQLite database,
#    each talking to its own socialgate replica) and nginx with the CVAT routing.
if [ -n "$cvat" ]; then
  export PYTHONPATH="$root/integrations/cvat:$root/tests/cvat"
  export DJANGO_SETTINGS_MODULE=socialgate_cvat.settings SOCIALGATE_CVAT_BASE_SETTINGS=cvat_like.settings
  export CVAT_LIKE_DB="$run_dir/cvat.sqlite3" SOCIALGATE_RECHECK_SECONDS=5 PYTHONDONTWRITEBYTECODE=1
  # A fresh database each run, like Redis (which keeps nothing): socialgate's users start over.
  rm -f "$CVAT_LIKE_DB" "$CVAT_LIKE_DB-wal" "$CVAT_LIKE_DB-shm"
  (cd "$run_dir" && /usr/bin/python3 -m django migrate -v0)
  # A CVAT password user too, to show that CVAT's own accounts keep working: admin / admin.
  (cd "$run_dir" && /usr/bin/python3 -c "
import django; django.setup()
from django.contrib.auth.models import User
if not User.objects.filter(username='admin').exists(): User.objects.create_superuser('admin', 'admin@example.org', 'admin')")
  socialgate_ports=("$port_a" "$port_b")
  for i in 0 1; do
    (cd "$run_dir" && SOCIALGATE_INTERNAL_URL="http://127.0.0.1:${socialgate_ports[$i]}" exec /usr/bin/python3 \
      -m gunicorn.app.wsgiapp --bind "127.0.0.1:${cvat_ports[$i]}" --workers 1 --threads 4 --worker-class gthread \
      cvat_like.wsgi:application) >"$run_dir/cvat-server-$i.log" 2>&1 </dev/null &
    pids+=($!)
    wait_for "http://127.0.0.1:${cvat_ports[$i]}/api/users/self"
  done
  nginx_conf=$(/usr/bin/python3 deploy/cvat_nginx.py --dir "$run_dir/nginx" --listen "127.0.0.1:$site_port" \
    --socialgate "$port_a,$port_b" --cvat-server "${cvat_ports[0]},${cvat_ports[1]}" \
    --cvat-ui "${cvat_ports[0]},${cvat_ports[1]}")
  /usr/sbin/nginx -p "$run_dir/nginx" -c "$nginx_conf" -g "daemon off;" >"$run_dir/nginx.log" 2>&1 </dev/null &
  pids+=($!)
  wait_ready "$base_url/api/auth/social/methods/"
fi

if [ -n "$cvat" ]; then
  cat <<TXT

The CVAT path is running (logs in $run_dir):
  CVAT (nginx):  $base_url/             the app; signed out it sends you to $base_url/auth/login
                 Sign in with GitHub, Google or Amazon Cognito, pick a user on the dev IdP's page,
                 and the CVAT-like page greets the Django user made for you.
  Your account:  $base_url/api/auth/social/account/   (socialgate's page: sessions, sign-out, linking)
  CVAT password user: admin / admin   ($base_url/api/auth/login, as CVAT's own users sign in)
  Corp SSO:      $base_url/api/auth/oidc/corp/login/?next=/   (auth_config.yml's generic OIDC IdP)
  Behind nginx:  socialgate  127.0.0.1:$port_a and :$port_b,  CVAT-like server  127.0.0.1:${cvat_ports[0]} and :${cvat_ports[1]}
  dev IdP:       $idp/   Redis: 127.0.0.1:$redis_port
Ctrl-C stops everything.
TXT
else
  cat <<TXT

socialgate is running (logs in $run_dir):
  replica A:  http://127.0.0.1:$port_a/      (the public base URL: callbacks come back here)
  replica B:  http://127.0.0.1:$port_b/      (start a login here; it finishes on A)
  Sign in with GitHub, Google, Amazon Cognito or Corp SSO (a generic OIDC IdP), pick any user on
  the dev IdP's page; the page then shows your account: sessions, sign-out, linking.
  dev IdP:    $idp/   Redis: 127.0.0.1:$redis_port
Try:  http://127.0.0.1:$port_a/api/users/self  and  http://127.0.0.1:$port_b/api/users/self
(Install Debian's python3-django, python3-djangorestframework and gunicorn for the CVAT path.)
Ctrl-C stops everything.
TXT
fi
wait -n "${pids[@]}"
