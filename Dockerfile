# The platform image: every component is `ysh <command>` from the same image.
# Sources run through tsx (no build step), so the runtime stage keeps them and
# the workspace's production dependencies only.

# --- deps: install every workspace's production dependencies from the lock file
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY embedded/package.json embedded/
COPY firmware-sim/package.json firmware-sim/
COPY edge-agent/package.json edge-agent/
COPY gateway/package.json gateway/
COPY stream-processor/package.json stream-processor/
COPY batch-jobs/package.json batch-jobs/
COPY admin-api/package.json admin-api/
COPY dashboards/package.json dashboards/
COPY cli/package.json cli/
COPY test-helpers/package.json test-helpers/
COPY tests/package.json tests/
COPY bench/package.json bench/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- check: type-check the sources (the same `tsc -b` as CI) so a broken tree never becomes an image
FROM node:20-bookworm-slim AS check
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx tsc -b

# --- runtime: sources + production dependencies, non-root, `ysh` as the entrypoint
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    YSH_DATA_DIR=/var/lib/ysh
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=check /app/package.json ./
COPY --from=check /app/common ./common
COPY --from=check /app/embedded ./embedded
COPY --from=check /app/firmware-sim ./firmware-sim
COPY --from=check /app/edge-agent ./edge-agent
COPY --from=check /app/gateway ./gateway
COPY --from=check /app/stream-processor ./stream-processor
COPY --from=check /app/batch-jobs ./batch-jobs
COPY --from=check /app/admin-api ./admin-api
COPY --from=check /app/dashboards ./dashboards
COPY --from=check /app/cli ./cli
RUN mkdir -p /var/lib/ysh && chown node:node /var/lib/ysh && ln -s /app/cli/bin/ysh.mjs /usr/local/bin/ysh
USER node
VOLUME /var/lib/ysh
ENTRYPOINT ["node", "/app/cli/bin/ysh.mjs"]
CMD ["--help"]
