"""Regenerate docs/screenshots/report-*.png: pages of the demo talent train's PDF report, drawn by pdftoppm (poppler-utils).

    .venv/bin/python scripts/screenshots_report.py

Starts `main.py run` on an empty data directory (so the demo loads), signs the organiser in through
the API, downloads the event's report.pdf and draws its cover and first pages with tables and charts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from server import Server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "organiser-demo-1"  # noqa: S105 - the throwaway demo server's organiser
#: Which pages of the report become which picture.
PAGES = {1: "report-cover.png", 4: "report-page.png"}


def main() -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm is missing: `make screenshots` installs it (apt-get install poppler-utils)")
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server({"DATA_DIR": tempfile.mkdtemp(), "APP_ENV": "development", "DATABASE_URL": "", "SECRET_KEY": "", "ORGANISER_PASSWORD": PASSWORD}, args=("run",))
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            token = client.post("/api/auth/login", json={"login": "organiser@example.com", "password": PASSWORD}).json()["access_token"]
            answer = client.get("/api/events/nanjing-talent-train/report.pdf", headers={"Authorization": f"Bearer {token}"})
            answer.raise_for_status()
    finally:
        server.stop()
    work = Path(tempfile.mkdtemp())
    pdf = work / "report.pdf"
    pdf.write_bytes(answer.content)
    for page, name in PAGES.items():
        subprocess.run([pdftoppm, "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(work / "page")], check=True)  # noqa: S603
        shutil.copy(work / "page.png", OUT / name)
        print(OUT / name)


if __name__ == "__main__":
    main()
