"""The bench's cases, one file each, in the order `make bench` runs them. A case is a module with
`run(bench: harness.Bench, report: harness.Report)`: it measures and adds rows, details, notes or sections."""
from __future__ import annotations

import importlib
from types import ModuleType

ORDER = ("tracking", "many_boxes", "accuracy", "pedestrian_tracks", "decode_floor", "memory", "nanotrack_cost", "seek",
         "tracker_quality", "detection_quality", "detection_speed", "mot_quality", "mot_speed",
         "store_write", "camera_capacity", "analytics_speed")


def load(name: str) -> ModuleType:
    return importlib.import_module(f"cases.{name}")
