"""Deploy/README.md as written: the release binary, a venv for pip, an image pushed under a tag convention."""
from __future__ import annotations

import re
import subprocess

from conftest import DEPLOY, REPO

README = (DEPLOY / "README.md").read_text()


def sections() -> dict[str, list[str]]:
    """The shell blocks of each `###` section."""
    found: dict[str, list[str]] = {}
    for part in re.split(r"^### ", README, flags=re.M)[1:]:
        title = part.splitlines()[0]
        found[title] = re.findall(r"```sh\n(.*?)```", part, flags=re.S)
    return found


def test_commands_run_the_release_binary() -> None:
    for title, blocks in sections().items():
        if title.startswith("Tests"):
            continue  # `make test` builds and tests the debug build
        for block in blocks:
            assert ".build/debug" not in block, f"{title}: {block}"
    assert ".build/release/video-tracker" in README


def test_every_pip_install_runs_in_a_venv() -> None:
    for title, blocks in sections().items():
        for block in blocks:
            activated = False
            for line in block.splitlines():
                command = line.split("#")[0]
                if "-m venv" in command and "activate" in command:
                    activated = True
                if re.search(r"\bpip install\b", command):
                    assert activated or ".venv" in command.split("pip install")[0], f"{title}: {line}"


def test_images_are_built_pushed_and_run_under_one_tag() -> None:
    (block,) = sections()["Container image: `Deploy/Dockerfile`"]
    built = re.findall(r"docker build .* -t (\S+) \.", block)
    pushed = re.findall(r"docker push (\S+)", block)
    assert len(built) == 2 and sorted(built) == sorted(pushed)
    assert all(image.startswith("$REGISTRY/") and image.endswith(":$TAG") for image in built)
    assert re.search(r"^REGISTRY=\S+", block, flags=re.M)
    # The tag command, run as written: <version from dataloop.json>-<git short sha>.
    (tag_line,) = [line for line in block.splitlines() if line.startswith("TAG=")]
    tag = subprocess.run(["bash", "-c", f"{tag_line}; echo $TAG"], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.strip()
    assert tag == f"0.1.0-{head}", tag
