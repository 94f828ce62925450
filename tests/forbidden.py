"""A folder the user cannot enter, simulated, because the tests may run as root (whom
file modes do not stop): every call that reaches a path inside it fails with EACCES."""

from __future__ import annotations

import builtins
import errno
import os
from pathlib import Path


def forbid(monkeypatch, folder: Path) -> None:
    """From now on, as for a folder of mode 000 owned by someone else, `folder` itself can
    be looked at, but nothing inside it can be opened, listed or looked at."""
    inside = os.path.abspath(folder) + os.sep

    def guarded(real):
        def call(path, *args, **kwargs):
            if isinstance(path, (str, os.PathLike)):
                name = os.path.abspath(os.fspath(path))
                if name.startswith(inside) or (real in listing and name + os.sep == inside):
                    raise PermissionError(errno.EACCES, "Permission denied", name)
            return real(path, *args, **kwargs)

        return call

    listing = (os.listdir, os.scandir)
    for module, name in (
        (os, "stat"),
        (os, "lstat"),
        (os, "open"),
        (os, "listdir"),
        (os, "scandir"),
        (builtins, "open"),
    ):
        monkeypatch.setattr(module, name, guarded(getattr(module, name)))
