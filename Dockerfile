# syntax=docker/dockerfile:1
#
# reelrec for Azure App Service (Web App for Containers) or any container host.
# Needs BuildKit (the default builder since Docker 23; `docker buildx build` everywhere).
#
#   docker build -t reelrec .                      # code only: mount artefacts + MovieLens at run time
#   docker build -t reelrec --build-arg BUILD_ARTEFACTS=1 .
#       # also runs `reelrec build` here (about 4 min on ml-100k), so instances never train at start.
#       # MovieLens comes from MOVIELENS_DIR, a folder inside the build context (default data/movielens,
#       # what `reelrec data download` fills; it may also hold overviews/<dataset>_text.csv), else it
#       # is downloaded from GroupLens (checksum-verified).
#
# The served data dir is /app/data (REELREC_DATA_DIR): artefacts baked into the image are
# immutable and identical on every instance. With BUILD_ARTEFACTS=1 the image also carries the
# MovieLens ratings, which `reelrec start` reads: push such an image to a PRIVATE registry only
# (GroupLens forbids redistribution). Likes written by the bot or the API go to LanceDB: point
# REELREC_LANCEDB_URI at az://… to keep them across restarts and share them between instances.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node (via @huggingface/transformers) would otherwise download CUDA binaries at install.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    ONNXRUNTIME_NODE_INSTALL_CUDA=skip \
    REELREC_PROGRESS=off
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm ci` runs the `prepare` script (tsc), hence src/ before it.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN npm run build

ARG BUILD_ARTEFACTS=0
ARG MOVIELENS_DIR=data/movielens
ARG REELREC_DATASET=ml-100k
ARG REELREC_EMBEDDER=auto
# The build context is bind-mounted (never copied into a layer); only the chosen MovieLens folder is copied.
# MOVIELENS_DIR is overridden for the CLI: the build arg names a path in the context, not in the image.
RUN --mount=type=bind,target=/context \
    mkdir -p /app/data && \
    if [ "$BUILD_ARTEFACTS" = "1" ]; then \
      if [ -d "/context/$MOVIELENS_DIR" ]; then \
        mkdir -p /app/data/movielens && cp -R "/context/$MOVIELENS_DIR/." /app/data/movielens/; \
      else \
        node dist/cli/main.js data download --dataset "$REELREC_DATASET" --dest /app/data/movielens; \
      fi && \
      REELREC_DATA_DIR=/app/data MOVIELENS_DIR=/app/data/movielens node dist/cli/main.js build && \
      rm -rf /app/data/models/hf; \
    fi

# Production dependencies only; drop onnxruntime's macOS and Windows binaries (~130 MB).
RUN npm prune --omit=dev --no-audit --no-fund && \
    rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32

FROM node:22-bookworm-slim AS runtime
ARG REELREC_DATASET=ml-100k
ENV NODE_ENV=production \
    PORT=8080 \
    REELREC_DATA_DIR=/app/data \
    REELREC_DATASET=$REELREC_DATASET \
    REELREC_PROGRESS=off
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY assets ./assets
# Empty unless built with BUILD_ARTEFACTS=1; writable by the app (LanceDB likes and poster messages).
COPY --from=build --chown=node:node /app/data ./data
USER node
EXPOSE 8080
# /healthz answers once the service is loaded (the server listens only after that); no curl in slim.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli/main.js", "start", "--no-build"]
