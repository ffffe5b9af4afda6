# Journey Analytics without installing Swift: a release binary with the Swift runtime linked in
# (--static-swift-stdlib) on Debian slim, which only adds libsqlite3.
#
#   docker build -t journey-analytics .
#   docker run --rm -v "$PWD:/data" journey-analytics report /data/SampleData --out /data/report.html
#
# The working directory is /data, so --db defaults to /data/analytics.sqlite: mount the folder that
# holds (or will hold) the database and the exports.
ARG SWIFT_IMAGE=swift:6.3-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that changing the sources does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --static-swift-stdlib --product analytics \
    && install -D -m 755 "$(swift build -c release --show-bin-path)/analytics" /out/bin/analytics \
    && strip /out/bin/analytics \
    && /out/bin/analytics --generate-completion-script bash > /out/analytics.bash

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/bin/analytics /usr/local/bin/analytics
COPY --from=build /out/analytics.bash /usr/share/bash-completion/completions/analytics
WORKDIR /data
ENTRYPOINT ["analytics"]
CMD ["--help"]
