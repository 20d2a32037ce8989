"""Deploy/k8s offline: schema validation, the fields that matter, and the container args run for real.

Kubernetes objects are validated against the API's own JSON schemas (kubernetes-validate from PyPI,
strict: unknown fields fail). Knative's Service is not in those schemas: its pod template is
validated as a core PodSpec and its Knative fields are checked one by one.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from conftest import DEPLOY, TESTDATA, free_port
from postgres_server import PostgresServer

K8S = DEPLOY / "k8s"
# The oldest schema set still common in managed clusters, and the newest the validator ships.
VERSIONS = ("1.27.0", "latest")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((K8S / name).read_text())


@pytest.fixture(scope="module")
def validator() -> Any:
    try:
        import kubernetes_validate
    except ImportError:
        pytest.fail("kubernetes-validate is needed: `make test-deploy` installs it into .venv-test")
    return kubernetes_validate


def validate(validator: Any, document: dict[str, Any]) -> None:
    for version in VERSIONS:
        resolved = validator.latest_version() if version == "latest" else version
        try:
            validator.validate(document, resolved, strict=True)
        except validator.ValidationError as error:
            pytest.fail(f"{document['kind']} {document['metadata']['name']} against Kubernetes {resolved}: "
                        f"{str(error).splitlines()[0]} at {list(error.path)}")


@pytest.mark.parametrize("name", ["deployment.yaml", "service.yaml", "hpa.yaml"])
def test_objects_match_the_kubernetes_schemas(validator: Any, name: str) -> None:
    validate(validator, load(name))


def test_knative_pod_template_matches_the_pod_schema(validator: Any) -> None:
    spec = copy.deepcopy(load("knative/service.yaml")["spec"]["template"]["spec"])
    for knative_only in ("containerConcurrency", "timeoutSeconds", "responseStartTimeoutSeconds",
                         "idleTimeoutSeconds"):
        spec.pop(knative_only, None)
    validate(validator, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "knative-template"}, "spec": spec})


def container(document: dict[str, Any]) -> dict[str, Any]:
    (only,) = document["spec"]["template"]["spec"]["containers"]
    return only


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_deployment_fields_that_matter() -> None:
    deployment = load("deployment.yaml")
    main = container(deployment)
    port = {p["name"]: p["containerPort"] for p in main["ports"]}["http"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert main[probe]["httpGet"]["path"] == "/healthz"
        assert main[probe]["httpGet"]["port"] in ("http", port)
    resources = main["resources"]
    assert set(resources) == {"requests", "limits"}
    assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
    args = main["args"]
    assert args[0] == "serve" and flag(args, "--port") == str(port) and flag(args, "--host") == "0.0.0.0"
    assert flag(args, "--max-in-flight") == "10"
    # A request may take its whole deadline; the pod must outlive it on shutdown.
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > float(flag(args, "--deadline"))
    assert "--allow-private-networks" not in args, "in a cluster, private addresses must stay refused"
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    service = load("service.yaml")
    assert service["spec"]["selector"] == selector
    assert service["spec"]["ports"][0]["targetPort"] in ("http", port)
    hpa = load("hpa.yaml")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": deployment["metadata"]["name"]}
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_knative_fields_that_matter() -> None:
    knative = load("knative/service.yaml")
    assert (knative["apiVersion"], knative["kind"]) == ("serving.knative.dev/v1", "Service")
    template = knative["spec"]["template"]
    assert template["spec"]["containerConcurrency"] == 10
    assert template["spec"]["timeoutSeconds"] <= 60
    main = container(knative)
    assert len(main["ports"]) == 1, "Knative routes to exactly one port"
    args = main["args"]
    assert flag(args, "--port") == str(main["ports"][0]["containerPort"])
    # The service's own limit must not refuse what Knative lets through.
    assert int(flag(args, "--max-in-flight")) >= template["spec"]["containerConcurrency"]
    assert float(flag(args, "--deadline")) < template["spec"]["timeoutSeconds"]
    assert main["readinessProbe"]["httpGet"]["path"] == "/healthz"
    annotations = template["metadata"]["annotations"]
    assert int(annotations["autoscaling.knative.dev/min-scale"]) <= int(annotations["autoscaling.knative.dev/max-scale"])


def test_kustomization_lists_the_manifests() -> None:
    """kubectl is not a Debian package, so the resource list is checked directly; where kubectl
    is installed, the kustomization is also rendered with it (offline)."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    kinds = sorted(load(resource)["kind"] for resource in kustomization["resources"])
    assert kinds == ["Deployment", "HorizontalPodAutoscaler", "Service"]
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        rendered = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
        assert rendered.returncode == 0, rendered.stderr
        kinds = sorted(document["kind"] for document in yaml.safe_load_all(rendered.stdout))
        assert kinds == ["Deployment", "HorizontalPodAutoscaler", "Service"]


@pytest.mark.parametrize("name", ["deployment.yaml", "knative/service.yaml"])
def test_container_args_start_the_real_service(name: str, start_service: Any) -> None:
    """The manifest's args, run by the real binary on loopback: the probes' path answers 200."""
    args = list(container(load(name))["args"])
    port = free_port()
    args[args.index("--host") + 1] = "127.0.0.1"  # never listen beyond loopback here
    args[args.index("--port") + 1] = str(port)
    service = start_service(args)
    service.wait_until_healthy(f"http://127.0.0.1:{port}/healthz")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200 and response.read()


# ----------------------------------------------------------------------------------------------
# Deploy/k8s/postgres: replicas sharing cameras through one PostgreSQL

POSTGRES = "postgres"
POSTGRES_KINDS = ["Deployment", "PodDisruptionBudget", "Secret", "Service", "Service", "StatefulSet"]


def postgres_kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / POSTGRES / "kustomization.yaml").read_text())


def postgres_objects() -> dict[tuple[str, str], dict[str, Any]]:
    """The variant's objects by (kind, name), from the files its kustomization lists."""
    objects = {}
    for resource in postgres_kustomization()["resources"]:
        document = load(f"{POSTGRES}/{resource}")
        objects[(document["kind"], document["metadata"]["name"])] = document
    return objects


def env_var(main: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [entry for entry in main.get("env", []) if entry["name"] == name]
    return found


@pytest.mark.parametrize("name", sorted(path.name for path in (K8S / POSTGRES).glob("*.yaml")
                                        if path.name != "kustomization.yaml"))
def test_postgres_objects_match_the_kubernetes_schemas(validator: Any, name: str) -> None:
    validate(validator, load(f"{POSTGRES}/{name}"))


def test_postgres_kustomization_lists_every_manifest() -> None:
    """Every file of the folder is applied (and so validated above); kubectl renders the same, where installed."""
    listed = set(postgres_kustomization()["resources"])
    present = {path.name for path in (K8S / POSTGRES).glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present
    assert sorted(kind for kind, _ in postgres_objects()) == POSTGRES_KINDS
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        rendered = subprocess.run([kubectl, "kustomize", str(K8S / POSTGRES)], capture_output=True, text=True, timeout=60)
        assert rendered.returncode == 0, rendered.stderr
        documents = list(yaml.safe_load_all(rendered.stdout))
        assert sorted(document["kind"] for document in documents) == POSTGRES_KINDS
        images = {c["name"]: c["image"] for d in documents if d["kind"] in ("Deployment", "StatefulSet")
                  for c in d["spec"]["template"]["spec"]["containers"]}
        assert images == {"video-tracker": "video-tracker:0.1.0", "postgres": "postgres:15"}


def test_postgres_deployment_fields_that_matter() -> None:
    objects = postgres_objects()
    deployment = objects[("Deployment", "video-tracker")]
    secret = objects[("Secret", "video-tracker-postgres")]
    pod = deployment["spec"]["template"]["spec"]
    main = container(deployment)
    args = main["args"]
    assert deployment["spec"]["replicas"] == 2
    assert "HorizontalPodAutoscaler" not in {kind for kind, _ in objects}, "a replica added later takes no held camera"

    # The database URL from the Secret, never in the pod spec in clear.
    url = env_var(main, "VIDEO_TRACKER_DATABASE_URL")["valueFrom"]["secretKeyRef"]
    assert url["name"] == secret["metadata"]["name"] and url["key"] in secret["stringData"]
    assert "--database-url" not in args and not any("postgres://" in arg for arg in args)
    # A unique replica id per pod: the pod's name, through the downward API and Kubernetes' $(VAR) expansion.
    assert env_var(main, "POD_NAME")["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert flag(args, "--replica-id") == "$(POD_NAME)"

    # --data-dir on a writable volume of the pod's own (the root file system is read-only).
    assert main["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {mount["mountPath"]: mount for mount in main["volumeMounts"]}
    data = mounts[flag(args, "--data-dir")]
    assert not data.get("readOnly", False)
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert "emptyDir" in volumes[data["name"]]
    assert "/tmp" in mounts

    port = {p["name"]: p["containerPort"] for p in main["ports"]}["http"]
    assert args[0] == "serve" and flag(args, "--port") == str(port) and flag(args, "--host") == "0.0.0.0"
    for probe in ("readinessProbe", "livenessProbe"):
        assert main[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    # Started only once the database answers: /cameras is 503 while it could not be opened.
    startup = main["startupProbe"]
    assert startup["httpGet"] == {"path": "/cameras", "port": "http"}
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120, "PostgreSQL's first start (initdb) fits"
    grace = pod["terminationGracePeriodSeconds"]
    assert grace > float(flag(args, "--deadline")) and grace > float(flag(args, "--camera-lease-seconds"))
    assert "--allow-private-networks" not in args

    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert objects[("Service", "video-tracker")]["spec"]["selector"] == selector
    pdb = objects[("PodDisruptionBudget", "video-tracker")]
    assert pdb["spec"]["selector"]["matchLabels"] == selector
    assert 1 <= pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"], "a drain can still move one pod"
    database_pod = objects[("StatefulSet", "video-tracker-postgres")]["spec"]["template"]["metadata"]["labels"]
    assert not selector.items() <= database_pod.items(), "the service must not send HTTP to the database"


def test_postgres_statefulset_matches_the_secret_and_service() -> None:
    """The URL video-tracker gets names the database PostgreSQL creates, as the user it creates, at the Service."""
    objects = postgres_objects()
    secret = objects[("Secret", "video-tracker-postgres")]["stringData"]
    service = objects[("Service", "video-tracker-postgres")]
    statefulset = objects[("StatefulSet", "video-tracker-postgres")]
    main = container(statefulset)
    url = urlsplit(secret["database-url"])
    assert url.scheme == "postgres"
    assert (unquote(url.username), unquote(url.password), url.path.lstrip("/")) == (
        secret["POSTGRES_USER"], secret["POSTGRES_PASSWORD"], secret["POSTGRES_DB"])
    assert url.hostname == service["metadata"]["name"]
    (service_port,) = service["spec"]["ports"]
    assert url.port == service_port["port"]
    container_ports = {p["name"]: p["containerPort"] for p in main["ports"]}
    assert service_port["targetPort"] in container_ports and container_ports[service_port["targetPort"]] == 5432
    labels = statefulset["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert statefulset["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert statefulset["spec"]["serviceName"] == service["metadata"]["name"]
    assert statefulset["spec"]["replicas"] == 1
    for key in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"):
        assert env_var(main, key)["valueFrom"]["secretKeyRef"] == {"name": "video-tracker-postgres", "key": key}
    # The data on the claim, in a subfolder (initdb refuses a volume root holding lost+found).
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    (mount,) = [m for m in main["volumeMounts"] if m["name"] == claim["metadata"]["name"]]
    pgdata = env_var(main, "PGDATA")["value"]
    assert pgdata.startswith(mount["mountPath"].rstrip("/") + "/")
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"] and claim["spec"]["resources"]["requests"]["storage"]
    assert "pg_isready" in " ".join(main["readinessProbe"]["exec"]["command"])
    security = statefulset["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsNonRoot"] is True and security["fsGroup"] == security["runAsUser"]


def kubelet_env(main: dict[str, Any], secret: dict[str, Any], pod_name: str) -> dict[str, str]:
    """The container's environment as the kubelet makes it, for the sources the manifest uses."""
    env = {}
    for entry in main.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        elif "secretKeyRef" in entry["valueFrom"]:
            env[entry["name"]] = secret["stringData"][entry["valueFrom"]["secretKeyRef"]["key"]]
        elif entry["valueFrom"].get("fieldRef", {}).get("fieldPath") == "metadata.name":
            env[entry["name"]] = pod_name
        else:
            raise AssertionError(f"the test does not know this env source: {entry}")
    return env


def expand(arg: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion in args ($$ escapes; an unknown name stays as written)."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), arg)


def get_json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def post_json(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for(what: str, check: Callable[[], Any], seconds: float = 180) -> Any:
    """Polls until `check` returns something true (generous: a busy 2-core machine compiles the detector slowly)."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen in {seconds} s (last: {last})")


def test_postgres_container_args_run_two_replicas(start_service: Any, tmp_path: Any) -> None:
    """The Deployment's own args and env (the Secret's URL, the pod name expanded into --replica-id), run by the
    real binary twice against a real PostgreSQL with the Secret's user, password and database (password
    authentication over TCP): before the database is up the startup probe's path fails (the kubelet restarts
    the pod); once it is, both replicas answer /healthz and /cameras, share what is posted to either, and a camera's
    lease names the pod running it, then the other pod once that one stops."""
    objects = postgres_objects()
    secret = copy.deepcopy(objects[("Secret", "video-tracker-postgres")])
    main = container(objects[("Deployment", "video-tracker")])
    user, password, database = (secret["stringData"][key] for key in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"))
    database_port = free_port()
    # The Service's name resolves in the cluster only: the same URL pointed at this test's server.
    url = urlsplit(secret["stringData"]["database-url"])
    secret["stringData"]["database-url"] = url._replace(netloc=url.netloc.replace(
        f"@{url.hostname}:{url.port}", f"@127.0.0.1:{database_port}")).geturl()

    def start_pod(pod_name: str, extra: tuple[str, ...] = ()) -> tuple[Any, str]:
        env = kubelet_env(main, secret, pod_name)
        args = [expand(arg, env) for arg in main["args"]]
        assert flag(args, "--replica-id") == pod_name
        port = free_port()
        args[args.index("--host") + 1] = "127.0.0.1"  # never listen beyond loopback here
        args[args.index("--port") + 1] = str(port)
        # The image's VIDEO_TRACKER_MODELS (Deploy/Dockerfile): cameras need the detector.
        env["VIDEO_TRACKER_MODELS"] = str(TESTDATA / "models")
        args[args.index("--data-dir") + 1] = str(tmp_path / pod_name)  # the pod's emptyDir
        service = start_service(args + list(extra), env)
        base = f"http://127.0.0.1:{port}"
        service.wait_until_healthy(base + "/healthz")
        return service, base

    early, early_base = start_pod("video-tracker-6d4cf56db6-early")
    status, answer = get_json(early_base + "/cameras")
    assert status == 503 and answer["error"]["code"] == "database_unavailable", (status, answer)
    early.stop()

    with PostgresServer(port=database_port) as server:
        server.create_database(user, password, database)
        names = ["video-tracker-6d4cf56db6-x7k2p", "video-tracker-6d4cf56db6-q9m4t"]
        # --allow-private-networks: only so the camera below may name a loopback address; the manifest refuses them.
        pods = dict(zip(names, (start_pod(name, ("--allow-private-networks",)) for name in names)))
        for name, (_, base) in pods.items():
            status, answer = get_json(base + "/cameras")
            assert status == 200 and answer == {"cameras": []}, (name, status, answer)

        (first, first_base), (second, second_base) = pods.values()
        status, imported = post_json(first_base + "/cameras", {"name": "imported"})
        assert status == 201, imported
        status, seen = get_json(second_base + f"/cameras/{imported['id']}")
        assert status == 200 and seen["name"] == "imported", "both replicas read the same database"

        # A stream that is not there: the camera keeps reconnecting, and its lease stays with the pod that runs it.
        status, camera = post_json(second_base + "/cameras", {"name": "gate", "url": f"http://127.0.0.1:{free_port()}/live.ts",
                                                              "fps": 7})
        assert status == 201, camera
        camera_url = f"/cameras/{camera['id']}"

        def owner(base: str) -> Any:
            status, answer = get_json(base + camera_url)
            return answer.get("replica") if status == 200 else None

        running = wait_for("a replica takes the camera", lambda: owner(first_base))
        assert running in names, running
        assert owner(second_base) == running, "both replicas see the same lease"
        other = next(name for name in names if name != running)
        pods[running][0].stop()  # SIGTERM, as the kubelet: the leases are given up
        assert wait_for(f"{other} takes the camera over", lambda: owner(pods[other][1]) == other)

        def state(base: str) -> Any:
            status, answer = get_json(base + camera_url)
            return status == 200 and answer["replica"] == other and answer["status"] in ("connecting", "reconnecting")

        assert wait_for(f"{other} runs the camera (connecting to its stream)", lambda: state(pods[other][1]))
