# rosterd's production image: one static-ish binary (templates and static files are compiled in)
# on a slim Debian, running as an unprivileged user. Used by helm/rosterd.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p rosterd \
    && install -D target/release/rosterd /out/rosterd

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home rosterd
COPY --from=build /out/rosterd /usr/local/bin/rosterd
USER 10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/rosterd"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
