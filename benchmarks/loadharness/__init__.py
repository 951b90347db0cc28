"""The load harness of issue #7: simulated browser tabs that speak Streamlit's websocket protocol to a real
`streamlit run` server on 127.0.0.1, and the scenarios that measure the workshop app with them.

Run it with `python benchmarks/run_load.py`; see docs/performance.md for what it measures and how.
"""

from .client import (
    HarnessError,
    NotLoopback,
    RunRecord,
    StreamlitSession,
    WidgetNotFound,
    check_loopback,
)
from .server import StreamlitServer, free_port
from .tree import PageTree, Widget

__all__ = [
    "HarnessError",
    "NotLoopback",
    "PageTree",
    "RunRecord",
    "StreamlitServer",
    "StreamlitSession",
    "Widget",
    "WidgetNotFound",
    "check_loopback",
    "free_port",
]
