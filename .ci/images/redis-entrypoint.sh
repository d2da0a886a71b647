#!/bin/sh
# Entry point of the locally built Redis test image, as the official image's: arguments alone are redis-server's,
# and a server started without a configuration file runs with protected mode off, or it would refuse every client
# that reaches it through a mapped port (they come from the bridge, not from loopback).
set -eu
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  shift
  case "${1:-}" in
    *.conf) ;;
    *) set -- --protected-mode no "$@" ;;
  esac
  set -- redis-server "$@"
fi
exec "$@"
