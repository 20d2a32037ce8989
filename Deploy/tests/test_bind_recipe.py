"""bind_recipe: the metadata edit as pure functions, and the dry run as a user runs it (no dtlpy, no login)."""
from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest

import bind_recipe
from conftest import DEPLOY, run_without_dtlpy

SCRIPT = DEPLOY / "dataloop" / "bind_recipe.py"

# A recipe's metadata as the platform keeps it: other system keys and user keys must survive.
RECIPE_METADATA = {
    "system": {
        "scope": "project",
        "annotationType": ["box"],
        "ontologyIds": ["onto-1"],
        "nested": {"keep": [1, 2, {"deep": True}]},
    },
    "user": {"owner": "team-a"},
}
SETTINGS = {"serviceName": "video-tracker", "projectId": "proj-1", "maxAnnotations": 50}


def test_bind_sets_the_settings_and_keeps_everything_else() -> None:
    original = copy.deepcopy(RECIPE_METADATA)
    updated, changed = bind_recipe.bind(RECIPE_METADATA, SETTINGS)
    assert changed
    assert updated["system"]["trackerSettings"] == SETTINGS
    # Everything else exactly as it was, and the input left untouched.
    without = copy.deepcopy(updated)
    del without["system"]["trackerSettings"]
    assert without == original
    assert RECIPE_METADATA == original


def test_bind_is_idempotent() -> None:
    once, _ = bind_recipe.bind(RECIPE_METADATA, SETTINGS)
    twice, changed = bind_recipe.bind(once, SETTINGS)
    assert not changed and twice == once


def test_bind_replaces_old_settings() -> None:
    old, _ = bind_recipe.bind(RECIPE_METADATA, {**SETTINGS, "maxAnnotations": 10})
    updated, changed = bind_recipe.bind(old, SETTINGS)
    assert changed and updated["system"]["trackerSettings"] == SETTINGS


@pytest.mark.parametrize("metadata", [None, {}, {"system": None}, {"user": {"a": 1}}])
def test_bind_on_sparse_metadata(metadata: dict) -> None:
    updated, changed = bind_recipe.bind(metadata, SETTINGS)
    assert changed and updated["system"] == {"trackerSettings": SETTINGS}
    if metadata and "user" in metadata:
        assert updated["user"] == {"a": 1}


def test_unbind_removes_only_the_settings() -> None:
    bound, _ = bind_recipe.bind(RECIPE_METADATA, SETTINGS)
    unbound, changed = bind_recipe.unbind(bound)
    assert changed and unbound == RECIPE_METADATA
    again, changed = bind_recipe.unbind(unbound)
    assert not changed and again == RECIPE_METADATA
    assert bind_recipe.unbind(None) == ({}, False)


def test_settings_respect_the_service_limit() -> None:
    assert bind_recipe.tracker_settings("svc", "p", 50) == {"serviceName": "svc", "projectId": "p",
                                                            "maxAnnotations": 50}
    for bad in (0, 51):
        with pytest.raises(ValueError, match="1..50"):
            bind_recipe.tracker_settings("svc", "p", bad)


def run_script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return run_without_dtlpy(SCRIPT, tmp_path, *args)


def test_dry_run_prints_the_settings_without_login(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--project-name", "Demo", "--dataset-name", "Clips",
                      "--service-name", "video-tracker", "--max-annotations", "20", "--dry-run")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert list(printed) == ["trackerSettings"]
    settings = printed["trackerSettings"]
    assert settings["serviceName"] == "video-tracker" and settings["maxAnnotations"] == 20
    assert "Demo" in settings["projectId"] and "log in" in settings["projectId"]


def test_dry_run_unbind_and_limits(tmp_path: Path) -> None:
    common = ["--project-name", "Demo", "--dataset-name", "Clips", "--service-name", "video-tracker", "--dry-run"]
    done = run_script(tmp_path, *common, "--unbind")
    assert done.returncode == 0 and json.loads(done.stdout) == {"trackerSettings": None}
    refused = run_script(tmp_path, *common, "--max-annotations", "80")
    assert refused.returncode == 2 and "1..50" in refused.stderr


def test_real_run_without_dtlpy_says_what_is_missing(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--project-name", "Demo", "--dataset-name", "Clips", "--service-name", "s")
    assert done.returncode != 0 and "dtlpy is not installed" in done.stderr
