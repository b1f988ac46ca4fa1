# Stand-in for the official redis:7-bookworm: Debian bookworm's redis-server (7.0) run as the `redis`
# user (uid/gid 999), working directory and volume /data, the same entrypoint behaviour and CMD.
ARG MINBASE
FROM ${MINBASE}
RUN groupadd --system --gid 999 redis \
  && useradd --system --uid 999 --gid redis --home-dir /var/lib/redis redis \
  && printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
  && apt-get update \
  && apt-get install -y --no-install-recommends redis-server \
  && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d
# The official build compiles protected-mode off (containers reach Redis over the network); Debian's is on.
COPY redis-server /usr/local/bin/redis-server
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN mkdir /data && chown redis:redis /data
VOLUME /data
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
