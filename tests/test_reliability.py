"""Nothing a human gives is ever lost, and the review page is private to who started it: each case of the
reliability probes (a hostile new user, another user of the same machine), in the issue's order. The
concurrent cases run real processes; the page's cases go through HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_corrections import annotate, as_cvat_exports, result
from test_review_page import request

from vasr.cli.main import main
from vasr.review.server import ReviewServer
from vasr.review.session import ReviewSession
from vasr.run import RunFolder

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def out(run: Path) -> Path:
    """A finished run of the 61-frame clip (keyframes 0, 20, 40, 60), the shipped T-Assess, KCF tracks."""
    return run


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def store(out: Path) -> Path:
    return out / "corrections" / "clip.txt"


def save(server: ReviewServer, changes: list[dict], base: str = "") -> tuple[int, dict]:
    return request(server, "POST", "/api/corrections/clip", {"base": base, "changes": changes})


def one_line_error(capsys: pytest.CaptureFixture[str], pattern: str) -> None:
    """The command's own error is one line (notes and progress bars may come before it), no traceback."""
    err = capsys.readouterr().err.strip()
    errors = [line for line in err.splitlines() if line.startswith("vasr:")]
    assert len(errors) == 1 and "Traceback" not in err, err
    assert re.search(pattern, errors[0]), err


def holding_the_lock(out: Path) -> subprocess.Popen:
    """Another process that writes the run folder (holds its lock) until killed."""
    code = (
        "import sys, time; from vasr.run import RunFolder\n"
        "with RunFolder(sys.argv[1]).writing('a test writer'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


# --- 1, 2: boxes that would poison the run -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [("10, 0, 0, 1e300, 1e300", "far beyond the"), ("10, 5, 10, 0.0004, 20", "at least 1 pixel")],
)
def test_a_huge_or_sub_pixel_box_is_refused_before_it_reaches_the_store(
    clip,
    out: Path,
    tmp_path: Path,
    capsys,
    line: str,
    message: str,  # noqa: ANN001
) -> None:
    capsys.readouterr()
    assert annotate(clip, out, "--corrections", str(write(tmp_path / "f.txt", line + "\n"))) == 2
    one_line_error(capsys, rf"f\.txt:1: .*{message}")
    assert not store(out).exists()
    assert annotate(clip, out) == 0  # the next plain run is not locked out


def test_the_page_refuses_the_same_boxes_and_keeps_serving(server: ReviewServer, out: Path) -> None:
    for box in ([0, 0, 1e300, 1e300], [5, 10, 0.0004, 20]):
        status, body = save(server, [{"frame": 10, "box": box}])
        assert status == 400 and "frame 10" in body["error"]
    assert not store(out).exists()
    assert request(server, "GET", "/api/sequence/clip")[0] == 200
    assert request(server, "GET", "/api/sequences")[0] == 200


def test_the_store_reads_back_exactly_what_was_accepted(clip, out: Path, tmp_path: Path) -> None:  # noqa: ANN001
    box = (30.123456789, 20.000123, 24.5, 18.0004)
    fix = write(tmp_path / "fix.txt", "30, " + ", ".join(repr(v) for v in box) + "\n")
    assert annotate(clip, out, "--corrections", str(fix)) == 0
    assert tuple(result(out)["boxes"][30]) == box


# --- 3, 4: corrections given as files -----------------------------------------------------------------


def test_an_edited_copy_of_the_runs_json_is_applied(clip, out: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    copy = tmp_path / "c.json"
    data = json.loads((out / "json" / "clip.json").read_text())
    data["boxes"][30] = [30.0, 20.0, 24.0, 18.0]
    copy.write_text(json.dumps(data, indent=2))
    capsys.readouterr()
    assert annotate(clip, out, "--corrections", str(copy)) == 0
    assert "1 corrections" in capsys.readouterr().err
    assert result(out)["boxes"][30] == [30.0, 20.0, 24.0, 18.0] and 30 in result(out)["keyframes"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "<name>clip</name>",
            "<name>clip2</name>",
            r"c\.xml: is for the video 'clip2', not 'clip'",
        ),  # another task
        ('frame="30"', 'frame="30.9"', r"c\.xml:\d+: frame='30\.9' is not a whole frame"),
    ],
)
def test_a_cvat_file_of_another_task_or_a_fractional_frame_is_refused(
    clip,
    out: Path,
    tmp_path: Path,
    capsys,
    old: str,
    new: str,
    message: str,  # noqa: ANN001
) -> None:
    xml = as_cvat_exports(out / "cvat" / "clip.xml", tmp_path / "c.xml", {30: (30.0, 20.0, 24.0, 18.0)})
    xml.write_text(xml.read_text().replace(old, new, 1))
    capsys.readouterr()
    assert annotate(clip, out, "--corrections", str(xml)) == 2
    one_line_error(capsys, message)
    assert not store(out).exists()


# --- 5, 6: the page's server is private and bounded ------------------------------------------------


def test_the_review_server_needs_the_token_it_printed(server: ReviewServer) -> None:
    host, port = server.server_address[:2]
    anonymous = {"Host": f"{host}:{port}", "Authorization": ""}
    assert request(server, "GET", "/api/sequences", headers=anonymous)[0] == 403
    assert request(server, "POST", "/api/rerun", headers=anonymous)[0] == 403
    assert request(server, "GET", "/api/sequences?token=wrong", headers=anonymous)[0] == 403
    import http.client

    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", f"/?token={server.token}", headers=anonymous)
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "")
    assert response.status == 200 and "HttpOnly" in cookie and server.token in cookie
    with_cookie = {**anonymous, "Cookie": cookie.split(";")[0]}
    assert request(server, "GET", "/api/sequences", headers=with_cookie)[0] == 200
    assert server.token in server.address


def raw(server: ReviewServer, data: bytes, read: bool = True) -> bytes:
    """What the server answers to ``data`` sent as is on a new connection."""
    with socket.create_connection(server.server_address[:2], timeout=5) as connection:
        connection.sendall(data)
        return connection.recv(65536) if read else b""


def post_head(server: ReviewServer, length: str) -> bytes:
    host, port = server.server_address[:2]
    return (
        f"POST /api/corrections/clip HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: token {server.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize(("length", "status"), [("-1", b"400"), ("abc", b"400"), (str(200 << 20), b"413")])
def test_a_body_length_is_checked_before_anything_is_read(
    server: ReviewServer, length: str, status: bytes
) -> None:
    begin = time.monotonic()
    answer = raw(server, post_head(server, length) + b"[" * 1000)
    assert answer.split(b" ")[1] == status and time.monotonic() - begin < 3
    assert b"Traceback" not in answer


@pytest.mark.parametrize(
    "path", ["/api/frame/clip/%C2%B2.jpg", "/api/frame/clip/%FF.jpg", "/api/sequence/%00"]
)
def test_odd_paths_get_an_answer_not_a_traceback(server: ReviewServer, path: str, capfd) -> None:  # noqa: ANN001
    status, _ = request(server, "GET", path)
    assert status in (400, 404)
    assert "Traceback" not in capfd.readouterr().err


def test_a_deeply_nested_body_is_a_bad_request(server: ReviewServer) -> None:
    body = b"[" * 100_000
    answer = raw(server, post_head(server, str(len(body))) + body)
    assert answer.split(b" ")[1] == b"400" and b"Traceback" not in answer


def test_idle_connections_are_closed(server: ReviewServer) -> None:
    server.idle_seconds = 0.5
    with socket.create_connection(server.server_address[:2], timeout=5) as idle:
        time.sleep(1.0)
        assert idle.recv(1) == b""  # the server hung up
    assert request(server, "GET", "/api/sequences")[0] == 200


def test_serving_on_every_interface_answers_to_the_machines_own_names(out: Path) -> None:
    server = ReviewServer(ReviewSession(out), host="0.0.0.0", port=0)
    server.start()
    try:
        port = server.server_address[1]
        for name in ("localhost", "127.0.0.1", socket.gethostname()):
            headers = {"Host": f"{name}:{port}"}
            assert request(server, "GET", "/api/sequences", headers=headers)[0] == 200, name
        assert request(server, "GET", "/api/sequences", headers={"Host": "attacker.example"})[0] == 403
    finally:
        server.shutdown()
        server.server_close()


# --- 7, 9: one writer per run folder ---------------------------------------------------------------


def test_a_page_save_while_a_run_writes_the_folder_is_refused_not_lost(
    server: ReviewServer, out: Path
) -> None:
    writer = holding_the_lock(out)
    try:
        status, body = save(server, [{"frame": 11, "box": [11.0, 11.0, 20.0, 20.0]}])
        assert status == 409 and "a test writer" in body["error"]
        assert not store(out).exists()
    finally:
        writer.kill()
        writer.wait()
    status, body = save(server, [{"frame": 11, "box": [11.0, 11.0, 20.0, 20.0]}])
    assert status == 200 and "11, 11.0, 11.0, 20.0, 20.0" in store(out).read_text()


def test_a_second_run_on_the_same_folder_stops_with_a_clear_message(
    clip,
    out: Path,
    tmp_path: Path,
    capsys,  # noqa: ANN001
) -> None:
    writer = holding_the_lock(out)
    try:
        capsys.readouterr()
        fix = write(tmp_path / "R.txt", "30, 30, 20, 24, 18\n")
        assert annotate(clip, out, "--corrections", str(fix)) == 2
        one_line_error(capsys, r"is being written by a test writer")
        assert not store(out).exists()
    finally:
        writer.kill()
        writer.wait()


def test_two_runs_started_together_keep_every_correction(clip, out: Path, tmp_path: Path) -> None:  # noqa: ANN001
    folder, keyframes, _ = clip
    argv = ["annotate", "--frames", str(folder), "--keyframes", str(keyframes), "--name", "clip", "--tracker",
            "kcf", "--no-refiner", "--no-review", "--formats", "cvat", "--out", str(out)]  # fmt: skip
    files = [write(tmp_path / f"R{i}.txt", f"{frame}, 30, 20, 24, 18\n") for i, frame in ((1, 25), (2, 35))]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "vasr.cli.main", *argv, "--corrections", str(f)],
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for f in files
    ]
    codes = [r.wait(timeout=300) for r in runs]
    errors = [r.stderr.read() for r in runs]
    for code, err in zip(codes, errors, strict=True):
        assert code == 0 or (code == 2 and "is being written by vasr annotate" in err), err
    for code, f in zip(codes, files, strict=True):  # the refused one is given again: nothing was half-done
        if code == 2:
            assert main([*argv, "--corrections", str(f)]) == 0
    kept = store(out).read_text()
    assert "25, 30.0" in kept and "35, 30.0" in kept


# --- 8: the page's re-run runs vasr's own code ------------------------------------------------------


def test_rerun_from_the_page_never_imports_from_the_working_folder(out: Path, tmp_path: Path) -> None:
    hijack = tmp_path / "hijack" / "vasr"
    hijack.mkdir(parents=True)
    marker = tmp_path / "hijacked"
    (hijack / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    script = Path(sys.executable).parent / "vasr"
    server = subprocess.Popen(
        [str(script), "review", str(out), "--port", "0"], cwd=hijack.parent, stdout=subprocess.PIPE, text=True
    )
    try:
        address = re.search(r"(http://\S+)", server.stdout.readline()).group(1)
        host_port, token = address.split("//")[1].split("/")[0], address.split("token=")[1]
        import http.client

        def call(method: str, path: str) -> dict:
            connection = http.client.HTTPConnection(*host_port.split(":"), timeout=30)
            connection.request(method, path, headers={"Authorization": f"token {token}"})
            return json.loads(connection.getresponse().read())

        call("POST", "/api/rerun")
        for _ in range(300):
            job = call("GET", "/api/job")
            if job["state"] != "running":
                break
            time.sleep(0.2)
        assert job["state"] == "done", job
        assert not marker.exists()
    finally:
        server.kill()
        server.wait()


# --- 10: names are file names -------------------------------------------------------------------------


def test_a_name_that_leaves_the_output_folder_is_refused(clip, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    folder, keyframes, _ = clip
    capsys.readouterr()
    code = main(["annotate", "--frames", str(folder), "--keyframes", str(keyframes), "--name", "../../victim",
                 "--tracker", "kcf", "--no-refiner", "--out", str(tmp_path / "a" / "b")])  # fmt: skip
    assert code == 2
    one_line_error(capsys, r"sequence name '\.\./\.\./victim' cannot be a file name")
    assert not (tmp_path / "a").exists() and not list(tmp_path.glob("victim*"))


# --- the weaker items --------------------------------------------------------------------------------


def test_giving_an_earlier_file_again_restores_its_boxes_and_origins_stay(
    clip,
    out: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    first = write(tmp_path / "first.txt", "30, 30, 20, 24, 18\n10, 8, 8, 20, 16\n")
    later = write(tmp_path / "later.txt", "30, 31, 21, 24, 18\n")
    assert annotate(clip, out, "--corrections", str(first)) == 0
    assert annotate(clip, out, "--corrections", str(later)) == 0
    assert result(out)["boxes"][30] == [31.0, 21.0, 24.0, 18.0]
    assert annotate(clip, out, "--corrections", str(first)) == 0
    assert result(out)["boxes"][30] == [30.0, 20.0, 24.0, 18.0]
    lines = {line.split(",")[0]: line for line in store(out).read_text().splitlines()[1:]}
    assert "first.txt" in lines["10"]  # given again unchanged: where it came from is kept


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: [1, 2, 3], "its top level is a list"),
        (lambda d: {k: v for k, v in d.items() if k != "image_size"}, "no 'image_size' key"),
        (lambda d: {**d, "direction": ["sideways"] * len(d["direction"])}, "unknown direction 'sideways'"),
        (lambda d: {**d, "keyframes": [0, 14.7, 60]}, "keyframes must be whole frame numbers"),
        (lambda d: {**d, "failure_frames": [5], "failure_reasons": []}, "0 failure_reasons for 1 failure_"),
        (lambda d: {**d, "failure_frames": [500], "failure_reasons": ["tied"]}, "failure frame 500 is out"),
    ],
)
def test_a_malformed_json_is_one_clear_line(clip, out: Path, tmp_path: Path, capsys, edit, message) -> None:  # noqa: ANN001
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps(edit(json.loads((out / "json" / "clip.json").read_text()))))
    capsys.readouterr()
    assert annotate(clip, out, "--corrections", str(bad)) == 2
    one_line_error(capsys, re.escape(message))


def test_a_redo_keeps_the_earlier_result_until_the_new_one_is_whole(
    clip,
    out: Path,
    tmp_path: Path,
    monkeypatch,
    capsys,  # noqa: ANN001
) -> None:
    from vasr import run

    before = (out / "json" / "clip.json").read_text()

    def killed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a kill in the middle of the exports
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "export", killed)
    fix = write(tmp_path / "fix.txt", "30, 30, 20, 24, 18\n")
    assert annotate(clip, out, "--corrections", str(fix)) == 130
    assert (out / "json" / "clip.json").read_text() == before and (out / "cvat" / "clip.xml").exists()
    monkeypatch.undo()
    capsys.readouterr()
    assert annotate(clip, out) == 0  # the rerun finishes the round and still says what moved
    assert "frames moved" in capsys.readouterr().err


def test_ctrl_c_while_vasr_starts_is_one_line(monkeypatch, capsys) -> None:  # noqa: ANN001
    import importlib

    def interrupted(name: str):  # noqa: ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib, "import_module", interrupted)
    assert main(["annotate", "--help"]) == 130
    one_line_error(capsys, "interrupted before it started")


def test_a_full_disk_is_one_line(clip, out: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    import errno

    from vasr import run

    def full(path, text):  # noqa: ANN001, ANN202
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(run, "atomic_write_text", full)
    capsys.readouterr()
    assert annotate(clip, out, "--overwrite") == 1
    one_line_error(capsys, r"No space left on device \(.*\)")


def test_an_export_to_a_file_is_an_error(out: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    target = write(tmp_path / "taken", "")
    capsys.readouterr()
    assert main(["review", str(out), "--export", str(target)]) == 2
    one_line_error(capsys, "a file is there")


def test_a_truncated_jpeg_frame_is_named(clip, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    folder, keyframes, _ = clip
    copy = tmp_path / "frames"
    copy.mkdir()
    for path in sorted(folder.iterdir()):
        (copy / path.name).write_bytes(path.read_bytes())
    broken = sorted(copy.iterdir())[5]
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])
    capsys.readouterr()
    code = main(["annotate", "--frames", str(copy), "--keyframes", str(keyframes), "--name", "clip",
                 "--tracker", "kcf", "--no-refiner", "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 2
    one_line_error(capsys, rf"{broken.name}: frame cannot be decoded \(corrupt, truncated")


def test_a_corrections_folder_whose_file_matches_no_sequence_says_so(
    clip,
    out: Path,
    tmp_path: Path,
    capsys,  # noqa: ANN001
) -> None:
    folder = tmp_path / "fixes"
    folder.mkdir()
    write(folder / "Clip.txt", "30, 30, 20, 24, 18\n")
    capsys.readouterr()
    assert annotate(clip, out, "--corrections", str(folder)) == 2
    one_line_error(capsys, r"Clip\.txt: no sequence of this run is called 'Clip'")


def test_a_checkpoint_of_nan_weights_is_refused(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    import torch

    from vasr.checkpoints import CheckpointError, load_assessor

    data = torch.load(checkpoints["tassess"], weights_only=True)
    data["state_dict"] = {k: torch.full_like(v, float("nan")) for k, v in data["state_dict"].items()}
    broken = tmp_path / "nan.ckpt"
    torch.save(data, broken)
    with pytest.raises(CheckpointError, match="NaN or inf"):
        load_assessor(broken)


def test_the_sequence_stays_readable_while_it_is_redone(clip, out: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from vasr import run

    seen = []
    real_export = run.export

    def looking(ann, directory, fmt):  # noqa: ANN001, ANN202
        seen.append(RunFolder(directory).json("clip").is_file())
        return real_export(ann, directory, fmt)

    monkeypatch.setattr(run, "export", looking)
    assert annotate(clip, out, "--corrections", str(write(tmp_path / "f.txt", "30, 30, 20, 24, 18\n"))) == 0
    assert seen and all(seen)
    assert np.isfinite(result(out)["boxes"][30]).all()
