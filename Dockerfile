# One image for every role: api, worker, flower, migrate (the command picks the role).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN pip install "uv==0.13.8"
WORKDIR /app

# Dependencies first, from the lock (runtime only): this layer is reused until uv.lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project
COPY api ./api
COPY workers ./workers
COPY agents ./agents
COPY widgets ./widgets
COPY store ./store
COPY chatkit_todo ./chatkit_todo
RUN uv sync --locked --no-editable && useradd --create-home --uid 10001 chatkit \
    && mkdir -p /data && chown chatkit /data

USER chatkit
ENV CHATKIT_DATA_DIR=/data CHATKIT_HOST=0.0.0.0
EXPOSE 8000 5555
CMD ["chatkit-todo", "api"]
