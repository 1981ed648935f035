#!/usr/bin/env python3
"""`podman run` arguments read from docker/compose.yaml and docker/k8s/deployment.yaml, so the
container test runs the services exactly as those files describe them (no second copy of their
arguments to drift apart).

  podman_args.py service COMPOSE_FILE SERVICE PROJECT
      The arguments for one compose service, NUL-separated: --entrypoint, -e for its environment
      (compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message},
      ${VAR?message}, $$), -v for its volumes (named volumes become PROJECT_NAME, as compose names
      them; relative bind mounts are resolved against the compose file's directory), --restart,
      then the image and the command. Ports are left out: the test publishes them on its pod.
  podman_args.py ports COMPOSE_FILE
      Every container port a service publishes, one per line.
  podman_args.py k8s DEPLOYMENT_FILE
      The first container's security context and plain environment as podman arguments,
      NUL-separated: --user, --read-only (podman's own /tmp and /run tmpfs off), --cap-drop, --security-opt no-new-privileges,
      --tmpfs for emptyDir mounts, -e for env values (not secretKeyRef ones), --memory
      (resources.limits.memory), --stop-timeout (terminationGracePeriodSeconds).

Exit 1 with a message on stderr when a variable marked `:?` is unset or the file has a shape
this script does not translate (rather than running something else than the file says).
"""
import json
import os
import re
import sys

import yaml

VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def fail(message):
    print(f"podman_args.py: {message}", file=sys.stderr)
    sys.exit(1)


def interpolate(text):
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3)
        value = os.environ.get(name)
        unset = value is None or (value == "" and operator and operator.startswith(":"))
        if operator in (":-", "-"):
            return argument if unset else value
        if operator in (":?", "?"):
            if unset:
                fail(f"{name}: {argument}")
            return value
        return value or ""

    return VARIABLE.sub(replace, text) if isinstance(text, str) else text


def service_args(compose_file, service_name, project):
    with open(compose_file) as f:
        compose = yaml.safe_load(f)
    services = compose.get("services", {})
    if service_name not in services:
        fail(f"{compose_file}: no service {service_name}")
    service = services[service_name]
    known = {"image", "build", "entrypoint", "command", "environment", "volumes", "ports",
             "depends_on", "restart"}
    unknown = set(service) - known
    if unknown:
        fail(f"{compose_file}: service {service_name} uses {sorted(unknown)}, which this test does not translate")
    base = os.path.dirname(os.path.abspath(compose_file))
    args = []
    if "entrypoint" in service:
        entrypoint = service["entrypoint"]
        if isinstance(entrypoint, str):
            entrypoint = [entrypoint]
        args += ["--entrypoint", json.dumps([interpolate(e) for e in entrypoint])]
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(e.split("=", 1) for e in environment)
    for key, value in environment.items():
        args += ["-e", f"{key}={interpolate(str(value))}"]
    for volume in service.get("volumes", []):
        source, _, rest = interpolate(volume).partition(":")
        if source.startswith((".", "/")):
            source = os.path.normpath(os.path.join(base, source))
        else:
            source = f"{project}_{source}"
        args += ["-v", f"{source}:{rest}"]
    if "restart" in service:
        args += ["--restart", service["restart"]]
    args.append(service["image"])
    command = service.get("command", [])
    if isinstance(command, str):
        fail(f"{compose_file}: service {service_name}: a string command is not translated, use a list")
    args += [interpolate(c) for c in command]
    return args


def ports(compose_file):
    with open(compose_file) as f:
        compose = yaml.safe_load(f)
    result = []
    for service in compose.get("services", {}).values():
        for mapping in service.get("ports", []):
            result.append(str(mapping).rsplit(":", 1)[-1])
    return result


def k8s_args(deployment_file):
    with open(deployment_file) as f:
        documents = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "Deployment"]
    if len(documents) != 1:
        fail(f"{deployment_file}: expected one Deployment")
    pod = documents[0]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    pod_security = pod.get("securityContext", {})
    security = container.get("securityContext", {})
    args = []
    if "runAsUser" in pod_security:
        args += ["--user", f"{pod_security['runAsUser']}:{pod_security.get('runAsGroup', pod_security['runAsUser'])}"]
    if security.get("readOnlyRootFilesystem"):
        args += ["--read-only", "--read-only-tmpfs=false"]  # writable: only what k8s mounts
    for capability in security.get("capabilities", {}).get("drop", []):
        args += ["--cap-drop", capability]
    if security.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
    for mount in container.get("volumeMounts", []):
        if mount["name"] in empty_dirs:
            args += ["--tmpfs", mount["mountPath"]]
    for variable in container.get("env", []):
        if "value" in variable:
            args += ["-e", f"{variable['name']}={variable['value']}"]
    memory = container.get("resources", {}).get("limits", {}).get("memory")
    if memory:
        match = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", str(memory))
        if not match:
            fail(f"{deployment_file}: memory limit {memory} is not translated")
        args += ["--memory", match.group(1) + {"Ki": "k", "Mi": "m", "Gi": "g", None: "b"}[match.group(2)]]
    if "terminationGracePeriodSeconds" in pod:
        args += ["--stop-timeout", str(pod["terminationGracePeriodSeconds"])]
    return args


def main(argv):
    if len(argv) == 5 and argv[1] == "service":
        out = service_args(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "ports":
        print("\n".join(ports(argv[2])))
        return 0
    elif len(argv) == 3 and argv[1] == "k8s":
        out = k8s_args(argv[2])
    else:
        fail("usage: podman_args.py service COMPOSE SERVICE PROJECT | ports COMPOSE | k8s DEPLOYMENT")
    sys.stdout.write("".join(a + "\0" for a in out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
