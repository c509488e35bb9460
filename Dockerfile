# ossvend as a container. CI lints this file (test/meta/deploy-files.test.ts); it does not build it.
# Build: docker build -t ossvend .
# Sandbox demo: docker run -p 8080:8080 ossvend
# Cloud: mount a config and pass secrets from the environment (see docs/deploy.md):
#   docker run -p 8080:8080 -v /etc/ossvend:/etc/ossvend:ro -e OSSVEND_CONFIG=/etc/ossvend/config.json \
#     -e OSSVEND_JWT_SECRET -e OSSVEND_PUBLIC_URL -e ALIBABA_CLOUD_ACCESS_KEY_ID -e ALIBABA_CLOUD_ACCESS_KEY_SECRET ossvend

FROM node:22-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ scripts/
COPY src/ src/
RUN npm run build

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    OSSVEND_DATA_DIR=/var/lib/ossvend
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: dist/ comes from the build stage, and openapi-core's postinstall is a no-op.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist/ dist/
COPY policies/ policies/
COPY config.json LICENSE ./
RUN mkdir -p /var/lib/ossvend && chown node:node /var/lib/ossvend
USER node
VOLUME ["/var/lib/ossvend"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# `serve` without a file runs the built-in sandbox defaults; OSSVEND_CONFIG names a real config.
CMD ["node", "dist/cli/bin.js", "serve"]
