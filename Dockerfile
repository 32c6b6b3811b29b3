# syntax=docker/dockerfile:1
# KEYRA server image: `docker build -t keyra:0.1.0 .` (docs/deploy.md).
#
# Three stages: `build` compiles the monorepo and packs the publishable `keyra` package
# (scripts/pack-server.mjs); `install` installs that tarball with --omit=dev the way an operator
# would (better-sqlite3 compiles here, so the compilers stay out of the runtime image); `runtime`
# is node:20 slim plus ffmpeg and pocketsphinx for the voice routes, running as a non-root user
# with nothing written outside /var/lib/keyra (the data volume) and /tmp, so it runs with
# `--read-only --tmpfs /tmp`.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# onnxruntime-node's install script downloads CUDA libraries; KEYRA never uses them.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --no-audit --no-fund \
  && npm run build \
  && node scripts/pack-server.mjs --out /pack

FROM ${NODE_IMAGE} AS install
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# --omit=optional leaves out on-chain stamps (ethers, EAS SDK) and the neural voice back end
# (onnxruntime-node); build with --build-arg KEYRA_NPM_FLAGS=--omit=dev to include them.
ARG KEYRA_NPM_FLAGS="--omit=dev --omit=optional"
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /opt/keyra
COPY --from=build /pack/ /pack/
RUN echo '{"name":"keyra-runtime","version":"1.0.0","private":true}' > package.json \
  && npm install ${KEYRA_NPM_FLAGS} --no-audit --no-fund /pack/keyra-*.tgz \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    ffmpeg libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 keyra \
  && useradd --system --uid 10001 --gid keyra --home-dir /var/lib/keyra --shell /usr/sbin/nologin keyra \
  && mkdir -p /var/lib/keyra \
  && chown keyra:keyra /var/lib/keyra \
  && chmod 0700 /var/lib/keyra
COPY --from=install /opt/keyra /opt/keyra
ENV NODE_ENV=production \
  PATH=/opt/keyra/node_modules/.bin:$PATH \
  KEYRA_HOST=0.0.0.0 \
  KEYRA_PORT=8787 \
  KEYRA_DATA_DIR=/var/lib/keyra \
  KEYRA_DATABASE_URL=sqlite:/var/lib/keyra/keyra.db \
  KEYRA_LOG_FORMAT=json
WORKDIR /var/lib/keyra
VOLUME ["/var/lib/keyra"]
USER 10001:10001
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.KEYRA_PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["keyra"]
CMD ["serve"]
