#!/usr/bin/env bash
# Makes the base images the Dockerfile and docker/docker-compose.yml name (node:20-bookworm-slim,
# redis:7-bookworm) on a machine that reaches no image registry: local stand-ins built from Debian
# bookworm-slim (debootstrap), this machine's Node 20 and npm, and Debian's redis-server. Cached: an image
# that exists is kept, unless it is a stand-in made from an older recipe; a real image is never
# replaced, and a missing one is pulled first, so a machine with a registry tests the real thing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

MINBASE=nn-stand-in/debian:bookworm-slim
NODE_IMAGE=node:20-bookworm-slim
REDIS_IMAGE=redis:7-bookworm
LABEL=nn-service.stand-in-recipe

# The recipe: these files, and the Node, npm and CA bundle copied in. A change makes new stand-ins.
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
ca_bundle="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
recipe="$( (cd "$here" && sha256sum prepare.sh slim-rootfs.sh ./*.Dockerfile ./*-entrypoint.sh ./redis-server; "$node_bin" --version; npm --version; sha256sum < "$ca_bundle") | sha256sum | cut -c1-16)"

label_of() { docker image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null; }

# Succeeds when a stand-in must be (re)made; says why either way.
needs_stand_in() {
  local image="$1" label
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    if docker pull -q "$image" >/dev/null 2>&1; then echo "stand-in: pulled the real $image"; return 1; fi
    echo "stand-in: $image is absent and no registry answers: making a stand-in"
    return 0
  fi
  label="$(label_of "$image")"
  if [ -z "$label" ]; then echo "stand-in: $image is a real image; keeping it"; return 1; fi
  if [ "$label" = "$recipe" ]; then echo "stand-in: $image (recipe $recipe) is cached"; return 1; fi
  echo "stand-in: $image was made from recipe $label, not $recipe: making it again"
  return 0
}

# Runs a command quietly; on failure shows the end of its output.
quietly() {
  local log
  log="$(mktemp /tmp/nn-stand-in-log.XXXXXX)"
  if "$@" >"$log" 2>&1; then rm -f "$log"; return 0; fi
  tail -40 "$log" >&2
  rm -f "$log"
  return 1
}

# Removes the image a stand-in replaced; kept while images built on it (an older nn-service) still exist.
remove_replaced() {
  [ -n "$1" ] && [ "$1" != "$(docker image inspect --format '{{.Id}}' "$2")" ] && docker rmi "$1" >/dev/null 2>&1 || true
}

make_minbase() {
  [ "$(label_of "$MINBASE")" = "$recipe" ] && return 0
  local rootfs replaced
  replaced="$(docker image inspect --format '{{.Id}}' "$MINBASE" 2>/dev/null || true)"
  rootfs="$(mktemp -d /tmp/nn-stand-in-rootfs.XXXXXX)"
  echo "stand-in: debootstrap --variant=minbase bookworm (a few minutes)"
  if ! quietly debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian; then
    rm -rf "$rootfs"
    return 1
  fi
  "$here/slim-rootfs.sh" "$rootfs"
  tar -C "$rootfs" -c . | docker import --change "LABEL $LABEL=$recipe" --change 'CMD ["bash"]' - "$MINBASE" >/dev/null
  rm -rf "$rootfs"
  remove_replaced "$replaced" "$MINBASE"
}

build_stand_in() {
  local image="$1" dockerfile="$2" context="$3" replaced
  replaced="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  quietly docker build --label "$LABEL=$recipe" --build-arg "MINBASE=$MINBASE" -f "$here/$dockerfile" -t "$image" "$context"
  remove_replaced "$replaced" "$image"
  echo "stand-in: built $image"
}

if needs_stand_in "$NODE_IMAGE"; then
  make_minbase
  context="$(mktemp -d /tmp/nn-stand-in-node.XXXXXX)"
  cp "$node_bin" "$context/node"
  cp -r "$npm_dir" "$context/npm"
  cp -r "$(dirname "$(dirname "$node_bin")")/include/node" "$context/include"
  cp "$ca_bundle" "$context/ca-bundle.crt"
  cp "$here/node-entrypoint.sh" "$context/"
  build_stand_in "$NODE_IMAGE" node.Dockerfile "$context" || { rm -rf "$context"; exit 1; }
  rm -rf "$context"
fi

if needs_stand_in "$REDIS_IMAGE"; then
  make_minbase
  build_stand_in "$REDIS_IMAGE" redis.Dockerfile "$here"
fi
