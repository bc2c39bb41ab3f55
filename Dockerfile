# syntax=docker/dockerfile:1
# The service image: `docker build -t pgtask .` (or `make docker-build`), run by docker-compose.yml.
# Two stages: the first installs production dependencies only; the last copies them with the
# sources and runs as the unprivileged "node" user. TypeScript runs through tsx (a runtime
# dependency), exactly as `npm start` does in development and CI.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json config.yaml ./
COPY drizzle ./drizzle
COPY src ./src
# Only needed when no DATABASE_URL is given and the embedded PostgreSQL keeps its data here.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8080
# /healthz answers while the process is alive; Node has fetch, so no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same command as package.json's "start" script. Node itself receives SIGTERM and shuts down
# gracefully; `npm start` in between would not forward the signal reliably.
CMD ["node", "--import", "tsx", "src/main.ts"]
