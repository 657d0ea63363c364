"""Background tasks for the fault tests, run by a real django-q2 cluster (tests/test_faults.py).

`record_then_wait` notes each start (with the worker's pid) in a file; on its first delivery it
then waits to be killed, on a retry it writes its result (temporary file renamed: whole or
absent) and notes the end."""

import os
import time
from pathlib import Path

from catalogue.background import retried_once


def _note(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as marks:
        marks.write(line + "\n")
        marks.flush()
        os.fsync(marks.fileno())


@retried_once
def record_then_wait(directory: str) -> str:
    folder = Path(directory)
    marks = folder / "marks"
    starts = (
        sum(1 for line in marks.read_text().splitlines() if line.startswith("start"))
        if (marks.exists())
        else 0
    )
    _note(marks, f"start {os.getpid()}")
    if starts == 0:
        time.sleep(120)  # killed here by the test
    partial = folder / "result.tmp"
    partial.write_text("complete", encoding="utf-8")
    partial.replace(folder / "result")
    _note(marks, "done")
    return "fait"
