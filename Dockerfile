# Samespot service image. Build: docker build -t samespot .  (docker-compose.yml does this.)
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libgeos-dev libproj-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product samespot --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/samespot" /usr/local/bin/samespot

FROM debian:bookworm-slim
# libjs-leaflet: the web page's maps, served from where Debian puts them (never copied into the repository).
RUN apt-get update && apt-get install -y --no-install-recommends libgeos-c1v5 libproj25 proj-data ca-certificates tzdata libjs-leaflet \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /nonexistent samespot
COPY --from=build /usr/local/bin/samespot /usr/local/bin/samespot
COPY sql /usr/share/samespot/sql
COPY data /usr/share/samespot/data
COPY scripts/container-start /usr/local/bin/container-start
USER samespot
ENV SAMESPOT_HOST=0.0.0.0 SAMESPOT_PORT=8080 SAMESPOT_SQL_DIR=/usr/share/samespot/sql
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 || exit 1"]
ENTRYPOINT ["/usr/local/bin/container-start"]
