"""The review page, driven in a real browser (Debian's headless Chromium through selenium) as an annotator
would use it, and the server's safety rules, each with a test."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vasr.cli.main import main
from vasr.review.server import ReviewServer

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def request(server: ReviewServer, method: str, path: str, body: object = None, headers: dict | None = None):  # noqa: ANN201
    """(status, parsed body) of a raw request: the path goes out exactly as written (no normalisation)."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    data = None if body is None else json.dumps(body)
    own = {"Host": f"{host}:{port}", "Authorization": f"token {server.token}"}
    connection.request(method, path, body=data, headers={**own, **(headers or {})})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    kind = response.getheader("Content-Type", "")
    return response.status, json.loads(payload) if kind.startswith("application/json") else payload


# --- safety ---------------------------------------------------------------------------------------------


def test_it_binds_to_this_machine_only_unless_told(server: ReviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize(
    "path",
    [
        "/files/../../etc/passwd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files//etc/passwd",
        "/files/json/../../outside.txt",
        "/api/frame/..%2F..%2Fetc/1.jpg",
    ],  # fmt: skip
)
def test_only_files_of_the_run_are_served(server: ReviewServer, run: Path, path: str) -> None:
    (run.parent / "outside.txt").write_text("secret")
    status, body = request(server, "GET", path)
    assert status in (403, 404) and b"secret" not in json.dumps(body).encode()
    assert request(server, "GET", "/files/suggest.txt")[0] == 200  # a file of the run is


def test_another_host_name_or_page_is_refused(server: ReviewServer) -> None:
    status, body = request(server, "GET", "/api/sequences", headers={"Host": "attacker.example:80"})
    assert status == 403 and "own address" in body["error"]
    status, body = request(server, "POST", "/api/rerun", headers={"Origin": "http://attacker.example"})
    assert status == 403 and server.session.job.state == "idle"


def test_saving_writes_only_the_corrections_file_inside_the_run(server: ReviewServer, run: Path) -> None:
    before = {p for p in run.parent.rglob("*")}
    status, _ = request(server, "POST", "/api/corrections/..%2F..%2Fevil", {"base": "", "changes": []})
    assert status == 404
    status, body = request(
        server, "POST", "/api/corrections/clip", {"base": "", "changes": [{"frame": 99, "box": [1, 1, 5, 5]}]}
    )
    assert status == 400 and "outside the video" in body["error"]
    status, body = request(
        server, "POST", "/api/corrections/clip", {"base": "", "changes": [{"frame": 5, "box": [1, 1, 0, 5]}]}
    )
    assert status == 400 and "positive" in body["error"]
    status, body = request(
        server, "POST", "/api/corrections/clip", {"base": "", "changes": [{"frame": 5, "box": [2, 3, 10, 8]}]}
    )
    assert status == 200 and body["corrections"] == 1
    after = {p for p in run.parent.rglob("*")}
    assert after - before == {run / "corrections", run / "corrections" / "clip.txt"}
    assert not list((run / "corrections").glob(".*.tmp"))  # written atomically, nothing left over


def test_two_tabs_saving_one_sequence_lose_no_correction(server: ReviewServer, run: Path) -> None:
    _, loaded = request(server, "GET", "/api/sequence/clip")  # both tabs load version ""
    first = request(
        server,
        "POST",
        "/api/corrections/clip",
        {"base": loaded["version"], "changes": [{"frame": 5, "box": [2, 3, 10, 8]}]},
    )
    second = request(
        server,
        "POST",
        "/api/corrections/clip",
        {"base": loaded["version"], "changes": [{"frame": 9, "box": [4, 3, 10, 8]}]},
    )
    assert first[0] == 200 and second[0] == 409 and "another tab" in second[1]["error"]
    _, reloaded = request(server, "GET", "/api/sequence/clip")  # the second tab reloads: it sees the first
    assert reloaded["corrections"] == {"5": [2.0, 3.0, 10.0, 8.0]}
    third = request(
        server,
        "POST",
        "/api/corrections/clip",
        {"base": reloaded["version"], "changes": [{"frame": 9, "box": [4, 3, 10, 8]}]},
    )
    assert third[0] == 200 and third[1]["corrections"] == 2


def test_vasr_review_prints_its_address(run: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "vasr.cli.main", "review", str(run), "--port", "0"],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line.startswith(f"reviewing {run.resolve()} at http://localhost:")
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- in a browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver (.ci/run does)")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000", "--disable-dev-shm-usage"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def wait_for(driver, script: str, timeout: float = 60.0):  # noqa: ANN001, ANN201
    """The value of ``script`` once it is truthy; a name the page's script has not defined yet (it is still
    loading, as a static export opened from disk may be) counts as not yet, any other error fails."""
    from selenium.common.exceptions import JavascriptException

    end = time.time() + timeout
    while time.time() < end:
        try:
            value = driver.execute_script(f"return {script}")
        except JavascriptException as error:
            if "is not defined" not in str(error):
                raise
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {script}")


def test_an_annotator_fixes_the_first_frame_to_check_and_reruns(
    browser, server: ReviewServer, run: Path
) -> None:  # noqa: ANN001
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    before = json.loads((run / "json" / "clip.json").read_text())
    browser.get(server.address)
    # the page opens the sequence on its first frame to check
    frame = wait_for(browser, "app.data && app.image && app.frame")
    assert frame == before["suggestions"][0]
    assert "clip" in browser.find_element(By.ID, "sequences").text

    # the keys: next / previous frame to check, absent, undo
    keys = ActionChains(browser)
    keys.send_keys("n").perform()
    wait_for(browser, f"app.frame === {before['suggestions'][1]}")
    keys.send_keys("p").perform()
    wait_for(browser, f"app.frame === {frame}")
    keys.send_keys("x").perform()
    assert browser.execute_script(f"return app.edits[{frame}]") is None
    assert browser.execute_script(f"return {frame} in app.edits")
    keys.send_keys("u").perform()
    assert not browser.execute_script(f"return {frame} in app.edits")

    # drag the box 30 x 15 screen pixels with the mouse
    box = before["boxes"][frame]
    scale = browser.execute_script("return app.fit * app.zoom")
    canvas = browser.find_element(By.ID, "frame")
    width, height = canvas.size["width"], canvas.size["height"]
    centre = ((box[0] + box[2] / 2) * scale - width / 2, (box[1] + box[3] / 2) * scale - height / 2)
    drag = ActionChains(browser).move_to_element_with_offset(canvas, round(centre[0]), round(centre[1]))
    drag.click_and_hold().move_by_offset(10, 5).move_by_offset(20, 10).release().perform()
    moved = browser.execute_script(f"return app.edits[{frame}]")
    np.testing.assert_allclose(moved[:2], [box[0] + 30 / scale, box[1] + 15 / scale], atol=1.5 / scale + 0.01)
    np.testing.assert_allclose(moved[2:], box[2:], atol=0.01)

    # save (s): the corrections file holds the new box
    ActionChains(browser).send_keys("s").perform()
    wait_for(browser, "document.getElementById('status').textContent.startsWith('saved')")
    lines = (run / "corrections" / "clip.txt").read_text().splitlines()
    (line,) = [x for x in lines if x.startswith(f"{frame},")]
    np.testing.assert_allclose([float(v) for v in line.split("#")[0].split(",")[1:]], moved, atol=0.006)

    # re-run: in the background, with progress; then the page shows the new result
    browser.find_element(By.ID, "rerun").click()
    wait_for(
        browser,
        "app.job && app.job.state === 'done'"
        " && document.getElementById('status').textContent.startsWith('re-run done')",
        120,
    )
    after = json.loads((run / "json" / "clip.json").read_text())
    assert frame in after["keyframes"]
    np.testing.assert_allclose(after["boxes"][frame], moved, atol=0.006)
    neighbours = [i for i in range(max(0, frame - 8), min(len(after["boxes"]), frame + 9)) if i != frame]
    changed = [i for i in neighbours if after["boxes"][i] != before["boxes"][i]]
    assert changed, "the neighbours of the corrected frame were not repaired"
    assert browser.execute_script("return app.data.keyframes").count(frame) == 1  # the page shows the new run
    shot = os.environ.get("VASR_SCREENSHOT")
    if shot:  # make review-screenshot: the README's picture
        browser.execute_script(f"show({after['suggestions'][0] if after['suggestions'] else frame})")
        time.sleep(0.5)
        browser.save_screenshot(shot)


def test_the_timeline_scrubs_plays_jumps_and_an_edge_resizes_the_box(browser, server: ReviewServer) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(server.address)
    wait_for(browser, "!!(app.data && app.image)")
    n = browser.execute_script("return app.data.num_frames")
    # scrub: press on the timeline a quarter in, drag to three quarters
    timeline = browser.find_element(By.ID, "plot")
    width = timeline.size["width"]
    ActionChains(browser).move_to_element_with_offset(timeline, -width // 4, 0).click_and_hold().perform()
    wait_for(browser, f"Math.abs(app.frame - {n // 4}) <= 1")
    ActionChains(browser).move_by_offset(width // 2, 0).release().perform()
    wait_for(browser, f"Math.abs(app.frame - {3 * n // 4}) <= 1")
    # jump: g, a frame number, Enter
    ActionChains(browser).send_keys("g").perform()
    ActionChains(browser).send_keys("7\n").perform()
    wait_for(browser, "app.frame === 7")
    # play with space, pause with space: the frame moves on by itself meanwhile
    ActionChains(browser).send_keys(" ").perform()
    wait_for(browser, "app.frame >= 10")
    ActionChains(browser).send_keys(" ").perform()
    stopped = wait_for(browser, "app.playing === null && app.frame")
    time.sleep(0.3)
    assert browser.execute_script("return app.frame") == stopped
    # drag the right edge of the box 20 screen pixels outwards: only the width changes
    browser.execute_script("show(app.data.to_check[0])")
    frame = wait_for(browser, "app.frame === app.data.to_check[0] && !!app.image && app.frame + 1") - 1
    box = browser.execute_script("return currentBox()")
    scale = browser.execute_script("return scale()")
    canvas = browser.find_element(By.ID, "frame")
    cw, ch = canvas.size["width"], canvas.size["height"]
    right = ((box[0] + box[2]) * scale - cw / 2, (box[1] + box[3] / 2) * scale - ch / 2)
    drag = ActionChains(browser).move_to_element_with_offset(canvas, round(right[0]), round(right[1]))
    drag.click_and_hold().move_by_offset(10, 0).move_by_offset(10, 0).release().perform()
    edited = browser.execute_script(f"return app.edits[{frame}]")
    np.testing.assert_allclose(edited[0:2], box[0:2], atol=0.02)
    np.testing.assert_allclose(edited[2], box[2] + 20 / scale, atol=1.5 / scale + 0.02)
    np.testing.assert_allclose(edited[3], box[3], atol=0.02)
    # the wheel zooms around the pointer
    before = browser.execute_script("return app.zoom")
    browser.execute_script(
        "const r = $('frame').getBoundingClientRect();"
        "$('frame').dispatchEvent(new WheelEvent('wheel', {deltaY: -100,"
        " clientX: r.left + 30, clientY: r.top + 30, bubbles: true, cancelable: true}))"
    )
    assert browser.execute_script("return app.zoom") > before


def test_a_flagged_frame_says_why_in_the_list_and_over_the_frame(
    browser, server: ReviewServer, run: Path
) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    data = json.loads((run / "json" / "clip.json").read_text())
    flagged = [f for f in data["failure_frames"] if f not in data["suggestions"]][0]
    reason = data["failure_reasons"][data["failure_frames"].index(flagged)]
    assert reason == "low score"  # the shipped T-Assess doubts KCF's boxes on the tiny clip
    browser.get(server.address)
    wait_for(browser, "!!(app.data && app.image)")
    wait_for(browser, "document.querySelectorAll('#tocheck li').length > 1")
    item = next(li for li in browser.find_elements(By.CSS_SELECTOR, "#tocheck li")
                if li.text.startswith(f"frame {flagged} "))  # fmt: skip
    assert item.text == f"frame {flagged} (flagged: {reason})"
    assert "below the threshold" in item.get_attribute("title")  # hovering explains the reason
    item.click()
    wait_for(browser, f"app.frame === {flagged}")
    assert f"flagged ({reason})" in browser.find_element(By.ID, "where").text


def test_progress_is_kept_across_a_reload(browser, server: ReviewServer) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    browser.get(server.address)
    wait_for(browser, "!!(app.data && app.image)")
    asked = browser.execute_script("return app.data.asked")
    assert browser.execute_script("return $('progress').textContent") == f"0 of {asked} checked"
    ActionChains(browser).send_keys("a").perform()  # the box is right
    ActionChains(browser).send_keys("s").perform()
    wait_for(browser, "document.getElementById('status').textContent.startsWith('saved')")
    browser.get(server.address)  # a reload: what was answered is still counted
    wait_for(browser, "!!(app.data && app.image)")
    assert browser.execute_script("return $('progress').textContent") == f"1 of {asked} checked"
    row = browser.execute_script("return document.querySelector('#sequences tbody tr').textContent")
    assert f"1 of {asked}" in row


def test_an_annotator_marks_the_target_out_of_view_until_the_next_box(
    browser, server: ReviewServer, run: Path
) -> None:  # noqa: ANN001
    from selenium.webdriver.common.action_chains import ActionChains

    browser.get(server.address)
    wait_for(browser, "!!(app.data && app.image)")
    browser.execute_script("show(25)")
    wait_for(browser, "app.frame === 25")
    ActionChains(browser).send_keys("o").perform()  # out of view from here until the next box
    assert browser.execute_script("return app.edits[25]") == "outside"
    assert "out of view until the next box" in browser.execute_script("return $('where').textContent")
    ActionChains(browser).send_keys("s").perform()
    wait_for(browser, "document.getElementById('status').textContent.startsWith('saved')")
    assert "25, outside" in (run / "corrections" / "clip.txt").read_text()
    ActionChains(browser).send_keys("r").perform()
    wait_for(browser, "app.job && app.job.state === 'done' && app.data.outside.length > 0", 120)
    after = json.loads((run / "json" / "clip.json").read_text())
    assert after["outside_frames"] == list(range(25, 40))  # up to the next keyframe, 40
    assert not set(after["failure_frames"]) & set(after["outside_frames"])
    assert browser.execute_script("return app.data.outside").count(30) == 1  # the page shows the span


def test_the_static_export_opens_without_a_server(browser, run: Path, tmp_path: Path) -> None:  # noqa: ANN001
    assert main(["review", str(run), "--export", str(tmp_path / "shared")]) == 0
    index = tmp_path / "shared" / "index.html"
    data = json.loads((run / "json" / "clip.json").read_text())
    assert (tmp_path / "shared" / "frames" / "clip" / f"{data['suggestions'][0]}.jpg").is_file()
    moved = tmp_path / "elsewhere"
    shutil.move(tmp_path / "shared", moved)  # self-contained: it works wherever it is copied
    browser.get((moved / "index.html").as_uri())
    assert wait_for(browser, "app.data && app.image && app.frame") == data["suggestions"][0]
    assert browser.execute_script("return document.getElementById('save').disabled")  # read-only
    del index
