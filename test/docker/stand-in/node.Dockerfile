# Stand-in for the official node:20-bookworm-slim where the project's Dockerfile relies on it: Debian
# bookworm, node, its C headers and npm in /usr/local, a `node` user (uid/gid 1000, home /home/node), the same
# entrypoint and CMD. Node and npm are this machine's; the CA bundle lets npm through the local TLS proxy.
ARG MINBASE
FROM ${MINBASE}
RUN groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
# The official image ships Node's headers (native addons build against them): so does the stand-in.
COPY include /usr/local/include/node
RUN ln -s node /usr/local/bin/nodejs \
  && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && node --version && npm --version
COPY ca-bundle.crt /usr/local/share/nn-stand-in/ca-bundle.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/nn-stand-in/ca-bundle.crt
COPY node-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
