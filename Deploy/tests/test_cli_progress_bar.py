"""The CLI's progress bar in a real terminal: `video-tracker run` inside tmux at 40 and 120 columns."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

WALKER = '{"walker":[{"x":205,"y":151},{"x":222,"y":201}]}'
ERASE_TO_END = "\x1b[K"


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], check=True, capture_output=True,
                          text=True, timeout=300).stdout


@pytest.mark.parametrize("columns", [40, 120])
def test_the_bar_fits_the_terminal_and_redraws_in_place(binary: str, crossing: Path, tmp_path: Path,
                                                        columns: int) -> None:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed (make deps installs it)")
    socket = f"vt-progress-{uuid.uuid4().hex[:8]}"
    raw = tmp_path / "pane.raw"
    run = shlex.join([binary, "run", "--url", str(crossing / "Crossing.mp4"), "--bbs", WALKER, "--start-frame", "0",
                      "--frame-duration", "120", "--tracker", "kcf"])
    # The pane waits for `go` (so recording starts before any output), runs the CLI with its answer
    # going to a file (only stderr reaches the terminal), signals `done`, and stays open to be read.
    script = f"tmux wait-for go; {run} > {shlex.quote(str(tmp_path / 'answer.json'))}; tmux wait-for -S done; exec sleep infinity"
    tmux(socket, "new-session", "-d", "-x", str(columns), "-y", "30", "sh", "-c", script)
    try:
        tmux(socket, "pipe-pane", "-o", f"cat >> {shlex.quote(str(raw))}")
        tmux(socket, "wait-for", "-S", "go")
        tmux(socket, "wait-for", "done")
        screen = tmux(socket, "capture-pane", "-p", "-J").rstrip("\n").splitlines()
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
    assert '"walker"' in (tmp_path / "answer.json").read_text()

    # Every draw: `\r`, a line exactly one column short of the terminal, erase-to-end.
    output = raw.read_bytes().decode(errors="replace")  # bytes: read_text would turn each \r into \n
    draws = [piece.replace(ERASE_TO_END, "") for piece in output.split("\r")]
    bars = [draw for draw in draws if draw.startswith("[")]
    assert len(bars) > 10, f"the bar was drawn {len(bars)} times: {output[:300]!r}"
    for bar in bars:
        assert len(bar) == columns - 1, f"{len(bar)} columns drawn in a {columns}-column terminal: {bar!r}"
        assert re.fullmatch(r"\[#* *\] \d+% frame \d+", bar), bar
    assert bars[-1].startswith("[" + "#" * (columns - 1 - len("[] 100% frame 119"))) and bars[-1].endswith("] 100% frame 119")

    # On the screen: nothing wider than the terminal (wrapped rows joined back), no copies of the bar,
    # and the summary that replaced it on its own line.
    visible = [line for line in screen if line.strip()]
    assert all(len(line) <= columns for line in visible), visible
    assert not any("%" in line for line in visible), f"copies of the bar left on the screen: {visible}"
    assert visible == ["120/120 frames in " + visible[0].split(" frames in ")[1]], visible
