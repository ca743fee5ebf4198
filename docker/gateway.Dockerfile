# The gateway's environment: current Python and Sanic.
FROM python:3.12-slim
WORKDIR /app
COPY requirements/gateway.txt requirements/gateway.txt
RUN pip install --no-cache-dir -r requirements/gateway.txt
COPY bot bot
COPY xiaoer xiaoer
COPY vocab vocab
COPY shop shop
COPY scripts_zh scripts_zh
RUN useradd --create-home xiaoer && chown -R xiaoer /app
USER xiaoer
# No staff accounts in the image: docker-compose.yml mounts the operator's agents file at
# /app/agents.yml (read-only), and a production start refuses a missing one.
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
CMD ["python", "-m", "bot"]
