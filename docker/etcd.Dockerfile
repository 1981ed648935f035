# etcd for docker/compose.ha.yaml, from Debian 12's etcd-server package (the same etcd 3.4 the
# HA tests run). For production use your platform's etcd (an operator, a managed service).
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o 10001 -g 10001 /var/lib/etcd-data
USER 10001:10001
ENTRYPOINT ["etcd"]
