# Multi-stage image: build wheels in a full Python image, run as a non-root user in a slim one.
# Build:  docker build -t creditscore .
# Run:    docker run -p 50051:50051 -v "$PWD/artifacts:/artifacts:ro" creditscore
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY model_build ./model_build
COPY server ./server
COPY gradio_ui ./gradio_ui
COPY benchmarks ./benchmarks
COPY creditscore ./creditscore
COPY inference ./inference
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
# libgomp: LightGBM's OpenMP runtime.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 app \
    && mkdir -p /records && chown app /records
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER app
WORKDIR /home/app
# NUMBA_CACHE_DIR: the compiled kernels are cached in a directory the app user can write
# (site-packages is read-only to it), so that restarts skip compilation. The image carries
# them already compiled (about 7 s of a first start otherwise); NUMBA_CPU_NAME=generic keys
# them to no particular CPU, so that they load on any x86-64 host, not only the builder's.
ENV NUMBA_CACHE_DIR=/home/app/.cache/numba \
    NUMBA_CPU_NAME=generic
RUN python -m server.compile_kernels
# Secure by default: the server listens on every interface only with TLS and a credentials
# file, mounted read-only at /secrets (made with `python -m server.security certificates` and
# `python -m server.security mint-token`); without them it refuses to start. Add
# CREDITSCORE_TLS_CLIENT_CA=/secrets/ca.pem to require client certificates (mTLS).
# The decision record: a SQLite file on the /records volume (mount a durable disk there), or
# CREDITSCORE_RECORD_DB=postgresql://... for several replicas sharing one record.
ENV CREDITSCORE_ARTIFACTS=/artifacts \
    CREDITSCORE_RECORD_DB=/records/decisions.sqlite \
    CREDITSCORE_HOST=0.0.0.0 \
    CREDITSCORE_PORT=50051 \
    CREDITSCORE_TLS_CERT=/secrets/server.pem \
    CREDITSCORE_TLS_KEY=/secrets/server.key \
    CREDITSCORE_CREDENTIALS=/secrets/credentials.json
VOLUME ["/records"]
EXPOSE 50051
# The scoring server; its artifacts (from `python -m model_build train`) are mounted at /artifacts:
#   docker run -v $PWD/artifacts:/artifacts:ro -v $PWD/secrets:/secrets:ro \
#     -v creditscore-records:/records -p 50051:50051 IMAGE
ENTRYPOINT ["python", "-m", "server"]
