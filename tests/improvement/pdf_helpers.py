"""Reading the PDF reports back as a person would: their text, page count, and PNG renderings."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

PDFTOPPM = shutil.which("pdftoppm")
needs_pdftoppm = pytest.mark.skipif(
    PDFTOPPM is None, reason="pdftoppm (Debian poppler-utils) is not installed; .ci/run installs it"
)


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace collapsed (a line break may fall anywhere in a sentence)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_to_png(data: bytes, directory: Path, *, dpi: int = 40, first: int = 1, last: int = 1) -> list[Path]:
    """Render pages with poppler's pdftoppm (an independent PDF reader) to PNG files."""
    source = directory / "report.pdf"
    source.write_bytes(data)
    subprocess.run(
        [PDFTOPPM, "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), source, directory / "page"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return sorted(directory.glob("page*.png"))
