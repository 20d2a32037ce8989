"""deploy.py and dataloop.json: the known settings, the toolbar, and a manifest that matches main.py."""
from __future__ import annotations

import inspect
import json
import subprocess
from pathlib import Path

import deploy
import main
from conftest import DEPLOY, run_without_dtlpy

SCRIPT = DEPLOY / "dataloop" / "deploy.py"


def manifest() -> dict:
    return json.loads((DEPLOY / "dataloop" / "dataloop.json").read_text())


def test_manifest_registers_a_video_tracker_toolbar() -> None:
    components = manifest()["components"]
    (toolbar,) = components["toolbars"]
    assert toolbar["location"] == "videoTracker"
    assert toolbar["displayName"] and toolbar["displayName"] != "AI Tracker"
    assert toolbar["invoke"]["type"] == "function"
    service, module = components["services"][0], components["modules"][0]
    function = module["functions"][0]["name"]
    assert toolbar["invoke"]["namespace"] == f"{service['name']}.{module['name']}.{function}"
    assert service["moduleName"] == module["name"]


def test_manifest_module_matches_the_adapter() -> None:
    module = manifest()["components"]["modules"][0]
    assert (DEPLOY / "dataloop" / module["entryPoint"]).is_file()
    runner = getattr(main, module["className"])
    (function,) = module["functions"]
    declared = [item["name"] for item in function["input"]]
    # The platform passes declared inputs by name; `progress` it injects itself. No `dl` input.
    parameters = list(inspect.signature(getattr(runner, function["name"])).parameters)
    assert parameters == ["self", *declared, "progress"]
    assert "dl" not in declared
    assert inspect.signature(runner.__init__).parameters.keys() == {"self"}, "no init inputs are declared"
    assert module["initInputs"] == []


def test_manifest_holds_the_known_service_settings() -> None:
    service = manifest()["components"]["services"][0]
    runtime = service["runtime"]
    assert service["executionTimeout"] == 60 and service["maxAttempts"] == 1
    assert runtime["concurrency"] == 10 and runtime["podType"] == "regular-xs"
    assert (runtime["autoscaler"]["minReplicas"], runtime["autoscaler"]["maxReplicas"]) == (1, 1)
    assert runtime["runnerImage"].endswith("video-tracker-dataloop:0.1.0")


def run_script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return run_without_dtlpy(SCRIPT, tmp_path, *args)


def test_dry_run_plan_has_the_defaults(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--project-name", "Demo", "--dry-run")
    assert done.returncode == 0, done.stderr
    planned = json.loads(done.stdout)
    service = planned["service"]
    assert planned["project"] == "Demo" and planned["package"]["name"] == "video-tracker"
    assert planned["package"]["src_path"] == "Deploy/dataloop"
    assert service["executionTimeout"] == 60 and service["maxAttempts"] == 1
    assert service["runtime"]["concurrency"] == 10 and service["runtime"]["podType"] == "regular-xs"
    assert service["runtime"]["autoscaler"]["minReplicas"] == service["runtime"]["autoscaler"]["maxReplicas"] == 1
    assert "app" not in planned


def test_flags_override_and_keep_the_toolbar_consistent(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--project-name", "Demo", "--service-name", "tracker-b", "--package-name", "pkg-b",
                      "--runner-image", "registry.example/vt:9", "--concurrency", "4", "--max-replicas", "3",
                      "--execution-timeout", "90", "--app", "--dry-run")
    assert done.returncode == 0, done.stderr
    planned = json.loads(done.stdout)
    runtime = planned["service"]["runtime"]
    assert runtime["runnerImage"] == "registry.example/vt:9" and runtime["concurrency"] == 4
    assert runtime["autoscaler"]["maxReplicas"] == 3 and planned["service"]["executionTimeout"] == 90
    toolbar = planned["app"]["components"]["toolbars"][0]
    assert toolbar["invoke"]["namespace"] == "tracker-b.pkg-b.run"
    assert planned["app"]["components"]["services"][0]["moduleName"] == "pkg-b"


def test_refuses_the_placeholder_image_and_missing_dtlpy(tmp_path: Path) -> None:
    placeholder = run_script(tmp_path, "--project-name", "Demo")
    assert placeholder.returncode == 2 and "placeholder" in placeholder.stderr
    no_sdk = run_script(tmp_path, "--project-name", "Demo", "--runner-image", "registry.example/vt:1")
    assert no_sdk.returncode != 0 and "dtlpy is not installed" in no_sdk.stderr
    for unset in ("/video-tracker-dataloop:", "registry.example/video-tracker-dataloop:", "/video-tracker-dataloop:1"):
        # `$REGISTRY/video-tracker-dataloop:$TAG` with a variable unset
        refused = run_script(tmp_path, "--project-name", "Demo", "--runner-image", unset)
        assert refused.returncode == 2 and "needs a registry and a tag" in refused.stderr, unset
    bad_range = run_script(tmp_path, "--project-name", "Demo", "--min-replicas", "3", "--dry-run")
    assert bad_range.returncode == 2


def test_overrides_do_not_touch_the_loaded_manifest() -> None:
    loaded = deploy.load_manifest()
    args = deploy.parse_args(["--project-name", "P", "--concurrency", "3"], loaded)
    deploy.with_overrides(loaded, args)
    assert deploy.service_entry(loaded)["runtime"]["concurrency"] == 10
