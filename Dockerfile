# statsd-bridge: a drop-in replacement for the prom/statsd-exporter image.
#
#   docker build -t statsd-bridge .
#   docker run --rm -p 9102:9102 -p 9125:9125/udp -p 9125:9125/tcp statsd-bridge \
#       --statsd.mapping-config=/etc/statsd-bridge/anything-llm.yml
#
# Everything after the image name is passed to the bridge unchanged, as with prom/statsd-exporter
# (the flags are the same: --statsd.mapping-config, --web.listen-address, --statsd.listen-udp, ...).
# With no arguments the bridge runs with statsd_exporter's defaults and no mapping file.
#
# Ports: 9102/tcp  web: /metrics, /-/healthy, /-/ready
#        9125/udp  StatsD
#        9125/tcp  StatsD
#
# Reload the mapping file without a restart: `docker kill -s HUP <container>` (run the container
# with --init, or compose `init: true`, so that the signal reaches node).
#
# Only classic-builder features are used, so docker-compose 1.x builds this without BuildKit.

ARG NODE_VERSION=20

# ---- build stage: install, compile TypeScript, then drop the dev dependencies ----------------
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
# `npm ci` compiles the native addon unix-dgram (used by --statsd.listen-unixgram) with
# node-gyp; python3, make and g++ are part of this image. npm_config_nodedir makes node-gyp use
# the Node headers shipped in the image instead of downloading them from nodejs.org.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
# Dependencies first: this layer is reused until package.json or the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.base.json tsconfig.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev

# ---- runtime stage ---------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
LABEL org.opencontainers.image.title="statsd-bridge" \
      org.opencontainers.image.description="StatsD to Prometheus bridge, a drop-in replacement for prom/statsd-exporter" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
# Same bookworm base and Node major as the build stage, so the compiled addon loads here.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
# The anything-llm mapping, so `--statsd.mapping-config=/etc/statsd-bridge/anything-llm.yml`
# works without a volume. compose.yaml mounts ./mapping over it (edit, then SIGHUP).
COPY mapping/ /etc/statsd-bridge/

# nobody:nogroup, like prom/statsd-exporter. Numeric, so Kubernetes' runAsNonRoot can verify it.
# Everything above is owned by root and read-only for this user.
USER 65534:65534

EXPOSE 9102/tcp 9125/udp 9125/tcp

# The slim image has no curl/wget: probe with node itself. If you move the web port
# (--web.listen-address), set STATSD_BRIDGE_HEALTHCHECK_URL to match.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get(process.env.STATSD_BRIDGE_HEALTHCHECK_URL||'http://127.0.0.1:9102/-/healthy',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).setTimeout(4000,()=>process.exit(1))"]

ENTRYPOINT ["node", "/app/bin/statsd-bridge.js"]
# No default arguments (as prom/statsd-exporter); setting ENTRYPOINT already clears node's CMD.
CMD []
