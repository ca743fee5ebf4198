# Rasa's environment (Python 3.10), used by the rasa and actions services.
# The rasa service trains the model into the image, so a container starts serving at once.
FROM python:3.10-slim
WORKDIR /app
RUN pip install --no-cache-dir --upgrade pip 'setuptools<70' wheel
COPY requirements/rasa.txt requirements/rasa.txt
RUN pip install --no-cache-dir -r requirements/rasa.txt
COPY config.yml domain.yml credentials.yml endpoints.yml ./
COPY data data
COPY actions actions
COPY components components
COPY vocab vocab
COPY xiaoer xiaoer
COPY shop shop
COPY scripts_zh scripts_zh
RUN rasa train --quiet --fixed-model-name xiaoer --out models
RUN useradd --create-home xiaoer && chown -R xiaoer /app
USER xiaoer
EXPOSE 5005 5055
