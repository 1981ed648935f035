#!/usr/bin/env python3
"""What a container run cannot see in docker/: the Kubernetes manifests, and the agreement between
the Dockerfile, compose.yaml, k8s/ and the daemon's sources.

tests/container/run.sh builds docker/Dockerfile and runs the image, compose's services and the
Kubernetes deployment's security context with podman: that proves the COPY sources, the build
packages, the commands each step runs and the runtime libraries. What no local run exercises is
checked here, statically:
  * Dockerfile: a numeric USER (runAsNonRoot can only check a number), ENTRYPOINT keyward,
    EXPOSE of the daemon port;
  * compose.yaml: the build context points at docker/Dockerfile, the daemon's port is published,
    its endpoint, CA file and principal are the emulator's;
  * k8s/*.yaml parse and agree with compose: image and tag, daemon arguments, port, manifest path,
    probe and metrics paths, user id, ConfigMap = manifests/examples/payments, workload identity,
    Service and ServiceMonitor selectors, kustomization resources;
  * the probe / metrics paths are the ones the daemon's sources serve.
Usage: check_docker.py REPO_ROOT
"""
import os
import re
import shlex
import sys

import yaml

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKER = os.path.join(ROOT, "docker")
errors = []


def fail(message):
    errors.append(message)


# ---- Dockerfile -------------------------------------------------------------------------------

def parse_dockerfile(path):
    """[(stage_name, [(instruction, args_text, line_no)])]"""
    stages = []
    logical, start = "", 0
    with open(path) as f:
        for number, line in enumerate(f, 1):
            stripped = line.strip()
            if not logical and (not stripped or stripped.startswith("#")):
                continue
            if logical and stripped.startswith("#"):
                continue  # comment inside a continued RUN
            if not logical:
                start = number
            if stripped.endswith("\\"):
                logical += stripped[:-1] + " "
                continue
            logical += stripped
            instruction, _, args = logical.partition(" ")
            instruction = instruction.upper()
            if instruction == "FROM":
                parts = args.split()
                name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else parts[0]
                stages.append({"name": name, "base": parts[0], "steps": []})
            else:
                stages[-1]["steps"].append((instruction, args.strip(), start))
            logical = ""
    return stages


def exec_form(args):
    return yaml.safe_load(args) if args.startswith("[") else shlex.split(args)


def check_dockerfile():
    runtime = parse_dockerfile(os.path.join(DOCKER, "Dockerfile"))[-1]
    steps = {i: a for i, a, _ in runtime["steps"]}
    entrypoint = exec_form(steps.get("ENTRYPOINT", "[]"))
    if entrypoint != ["keyward"]:
        fail(f"Dockerfile: ENTRYPOINT should be [\"keyward\"], is {entrypoint}")
    user = steps.get("USER", "")
    if not re.fullmatch(r"\d+:\d+", user):
        fail(f"Dockerfile: USER should be numeric uid:gid (runAsNonRoot), is {user!r}")
    return {"user": user, "expose": steps.get("EXPOSE", "")}

# ---- compose and Kubernetes -----------------------------------------------------------------

def load(path):
    with open(path) as f:
        return list(yaml.safe_load_all(f))


def listen_port(args):
    port = args[args.index("--listen") + 1].rsplit(":", 1)[1]
    return int(port)


def daemon_paths():
    """/healthz, /readyz, /metrics as the daemon's sources serve them; fails when the daemon
    command or the flags docker/ passes to it are missing."""
    cli = ""
    for name in sorted(os.listdir(os.path.join(ROOT, "cli"))):
        if name.endswith(".cc") and not name.endswith("_test.cc"):
            cli += open(os.path.join(ROOT, "cli", name)).read()
    if '"daemon"' not in cli:
        fail("cli/: there is no `keyward daemon` subcommand, which docker/ runs")
    served = set()
    for directory in ("cli", "engine", "providers"):
        for name in os.listdir(os.path.join(ROOT, directory)):
            if name.endswith((".cc", ".h")) and not name.endswith("_test.cc"):
                text = open(os.path.join(ROOT, directory, name)).read()
                served.update(p for p in ("/healthz", "/readyz", "/metrics") if f'"{p}"' in text)
    for flag in ("--interval", "--listen"):
        if f'"{flag}' not in cli:
            fail(f"cli/: `keyward daemon` has no {flag} flag, which docker/ uses")
    return served


def check_compose_and_k8s(image):
    compose = load(os.path.join(DOCKER, "compose.yaml"))[0]
    services = compose["services"]
    images = {s.get("image") for s in services.values()}
    if len(images) != 1:
        fail(f"compose.yaml: services use different images {images}")
    image_ref = images.pop()
    build = services["certs"]["build"]
    if not os.path.exists(os.path.normpath(os.path.join(DOCKER, build["context"], build["dockerfile"]))):
        fail("compose.yaml: build context/dockerfile does not point at docker/Dockerfile")
    daemon = services["daemon"]["command"]
    if daemon[0] != "daemon":
        fail(f"compose.yaml: the daemon service runs {daemon}")
    port = listen_port(daemon)
    if str(port) not in image["expose"].split():
        fail(f"Dockerfile: EXPOSE {image['expose']} does not include the daemon port {port}")
    if f"{port}:{port}" not in services["daemon"].get("ports", []):
        fail(f"compose.yaml: the daemon's port {port} is not published")
    manifests_in_compose = [v for v in services["daemon"]["volumes"] if v.split(":")[1] == daemon[1]]
    if not manifests_in_compose:
        fail(f"compose.yaml: nothing is mounted at the daemon's manifest path {daemon[1]}")
    emulator = services["emulator"]["command"]
    emulator_port = listen_port(emulator)
    env = services["daemon"]["environment"]
    if env.get("KEYWARD_ARM_ENDPOINT") != f"https://emulator:{emulator_port}":
        fail("compose.yaml: KEYWARD_ARM_ENDPOINT does not point at the emulator service")
    cert = emulator[emulator.index("--tls-cert") + 1]
    if env.get("KEYWARD_CA_FILE") != cert:
        fail("compose.yaml: the daemon does not trust the emulator's certificate")
    principal = emulator[emulator.index("--principal") + 1].split(":")
    if principal[0] != env["AZURE_TENANT_ID"] or principal[1] != env["AZURE_CLIENT_ID"]:
        fail("compose.yaml: the daemon's AZURE_TENANT_ID / AZURE_CLIENT_ID are not the emulator's --principal")

    k8s_dir = os.path.join(DOCKER, "k8s")
    kustomization = load(os.path.join(k8s_dir, "kustomization.yaml"))[0]
    files = sorted(f for f in os.listdir(k8s_dir) if f.endswith(".yaml") and f != "kustomization.yaml")
    if sorted(kustomization["resources"]) != files:
        fail(f"k8s/kustomization.yaml: resources {kustomization['resources']} differ from the files {files}")
    objects = {}
    for name in files:
        for document in load(os.path.join(k8s_dir, name)):
            objects[document["kind"]] = document
    deployment = objects["Deployment"]
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    repository, _, tag = image_ref.partition(":")
    kustomized = {i["name"]: i for i in kustomization.get("images", [])}
    if container["image"].split(":")[0] != repository or kustomized.get(repository, {}).get("newTag") != tag:
        fail(f"k8s: the deployment image {container['image']} / kustomize tag is not compose's {image_ref}")
    if container["args"] != daemon:
        fail(f"k8s: the deployment runs {container['args']}, compose runs {daemon}")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    if port not in ports.values():
        fail(f"k8s: the container does not declare the daemon port {port}")
    probes = {kind: container[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
    if probes["livenessProbe"]["path"] != "/healthz" or probes["readinessProbe"]["path"] != "/readyz":
        fail(f"k8s: probes should be /healthz (liveness) and /readyz (readiness), are {probes}")
    for kind, probe in probes.items():
        if probe["port"] not in ports and probe["port"] != port:
            fail(f"k8s: {kind} uses port {probe['port']}, which the container does not declare")
    security = pod["spec"]["securityContext"]
    if not security.get("runAsNonRoot") or f"{security['runAsUser']}:{security['runAsGroup']}" != image["user"]:
        fail(f"k8s: runAsUser/runAsGroup do not match the image's USER {image['user']}")
    if pod["metadata"]["labels"].get("azure.workload.identity/use") != "true":
        fail("k8s: the pod lacks the label azure.workload.identity/use: \"true\"")
    account = objects["ServiceAccount"]
    if pod["spec"]["serviceAccountName"] != account["metadata"]["name"]:
        fail("k8s: the deployment does not use the ServiceAccount")
    if "azure.workload.identity/client-id" not in account["metadata"].get("annotations", {}):
        fail("k8s: the ServiceAccount lacks the azure.workload.identity/client-id annotation")
    config_map = objects["ConfigMap"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    manifest_volume = [n for n, v in volumes.items() if v.get("configMap", {}).get("name") == config_map["metadata"]["name"]]
    if not manifest_volume or mounts.get(manifest_volume[0]) != daemon[1]:
        fail(f"k8s: the ConfigMap is not mounted at the daemon's manifest path {daemon[1]}")
    example = os.path.join(ROOT, "manifests", "examples", "payments")
    expected = {name: open(os.path.join(example, name)).read() for name in os.listdir(example)}
    if config_map["data"] != expected:
        fail("k8s/configmap.yaml: data differs from manifests/examples/payments (regenerate it)")
    service = objects["Service"]
    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
    if service["spec"]["selector"].items() - pod["metadata"]["labels"].items():
        fail("k8s: the Service selector does not match the pod labels")
    monitor = objects["ServiceMonitor"]
    endpoint = monitor["spec"]["endpoints"][0]
    if endpoint["port"] not in service_ports or endpoint.get("path") != "/metrics":
        fail(f"k8s: the ServiceMonitor scrapes {endpoint}, not the Service's metrics port at /metrics")
    if monitor["spec"]["selector"]["matchLabels"].items() - service["metadata"]["labels"].items():
        fail("k8s: the ServiceMonitor selector does not match the Service labels")

    served = daemon_paths()
    if served is not None:
        for path in ("/healthz", "/readyz", "/metrics"):
            if path not in served:
                fail(f"docker/ uses {path}, which the daemon does not serve")


check_compose_and_k8s(check_dockerfile())
for message in errors:
    print("error:", message)
if errors:
    sys.exit(1)
print("docker/: Dockerfile, compose.yaml and k8s/ are consistent")
