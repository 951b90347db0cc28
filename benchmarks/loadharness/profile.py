"""Where the server's time goes: py-spy samples of the server process, folded into a short table.

Optional: needs `pip install py-spy` (the harness runs without it). `py-spy record --format raw` writes
one line per distinct stack ("frame;frame;frame count"); `summarise` adds up, for each function, the
samples in which it is on the stack (inclusive) and those in which it is the innermost frame (self).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

__all__ = ["Profiler", "summarise"]


class Profiler:
    """`py-spy record` on a pid and its Python children (the processes of `run_load.py --haproxy`)
    for a while; `stop()` ends it early and returns the raw file."""

    def __init__(self, pid: int, path: Path, *, rate: int = 50, seconds: float = 600) -> None:
        self.path = path
        self.process: subprocess.Popen | None = None
        tool = shutil.which("py-spy")
        if tool is None:
            return
        self.process = subprocess.Popen(
            [
                tool,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                str(rate),
                "--duration",
                str(int(seconds)),
                "--nonblocking",
                "--gil",
                "--subprocesses",
                "--output",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def available(self) -> bool:
        return self.process is not None

    def stop(self) -> Path | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT: py-spy writes what it has and exits
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.path if self.path.exists() else None


_FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:)]+)(?::\d+)?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    file = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match['func']} ({file})"


def summarise(raw: Path, *, top: int = 25) -> tuple[int, list[tuple[str, int, int]]]:
    """(total samples, [(function, inclusive samples, self samples)]) sorted by inclusive samples.
    The recording samples only the thread holding the GIL (`--gil`): with one process per server, that
    is where the server's capacity goes."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [_name(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    # Leave out the frames every sample shares (interpreter start, event loop, thread bootstrap, the
    # script runner's own wrappers): they say nothing about where the time goes.
    rows = [
        (name, count, own.get(name, 0))
        for name, count in inclusive.most_common()
        if not _WRAPPER.search(name) or own.get(name, 0) > 0.01 * total
    ]
    return total, rows[:top]


_WRAPPER = re.compile(
    r"^(?:<module>|_run_code|_run_module_as_main|run|main_run|_main_run|_run_server_loop|Runner\.run|"
    r"Command\.\w+|Context\.invoke|Group\.invoke|BaseEventLoop\.(?:run_until_complete|run_forever|_run_once)|"
    r"Handle\._run|Thread\.(?:_bootstrap|_bootstrap_inner|run)|ScriptRunner\._run_script(?:_thread)?|"
    r"exec_func_with_error_handling|ScriptRunner\._run_script\.<locals>\.code_to_exec|_worker|_WorkItem\.run|"
    r"Page\.run|gather_metrics\.<locals>\.wrapped_func) \("
)
