"""Bind (or unbind) the tracker service to a dataset's recipe, so the annotation studio calls it.

The studio reads `recipe.metadata["system"]["trackerSettings"]` = {serviceName, projectId,
maxAnnotations}. This script sets exactly that key and leaves every other key as it was.

    python3 bind_recipe.py --project-name P --dataset-name D --service-name S [--max-annotations 50]
    python3 bind_recipe.py ... --dry-run     # no login needed; prints {"trackerSettings": {...}}
    python3 bind_recipe.py ... --unbind      # removes trackerSettings again

The editing logic is pure functions on the metadata dict (`bind`, `unbind`), tested without the
platform; only `main` talks to it, through dtlpy imported on demand.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from typing import Any, Optional

from dataloop_login import login as _login

SETTINGS_KEY = "trackerSettings"
# The binary's per-request limit (RequestLimits.maxAnnotations): more would be refused on every call.
MAX_ANNOTATIONS_LIMIT = 50


def tracker_settings(service_name: str, project_id: str, max_annotations: int = 50) -> dict[str, Any]:
    """The settings object the studio expects, checked against what the service accepts."""
    if not service_name:
        raise ValueError("service name is empty")
    if not 1 <= max_annotations <= MAX_ANNOTATIONS_LIMIT:
        raise ValueError(f"max annotations must be 1..{MAX_ANNOTATIONS_LIMIT} (the service's limit), "
                         f"got {max_annotations}")
    return {"serviceName": service_name, "projectId": project_id, "maxAnnotations": max_annotations}


def bind(metadata: Optional[dict], settings: dict[str, Any]) -> tuple[dict, bool]:
    """New metadata with system.trackerSettings = settings, and whether anything changed."""
    updated = copy.deepcopy(metadata) if metadata else {}
    system = updated.setdefault("system", {})
    if system is None:  # a recipe saved with "system": null
        system = updated["system"] = {}
    if system.get(SETTINGS_KEY) == settings:
        return updated, False
    system[SETTINGS_KEY] = copy.deepcopy(settings)
    return updated, True


def unbind(metadata: Optional[dict]) -> tuple[dict, bool]:
    """New metadata without system.trackerSettings, and whether anything changed."""
    updated = copy.deepcopy(metadata) if metadata else {}
    system = updated.get("system")
    if not isinstance(system, dict) or SETTINGS_KEY not in system:
        return updated, False
    del system[SETTINGS_KEY]
    return updated, True


def _logged_in_dtlpy() -> Any:
    """dtlpy when installed and logged in, else None (dry runs work without either)."""
    try:
        import dtlpy as dl
    except ImportError:
        return None
    try:
        return None if dl.token_expired() else dl
    except Exception:
        return None


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project-name", required=True)
    parser.add_argument("--dataset-name", required=True)
    parser.add_argument("--service-name", required=True)
    parser.add_argument("--max-annotations", type=int, default=50)
    parser.add_argument("--dry-run", action="store_true", help="write nothing; print what would be set")
    parser.add_argument("--unbind", action="store_true", help="remove the tracker settings")
    args = parser.parse_args(argv)

    if args.dry_run:
        dl = _logged_in_dtlpy()
        project_id = (dl.projects.get(project_name=args.project_name).id if dl is not None
                      else f"<id of project {args.project_name!r}: log in to resolve>")
        try:
            settings = None if args.unbind else tracker_settings(args.service_name, project_id,
                                                                 args.max_annotations)
        except ValueError as error:
            parser.error(str(error))
        print(json.dumps({SETTINGS_KEY: settings}, indent=2))
        return 0

    dl = _login()
    project = dl.projects.get(project_name=args.project_name)
    dataset = project.datasets.get(dataset_name=args.dataset_name)
    recipe = dataset.recipes.get(recipe_id=dataset.get_recipe_ids()[0])
    if args.unbind:
        metadata, changed = unbind(recipe.metadata)
    else:
        try:
            settings = tracker_settings(args.service_name, project.id, args.max_annotations)
        except ValueError as error:
            parser.error(str(error))
        project.services.get(service_name=args.service_name)  # fails early if it is not deployed
        metadata, changed = bind(recipe.metadata, settings)
    if changed:
        recipe.metadata = metadata
        recipe.update(system_metadata=True)  # system.* is only written with this flag
    state = "updated" if changed else "already up to date"
    print(f"recipe {recipe.id} of dataset {dataset.name}: {state}", file=sys.stderr)
    print(json.dumps({SETTINGS_KEY: metadata.get("system", {}).get(SETTINGS_KEY)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
