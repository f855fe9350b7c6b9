"""The deployment files without a cluster: the kustomizations rendered and checked against the
Kubernetes API schemas, compose.yaml against the compose-spec, and both against the flags the
server and the web app really read, the Dockerfile's image and the server's drain."""

from __future__ import annotations

import base64
import copy
import importlib.resources
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import grpc
import jsonschema
import kubernetes_validate
import pytest
import yaml
from cryptography import x509
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from yamllint import config as yamllint_config
from yamllint import linter

from gradio_ui import settings as ui_settings
from server import settings as server_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# The oldest Kubernetes the manifests are for (topology spread's matchLabelKeys and the PDB's
# unhealthyPodEvictionPolicy are on by default since 1.27), and the newest schema shipped.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
TARGETS = ("base", "overlays/production", "batch", "batch/score-run")
OUR_IMAGES = ("creditscore", "creditscore-model")
DASK_SCHEDULER = ["dask", "scheduler"]
PASSWORD = "test-advisor-password"
# The resources of each kustomization of TARGETS.
Rendered = dict[str, list[dict]]


def _dockerfile() -> tuple[int, dict[str, str], list[str]]:
    """The image's user id, ENV and entry point, read from the Dockerfile."""
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    (uid,) = [int(m) for line in lines for m in re.findall(r"--uid (\d+)", line)]
    environ: dict[str, str] = {}
    for line in lines:
        if line.startswith("ENV "):
            environ |= dict(word.split("=", 1) for word in shlex.split(line[4:]))
    (entrypoint,) = [json.loads(line[11:]) for line in lines if line.startswith("ENTRYPOINT ")]
    return uid, environ, entrypoint


IMAGE_UID, IMAGE_ENV, IMAGE_ENTRYPOINT = _dockerfile()


# --- kustomize, the subset these files use -------------------------------------------------


def load_all(path: Path) -> list[dict]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def render(directory: Path) -> list[dict]:
    """What `kustomize build directory` gives for the fields these kustomizations use, but
    with generated names left without their hash suffix (kustomize's output is compared with
    this one where kubectl is installed)."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    known = {"apiVersion", "kind", "namespace", "resources", "images"}
    known |= {"configMapGenerator", "secretGenerator", "patches"}
    assert set(spec) <= known, f"{directory}: the test's renderer lacks {set(spec) - known}"
    resources: list[dict] = []
    for entry in spec.get("resources", []):
        path = directory / entry
        resources += render(path) if path.is_dir() else load_all(path)
    for kind in ("ConfigMap", "Secret"):
        for generator in spec.get(f"{kind[0].lower()}{kind[1:]}Generator", []):
            resources.append(_generated(kind, generator, directory))
    for patch in spec.get("patches", []):
        assert set(patch) == {"path"}, "strategic-merge patches from files only"
        for document in load_all(directory / patch["path"]):
            target = find(resources, document["kind"], document["metadata"]["name"])
            _merge(target, document)
    for resource in resources:
        if "namespace" in spec and resource["kind"] != "Namespace":
            resource["metadata"]["namespace"] = spec["namespace"]
        _set_images(resource, spec.get("images", []))
    return resources


def _generated(kind: str, generator: dict, directory: Path) -> dict:
    assert set(generator) <= {"name", "files", "type"}
    data = {}
    for entry in generator["files"]:
        key, _, source = entry.rpartition("=")
        content = (directory / source).read_bytes()
        data[key or Path(source).name] = (
            base64.b64encode(content).decode() if kind == "Secret" else content.decode()
        )
    resource = {"apiVersion": "v1", "kind": kind, "metadata": {"name": generator["name"]}}
    resource["data"] = data
    if kind == "Secret":
        resource["type"] = generator.get("type", "Opaque")
    return resource


def _merge(target: dict, patch: dict) -> None:
    """A strategic merge: maps merged, lists of named items merged by name (new items first,
    as kustomize puts them), anything else replaced."""
    for key, value in patch.items():
        old = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            _merge(old, value)
        elif isinstance(value, list) and isinstance(old, list) and _named(value + old):
            by_name = {item["name"]: item for item in old}
            added = [copy.deepcopy(item) for item in value if item["name"] not in by_name]
            for item in value:
                if item["name"] in by_name:
                    _merge(by_name[item["name"]], item)
            target[key] = added + old
        else:
            target[key] = copy.deepcopy(value)


def _named(items: list) -> bool:
    return all(isinstance(item, dict) and "name" in item for item in items)


def _set_images(node: object, images: list[dict]) -> None:
    if isinstance(node, list):
        for item in node:
            _set_images(item, images)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers"):
                for container in value:
                    name, _, tag = container["image"].partition(":")
                    for rule in images:
                        if rule["name"] == name:
                            tag = rule.get("newTag", tag)
                            name = rule.get("newName", name)
                    container["image"] = f"{name}:{tag}" if tag else name
            _set_images(value, images)


def find(resources: list[dict], kind: str, name: str) -> dict:
    matches = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def pod_specs(resource: dict) -> dict[str, dict]:
    """The pod specs in a resource, by where they are."""
    spec = resource.get("spec", {})
    if resource["kind"] in ("Deployment", "StatefulSet"):
        return {"template": spec["template"]["spec"]}
    if resource["kind"] == "DaskCluster":
        return {"worker": spec["worker"]["spec"], "scheduler": spec["scheduler"]["spec"]}
    if resource["kind"] == "DaskJob":
        cluster = spec["cluster"]["spec"]
        return {
            "job": spec["job"]["spec"],
            "worker": cluster["worker"]["spec"],
            "scheduler": cluster["scheduler"]["spec"],
        }
    return {}


def containers(pod: dict) -> list[dict]:
    return pod.get("initContainers", []) + pod["containers"]


def container(pod: dict, name: str) -> dict:
    return next(c for c in pod["containers"] if c["name"] == name)


def cores(quantity: str | int) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", selector).items())


# --- a pod, or a Compose service, as it would start ---------------------------------------


@dataclass
class Started:
    """A container as kubelet or Compose would start it, its files written under a temporary
    root; `here` moves a path of the container (or a --flag=path) to that root."""

    command: list[str]
    environ: dict[str, str]
    mounts: dict[str, Path]

    def here(self, text: str) -> str:
        flag, equals, value = text.partition("=") if text.startswith("--") else ("", "", text)
        for mount, place in self.mounts.items():
            if value == mount or value.startswith(mount + "/"):
                return f"{flag}{equals}{place}{value[len(mount) :]}"
        return text

    def argv(self, module: str) -> list[str]:
        assert self.command[:3] == ["python", "-m", module], self.command
        return [self.here(word) for word in self.command[3:]]

    def env(self) -> dict[str, str]:
        return {name: self.here(value) for name, value in self.environ.items()}


def start_container(
    resources: list[dict], pod: dict, name: str, root: Path, claims: tuple[str, ...] = ()
) -> Started:
    """Container `name` of `pod` as kubelet starts it: its volumes from the rendered Secrets
    and ConfigMaps (`claims`: a StatefulSet's volumes), its environment over the image's ENV."""
    spec = container(pod, name)
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    volumes |= {claim: {"persistentVolumeClaim": {}} for claim in claims}
    mounts = {}
    for mount in spec.get("volumeMounts", []):
        place = root / name / mount["mountPath"].lstrip("/")
        place.mkdir(parents=True, exist_ok=True)
        for path, content in _volume_files(volumes[mount["name"]], resources).items():
            (place / path).write_bytes(content)
        mounts[mount["mountPath"]] = place
    environ = dict(IMAGE_ENV)
    for variable in spec.get("env", []):
        environ[variable["name"]] = _env_value(variable, spec, resources)
    command = spec.get("command", IMAGE_ENTRYPOINT) + spec.get("args", [])
    return Started(command, environ, mounts)


def _volume_files(volume: dict, resources: list[dict]) -> dict[str, bytes]:
    if "projected" in volume:
        files: dict[str, bytes] = {}
        for source in volume["projected"]["sources"]:
            ((kind, reference),) = source.items()
            files |= _object_files(kind, reference["name"], reference.get("items"), resources)
        return files
    if "secret" in volume:
        secret = volume["secret"]
        return _object_files("secret", secret["secretName"], secret.get("items"), resources)
    if "configMap" in volume:
        config = volume["configMap"]
        return _object_files("configMap", config["name"], config.get("items"), resources)
    assert {"emptyDir", "persistentVolumeClaim"} & set(volume), volume
    return {}


def _object_files(kind: str, name: str, items: list | None, resources: list[dict]) -> dict:
    data = _object_data(kind, name, resources)
    if items is None:
        return data
    return {item["path"]: data[item["key"]] for item in items}


def _object_data(kind: str, name: str, resources: list[dict]) -> dict[str, bytes]:
    if kind == "secret":
        secret = find(resources, "Secret", name)
        return {key: base64.b64decode(value) for key, value in secret["data"].items()}
    return {k: v.encode() for k, v in find(resources, "ConfigMap", name)["data"].items()}


def _env_value(variable: dict, spec: dict, resources: list[dict]) -> str:
    if "value" in variable:
        return str(variable["value"])
    source = variable["valueFrom"]
    if "secretKeyRef" in source:
        reference = source["secretKeyRef"]
        value = _object_data("secret", reference["name"], resources)[reference["key"]].decode()
        # Kubernetes passes a Secret's bytes as they are: a newline would end up in a URL.
        assert value == value.strip(), f"{variable['name']}: the Secret's value ends with a space"
        return value
    field = source["resourceFieldRef"]
    assert field.get("containerName", spec["name"]) == spec["name"]
    section, _, resource = field["resource"].partition(".")
    limit = cores(spec["resources"][section][resource])
    return str(math.ceil(limit / cores(field.get("divisor", 1))))


def start_service(compose: dict, name: str, workspace: Path, root: Path) -> Started:
    """Service `name` as `docker compose up` starts it, its secret files from `workspace` (a
    copy of the repository's deploy/)."""
    service = compose["services"][name]
    mounts = {}
    for entry in service.get("secrets", []):
        source = compose["secrets"][entry["source"]]["file"]
        place = root / entry["target"].lstrip("/")
        place.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(workspace / source, place)
        mounts[entry["target"]] = place
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        place = root / target.lstrip("/")
        if (ROOT / source).is_file():
            place.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, place)
        else:
            place.mkdir(parents=True, exist_ok=True)
        mounts[target] = place
    environ = dict(IMAGE_ENV)
    for env_file in service.get("env_file", []):
        lines = (workspace / env_file).read_text().splitlines()
        environ |= dict(line.split("=", 1) for line in lines if line and line[0] != "#")
    environ |= {name: str(value) for name, value in service.get("environment", {}).items()}
    command = service.get("entrypoint", IMAGE_ENTRYPOINT) + service.get("command", [])
    return Started(command, environ, mounts)


def parse_as_flags(parse: Callable[..., Any], started: Started, prefix: str, module: str) -> Any:
    """The settings of `python -m module` from the container's flags and environment, checked
    equal to those given every `prefix` variable as a flag instead: so each variable is a flag
    of the program, and one it reads from its variable too."""
    environ, argv = started.env(), started.argv(module)
    from_environment = parse(argv, environ=environ)
    flags = [
        f"--{name.removeprefix(prefix).lower().replace('_', '-')}={value}"
        for name, value in environ.items()
        if name.startswith(prefix)
    ]
    try:
        from_flags = parse(flags + argv, environ={})
    except SystemExit:
        pytest.fail(f"a {prefix}* variable is not a flag of python -m {module}: {flags}")
    assert from_flags == from_environment
    return from_environment


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of deploy/ whose secret files are made by deploy/make-secrets.sh, as the README
    says (never the developer's own secret files)."""
    root = tmp_path_factory.mktemp("workspace")

    def placeholders_only(directory: str, names: list[str]) -> list[str]:
        if Path(directory).name != "secrets":
            return []
        return [n for n in names if not n.endswith(".example") and n != ".gitignore"]

    shutil.copytree(DEPLOY, root / "deploy", ignore=placeholders_only)
    for target in ("kubernetes", "compose"):
        subprocess.run(
            ["bash", str(root / "deploy" / "make-secrets.sh"), target],
            input=f"{PASSWORD}\n",
            env={"PATH": os.environ["PATH"], "PYTHON": sys.executable},
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
    return root


@pytest.fixture(scope="session")
def rendered(workspace: Path) -> Rendered:
    return {target: render(workspace / "deploy" / target) for target in TARGETS}


@pytest.fixture(scope="session")
def server_pod(rendered: Rendered) -> dict:
    return find(rendered["base"], "Deployment", "creditscore-server")["spec"]["template"]["spec"]


@pytest.fixture
def server(rendered: Rendered, server_pod: dict, tmp_path: Path) -> Started:
    return start_container(rendered["base"], server_pod, "server", tmp_path)


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


# --- the files as files --------------------------------------------------------------------


def test_every_yaml_file_passes_yamllint() -> None:
    settings = yamllint_config.YamlLintConfig(file=str(DEPLOY / ".yamllint.yaml"))
    files = [ROOT / "compose.yaml", *DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")]
    problems = [
        f"{path.relative_to(ROOT)}:{problem.line}: {problem.message}"
        for path in files
        for problem in linter.run(path.read_text(), settings, str(path))
    ]
    assert problems == []


def test_secret_files_are_kept_out_of_git_beside_their_placeholders(compose: dict) -> None:
    sources = [ROOT / s["file"] for s in compose["secrets"].values()]
    sources += [ROOT / f for s in compose["services"].values() for f in s.get("env_file", [])]
    for kustomization in DEPLOY.rglob("kustomization.yaml"):
        for generator in yaml.safe_load(kustomization.read_text()).get("secretGenerator", []):
            sources += [kustomization.parent / f.rpartition("=")[2] for f in generator["files"]]
    for source in sources:
        assert source.parent.name == "secrets", source
        assert source.with_name(source.name + ".example").is_file(), source
        ignore = (source.parent / ".gitignore").read_text().splitlines()
        patterns = [line for line in ignore if line and not line.startswith("#")]
        assert patterns == ["*", "!.gitignore", "!*.example"]
    for path in DEPLOY.rglob("*.yaml"):
        assert all(d["kind"] != "Secret" for d in load_all(path) if "kind" in d), path


def test_make_secrets_names_the_service_in_the_server_certificate(workspace: Path) -> None:
    names = {
        "base": {"creditscore-server", "creditscore-server.creditscore.svc.cluster.local"},
        "compose": {"server", "localhost"},
    }
    for where, expected in names.items():
        pem = (workspace / "deploy" / where / "secrets" / "server.pem").read_bytes()
        extension = x509.load_pem_x509_certificate(pem).extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
        assert expected <= set(extension.value.get_values_for_type(x509.DNSName))
        assert (workspace / "deploy" / where / "secrets").stat().st_mode & 0o077 == 0


# --- Kubernetes ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("target", TARGETS)
def test_every_resource_is_valid_for_the_kubernetes_api(
    rendered: Rendered, target: str, version: str
) -> None:
    for resource in rendered[target]:
        if resource["apiVersion"] != "kubernetes.dask.org/v1":
            kubernetes_validate.validate(resource, version, strict=True)
            continue
        # No schema for the operator's CRDs: their pod and service specs are checked as a Pod
        # and a Service, their own fields against what the CRDs define.
        check_dask_fields(resource)
        for where, pod in pod_specs(resource).items():
            wrapped = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": where}}
            kubernetes_validate.validate(wrapped | {"spec": pod}, version, strict=True)
        cluster = resource["spec"].get("cluster", resource)["spec"]
        service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "scheduler"}}
        service["spec"] = cluster["scheduler"]["service"]
        kubernetes_validate.validate(service, version, strict=True)


def check_dask_fields(resource: dict) -> None:
    """The fields of kubernetes.dask.org/v1 DaskCluster and DaskJob (the CRDs would prune an
    unknown field without a word)."""
    assert set(resource) == {"apiVersion", "kind", "metadata", "spec"}

    def cluster_spec(spec: dict) -> None:
        assert {"scheduler", "worker"} <= set(spec) <= {"scheduler", "worker", "idleTimeout"}
        assert {"spec", "service"} <= set(spec["scheduler"]) <= {"spec", "service", "metadata"}
        assert {"spec"} <= set(spec["worker"]) <= {"spec", "replicas", "metadata"}
        assert isinstance(spec["worker"].get("replicas", 1), int)

    if resource["kind"] == "DaskCluster":
        cluster_spec(resource["spec"])
    else:
        assert resource["kind"] == "DaskJob"
        assert set(resource["spec"]) == {"job", "cluster"}
        assert set(resource["spec"]["job"]) <= {"spec", "metadata"}
        assert set(resource["spec"]["cluster"]) <= {"spec", "metadata"}
        cluster_spec(resource["spec"]["cluster"]["spec"])


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl (with kustomize) here")
@pytest.mark.parametrize("target", TARGETS)
def test_kustomize_renders_what_the_tests_check(
    rendered: Rendered, workspace: Path, target: str
) -> None:
    output = subprocess.run(
        ["kubectl", "kustomize", str(workspace / "deploy" / target)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    generated = [r for r in rendered[target] if r["kind"] in ("Secret", "ConfigMap")]
    for name in (resource["metadata"]["name"] for resource in generated):
        output = re.sub(rf"\b{name}-[a-z0-9]{{10}}\b", name, output)

    def keyed(resources: list[dict]) -> dict:
        result = {}
        for resource in resources:
            if resource["kind"] == "Secret":
                data = resource["data"]
                resource = resource | {"data": {k: base64.b64decode(v) for k, v in data.items()}}
            result[resource["kind"], resource["metadata"]["name"]] = resource
        return result

    assert keyed(list(yaml.safe_load_all(output))) == keyed(rendered[target])


def test_pods_run_without_root_privileges_and_with_a_read_only_root(
    rendered: Rendered,
) -> None:
    for target, resources in rendered.items():
        for resource in resources:
            for where, pod in pod_specs(resource).items():
                context = f"{target} {resource['metadata']['name']} {where}"
                security = pod["securityContext"]
                assert security["runAsNonRoot"] is True, context
                assert security["seccompProfile"] == {"type": "RuntimeDefault"}, context
                assert pod["automountServiceAccountToken"] is False, context
                for spec in containers(pod):
                    own = spec["securityContext"]
                    assert own["allowPrivilegeEscalation"] is False, context
                    assert own["readOnlyRootFilesystem"] is True, context
                    assert own["capabilities"] == {"drop": ["ALL"]}, context
                    if spec["image"].split(":")[0] in OUR_IMAGES:
                        assert security["runAsUser"] == IMAGE_UID, context


def test_our_images_write_only_to_empty_dirs_for_tmp_and_the_numba_cache(
    rendered: Rendered,
) -> None:
    for resources in rendered.values():
        for resource in resources:
            for pod in pod_specs(resource).values():
                empty = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
                for spec in pod["containers"]:
                    if not spec["image"].startswith("creditscore:"):
                        continue
                    mounted = {m["mountPath"] for m in spec["volumeMounts"] if m["name"] in empty}
                    assert "/tmp" in mounted
                    # Neither the web app nor Dask's scheduler imports the model's code.
                    numba = spec.get("command") not in (
                        ["python", "-m", "gradio_ui"],
                        DASK_SCHEDULER,
                    )
                    assert not numba or IMAGE_ENV["NUMBA_CACHE_DIR"] in mounted


def test_every_container_requests_what_it_is_limited_to(rendered: Rendered) -> None:
    for resources in rendered.values():
        for resource in resources:
            for pod in pod_specs(resource).values():
                for spec in containers(pod):
                    limits = spec["resources"]["limits"]
                    assert spec["resources"]["requests"] == limits, spec["name"]
                    assert set(limits) == {"cpu", "memory"}


def test_processes_and_batch_threads_match_the_cpu_limit_in_whole_cores(
    server: Started, server_pod: dict
) -> None:
    limit = cores(container(server_pod, "server")["resources"]["limits"]["cpu"])
    assert limit == int(limit) >= 1
    settings = parse_as_flags(
        server_settings.parse_settings, server, server_settings.ENV_PREFIX, "server"
    )
    # One server process per core of the limit, each running large batches on one core.
    assert settings.processes == limit
    assert settings.processes * settings.batch_threads == limit
    assert server.environ["OMP_NUM_THREADS"] == server.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_dask_workers_run_one_thread_per_core_of_their_limit(
    rendered: Rendered,
) -> None:
    for target in ("batch", "batch/score-run"):
        for resource in rendered[target]:
            for where, pod in pod_specs(resource).items():
                (spec,) = pod["containers"]
                if where == "worker":
                    assert spec["command"][:3] == ["dask", "worker", "$(DASK_SCHEDULER_ADDRESS)"]
                    (threads,) = [w[11:] for w in spec["command"] if w.startswith("--nthreads=")]
                    assert int(threads) == cores(spec["resources"]["limits"]["cpu"])
                elif where == "scheduler":
                    assert spec["command"] == DASK_SCHEDULER


def test_the_server_starts_with_the_settings_of_its_deployment(
    server: Started, server_pod: dict
) -> None:
    settings = parse_as_flags(
        server_settings.parse_settings, server, server_settings.ENV_PREFIX, "server"
    )
    ports = {
        port["name"]: port["containerPort"] for port in container(server_pod, "server")["ports"]
    }
    assert settings.host == "0.0.0.0"
    assert settings.port == ports["grpc"]
    assert settings.metrics_port == ports["metrics"]
    assert settings.tls_cert is not None and settings.credentials_file is not None
    assert settings.record_db == "postgresql://creditscore@creditscore-postgres:5432/creditscore"
    artifacts = [
        m for m in container(server_pod, "server")["volumeMounts"] if m["name"] == "artifacts"
    ]
    assert artifacts == [{"name": "artifacts", "mountPath": "/artifacts", "readOnly": True}]
    assert IMAGE_ENV["CREDITSCORE_ARTIFACTS"] == "/artifacts"


def test_the_artifacts_come_from_the_model_image_copied_at_start(server_pod: dict) -> None:
    init = next(c for c in server_pod["initContainers"] if c["name"] == "artifacts")
    assert init["image"].startswith("creditscore-model:")
    assert init["command"] == ["cp", "-R", "/artifacts/.", "/model/"]
    assert init["volumeMounts"] == [{"name": "artifacts", "mountPath": "/model"}]
    volume = next(v for v in server_pod["volumes"] if v["name"] == "artifacts")
    assert set(volume) == {"name", "emptyDir"}


def test_the_kernels_compiled_into_the_image_fill_the_writable_numba_cache(
    server_pod: dict,
) -> None:
    # The emptyDir mounted over the image's NUMBA_CACHE_DIR would hide the kernels the image
    # carries: copied into it first, a pod starts without compiling.
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "NUMBA_CACHE_DIR=/home/app/.cache/numba" in dockerfile
    assert "RUN python -m server.compile_kernels" in dockerfile
    init = next(c for c in server_pod["initContainers"] if c["name"] == "kernels")
    assert init["image"].startswith("creditscore:")
    assert init["command"] == ["cp", "-R", "/home/app/.cache/numba/.", "/kernels/"]
    assert init["volumeMounts"] == [{"name": "numba-cache", "mountPath": "/kernels"}]
    mounts = container(server_pod, "server")["volumeMounts"]
    assert {"name": "numba-cache", "mountPath": "/home/app/.cache/numba"} in mounts


def test_probes_check_the_grpc_health_service_on_the_serving_port(
    server_pod: dict, rendered: Rendered
) -> None:
    spec = container(server_pod, "server")
    service = find(rendered["base"], "Service", "creditscore-server")
    (grpc_port,) = [p for p in spec["ports"] if p["name"] == "grpc"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        command = spec[probe]["exec"]["command"]
        assert command[:2] == ["python", "/probe/health_probe.py"]
        assert f"--port={grpc_port['containerPort']}" in command
        assert f"--tls-name={service['metadata']['name']}" in command
        assert spec[probe]["timeoutSeconds"] >= 3
    # Start-up loads and checks the model (5-20 s here): twice that before liveness starts.
    startup = spec["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 40
    assert service["spec"]["ports"][0]["targetPort"] == "grpc"


def test_termination_waits_for_the_drain_and_the_grace_period(
    server: Started, server_pod: dict
) -> None:
    settings = server_settings.parse_settings(server.argv("server"), environ=server.env())
    needed = settings.drain_seconds + settings.grace_period_seconds
    assert server_pod["terminationGracePeriodSeconds"] >= needed + 10
    assert "lifecycle" not in container(server_pod, "server")


@pytest.mark.parametrize("deployment", ["kubernetes", "compose"])
def test_the_health_probe_passes_over_tls_only_while_the_server_serves(
    deployment: str,
    rendered: Rendered,
    server_pod: dict,
    workspace: Path,
    compose: dict,
    tmp_path: Path,
) -> None:
    if deployment == "kubernetes":
        started = start_container(rendered["base"], server_pod, "server", tmp_path)
        command = container(server_pod, "server")["readinessProbe"]["exec"]["command"]
    else:
        started = start_service(compose, "server", workspace, tmp_path)
        command = compose["services"]["server"]["healthcheck"]["test"][1:]
    servicer = health.HealthServicer()
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, grpc_server)
    key_pair = tuple(
        Path(started.here(f"/secrets/server.{e}")).read_bytes() for e in ("key", "pem")
    )
    port = grpc_server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([key_pair]))
    grpc_server.start()

    def probe(*extra: str) -> int:
        words = [re.sub(r"^--port=\d+$", f"--port={port}", w) for w in command[1:]]
        run = [sys.executable, *(started.here(w) for w in words), *extra]
        return subprocess.run(run, capture_output=True, timeout=30).returncode

    try:
        servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        assert probe() == 1
        servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        assert probe() == 0
        assert probe("--tls-name=elsewhere.example") == 1
    finally:
        grpc_server.stop(None)


def test_the_web_app_starts_with_the_settings_of_its_deployment(
    rendered: Rendered, tmp_path: Path
) -> None:
    deployment = find(rendered["base"], "Deployment", "creditscore-web-app")
    pod = deployment["spec"]["template"]["spec"]
    started = start_container(rendered["base"], pod, "web-app", tmp_path)
    own = [v["name"] for v in container(pod, "web-app")["env"] if v["name"].startswith("CREDIT")]
    assert all(name.startswith(ui_settings.ENV_PREFIX) for name in own)
    settings = parse_as_flags(
        ui_settings.parse_settings, started, ui_settings.ENV_PREFIX, "gradio_ui"
    )
    service = find(rendered["base"], "Service", "creditscore-server")
    host, port = settings.server_address.rsplit(":", 1)
    assert (host, int(port)) == (service["metadata"]["name"], service["spec"]["ports"][0]["port"])
    assert settings.server_credentials.tls and settings.server_credentials.token
    assert [user for user, _ in settings.users] == ["advisor"]
    assert (settings.host, settings.port) == (
        "0.0.0.0",
        container(pod, "web-app")["ports"][0]["containerPort"],
    )
    tls = find(rendered["base"], "Secret", "creditscore-tls")
    pem = base64.b64decode(tls["data"]["tls.crt"])
    names = x509.load_pem_x509_certificate(pem).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert host in names.value.get_values_for_type(x509.DNSName)


def test_selectors_match_the_pods_they_name(rendered: Rendered) -> None:
    resources = rendered["overlays/production"]
    server = find(resources, "Deployment", "creditscore-server")
    labels = server["spec"]["template"]["metadata"]["labels"]
    web_labels = find(resources, "Deployment", "creditscore-web-app")["spec"]["template"]
    assert selects(server["spec"]["selector"], labels)
    assert "replicas" not in server["spec"], "the HorizontalPodAutoscaler owns the count"
    autoscaler = find(resources, "HorizontalPodAutoscaler", "creditscore-server")
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == server["metadata"]["name"]
    assert 2 <= autoscaler["spec"]["minReplicas"] < autoscaler["spec"]["maxReplicas"]
    assert selects(
        find(resources, "PodDisruptionBudget", "creditscore-server")["spec"]["selector"], labels
    )
    assert selects(find(resources, "Service", "creditscore-server")["spec"]["selector"], labels)
    policy = find(resources, "NetworkPolicy", "creditscore-server")["spec"]
    assert selects(policy["podSelector"], labels)
    callers, monitoring = policy["ingress"]
    web_app, namespaces = callers["from"]
    assert selects(web_app["podSelector"], web_labels["metadata"]["labels"])
    assert namespaces["namespaceSelector"]["matchExpressions"][0]["values"]
    assert [p["port"] for p in callers["ports"]] == ["grpc"]
    assert [p["port"] for p in monitoring["ports"]] == ["metrics"]
    annotations = server["spec"]["template"]["metadata"]["annotations"]
    ports = {
        p["name"]: p["containerPort"]
        for p in container(server["spec"]["template"]["spec"], "server")["ports"]
    }
    assert int(annotations["prometheus.io/port"]) == ports["metrics"]
    assert annotations["prometheus.io/scheme"] == "https"


def test_production_keeps_the_decision_record_in_its_postgresql(
    rendered: Rendered, tmp_path: Path
) -> None:
    resources = rendered["overlays/production"]
    postgres = find(resources, "StatefulSet", "creditscore-postgres")
    assert postgres["spec"]["volumeClaimTemplates"][0]["spec"]["accessModes"] == ["ReadWriteOnce"]
    pod = postgres["spec"]["template"]["spec"]
    claims = tuple(c["metadata"]["name"] for c in postgres["spec"]["volumeClaimTemplates"])
    database = start_container(resources, pod, "postgres", tmp_path, claims)
    pod_spec = find(resources, "Deployment", "creditscore-server")["spec"]["template"]["spec"]
    server = start_container(resources, pod_spec, "server", tmp_path)
    password = Path(database.here(database.environ["POSTGRES_PASSWORD_FILE"])).read_text()
    assert server.environ["PGPASSWORD"] == password
    url = urlsplit(server.environ["CREDITSCORE_RECORD_DB"])
    assert url.password is None
    assert url.username == database.environ["POSTGRES_USER"]
    assert url.path == f"/{database.environ['POSTGRES_DB']}"
    assert url.hostname == find(resources, "Service", "creditscore-postgres")["metadata"]["name"]
    policy = find(resources, "NetworkPolicy", "creditscore-postgres")["spec"]
    assert policy["ingress"][0]["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "creditscore-server"}}}
    ]


def test_every_kustomization_serves_the_same_images(rendered: Rendered) -> None:
    images: dict[str, set[str]] = {}
    for resources in rendered.values():
        for resource in resources:
            for pod in pod_specs(resource).values():
                for spec in containers(pod):
                    name, _, tag = spec["image"].partition(":")
                    assert tag and tag != "latest", spec["image"]
                    images.setdefault(name, set()).add(tag)
    assert {name: len(tags) for name, tags in images.items() if name in OUR_IMAGES} == {
        "creditscore": 1,
        "creditscore-model": 1,
    }


def test_the_dask_clusters_serve_their_own_scheduler(rendered: Rendered) -> None:
    for target in ("batch", "batch/score-run"):
        (resource,) = [r for r in rendered[target] if r["apiVersion"].startswith("kubernetes.dask")]
        cluster = resource["spec"].get("cluster", resource)["spec"]
        selector = cluster["scheduler"]["service"]["selector"]
        assert selector == {
            "dask.org/cluster-name": resource["metadata"]["name"],
            "dask.org/component": "scheduler",
        }
        ports = {p["name"] for p in container(cluster["scheduler"]["spec"], "scheduler")["ports"]}
        assert {p["targetPort"] for p in cluster["scheduler"]["service"]["ports"]} <= ports


@pytest.mark.parametrize("deployment", ["kubernetes", "compose"])
def test_batch_scoring_runs_model_build_score_on_the_dask_cluster(
    deployment: str, rendered: Rendered, compose: dict
) -> None:
    if deployment == "kubernetes":
        job = find(rendered["batch/score-run"], "DaskJob", "creditscore-score")["spec"]["job"]
        assert job["spec"]["restartPolicy"] == "Never"
        (spec,) = job["spec"]["containers"]
        command, scheduler = spec["command"], "$(DASK_SCHEDULER_ADDRESS)"
        read_only = {m["mountPath"]: m.get("readOnly", False) for m in spec["volumeMounts"]}
    else:
        command, scheduler = compose["services"]["score"]["entrypoint"], "tcp://dask-scheduler:8786"
        volumes = compose["services"]["score"]["volumes"]
        read_only = {v.split(":")[1]: v.endswith(":ro") for v in volumes}
    assert command[:4] == ["python", "-m", "model_build", "score"]
    flags = dict(word.split("=", 1) for word in command[4:])
    assert set(flags) == {"--dask", "--artifacts", "--data", "--out"}
    assert flags["--dask"] == scheduler
    help_text = subprocess.run(
        [sys.executable, "-m", "model_build", "score", "--help"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    ).stdout
    assert [flag for flag in flags if flag not in help_text] == []

    def mounted_read_only(path: str) -> bool | None:
        """Whether `path` is on a read-only volume; None: on none."""
        mounts = [m for m in read_only if path == m or path.startswith(m + "/")]
        return read_only[mounts[0]] if mounts else None

    assert mounted_read_only(flags["--artifacts"]) is True
    assert mounted_read_only(flags["--data"]) is not None
    assert mounted_read_only(flags["--out"]) is False


# --- Compose -------------------------------------------------------------------------------


def test_compose_file_follows_the_compose_specification(compose: dict) -> None:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [error.message for error in validator.iter_errors(compose)] == []


def test_compose_runs_two_servers_on_postgresql_the_web_app_and_dask(compose: dict) -> None:
    services = compose["services"]
    assert services["server"]["deploy"]["replicas"] == 2
    assert services["dask-worker"]["deploy"]["replicas"] == 2
    assert services["dask-scheduler"]["entrypoint"] == ["dask", "scheduler"]
    assert services["dask-worker"]["entrypoint"][:3] == [
        "dask",
        "worker",
        "tcp://dask-scheduler:8786",
    ]
    waits = {
        "server": {"postgres"},
        "web-app": {"server"},
        "dask-worker": {"dask-scheduler"},
        "score": {"dask-worker"},
    }
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert set(depends) == waits.get(name, set()), name
        assert all(d == {"condition": "service_healthy"} for d in depends.values()), name
        if "profiles" not in service:
            assert service["healthcheck"]["test"][0] == "CMD", name
        if service.get("image", "").startswith("creditscore"):
            assert service["build"] == "." and service["read_only"] is True, name
            assert service["cap_drop"] == ["ALL"], name


def test_compose_keeps_secret_values_out_of_the_file(compose: dict) -> None:
    secret_words = re.compile(r"PASSWORD|TOKEN|SECRET|KEY", re.I)
    for service in compose["services"].values():
        for variable, value in service.get("environment", {}).items():
            assert not secret_words.search(variable) or str(value).startswith("/"), variable
            assert urlsplit(str(value)).password is None, variable
    # Compose's secrets come from files, not from Compose's own environment.
    assert all(set(secret) == {"file"} for secret in compose["secrets"].values())


def test_compose_servers_start_with_their_settings_and_stop_after_the_drain(
    compose: dict, workspace: Path, tmp_path: Path
) -> None:
    service = compose["services"]["server"]
    started = start_service(compose, "server", workspace, tmp_path)
    settings = parse_as_flags(
        server_settings.parse_settings, started, server_settings.ENV_PREFIX, "server"
    )
    limit = float(service["deploy"]["resources"]["limits"]["cpus"])
    assert settings.processes == limit
    assert settings.processes * settings.batch_threads == limit
    assert urlsplit(settings.record_db).hostname == "postgres"
    assert (
        started.environ["PGPASSWORD"]
        == (workspace / "deploy/compose/secrets/postgres-password").read_text()
    )
    grace = int(service["stop_grace_period"].removesuffix("s"))
    assert grace >= settings.drain_seconds + settings.grace_period_seconds + 10


def test_the_compose_web_app_starts_with_its_settings(
    compose: dict, workspace: Path, tmp_path: Path
) -> None:
    started = start_service(compose, "web-app", workspace, tmp_path)
    settings = parse_as_flags(
        ui_settings.parse_settings, started, ui_settings.ENV_PREFIX, "gradio_ui"
    )
    assert settings.server_address == "server:50051"
    assert settings.server_credentials.tls and settings.server_credentials.token
