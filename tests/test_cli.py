"""The command line as a new user meets it: what `main.py run` prints, in what order, and what the docstring promises."""

from __future__ import annotations

import re
import subprocess
import sys

from server import ROOT, Server

from events import cli


def test_the_docstring_names_every_command():
    usage = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    commands = re.search(r"\{([a-z,-]+)\}", usage).group(1).split(",")
    assert "backup" in commands
    named = re.search(r"main\.py ([a-z|-]+)", cli.__doc__).group(1).split("|")
    assert sorted(named) == sorted(commands)


def test_a_first_run_prints_the_real_address_and_the_password_last_in_a_box(tmp_path):
    env = {"DATA_DIR": str(tmp_path), "APP_ENV": "development", "DATABASE_URL": "", "SECRET_KEY": "", "ORGANISER_PASSWORD": "", "PUBLIC_URL": ""}
    server = Server(env, args=("run",))  # on a free port, never 8000
    server.start()
    code, output = server.stop()
    assert code == 0, output
    lines = output.splitlines()
    url = f"http://127.0.0.1:{server.port}"
    assert f"Serving {url}: students {url}/events · API {url}/schema · sign in {url}/login" in lines
    assert ":8000" not in output

    top, bottom = (n for n, line in enumerate(lines) if re.fullmatch(r"\+-+\+", line))
    box = lines[top : bottom + 1]
    assert re.fullmatch(r"\+-+\+", box[-1]) and all(line.startswith("| ") and line.endswith(" |") for line in box[1:-1]), box
    assert len({len(line) for line in box}) == 1, "the frame is square"
    text = " ".join(line.strip("| ") for line in box[1:-1])
    assert re.search(r"\| password \(shown once\): \S{12,}", " ".join(box)) and re.search(r"HR password \(shown once\): \S{12,}", text)
    assert f"{url}/me/password" in text and "POST /api/me/password" in text
    # Nothing the start-up prints before serving comes after it: migrations, the organiser, the demo.
    for earlier in ("[forwards]", "Created organiser", "Loaded the demo"):
        assert max(n for n, line in enumerate(lines) if earlier in line) < top, earlier
    assert lines.index(next(line for line in lines if line.startswith("Serving "))) > bottom
