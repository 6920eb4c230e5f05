#!/usr/bin/env bash
# Container health check: GET /health on this member's command endpoint, healthy on "200".
# The runtime image has no curl or wget, so HTTP/1.0 goes over bash's /dev/tcp instead.
# The endpoint listens on LOCKSTEP_HOSTNAME (a member binds the address it advertises), not on
# 127.0.0.1, so the check connects there; defaults are the built-in ones (127.0.0.1, 9110).
set -u
host="${LOCKSTEP_HOSTNAME:-127.0.0.1}"
port="${LOCKSTEP_COMMAND_PORT:-9110}"
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /health HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
IFS=$' \r' read -r -t 4 version status _ <&3 || exit 1
[[ "$version" == HTTP/1.* && "$status" == 200 ]]
