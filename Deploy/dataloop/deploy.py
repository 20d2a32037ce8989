"""Push the adapter as a platform package and deploy its service (or publish and install it as an app).

The known settings live in dataloop.json beside this file, the one place both paths read them:
execution timeout 60 s, max attempts 1, concurrency 10, pod type regular-xs, autoscaler 1..1
replicas, and the runner image built from Deploy/Dockerfile (target dataloop-runner). Flags
override them for one run.

    python3 deploy.py --project-name P --runner-image REGISTRY/video-tracker-dataloop:0.1.0
    python3 deploy.py --project-name P --runner-image ... --app   # publish dataloop.json and install the app
    python3 deploy.py --project-name P --dry-run                  # no login: print what would be sent
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any, Optional

from dataloop_login import login as _login

HERE = Path(__file__).resolve().parent
MANIFEST_PATH = HERE / "dataloop.json"
# The manifest ships with this placeholder: deploying it would leave pods in ImagePullBackOff.
IMAGE_PLACEHOLDER = "REGISTRY/"


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def service_entry(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["components"]["services"][0]


def parse_args(argv: Optional[list[str]], manifest: dict[str, Any]) -> argparse.Namespace:
    service = service_entry(manifest)
    runtime = service["runtime"]
    scaler = runtime["autoscaler"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project-name", required=True)
    parser.add_argument("--package-name", default=manifest["components"]["modules"][0]["name"])
    parser.add_argument("--service-name", default=service["name"])
    parser.add_argument("--runner-image", default=runtime["runnerImage"],
                        help="image built from Deploy/Dockerfile --target dataloop-runner and pushed")
    parser.add_argument("--execution-timeout", type=int, default=service["executionTimeout"], help="seconds")
    parser.add_argument("--max-attempts", type=int, default=service["maxAttempts"])
    parser.add_argument("--concurrency", type=int, default=runtime["concurrency"])
    parser.add_argument("--pod-type", default=runtime["podType"])
    parser.add_argument("--min-replicas", type=int, default=scaler["minReplicas"])
    parser.add_argument("--max-replicas", type=int, default=scaler["maxReplicas"])
    parser.add_argument("--queue-length", type=int, default=scaler["queueLength"])
    parser.add_argument("--app", action="store_true",
                        help="publish dataloop.json as an app and install it (registers the toolbar)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; no login, nothing sent")
    args = parser.parse_args(argv)
    if args.min_replicas > args.max_replicas:
        parser.error("--min-replicas is above --max-replicas")
    return args


def with_overrides(manifest: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The manifest as it will be sent: flags applied, names kept consistent with the toolbar."""
    updated = copy.deepcopy(manifest)
    module = updated["components"]["modules"][0]
    service = service_entry(updated)
    module["name"] = args.package_name
    service.update(name=args.service_name, moduleName=args.package_name,
                   executionTimeout=args.execution_timeout, maxAttempts=args.max_attempts)
    service["runtime"].update(podType=args.pod_type, concurrency=args.concurrency, runnerImage=args.runner_image)
    service["runtime"]["autoscaler"].update(minReplicas=args.min_replicas, maxReplicas=args.max_replicas,
                                            queueLength=args.queue_length)
    function = module["functions"][0]["name"]
    for toolbar in updated["components"].get("toolbars", []):
        # The studio invokes "<service>.<module>.<function>"; renaming one without the other breaks the button.
        toolbar["invoke"]["namespace"] = f"{args.service_name}.{args.package_name}.{function}"
    return updated


def plan(manifest: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """What a real run sends, as JSON: the package's modules and the service's settings."""
    service = service_entry(manifest)
    result: dict[str, Any] = {
        "project": args.project_name,
        "package": {"name": args.package_name, "src_path": str(HERE.relative_to(HERE.parents[1])),
                    "modules": manifest["components"]["modules"]},
        "service": service,
    }
    if args.app:
        result["app"] = manifest
    return result


def deploy_package(dl: Any, project: Any, manifest: dict[str, Any]) -> Any:
    """Push this folder as the package's code and create or update the service on it."""
    module = manifest["components"]["modules"][0]
    service = service_entry(manifest)
    runtime = service["runtime"]
    scaler = runtime["autoscaler"]
    # packages.push only packs folders under the working directory.
    os.chdir(HERE)
    package = project.packages.push(package_name=module["name"], src_path=".",
                                    modules=[dl.PackageModule.from_json(module)])
    deployed = package.services.deploy(
        service_name=service["name"],
        module_name=module["name"],
        revision=package.version,
        runtime=dl.KubernetesRuntime(
            pod_type=runtime["podType"],
            concurrency=runtime["concurrency"],
            runner_image=runtime["runnerImage"],
            autoscaler=dl.KubernetesRabbitmqAutoscaler(min_replicas=scaler["minReplicas"],
                                                       max_replicas=scaler["maxReplicas"],
                                                       queue_length=scaler["queueLength"]),
        ),
        execution_timeout=service["executionTimeout"],
        max_attempts=service["maxAttempts"],
    )
    # deploy() updates an existing service's runtime but not these two: set them either way.
    deployed.execution_timeout = service["executionTimeout"]
    deployed.max_attempts = service["maxAttempts"]
    return deployed.update()


def publish_app(dl: Any, project: Any, manifest: dict[str, Any]) -> Any:
    """Publish the manifest (with this folder as its code) and install or update the app."""
    os.chdir(HERE)
    dpk = project.dpks.publish(dpk=dl.Dpk.from_json(_json=manifest, client_api=dl.client_api, project=project))
    try:
        app = project.apps.get(app_name=dpk.name)  # apps are named after their dpk by default
    except dl.exceptions.NotFound:
        return project.apps.install(dpk=dpk)
    app.dpk_version = dpk.version
    app.update()
    return app


def _names_registry_and_tag(image: str) -> bool:
    registry, _, rest = image.partition("/")
    name, _, tag = rest.rpartition(":")
    return bool(registry and name and tag) and "/" not in tag


def main(argv: Optional[list[str]] = None) -> int:
    manifest = load_manifest()
    args = parse_args(argv, manifest)
    manifest = with_overrides(manifest, args)
    if args.dry_run:
        print(json.dumps(plan(manifest, args), indent=2))
        return 0
    if args.runner_image.startswith(IMAGE_PLACEHOLDER):
        print(f"--runner-image is the placeholder {args.runner_image!r}: build Deploy/Dockerfile "
              "--target dataloop-runner, push it to a registry the platform can pull from, and pass it",
              file=sys.stderr)
        return 2
    if not _names_registry_and_tag(args.runner_image):
        # What `$REGISTRY/video-tracker-dataloop:$TAG` becomes with the variables unset: pods that never pull.
        print(f"--runner-image {args.runner_image!r} needs a registry and a tag: REGISTRY/video-tracker-dataloop:TAG "
              "(Deploy/README.md sets $REGISTRY and $TAG)", file=sys.stderr)
        return 2
    dl = _login()
    project = dl.projects.get(project_name=args.project_name)
    if args.app:
        app = publish_app(dl, project, manifest)
        print(f"app {app.name} installed in project {project.name}")
    else:
        service = deploy_package(dl, project, manifest)
        print(f"service {service.name} deployed in project {project.name} (id {service.id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
