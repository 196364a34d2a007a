"""Files that would cost the server too much are refused on the upload screen, in words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from interfaces.importing.reader import FILE_CODES
from interfaces.web.ui.resource_files import FILE_PROBLEMS
from tests.e2e.support import Api
from tests.hostile_files import compression_bomb
from tests.ui.support import Browser, Page, signed_in


@pytest.fixture
def uploads(ui: Api, tmp_path: Path) -> Iterator[Path]:
    before = ui.app.config.get("TSUNAGU_UPLOAD_DIR")
    ui.app.config["TSUNAGU_UPLOAD_DIR"] = str(tmp_path)
    yield tmp_path
    ui.app.config["TSUNAGU_UPLOAD_DIR"] = before


def test_every_reason_a_file_cannot_be_read_has_words_on_the_screen() -> None:
    assert sorted(FILE_CODES - FILE_PROBLEMS.keys()) == []
    assert sorted(FILE_PROBLEMS.keys() - FILE_CODES) == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (compression_bomb(), "bomb.xlsx", "圧縮率"),
        ("名称,住所".encode() + b",x" * 300 + b"\n", "wide.csv", "列が多すぎます"),
        ("名称,住所\n".encode() + b"\n" * 5_100_000, "blank.csv", "セルが多すぎます"),
    ],
    ids=["compression-bomb", "too-many-columns", "blank-lines"],
)
def test_a_file_too_costly_to_read_comes_back_with_a_message(
    ui: Api, uploads: Path, content: bytes, name: str, message: str
) -> None:
    sc = signed_in(ui.app, "coordinator")
    sc.post("/language", {"language": "ja"})  # whatever an earlier test chose for them
    sc.get("/resources/import")

    page = _upload(sc, content, name)

    assert page.status == 422
    assert message in page, page.text[-1500:]
    assert 'id="file-error"' in page.html


def _upload(browser: Browser, content: bytes, name: str) -> Page:
    """A multipart upload written out by hand: werkzeug's test client would spool a large
    form to a temporary file that it never closes."""
    boundary = "tsunagu-upload-limits"
    fields = [("csrf_token", browser.token or ""), ("step", "check")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    response = browser.client.post(
        "/resources/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=browser.headers,
    )
    return Page(response)
