# Convene in one image. `docker compose up -d` runs it (see compose.yaml and README.md), or by hand:
#   docker build -t convene . && docker run -d --env-file .env -v convene-data:/data convene
# The default command is `python -m bot run`: Socket Mode, the scheduler and migrations in one
# process, with SQLite in the /data volume. The same image runs `web`, `clock` and `migrate`.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY storage/ storage/
# README installs the package with `pip install -e .` into a virtualenv. The image installs the same
# package, with the same dependencies and no extras, into its own virtualenv; not editable, so the
# final stage needs no source tree and no build tools.
RUN python -m venv /opt/convene \
    && /opt/convene/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim
# HEALTH_PORT: `run` and `clock` answer GET /healthz there (`web` answers on PORT).
ENV PATH=/opt/convene/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/convene.sqlite3 \
    HEALTH_PORT=8080
RUN groupadd --system --gid 10001 convene \
    && useradd --system --uid 10001 --gid convene --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin convene \
    && mkdir /data \
    && chown convene:convene /data
COPY --from=build /opt/convene /opt/convene
# A numeric user, so an orchestrator can tell it is not root without reading /etc/passwd.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['HEALTH_PORT'] + '/healthz', timeout=4)"]
CMD ["python", "-m", "bot", "run"]
