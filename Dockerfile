# Multi-stage build of the one chatorder binary. Only the product package is
# built: the dev tools (dev/: stand-ins, demo, chaos, benchmarks) are not in
# the image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p chatorder --bin chatorder
# The release profile keeps line tables of our own crates (file:line in a
# backtrace). They move to chatorder.debug, which stays in this stage (or
# `docker build --target debug` for a debugging image); the shipped binary
# is stripped and names its debug file, so gdb finds it when it is beside.
RUN cd target/release \
 && objcopy --only-keep-debug chatorder chatorder.debug \
 && objcopy --strip-all --add-gnu-debuglink=chatorder.debug chatorder

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/release/chatorder /usr/local/bin/chatorder
# Only what production reads: the settings and the starter menu (not the
# NATS, Prometheus and Grafana files, which their own services mount).
COPY config/default.toml config/production.toml config/catalog.toml ./config/
ENV CHATORDER_CONFIG_DIR=/app/config
USER nobody
ENTRYPOINT ["chatorder"]

# The same image with the debug file beside the binary.
FROM runtime AS debug
COPY --from=build /src/target/release/chatorder.debug /usr/local/bin/chatorder.debug

# The default target is the production image.
FROM runtime
