# Multi-stage build: compile TypeScript in a build stage, ship only dist/ and production
# dependencies, run as the unprivileged `node` user under tini. One image serves as API and as worker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# gcc and the C library's headers compile the optional native kernel (native/, scripts/build-native.ts;
# Node's own headers come with the node image). Tolerant, as the build script is: without a compiler the
# image runs the WebAssembly kernel, which every test also covers.
RUN (apt-get update \
  && apt-get install -y --no-install-recommends gcc libc6-dev \
  && rm -rf /var/lib/apt/lists/*) || echo "no C compiler: the image will run the WebAssembly kernel"
COPY package.json package-lock.json .npmrc ./
RUN npm ci
# assembly/ and scripts/: the build regenerates the WebAssembly kernel module when its source changed.
COPY tsconfig.json tsconfig.build.json ./
COPY assembly ./assembly
COPY native ./native
COPY scripts ./scripts
COPY src ./src
# web/: the dashboard, built by Vite into dist/web (served at /ui/).
COPY web ./web
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
# tini as PID 1: node installs its SIGTERM handler only once started, and a PID 1 without a handler
# ignores SIGTERM, so a process still starting (a worker waiting for Redis) would sit out the whole
# grace period until SIGKILL. tini forwards the signal: node stops at once or shuts down gracefully.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY openapi.yaml ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
VOLUME ["/data"]
# node:http rather than fetch, whose loading doubles the check's cost. On a busy host (workers training)
# one check, docker exec and node start-up included, took 1.5-3 s: a 3 s timeout turned a live API unhealthy.
HEALTHCHECK --interval=15s --timeout=10s --start-period=10s --retries=3 \
  CMD node -e "require('node:http').get('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# `npm start` would rebuild; the image is already built, so run the compiled entry points directly.
CMD ["node", "dist/server.js"]
