# socialgate's images, from Debian 12 packages only (deploy/packages/*.txt, the same lists that
# deploy/install-deps.sh installs).
#   docker build -t socialgate:latest .                                (the service, the default)
#   docker build --target dev-idp -t socialgate-dev-idp:latest .       (the development IdP)
# With podman, add `--format docker`: the OCI format has no HEALTHCHECK.

# Build stage: the two programs, without the tests.
FROM debian:bookworm AS build
COPY deploy/packages/build.txt /tmp/build.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(sed -e 's/#.*//' /tmp/build.txt) \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY core core
COPY session-store session-store
COPY providers providers
COPY actors actors
COPY gateway gateway
COPY app app
COPY dev-idp dev-idp
COPY loadtest loadtest
ARG JOBS=2
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
 && cmake --build /build -j "$JOBS" --target socialgate socialgate-dev-idp \
 && strip /build/app/socialgate /build/dev-idp/socialgate-dev-idp

# Runtime base: the shared libraries, CA certificates, curl for the health check, a non-root user.
FROM debian:bookworm AS runtime
COPY deploy/packages/runtime.txt /tmp/runtime.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(sed -e 's/#.*//' /tmp/runtime.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime.txt \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin socialgate
USER 10001:10001
STOPSIGNAL SIGTERM

# The development IdP (tests and demos only: it signs in anyone as any user).
FROM runtime AS dev-idp
COPY --from=build /build/dev-idp/socialgate-dev-idp /usr/local/bin/socialgate-dev-idp
EXPOSE 9000
ENTRYPOINT ["/usr/local/bin/socialgate-dev-idp"]
CMD ["--listen", "0.0.0.0:9000"]

# socialgate (the default target).
FROM runtime AS socialgate
COPY --from=build /build/app/socialgate /usr/local/bin/socialgate
ENV SOCIALGATE_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${SOCIALGATE_LISTEN##*:}/healthz" || exit 1
ENTRYPOINT ["/usr/local/bin/socialgate"]
