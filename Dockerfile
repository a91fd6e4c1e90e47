# Pixashot image: the NestJS app on Node LTS with Debian's Chromium.
#   docker build -t pixashot:0.1.0 .
#   docker run --rm -p 8080:8080 --shm-size=1g -e AUTH_TOKENS=change-me pixashot:0.1.0
# node:24-bookworm-slim is Debian 12, the Debian CI runs on, so the image has the same Chromium
# package CI tests against.

# --- build: compile TypeScript, then drop dev dependencies ---------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
# .puppeteerrc.cjs (skipDownload) must be in place before npm ci: no browser download, ever.
# SCARF_ANALYTICS=false stops a dependency's install script from phoning home.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json .npmrc .puppeteerrc.cjs ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- runtime -----------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
# The browsers and fonts CI installs, plus tini to run as PID 1 and reap Chrome's children. The pool
# runs chromium-headless-shell (a tab costs a fraction of the full browser's); the full chromium stays
# in the image for CHROME_PATH=/usr/bin/chromium where a page needs the new headless mode.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium chromium-headless-shell \
       fonts-liberation fonts-noto-color-emoji fonts-noto-core fonts-noto-cjk tini \
    && rm -rf /var/lib/apt/lists/*
# Fixed uid/gid 10001: the Helm chart's securityContext runs as the same ids.
RUN groupadd --system --gid 10001 pixashot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/pixashot --create-home \
       --shell /usr/sbin/nologin pixashot
WORKDIR /app
ENV NODE_ENV=production CHROME_PATH=/usr/lib/chromium/chromium-headless-shell PORT=8080
# Owned by root and read-only to the app user.
COPY --from=build /app/package.json /app/.puppeteerrc.cjs ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
EXPOSE 8080
# The slim image has no curl: ask node (global fetch) for the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# A 2 MiB young generation (semispace) instead of V8's 16: the service allocates in short bursts per
# capture, and a bigger nursery only holds more resident memory (4 MiB: ~6 MiB more, 16 MiB: ~30).
# The old generation grows by 1.2x after each full collection (--heap-growing-percent) instead of up
# to 4x on a large node: the screenshots' base64 strings are large objects only a full collection
# frees, and the default factor let the API's heap creep up capture after capture (~30-50 MiB more
# under load, for ~1 ms of CPU per capture less). The 1 GiB heap limit is far above what the default
# limits can make the API hold (docs/operations.md). Same flags in package.json's start and
# test/helpers/service-process.ts.
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=1024", "--heap-growing-percent=20", "dist/main.js"]
