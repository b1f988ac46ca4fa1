#!/bin/sh
# As the official redis image's entrypoint: options go to redis-server; started as root, it hands
# /data to the redis user and re-runs itself as that user; then exec, so redis-server is PID 1.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
umask 0077
exec "$@"
