#!/bin/sh
# As the official node image's entrypoint: arguments that are options or not a command go to node;
# then exec, so the command itself is PID 1 (or the init's child) and receives signals.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
