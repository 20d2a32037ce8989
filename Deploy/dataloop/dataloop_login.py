"""The one way the Deploy scripts log in to the platform (dtlpy is imported only when needed)."""
from __future__ import annotations

import sys
from typing import Any


def login() -> Any:
    """dtlpy, logged in; exits with a clear message when dtlpy is missing."""
    try:
        import dtlpy as dl
    except ImportError:
        sys.exit("dtlpy is not installed: in a venv (python3 -m venv .venv-deploy && . .venv-deploy/bin/activate), "
                 "pip install dtlpy (or use --dry-run)")
    if dl.token_expired():
        dl.login()  # opens the browser login; `dlp login` beforehand avoids it
    return dl
