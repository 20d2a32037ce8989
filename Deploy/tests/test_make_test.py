"""`make test` runs every group even when one fails, names the failed ones and closes on a count."""
from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import REPO

FAKE_GROUPS = """
group-a:
\t@echo ran-a
group-b:
\t@echo ran-b; exit 1
group-c:
\t@echo ran-c
"""


def make_test(tmp_path: Path, groups: str) -> subprocess.CompletedProcess:
    # The real Makefile's `test` recipe, over stand-in groups and without the build in front of them.
    (tmp_path / "Makefile").write_text((REPO / "Makefile").read_text() + FAKE_GROUPS)
    return subprocess.run(["make", "--no-print-directory", "test", "TEST_BUILD=", f"TEST_GROUPS={groups}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_a_failing_group_does_not_stop_the_others(tmp_path: Path) -> None:
    result = make_test(tmp_path, "group-a group-b group-c")
    assert result.returncode != 0
    for ran in ("ran-a", "ran-b", "ran-c"):
        assert ran in result.stdout
    lines = result.stdout.splitlines()
    assert "failed groups: group-b" in lines
    assert lines[-1] == "2 passed, 1 failed"


def test_all_groups_passing_is_success(tmp_path: Path) -> None:
    result = make_test(tmp_path, "group-a group-c")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed"
    assert "failed groups" not in result.stdout
