"""Deploy/k8s offline: schema validation, the fields that matter, and the container args run for real.

Kubernetes objects are validated against the API's own JSON schemas (kubernetes-validate from PyPI,
strict: unknown fields fail). Knative's Service is not in those schemas: its pod template is
validated as a core PodSpec and its Knative fields are checked one by one.
"""
from __future__ import annotations

import copy
import shutil
import subprocess
import urllib.request
from typing import Any

import pytest
import yaml

from conftest import DEPLOY, free_port

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
