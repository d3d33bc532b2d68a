# syntax=docker/dockerfile:1
# The sqlsync CLI in a container:
#   docker build -t sqlsync .
#   docker run --rm -v "$PWD/sqlsync.yaml:/config/sqlsync.yaml:ro" -v sqlsync-data:/data \
#     -e SQLSYNC_PASSWORD sqlsync run --config /config/sqlsync.yaml
# Stage `build` builds the workspace and packs the packages, as another team would install them;
# the final stage installs only those tarballs (production dependencies) on node:20-slim and runs
# as the unprivileged `node` user. Stage `emulator` is the SQL Server stand-in of compose.yaml.

FROM node:20-slim AS build
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true
WORKDIR /src
# Manifests and bin shims first, so the `npm ci` layer is reused until a dependency changes
# (npm links a workspace's bin only if its file exists at install time).
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/arrow-decimal/package.json packages/arrow-decimal/
COPY packages/extract-mssql/package.json packages/extract-mssql/
COPY packages/parquet-duckdb/package.json packages/parquet-duckdb/
COPY packages/handlers/package.json packages/handlers/
COPY apps/orchestrator/package.json apps/orchestrator/
COPY apps/orchestrator/bin apps/orchestrator/bin
COPY tools/mssql-emulator/package.json tools/mssql-emulator/
COPY tools/mssql-emulator/bin tools/mssql-emulator/bin
COPY tools/bench/package.json tools/bench/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --projects=@sync/orchestrator,@sync/mssql-emulator --outputStyle=static
RUN mkdir /packs && npm pack --pack-destination /packs \
      -w @sync/core -w @sync/arrow-decimal -w @sync/extract-mssql \
      -w @sync/parquet-duckdb -w @sync/handlers -w @sync/orchestrator

# The SQL Server emulator (tools/mssql-emulator), for compose.yaml and trials: not for production.
FROM build AS emulator
USER node
EXPOSE 1433
ENTRYPOINT ["node", "tools/mssql-emulator/bin/mssql-emulator.js"]
CMD ["--host", "0.0.0.0", "--port", "1433"]

FROM node:20-slim AS sqlsync
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /packs /tmp/packs
RUN echo '{"name":"sqlsync-image","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tmp/packs/*.tgz \
 && rm -rf /tmp/packs && npm cache clean --force \
 && mkdir -p /data/lake /data/state && chown -R node:node /data
ENV PATH=/app/node_modules/.bin:$PATH \
    SQLSYNC_LAKE_DIR=/data/lake \
    SQLSYNC_STATE_DIR=/data/state
USER node
VOLUME ["/data"]
ENTRYPOINT ["sqlsync"]
CMD ["--help"]
