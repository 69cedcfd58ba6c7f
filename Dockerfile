# One image for every role: api, worker, flower, migrate, check (the command picks the role).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN pip install "uv==0.13.8"
WORKDIR /app

# Dependencies first, from the lock (runtime plus the `otel` extra for traces): this layer
# is reused until uv.lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --extra otel
# The source, whole: a new package cannot be forgotten (.dockerignore leaves out tests,
# benchmarks, docs and local state; tests/unit/test_ops_deploy.py keeps every package in).
COPY . .
RUN uv sync --locked --no-editable --extra otel && useradd --create-home --uid 10001 chatkit \
    && mkdir -p /data && chown chatkit /data

USER chatkit
# Logs as JSON lines; `chatkit-todo api` refuses to start without CHATKIT_JWT_SECRET or
# CHATKIT_JWKS_URL (the development sign-in exists only in `chatkit-todo serve`).
ENV CHATKIT_DATA_DIR=/data CHATKIT_HOST=0.0.0.0 CHATKIT_LOG_FORMAT=json
EXPOSE 8000 5555 9100 9101
CMD ["chatkit-todo", "api"]
