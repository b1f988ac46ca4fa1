# Multi-stage build: compile TypeScript in a build stage, ship only dist/ and production
# dependencies, run as the unprivileged `node` user. One image serves as API and as worker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
# assembly/ and scripts/: the build regenerates the WebAssembly kernel module when its source changed.
COPY tsconfig.json tsconfig.build.json ./
COPY assembly ./assembly
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
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY openapi.yaml ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `npm start` would rebuild; the image is already built, so run the compiled entry points directly.
CMD ["node", "dist/server.js"]
