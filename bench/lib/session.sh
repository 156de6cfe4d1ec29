# A real session for the verify benchmark: one GitHub login through socialgate and the dev IdP
# with curl, the way a browser does it. Sourced by bench/issue13-benchmark.sh.

# login_session_cookie SOCIALGATE_URL: prints the sg_sessionid value (for a header, never for
# a log), after start -> IdP authorize (approved at once) -> callback. The public site name
# ($site) is pointed at the replica with --connect-to, so cookies stay on one host name.
login_session_cookie() {
  local sg=$1 jar="$run/cookies.txt" host_port authorize callback status
  host_port=${sg#http://}
  local to=(--connect-to "${site#http://}:80:$host_port")
  authorize=$(curl -s -o /dev/null -c "$jar" -b "$jar" "${to[@]}" -w '%{redirect_url}' "$site/api/auth/github/login/")
  [ -n "$authorize" ] || { echo "login start gave no redirect" >&2; return 1; }
  callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$authorize&dev_login=bench-verify")
  [ -n "$callback" ] || { echo "the dev IdP gave no redirect" >&2; return 1; }
  status=$(curl -s -o /dev/null -c "$jar" -b "$jar" "${to[@]}" -w '%{http_code}' "$callback")
  [ "$status" = 302 ] || { echo "login callback answered $status" >&2; return 1; }
  awk '$6 == "sg_sessionid" { print $7 }' "$jar" | tail -1
}
