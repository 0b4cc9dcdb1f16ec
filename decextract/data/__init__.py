"""The lexicons: data files shipped in the package, each read once per process."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


def text(name: str) -> str:
    """The text of the data file ``name``."""
    return resources.files(__name__).joinpath(name).read_text("utf-8")


@cache
def load(name: str) -> Any:
    """The parsed JSON data file ``name`` (shared between callers: do not mutate it)."""
    return json.loads(text(name))
