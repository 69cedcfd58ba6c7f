# One image for every role: api, worker, flower, migrate (the command picks the role).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY api ./api
COPY workers ./workers
COPY agents ./agents
COPY widgets ./widgets
COPY store ./store
COPY chatkit_todo ./chatkit_todo
RUN pip install . && useradd --create-home --uid 10001 chatkit && mkdir -p /data \
    && chown chatkit /data

USER chatkit
ENV CHATKIT_DATA_DIR=/data CHATKIT_HOST=0.0.0.0
EXPOSE 8000 5555
CMD ["chatkit-todo", "api"]
