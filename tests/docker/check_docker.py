#!/usr/bin/env python3
"""Keeps docker/ correct by construction (no Docker engine exists on the build machines).

Checks, against the repository and this Debian 12 machine:
  * Dockerfile: every COPY source exists in the build context (the repository root); every file
    copied from the build stage is a binary of a CMake target that stage builds; every command a
    RUN line, ENTRYPOINT, CMD or compose/k8s override runs comes from the base image, from a
    package the stage installs (or one it pulls in), or from a binary the image copies in; the
    build stage installs the build packages of scripts/install-deps.sh; the runtime stage
    installs the package of every shared library the built binaries link (when they are built).
  * compose.yaml and k8s/*.yaml parse and agree: image, daemon arguments, port, manifest path,
    probe and metrics paths, user id, ConfigMap = manifests/examples/payments, workload identity.
  * The probe / metrics paths are the ones the daemon serves (once the daemon exists).
Usage: check_docker.py REPO_ROOT [BIN_DIR]
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build", "bin")
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


def installed_packages(run_text):
    """Packages named by `apt-get install` in a RUN text."""
    packages = []
    for command in re.split(r"&&|;", run_text):
        words = shlex.split(command)
        while words and "=" in words[0]:
            words.pop(0)
        if words[:2] == ["apt-get", "install"]:
            packages += [w for w in words[2:] if not w.startswith("-")]
    return packages


def commands_of(run_text):
    """First word of every simple command in a RUN text (env assignments skipped)."""
    commands = []
    for command in re.split(r"&&|\|\||;|\|", run_text):
        words = shlex.split(command)
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words.pop(0)
        if words:
            commands.append(words[0])
    return commands


def installed_database():
    """{package: (essential_or_required, [dependency alternatives])} for packages installed here."""
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Status}\t${Essential}\t${Priority}\t"
                          "${Depends}, ${Pre-Depends}\n"], capture_output=True, text=True).stdout
    database = {}
    for line in out.splitlines():
        name, status, essential, priority, depends = line.split("\t")
        if not status.endswith(" installed"):
            continue
        alternatives = [[c.strip().split(" ")[0].split(":")[0] for c in a.split("|")]
                        for a in depends.split(",") if a.strip()]
        database[name] = (essential == "yes" or priority == "required", alternatives)
    return database


DATABASE = installed_database()


def closure(packages):
    """Packages plus their Depends / Pre-Depends, as installed on this Debian 12 machine."""
    seen, todo = set(), list(packages)
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        for alternative in DATABASE.get(package, (False, []))[1]:
            # "a (>= 1) | b": the first installed alternative is what apt picked here.
            installed = [choice for choice in alternative if choice in DATABASE]
            if installed:
                todo.append(installed[0])
    return seen


def base_image_packages():
    """What debian:12 and debian:12-slim ship: Essential and Priority required packages, and apt."""
    return closure({"apt"} | {name for name, (base, _) in DATABASE.items() if base})


def candidates(path):
    """The path and its merged-/usr twins (dpkg records /bin/rm, PATH finds /usr/bin/rm)."""
    result = []
    for p in (path, os.path.realpath(path)):
        result.append(p)
        result.append(p[4:] if p.startswith("/usr/") else "/usr" + p)
    return list(dict.fromkeys(result))


OWNERS = {}


def learn_owners(paths):
    """One `dpkg -S` for many paths (each call scans every file list: slow)."""
    wanted = [c for p in paths for c in candidates(p) if c not in OWNERS]
    if not wanted:
        return
    out = subprocess.run(["dpkg", "-S"] + wanted, capture_output=True, text=True).stdout
    for c in wanted:
        OWNERS.setdefault(c, None)
    for line in out.splitlines():
        packages, _, owned = line.partition(": ")
        OWNERS[owned.strip()] = packages.split(",")[0].split(":")[0].strip()


def package_of(path):
    learn_owners([path])
    for candidate in candidates(path):
        if OWNERS.get(candidate):
            return OWNERS[candidate]
    return None


def cmake_executables():
    targets = set()
    for directory, subdirectories, files in os.walk(ROOT):
        # Not build trees, dependencies or hidden directories.
        subdirectories[:] = [d for d in subdirectories
                             if not d.startswith((".", "build")) and d != "node_modules"]
        if "CMakeLists.txt" in files:
            text = open(os.path.join(directory, "CMakeLists.txt")).read()
            targets.update(re.findall(r"add_executable\(\s*([A-Za-z0-9_\-]+)", text))
    return targets


def check_dockerfile():
    stages = parse_dockerfile(os.path.join(DOCKER, "Dockerfile"))
    if [s["base"] for s in stages] != ["debian:12", "debian:12-slim"]:
        fail(f"Dockerfile: expected a debian:12 build stage and a debian:12-slim runtime, got {[s['base'] for s in stages]}")
        return None
    build, runtime = stages
    targets = cmake_executables()
    built = set()
    image_files = {}  # runtime path -> origin
    runtime_commands = set()
    for stage in stages:
        packages = []
        for instruction, args, line in stage["steps"]:
            if instruction == "RUN":
                packages += installed_packages(args)
                for target in re.findall(r"--target ([A-Za-z0-9_\- ]+?)(?:&&|$|\\)", args):
                    built.update(target.split())
        stage["packages"] = packages
        stage["available"] = BASE | closure(packages)
    for target in built:
        if target not in targets:
            fail(f"Dockerfile: builds --target {target}, which no CMakeLists.txt defines")
    learn_owners([shutil.which(c) for st in stages for i, a, _ in st["steps"] if i == "RUN"
                  for c in commands_of(a) if shutil.which(c)])
    for stage in stages:
        for instruction, args, line in stage["steps"]:
            where = f"Dockerfile:{line}"
            if instruction == "COPY":
                words = shlex.split(args)
                flags = [w for w in words if w.startswith("--")]
                paths = [w for w in words if not w.startswith("--")]
                sources, dest = paths[:-1], paths[-1]
                if any(f.startswith("--from=") for f in flags):
                    for source in sources:
                        name = os.path.basename(source)
                        if not source.startswith("/src/build/bin/") or name not in built:
                            fail(f"{where}: COPY --from {source} is not a binary the build stage builds ({sorted(built)})")
                        image_files[os.path.join(dest, name)] = source
                else:
                    for source in sources:
                        if not os.path.exists(os.path.join(ROOT, source)):
                            fail(f"{where}: COPY source {source} does not exist in the repository")
                        if stage is runtime:
                            image_files[dest] = source
            elif instruction == "RUN":
                for command in commands_of(args):
                    path = shutil.which(command)
                    package = package_of(path) if path else None
                    if command in ("cd", "test", "[", "true", "export"):
                        continue  # shell builtins
                    if package is None:
                        fail(f"{where}: cannot tell which package provides `{command}`")
                    elif package not in stage["available"]:
                        fail(f"{where}: `{command}` comes from {package}, which the {stage['name']} stage does not install")
    for command in ("keyward", "keyward-arm-emulator"):
        if f"/usr/local/bin/{command}" not in image_files:
            fail(f"Dockerfile: the runtime image has no /usr/local/bin/{command}")
    runtime_steps = {i: a for i, a, _ in runtime["steps"]}
    entrypoint = exec_form(runtime_steps.get("ENTRYPOINT", "[]"))
    if entrypoint != ["keyward"]:
        fail(f"Dockerfile: ENTRYPOINT should be [\"keyward\"], is {entrypoint}")
    user = runtime_steps.get("USER", "")
    if not re.fullmatch(r"\d+:\d+", user):
        fail(f"Dockerfile: USER should be numeric uid:gid (runAsNonRoot), is {user!r}")

    # The build stage installs what scripts/install-deps.sh says keyward builds with.
    deps = open(os.path.join(ROOT, "scripts", "install-deps.sh")).read()
    listed = set(re.search(r"packages=\((.*?)\)", deps, re.S).group(1).split())
    not_for_building = {"git", "openssl", "sqlite3", "nodejs", "npm", "python3", "python3-jsonschema",
                        "python3-yaml", "curl", "jq", "libgtest-dev", "libgmock-dev", "libbenchmark-dev"}
    for package in sorted(listed - not_for_building - set(build["packages"])):
        fail(f"Dockerfile: the build stage does not install {package} (scripts/install-deps.sh does)")

    # Every shared library the built binaries link is in the runtime stage.
    for binary in ("keyward", "keyward-arm-emulator"):
        path = os.path.join(BIN_DIR, binary)
        if not os.path.exists(path):
            fail(f"{path} is not built: build the keyward and keyward-arm-emulator targets first")
            continue
        ldd = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        learn_owners(re.findall(r"=> (/\S+)", ldd))
        for library in re.findall(r"=> (/\S+)", ldd):
            package = package_of(library)
            if package and package.split(":")[0] not in runtime["available"]:
                fail(f"Dockerfile: {binary} links {library} from {package}, which the runtime stage does not install")
    return {"user": user, "expose": runtime_steps.get("EXPOSE", ""), "files": image_files,
            "runtime_available": runtime["available"]}


# ---- compose and Kubernetes -----------------------------------------------------------------

def load(path):
    with open(path) as f:
        return list(yaml.safe_load_all(f))


def image_has(command, image):
    if f"/usr/local/bin/{command}" in image["files"]:
        return True
    path = shutil.which(command)
    package = package_of(path) if path else None
    return package in image["runtime_available"]


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
    for name, service in services.items():
        entry = service.get("entrypoint", ["keyward"])
        if not image_has(entry[0], image):
            fail(f"compose.yaml: service {name} runs {entry[0]}, which the image does not have")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                if not os.path.exists(os.path.normpath(os.path.join(DOCKER, source))):
                    fail(f"compose.yaml: service {name} mounts {source}, which does not exist")
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


BASE = base_image_packages()
image = check_dockerfile()
if image:
    check_compose_and_k8s(image)
for message in errors:
    print("error:", message)
if errors:
    sys.exit(1)
print("docker/: Dockerfile, compose.yaml and k8s/ are consistent")
