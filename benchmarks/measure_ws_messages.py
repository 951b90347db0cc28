"""The largest websocket messages a legitimate session sends, run by hand:
`python benchmarks/measure_ws_messages.py`. Prints figures; asserts nothing.

Starts the app on a free port, opens the Studio in Chromium, pastes a 1 MiB scenario (the Studio's limit)
and checks it, then uploads the same file; prints the largest frame the browser sent and received. The
figure sets `server.maxMessageSize` in `.streamlit/config.toml` (docs/security.md).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.bench_studio_check import MINI_ROLES, scenario_text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="easi-ws-"))
    text = scenario_text(500, 1024 * 1024 - 4096)
    upload = folder / "big.yaml"
    upload.write_text(text, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "EASI_DB": str(folder / "easi.db"),
        "EASI_DATA": str(folder),
        "EASI_PASSCODE": "measure-the-messages",
        "EASI_ROLES": str(MINI_ROLES),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "workshop_app.py", "--server.port", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    sent: list[int] = []
    received: list[int] = []
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()

            def watch(ws) -> None:
                ws.on("framesent", lambda payload: sent.append(len(payload)))
                ws.on("framereceived", lambda payload: received.append(len(payload)))

            page.on("websocket", watch)
            page.goto(f"{base}/studio")
            area = page.get_by_role("textbox", name="YAML")
            area.wait_for(timeout=60_000)
            # Typing a megabyte key by key takes minutes: set the value as a paste does, in one event.
            area.evaluate(
                """(el, text) => {
                    const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set;
                    set.call(el, text);
                    el.dispatchEvent(new Event("input", { bubbles: true }));
                }""",
                text,
            )
            page.get_by_role("button", name="Check").click()
            page.get_by_text("is a valid scenario").wait_for(timeout=120_000)
            pasted = max(sent)
            page.get_by_text("Upload a file").click()
            page.locator("input[type=file]").set_input_files(str(upload))
            page.get_by_text("big.yaml is a valid scenario").wait_for(timeout=120_000)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"text pasted: {len(text.encode()):,} bytes")
    print(f"largest frame sent by the browser (the paste): {pasted:,} bytes")
    print(f"largest frame sent by the browser (all, the upload included): {max(sent):,} bytes")
    print(f"largest frame received by the browser: {max(received):,} bytes")


if __name__ == "__main__":
    main()
