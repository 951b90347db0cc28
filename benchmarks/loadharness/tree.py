"""The page as a browser tab holds it: a tree of elements and blocks built from `delta` messages.

A small Python rendering of what the Streamlit frontend keeps (its `AppRoot`, `BlockNode`, `ElementNode`):
each delta puts an element or a block at `metadata.delta_path`, and when a run finishes the nodes that run
did not touch are dropped (only inside the fragments that ran, for a fragment run). Enough of it to find
widgets by label and read the text a person would read; nothing is drawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Element types that are widgets: the browser keeps a value for each and sends it back on every rerun.
WIDGET_TYPES = frozenset(
    {
        "button",
        "download_button",
        "checkbox",
        "text_input",
        "text_area",
        "selectbox",
        "multiselect",
        "radio",
        "number_input",
        "slider",
        "button_group",
        "color_picker",
        "date_input",
        "time_input",
        "date_time_input",
        "feedback",
        "pagination",
        "chat_input",
        "file_uploader",
        "camera_input",
        "audio_input",
        "menu_button",
    }
)

ROOT_CONTAINERS = {0: "main", 1: "sidebar", 2: "event", 3: "bottom"}


@dataclass
class Node:
    """One element or block of the page."""

    kind: str  # "element" | "block"
    type: str  # the element's or block's oneof name: "button", "heading", "vertical", "form", ...
    proto: Any  # the Element or Block protobuf
    run_id: str
    fragment_id: str = ""
    script_hash: str = ""  # the script (page) that drew it
    children: list[Node] = field(default_factory=list)

    @property
    def body(self) -> Any:
        """The typed part of the protobuf: `element.button`, `block.form`, ..."""
        return getattr(self.proto, self.type) if self.type else None


@dataclass(frozen=True)
class Widget:
    """A widget as the page shows it."""

    id: str
    type: str
    label: str
    form_id: str
    fragment_id: str
    disabled: bool
    options: tuple[str, ...]
    proto: Any  # the typed protobuf (`element.button`, ...)
    run_id: str = ""  # the run that drew it last

    @property
    def is_form_submitter(self) -> bool:
        return self.type == "button" and bool(getattr(self.proto, "is_form_submitter", False))


def _empty_block(run_id: str = "") -> Node:
    return Node("block", "", None, run_id)


class PageTree:
    """The elements of one session's page, updated from deltas."""

    def __init__(self) -> None:
        self.roots: dict[int, Node] = {index: _empty_block() for index in ROOT_CONTAINERS}

    # ---------------------------------------------------------------------------------------- updates
    def apply_delta(self, delta: Any, metadata: Any, run_id: str) -> None:
        """Apply one `Delta` at `metadata.delta_path` (as the frontend's `AppRoot.applyDelta`)."""
        kind = delta.WhichOneof("type")
        path = list(metadata.delta_path)
        if len(path) < 2 or kind == "new_transient":
            return  # transients are spinners and placeholders that the next element at the path replaces
        root = self.roots.setdefault(path[0], _empty_block())
        fragment_id = delta.fragment_id
        script_hash = metadata.active_script_hash
        if kind == "new_element":
            element = delta.new_element
            node = Node(
                "element",
                element.WhichOneof("type") or "",
                element,
                run_id,
                fragment_id,
                script_hash,
            )
        elif kind == "add_block":
            block = delta.add_block
            block_type = block.WhichOneof("type") or ""
            existing = self._get(root, path[1:])
            children = (
                existing.children
                if existing is not None and existing.kind == "block" and existing.type == block_type
                else []
            )
            node = Node("block", block_type, block, run_id, fragment_id, script_hash, children)
        else:
            return
        self._set(root, path[1:], node, run_id)

    @staticmethod
    def _get(block: Node, path: list[int]) -> Node | None:
        node = block
        for index in path:
            if node.kind != "block" or index >= len(node.children):
                return None
            node = node.children[index]
        return node

    @staticmethod
    def _set(block: Node, path: list[int], node: Node, run_id: str) -> None:
        # Every block on the way is touched by this run, as the frontend's setIn rebuilds them.
        parent = block
        parent.run_id = run_id
        for index in path[:-1]:
            while len(parent.children) <= index:
                parent.children.append(_empty_block(run_id))
            child = parent.children[index]
            if child.kind != "block":
                child = parent.children[index] = _empty_block(run_id)
            child.run_id = run_id
            parent = child
        last = path[-1]
        while len(parent.children) <= last:
            parent.children.append(_empty_block(run_id))
        parent.children[last] = node

    def clear_stale(self, run_id: str, fragment_ids: list[str] | tuple[str, ...] = ()) -> None:
        """Drop what the finished run did not draw (the frontend's `clearStaleNodes`)."""
        for root in self.roots.values():
            root.children = [
                kept
                for child in root.children
                if (kept := self._clear(child, run_id, tuple(fragment_ids), "")) is not None
            ]
            root.run_id = run_id

    def _clear(
        self, node: Node, run_id: str, fragment_ids: tuple[str, ...], fragment_of_block: str
    ) -> Node | None:
        if node.kind == "element":
            if not fragment_ids:
                return node if node.run_id == run_id else None
            stale = node.run_id != run_id and (
                fragment_of_block or node.fragment_id in fragment_ids
            )
            return None if stale else node
        if not fragment_ids:
            if node.run_id != run_id:
                return None
        else:
            if fragment_of_block and node.run_id != run_id:
                return None
            if node.fragment_id and node.fragment_id in fragment_ids and node.run_id == run_id:
                fragment_of_block = node.fragment_id
        node.children = [
            kept
            for child in node.children
            if (kept := self._clear(child, run_id, fragment_ids, fragment_of_block)) is not None
        ]
        return node

    def keep_script(self, main_script_hash: str) -> None:
        """On a page change, keep only what the entry script drew (its navigation, say)."""

        def keep(node: Node) -> Node | None:
            if node.script_hash != main_script_hash:
                return None
            node.children = [kept for child in node.children if (kept := keep(child)) is not None]
            return node

        for root in self.roots.values():
            root.children = [kept for child in root.children if (kept := keep(child)) is not None]

    def clear(self) -> None:
        self.roots = {index: _empty_block() for index in ROOT_CONTAINERS}

    # ---------------------------------------------------------------------------------------- reading
    def walk(self, *, container: int | None = None) -> Iterator[tuple[Node, tuple[Node, ...]]]:
        """Every node in page order, with its ancestors (outermost first)."""
        roots = (
            [self.roots[container]]
            if container is not None
            else [self.roots[k] for k in sorted(self.roots)]
        )
        stack: list[tuple[Node, tuple[Node, ...]]] = [(root, ()) for root in reversed(roots)]
        while stack:
            node, ancestors = stack.pop()
            if node.type or node.kind == "element":
                yield node, ancestors
            if node.kind == "block":
                inner = ancestors + ((node,) if node.type else ())
                stack.extend((child, inner) for child in reversed(node.children))

    def elements(self) -> Iterator[Node]:
        for node, _ in self.walk():
            if node.kind == "element":
                yield node

    def widgets(self) -> list[Widget]:
        """Every widget on the page, in page order."""
        found = []
        for node in self.elements():
            if node.type in WIDGET_TYPES:
                found.append(widget_of(node))
        return found

    def texts(self) -> list[str]:
        """What a person reads on the page, one string per element, in page order."""
        return [text for node in self.elements() if (text := text_of(node))]

    def text(self) -> str:
        return "\n".join(self.texts())

    def exceptions(self) -> list[str]:
        """The messages of the exceptions the page shows (an app error, a Streamlit error)."""
        return [
            f"{node.body.type}: {node.body.message}"
            for node in self.elements()
            if node.type == "exception"
        ]

    def dump(self, width: int = 50) -> str:
        """The tree as indented lines (type, text, fragment, run), for debugging a scenario."""
        lines = []
        for node, ancestors in self.walk():
            text = text_of(node) if node.kind == "element" else ""
            lines.append(
                f"{'  ' * len(ancestors)}{node.type} {text[:width]!r} frag={node.fragment_id[:6]} "
                f"run={node.run_id[:6]}"
            )
        return "\n".join(lines)

    def form_blocks(self) -> dict[str, Any]:
        """The forms on the page by form id (their `Block.Form` protobufs)."""
        return {
            node.body.form_id: node.body
            for node, _ in self.walk()
            if node.kind == "block" and node.type == "form"
        }

    def widget_ids(self) -> set[str]:
        return {
            node.body.id
            for node in self.elements()
            if node.type in WIDGET_TYPES and getattr(node.body, "id", "")
        }


def widget_of(node: Node) -> Widget:
    body = node.body
    if node.type == "button_group":
        options = tuple(option.content for option in body.options)
    else:
        options = tuple(getattr(body, "options", ()) or ())
    label = getattr(body, "label", "") or getattr(body, "placeholder", "")
    return Widget(
        id=getattr(body, "id", ""),
        type=node.type,
        label=label,
        form_id=getattr(body, "form_id", ""),
        fragment_id=node.fragment_id,
        disabled=bool(getattr(body, "disabled", False)),
        options=options,
        proto=body,
        run_id=node.run_id,
    )


def text_of(node: Node) -> str:
    """The readable text of one element ("" for those without)."""
    body = node.body
    kind = node.type
    if body is None:
        return ""
    if kind in ("heading", "markdown", "text", "alert", "html", "toast"):
        return body.body
    if kind == "metric":
        return f"{body.label}: {body.body}"
    if kind == "code":
        return body.code_text
    if kind == "exception":
        return f"{body.type}: {body.message}"
    if kind == "progress":
        return body.text
    if kind in WIDGET_TYPES or kind in ("link_button", "page_link"):
        return getattr(body, "label", "")
    return ""
