# One image for the platform's Python services (worker, sink, dashboard, simulator).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY events ./events
COPY processors ./processors
COPY standards ./standards
COPY dashboard ./dashboard
RUN pip install --no-cache-dir .
ENTRYPOINT ["svcstd"]
