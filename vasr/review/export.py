"""A static export of a review: the page, the data and the frames to check, to open without a server.

``vasr review OUT --export DIR`` writes ``DIR/index.html`` (the same page, read-only: nothing to save or
re-run without the server), ``DIR/data.js`` (every sequence's boxes, scores, suggestions and saved
corrections) and ``DIR/frames/<sequence>/<frame>.jpg`` for the frames to check (at most ``max_frames`` per
sequence), so a run's state can be zipped and sent to someone else. Everything is written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from vasr.atomic import atomic_output, atomic_write_text
from vasr.review.server import static_file
from vasr.review.session import ReviewSession


def export_review(session: ReviewSession, directory: str | Path, max_frames: int = 200) -> Path:
    """Write the static review of ``session`` into ``directory``; returns its index.html."""
    directory = Path(directory)
    overview = session.overview()
    data, frames = {}, {}
    for row in overview:
        name = str(row["name"])
        data[name] = session.sequence(name)
        frames[name] = {}
        for index, frame in enumerate(data[name]["to_check"][:max_frames]):  # type: ignore[index]
            relative = f"frames/{name}/{frame}.jpg"
            with atomic_output(directory / relative) as tmp:
                Path(tmp).write_bytes(session.frame_jpeg(name, frame, quality=85))
            frames[name][frame] = relative
            del index
    payload = {"out": str(session.out), "sequences": overview, "data": data, "frames": frames}
    atomic_write_text(directory / "data.js", "window.VASR_STATIC = " + json.dumps(payload) + ";\n")
    for name in ("app.js", "app.css"):
        atomic_write_text(directory / "static" / name, static_file(name).decode())
    page = (
        static_file("index.html")
        .decode()
        .replace(
            '<script src="static/app.js"></script>',
            '<script src="data.js"></script>\n<script src="static/app.js"></script>',
        )
    )
    atomic_write_text(directory / "index.html", page)
    return directory / "index.html"
