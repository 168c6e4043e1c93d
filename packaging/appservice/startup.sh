#!/bin/sh
# App Service startup script: keeps 'vnetdiag serve' running in the background of the app's own
# container (restarted with backoff whenever it dies, output in /home/LogFiles/vnetdiag_*.log),
# then becomes the app: the app's start command, given as arguments, is exec'd and keeps this
# script's PID. The bundle ships it beside vnetdiag.sh; set the app's startup command to
#   sh /home/site/tools/vnetdiag/startup.sh gunicorn --bind=0.0.0.0:8000 app:app
# (a start command with shell syntax: ... startup.sh sh -c 'cd /home/site/wwwroot && exec npm start').
#
# Settings (app settings reach the container as environment variables):
#   VNETDIAG_LISTEN            serve's address (default 127.0.0.1:8081; the app keeps its PORT)
#   VNETDIAG_SERVE_ARGS        more options for serve, split on spaces (e.g. "--interval 60")
#   VNETDIAG_KEYVAULT, VNETDIAG_COGNITIVE, ...  the targets, as for 'vnetdiag check'
#   VNETDIAG_SERVE=0           start only the app (switch vnetdiag off without a redeploy)
#   VNETDIAG_SERVE_CMD         run this shell command instead of serve (a stand-in for tests)
#   VNETDIAG_BIN               the vnetdiag to run (default: the bundle's vnetdiag.sh beside this
#                              script, else vnetdiag on PATH, as in the .deb or the sidecar image)
#   VNETDIAG_LOG_DIR           default /home/LogFiles (falls back to $TMPDIR or /tmp)
#   VNETDIAG_RESTART_DELAY_MIN / _MAX   backoff bounds in seconds (default 1 and 60); the delay
#                              doubles after each quick death and starts over after a run of
#                              VNETDIAG_RESTART_RESET seconds (default 60)
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
app_pid=$$

if [ $# -eq 0 ]; then
  echo "vnetdiag startup.sh: give the app's start command as arguments, e.g." >&2
  echo "  sh $here/startup.sh gunicorn --bind=0.0.0.0:8000 app:app" >&2
  exit 2
fi

instance="${COMPUTERNAME:-}"
[ -n "$instance" ] || instance=$(printf '%.12s' "${WEBSITE_INSTANCE_ID:-}")
[ -n "$instance" ] || instance=$(hostname 2>/dev/null || echo local)
log_dir="${VNETDIAG_LOG_DIR:-/home/LogFiles}"
if ! { mkdir -p "$log_dir" 2>/dev/null && [ -w "$log_dir" ]; }; then
  log_dir="${TMPDIR:-/tmp}"
fi
# /home is shared by every instance: one file each.
log="$log_dir/vnetdiag_$instance.log"
min="${VNETDIAG_RESTART_DELAY_MIN:-1}"
max="${VNETDIAG_RESTART_DELAY_MAX:-60}"
reset="${VNETDIAG_RESTART_RESET:-60}"
listen="${VNETDIAG_LISTEN:-127.0.0.1:8081}"

say() {
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) vnetdiag-startup: $*"
  echo "$line" >>"$log" 2>/dev/null
  echo "$line" >&2  # the container's stderr: App Service's *_docker.log and log stream
}

# The child's process state from /proc: a dead child stays a zombie until waited for.
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
  case "${stat##*) }" in Z* | X*) return 1 ;; esac
  return 0
}

run_serve() {
  if [ -n "${VNETDIAG_SERVE_CMD:-}" ]; then
    exec /bin/sh -c "exec $VNETDIAG_SERVE_CMD"
  fi
  # shellcheck disable=SC2086 # VNETDIAG_SERVE_ARGS is split into words on purpose
  if [ -n "${VNETDIAG_BIN:-}" ]; then
    case "$VNETDIAG_BIN" in
      *.sh) exec /bin/sh "$VNETDIAG_BIN" serve --listen "$listen" ${VNETDIAG_SERVE_ARGS:-} ;;
      *) exec "$VNETDIAG_BIN" serve --listen "$listen" ${VNETDIAG_SERVE_ARGS:-} ;;
    esac
  elif [ -f "$here/vnetdiag.sh" ]; then
    exec /bin/sh "$here/vnetdiag.sh" serve --listen "$listen" ${VNETDIAG_SERVE_ARGS:-}
  else
    exec vnetdiag serve --listen "$listen" ${VNETDIAG_SERVE_ARGS:-}
  fi
}

supervise() {
  delay="$min"
  while kill -0 "$app_pid" 2>/dev/null; do
    started=$(date +%s)
    run_serve >>"$log" 2>&1 </dev/null &
    child=$!
    echo "$child" >"$log_dir/vnetdiag_$instance.pid" 2>/dev/null
    say "serve started (pid $child, listening on $listen, log $log)"
    # Poll rather than wait: the supervisor must also notice the app going away.
    while alive "$child"; do
      if ! kill -0 "$app_pid" 2>/dev/null; then
        kill "$child" 2>/dev/null
        wait "$child" 2>/dev/null
        exit 0
      fi
      sleep 1
    done
    wait "$child"
    status=$?
    ran=$(($(date +%s) - started))
    [ "$ran" -ge "$reset" ] && delay="$min"
    say "serve (pid $child) exited with status $status after ${ran}s; restarting in ${delay}s"
    sleep "$delay"
    delay=$((delay * 2))
    [ "$delay" -gt "$max" ] && delay="$max"
  done
}

if [ "${VNETDIAG_SERVE:-1}" = 0 ]; then
  say "VNETDIAG_SERVE=0: not starting serve"
else
  # The supervisor outlives this shell's exec below as a child of the app's process.
  supervise </dev/null &
fi
exec "$@"
