# Multi-stage build of the one chatorder binary. Only the product package is
# built: the dev tools (dev/: stand-ins, demo, chaos, benchmarks) are not in
# the image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p chatorder --bin chatorder

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/release/chatorder /usr/local/bin/chatorder
COPY config ./config
ENV CHATORDER_CONFIG_DIR=/app/config
USER nobody
ENTRYPOINT ["chatorder"]
