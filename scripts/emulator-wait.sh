# Sourced by scripts that start `pulumi-openpanel emulator` in the background (quickstart.sh,
# check-dist.sh): waits for the export lines it prints, then loads them into the calling shell.
#
#   wait_for_emulator PID ENV_FILE LOG_FILE
#
# Gives up after 10 s, or as soon as the emulator exits, showing its log.
wait_for_emulator() {
  local pid="$1" env_file="$2" log_file="$3" _
  for _ in $(seq 100); do
    if grep -q OPENPANEL_CLIENT_SECRET "$env_file" 2>/dev/null; then
      # shellcheck disable=SC1090
      source "$env_file"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$log_file" >&2; return 1; }
    sleep 0.1
  done
  echo "the emulator printed no credentials within 10 s; its log:" >&2
  cat "$log_file" >&2
  return 1
}
