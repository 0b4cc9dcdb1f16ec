"""Legacy and other office formats, converted by headless LibreOffice and read by the DOCX/XLSX readers.

``doc``, ``wps``, ``rtf`` and ``odt`` become DOCX; ``ods`` (and an ``xls``/``et``
that the XLS reader cannot parse) becomes XLSX.  The document keeps the file's own
format (``Document.format == "doc"``) and says what it was read as
(``Document.converted == "docx"``, carried into every record's ``prov.converted``).

Each process converts with its own LibreOffice profile directory (two instances
sharing one profile block each other), one conversion at a time, under a time
limit (:data:`TIMEOUT` seconds, ``DECEXTRACT_CONVERT_TIMEOUT`` in the
environment); a conversion that overruns is killed with its process group.  The
``soffice`` program is found on ``PATH`` (or ``DECEXTRACT_SOFFICE``); where it is
not installed, the file is refused with an error that says what to install.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from importlib import import_module
from pathlib import Path

import attrs

from ..errors import DamagedFileError, ExtractionTimeout, UnsupportedFormatError
from ..model import Document

TIMEOUT = 120.0
#: file format -> (format converted to, what to call the file in messages)
TARGETS = {
    "doc": ("docx", "Word 97-2003 (.doc)"),
    "wps": ("docx", "WPS Writer (.wps)"),
    "rtf": ("docx", "RTF"),
    "odt": ("docx", "OpenDocument text (.odt)"),
    "ods": ("xlsx", "OpenDocument spreadsheet (.ods)"),
    "xls": ("xlsx", "Excel 97-2003 (.xls)"),
    "et": ("xlsx", "WPS Spreadsheets (.et)"),
}
INSTALL = "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui (Debian/Ubuntu)"

_LOCK = threading.Lock()  # one conversion at a time per process: they share the process's profile
_PROFILE: dict[int, str] = {}  # pid -> profile directory


def read(data: bytes, source: str, sha256: str) -> Document:
    """Convert the file with LibreOffice and read the result with the DOCX or XLSX reader."""
    from . import READERS
    from .sniff import sniff

    fmt = sniff(data, source)
    target, _ = TARGETS[fmt]
    converted = convert(data, fmt, source)
    doc = import_module(READERS[target]).read(converted, source, sha256)
    return attrs.evolve(doc, format=fmt, converted=target)


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    named = os.environ.get("DECEXTRACT_SOFFICE")
    if named:
        return named if shutil.which(named) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, fmt: str, source: str) -> bytes:
    """The bytes of ``data`` (a ``fmt`` file) converted to its target format (:data:`TARGETS`)."""
    target, label = TARGETS[fmt]
    program = soffice()
    if program is None:
        raise UnsupportedFormatError(f"a {label} file: reading it needs LibreOffice, which is not installed "
                                     f"({INSTALL})", path=source)
    timeout = float(os.environ.get("DECEXTRACT_CONVERT_TIMEOUT") or TIMEOUT)
    with _LOCK, tempfile.TemporaryDirectory(prefix="decextract-convert-") as work:
        infile = Path(work, f"input.{fmt}")
        infile.write_bytes(data)
        outdir = Path(work, "out")
        command = [program, f"-env:UserInstallation={Path(_profile()).as_uri()}", "--headless", "--invisible",
                   "--nologo", "--norestore", "--nolockcheck", "--nodefault",
                   "--convert-to", target, "--outdir", str(outdir), str(infile)]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True, cwd=work)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise ExtractionTimeout(f"LibreOffice took longer than {timeout:g} s to convert the {label} file",
                                    path=source) from None
        except BaseException:
            _kill(process)
            raise
        result = outdir / f"input.{target}"
        if process.returncode != 0 or not result.is_file():
            said = output.decode("utf-8", "replace").strip().splitlines()[-1:] if output else []
            raise DamagedFileError(f"LibreOffice could not convert the {label} file"
                                   + (f": {said[0][:200]}" if said else ""), path=source)
        return result.read_bytes()


def _kill(process: subprocess.Popen) -> None:
    """End the conversion and anything it started (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _profile() -> str:
    """This process's LibreOffice profile directory, made on first use and removed at exit."""
    pid = os.getpid()
    if pid not in _PROFILE:
        _PROFILE[pid] = tempfile.mkdtemp(prefix=f"decextract-libreoffice-{pid}-")
        atexit.register(shutil.rmtree, _PROFILE[pid], True)
    return _PROFILE[pid]
