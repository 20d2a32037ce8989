"""Deploy/Dockerfile without a Docker engine: what the binary loads is what the runtime stage installs.

- every library the binary needs directly (ELF NEEDED) comes from a package named on the runtime
  stage's `apt-get install` line;
- every library `ldd` lists (the transitive ones too) comes from a package apt would install for
  that line (its dependency closure, first alternatives, as apt picks on a slim base);
- the Swift runtime libraries are left out, because the build links them in (--static-swift-stdlib);
- OpenVINO's libraries come from its wheel (.deps/openvino/libs, `make openvino`): the runtime stage
  copies that folder to where the binary's rpath looks, and what they load from the system is in
  the apt closure too;
- every package the Dockerfile names exists in Debian 12.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import DEPLOY

DOCKERFILE = DEPLOY / "Dockerfile"
# Where `make openvino` unpacks OpenVINO's libraries, and where the image installs them.
WHEEL_LIBS = ".deps/openvino/libs/"
INSTALLED_LIBS = "/usr/local/lib/video-tracker/"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def stages(text: str) -> dict[str, list[tuple[str, str]]]:
    """Stage name -> its instructions (FROM included)."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, rest in instructions(text):
        if keyword == "FROM":
            match = re.search(r"\bAS\s+(\S+)$", rest, re.IGNORECASE)
            current = [(keyword, rest)]
            found[match.group(1) if match else f"stage{len(found)}"] = current
        else:
            current.append((keyword, rest))
    return found


def apt_installs(stage: list[tuple[str, str]]) -> list[str]:
    """Package names from the stage's `apt-get install` commands."""
    packages: list[str] = []
    for keyword, rest in stage:
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;", rest):
            words = shlex.split(command)
            if words[:1] == ["apt-get"] and "install" in words:
                packages += [word for word in words[words.index("install") + 1:] if not word.startswith("-")]
    return packages


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, list[tuple[str, str]]]:
    return stages(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def debian12() -> None:
    release = Path("/etc/os-release").read_text()
    if 'VERSION_ID="12"' not in release:
        pytest.fail("the package checks map this machine's libraries to Debian 12 packages: run them on Debian 12")
    for tool in ("ldd", "dpkg", "apt-cache", "readelf"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed for the Dockerfile checks (apt-get install binutils dpkg apt)")


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def linked_libraries(binary: str) -> dict[str, str]:
    """soname -> resolved path, from ldd; a library ldd cannot find fails here."""
    libraries: dict[str, str] = {}
    for line in run("ldd", binary).splitlines():
        if "=>" not in line:
            continue
        name, _, target = line.strip().partition(" => ")
        assert "not found" not in target, f"ldd: {line.strip()}"
        libraries[name] = target.split(" (")[0]
    return libraries


def needed(binary: str) -> list[str]:
    """The sonames the binary itself asks for (ELF NEEDED entries)."""
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", binary))


def owners(paths: list[str]) -> dict[str, str]:
    """path -> Debian package that installed it.

    With merged /usr, ldd's /lib/... and the real /usr/lib/... are the same file, but dpkg knows
    each file under the one name its package shipped: ask for every spelling.
    """
    def spellings(path: str) -> list[str]:
        real = os.path.realpath(path)
        names = [path, real]
        for name in (path, real):
            names.append(name[len("/usr"):] if name.startswith("/usr/") else "/usr" + name)
        return list(dict.fromkeys(names))

    wanted = {path: spellings(path) for path in paths}
    query = sorted({name for names in wanted.values() for name in names})
    done = subprocess.run(["dpkg", "-S", *query], capture_output=True, text=True)  # non-zero if some unknown
    by_name: dict[str, str] = {}
    for line in done.stdout.splitlines():
        package, _, name = line.partition(": ")
        by_name[name] = package.split(":")[0]
    result: dict[str, str] = {}
    for path, names in wanted.items():
        found = [by_name[name] for name in names if name in by_name]
        if found:
            result[path] = found[0]
    return result


@lru_cache(maxsize=None)
def closure(roots: tuple[str, ...]) -> frozenset[str]:
    """Packages apt installs for `roots`: Depends and Pre-Depends, taking each group's first alternative.

    One `apt-cache depends --recurse` lists every package reachable through any alternative; the
    walk below follows only the first of each "A | B" group (apt's pick when none is installed yet).
    """
    output = run("apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                 "--no-breaks", "--no-replaces", "--no-enhances", *roots)
    picks: dict[str, list[str]] = {}
    current: list[str] = []
    in_group = False  # inside an "A | B | C" group whose first alternative was already taken
    take_provider = False  # the first alternative was virtual: take its first provider
    for line in output.splitlines():
        if not line.startswith(" "):
            current = picks.setdefault(line.strip().split(":")[0], [])
            in_group = take_provider = False
            continue
        match = re.match(r"^ (\|| )(?:Pre)?Depends: (.+)$", line)
        if match:
            name = match.group(2).strip()
            if not in_group:
                if name.startswith("<"):
                    take_provider = True
                else:
                    current.append(name.split(":")[0])
            in_group = match.group(1) == "|"
        elif line.startswith("    ") and take_provider:
            current.append(line.strip().split(":")[0])
            take_provider = False
    seen = set(roots)
    frontier = list(roots)
    while frontier:
        for name in picks.get(frontier.pop(), []):
            if name not in seen:
                seen.add(name)
                frontier.append(name)
    return frozenset(seen)


def test_stages_are_consistent(dockerfile: dict) -> None:
    assert {"build", "runtime", "dataloop-runner"} <= set(dockerfile)
    build_runs = " ".join(rest for keyword, rest in dockerfile["build"] if keyword == "RUN")
    assert "swift build -c release --static-swift-stdlib" in build_runs
    runtime = dockerfile["runtime"]
    assert runtime[0][1].startswith("${DEBIAN_IMAGE}")
    assert "ARG DEBIAN_IMAGE=debian:bookworm-slim" in DOCKERFILE.read_text()
    assert ("COPY", "--from=build /out/video-tracker /usr/local/bin/video-tracker") in runtime
    # SwiftPM's Bundle.module looks for the resource bundle beside the executable.
    bundle = "video-tracker_VideoTrackerService.resources"
    assert ("COPY", f"--from=build /out/{bundle} /usr/local/bin/{bundle}") in runtime
    assert f'"$bin/{bundle}" /out/' in build_runs, "the build stage must put the resource bundle in /out"
    cmd = [rest for keyword, rest in runtime if keyword == "CMD"][-1]
    assert '"--data-dir", "/var/lib/video-tracker"' in cmd
    assert any("chown 10001 /var/lib/video-tracker" in rest for keyword, rest in runtime if keyword == "RUN"), \
        "the jobs' data folder must be writable by the runtime user"
    assert ("COPY", f"--from=build /src/{WHEEL_LIBS} {INSTALLED_LIBS}") in runtime
    assert any(rest.startswith("make openvino") for keyword, rest in dockerfile["build"] if keyword == "RUN")
    user = [rest for keyword, rest in runtime if keyword == "USER"]
    assert user and user[-1].isdigit() and user[-1] != "0", "runtime must run as a numeric non-root user"
    runner = dockerfile["dataloop-runner"]
    assert runner[0] == ("FROM", "runtime AS dataloop-runner")
    env = " ".join(rest for keyword, rest in runner if keyword == "ENV")
    # main.py reads VIDEO_TRACKER_BIN; it must point at the binary the runtime stage copied.
    assert "VIDEO_TRACKER_BIN=/usr/local/bin/video-tracker" in env
    assert any("pip install" in rest and "dtlpy" in rest for keyword, rest in runner if keyword == "RUN")


def test_every_linked_library_comes_from_the_runtime_stage(binary: str, dockerfile: dict, debian12: None) -> None:
    installed = apt_installs(dockerfile["runtime"])
    assert installed, "the runtime stage installs nothing"
    libraries = linked_libraries(binary)
    swift_dir = os.path.dirname(libraries.get("libswiftCore.so", "/nonexistent/"))
    # OpenVINO's libraries are copied from the wheel: the binary must look for them where the image puts them.
    wheel = {name: path for name, path in libraries.items() if f"/{WHEEL_LIBS}" in path}
    assert "libopenvino_c.so.2641" in wheel, f"OpenVINO's C API is not linked from {WHEEL_LIBS}: {libraries}"
    runpath = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]", run("readelf", "-d", binary))
    assert any("$ORIGIN/../lib/video-tracker" in entry.split(":") for entry in runpath), runpath
    for name in wheel:
        libraries.pop(name)
    # What the wheel's libraries (the plugin and frontends OpenVINO loads at run time too) need from the system.
    for library in Path(next(iter(wheel.values()))).parent.iterdir():
        for soname in needed(str(library)):
            # The dynamic loader is libc6's (ldd lists it without a "=>").
            if not (library.parent / soname).exists() and not soname.startswith("ld-linux"):
                libraries.setdefault(soname, linked_libraries(str(library)).get(soname, soname))
    package_of = owners(list(libraries.values()))

    swift_runtime = sorted(name for name, path in libraries.items() if os.path.dirname(path) == swift_dir)
    unowned = sorted(name for name, path in libraries.items()
                     if path not in package_of and name not in swift_runtime)
    assert not unowned, f"libraries no Debian package provides (cannot be installed in the image): {unowned}"
    # The Swift runtime is the only thing left out, and only because the build links it in.
    assert all(package_of.get(libraries[name]) is None for name in swift_runtime)

    direct = [name for name in needed(binary) if name in libraries and name not in swift_runtime]
    missing_direct = sorted({package_of[libraries[name]] for name in direct} - set(installed))
    assert not missing_direct, f"packages of directly linked libraries not on the apt-get line: {missing_direct}"

    apt_closure = closure(tuple(installed))
    missing = sorted({f"{name} ({package_of[path]})" for name, path in libraries.items()
                      if name not in swift_runtime and package_of[path] not in apt_closure})
    assert not missing, f"libraries whose packages apt would not install for the runtime stage: {missing}"


def test_named_packages_exist_in_debian_12(dockerfile: dict, debian12: None) -> None:
    names = sorted({name for stage in ("build", "runtime", "dataloop-runner")
                    for name in apt_installs(dockerfile[stage])})
    assert "ca-certificates" in apt_installs(dockerfile["runtime"]), "libcurl needs CA certificates for https"
    candidates: dict[str, str] = {}
    package = ""
    for line in run("apt-cache", "policy", *names).splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            package = line[:-1]
        elif line.strip().startswith("Candidate:"):
            candidates[package] = line.split(":", 1)[1].strip()
    absent = [name for name in names if candidates.get(name, "(none)") == "(none)"]
    assert not absent, f"not in this machine's Debian 12 sources (run apt-get update?): {absent}"


def test_build_context_holds_what_the_build_copies(dockerfile: dict) -> None:
    # The context is the repository root; the ignore file allows only what the build stage copies.
    rules = [line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", "ignore everything first, then allow what the build needs"
    allowed = {rule[1:] for rule in rules[1:] if rule.startswith("!")}
    for keyword, rest in dockerfile["build"]:
        if keyword == "COPY" and not rest.startswith("--from"):
            for source in rest.split()[:-1]:
                assert source.replace("[d]", "d") in allowed, f"COPY {source} is excluded by the ignore file"


def test_the_binary_finds_its_resource_bundle_beside_it(binary: str, tmp_path: Path) -> None:
    """What the image does (the binary and `video-tracker_VideoTrackerService.resources` side by side
    in /usr/local/bin), done here: a copy of the binary next to a copy of the bundle serves the
    copy's files, not the build folder's."""
    import urllib.request

    from conftest import RunningService, free_port

    bundle = "video-tracker_VideoTrackerService.resources"
    built = Path(binary).parent / bundle
    assert (built / "Templates" / "page.mustache").is_file() and (built / "Static" / "app.js").is_file()
    installed = tmp_path / "bin"
    installed.mkdir()
    shutil.copy2(binary, installed / "video-tracker")
    shutil.copytree(built, installed / bundle)
    marker = "/* the installed copy */\n"
    style = installed / bundle / "Static" / "style.css"
    style.write_text(marker + style.read_text())
    port = free_port()
    service = RunningService(str(installed / "video-tracker"), ["serve", "--host", "127.0.0.1", "--port", str(port)])
    try:
        service.wait_until_healthy(f"http://127.0.0.1:{port}/healthz")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css", timeout=10) as response:
            assert response.read().decode().startswith(marker)
    finally:
        service.stop()
