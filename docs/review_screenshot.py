"""The README's picture of the review page: ``make review-screenshot`` -> docs/review-page.png.

Annotates the embedded data's first sequence from sparse keyframes (every 60 frames and the last) with the
shipped T-Assess, serves the run with `vasr review`'s server on a free port, opens it in Debian's headless
Chromium and saves a screenshot of its first frame to check."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from vasr.cli.main import main
from vasr.data.sources import DataSource
from vasr.review.server import ReviewServer
from vasr.review.session import ReviewSession


def screenshot(path: Path) -> None:
    sequence = DataSource(fold=1).load()[0]
    with tempfile.TemporaryDirectory() as tmp:
        keys = sorted({*range(0, len(sequence), 60), len(sequence) - 1})
        keyframes = Path(tmp) / "keys.txt"
        keyframes.write_text(
            "".join(f"{k}, " + ", ".join(f"{v:.1f}" for v in sequence.boxes[k]) + "\n" for k in keys)
        )
        out = Path(tmp) / "out"
        folder = Path(sequence.frames.paths[0]).parent
        main(["annotate", "--frames", str(folder), "--keyframes", str(keyframes), "--name", sequence.name,
              "--no-refiner", "--no-review", "--out", str(out)])  # fmt: skip
        server = ReviewServer(ReviewSession(out), port=0)
        server.start()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        flags = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--window-size=1400,900",
        ]
        for flag in flags:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(server.address)
            time.sleep(3)
            driver.save_screenshot(str(path))
        finally:
            driver.quit()
            server.shutdown()


if __name__ == "__main__":
    screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/review-page.png"))
    print("wrote", sys.argv[1] if len(sys.argv) > 1 else "docs/review-page.png")
