"""The CLI's errors are one line on stderr whatever their length: logs and scripts that
read them (grep, a CI step) must not find a path cut in two by the console's width."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.api.conftest import DISCOVERY


@pytest.mark.parametrize(("args", "expected"), [
    (["ingest"], "error (file): {path}: no such file"),
    (["documents", "import"], "error (file): cannot read {name}: No such file or directory"),
], ids=["ingest", "documents import"])
def test_a_long_error_stays_on_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    path = tmp_path / ("a-folder-whose-name-alone-is-longer-than-a-terminal-line-" * 2) / (
        "missing-catalog-file-with-a-long-name-" * 3 + ".csv")
    env = os.environ | {"COLUMNS": "80", "DISCOVERY_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([DISCOVERY, *args, str(path)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [expected.format(path=path, name=path.name)]
