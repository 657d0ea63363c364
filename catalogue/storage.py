"""Media storage that never leaves a half-written file (uploaded and harvested images, their
renditions, avatars, documents).

Django's `FileSystemStorage` streams into the final path: a full disk (ENOSPC) or a crash
mid-write leaves a truncated file under a real name. Here each file is written to a hidden
temporary file in the same directory, flushed to disk, then linked under its final name (a new
name is taken when it exists, as Django does) or, when overwriting is allowed, renamed over the
previous file. Whatever fails, the temporary file is removed and the error raised: the
previous files are kept and no partial file is ever visible.
"""

from __future__ import annotations

import os
import tempfile

from django.core.files.storage import FileSystemStorage


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once at start-up (os.umask is process-wide: never toggled while threads write).
UMASK = _read_umask()


class StorageFull(OSError):
    """The file could not be written (disk full or another write error); nothing was kept."""


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(partial, self.file_permissions_mode)
            else:
                os.chmod(partial, 0o666 & ~UMASK)
            full_path = self._publish(partial, name, full_path)
        except OSError as error:
            raise StorageFull(error.errno, f"{error.strerror or error} ({name})") from error
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        self._ensure_location_group_id(full_path)
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _publish(self, partial: str, name: str, full_path: str) -> str:
        """The written file under its final name: renamed over it when overwriting is
        allowed, else linked under a free name (a link never replaces an existing file)."""
        if self._allow_overwrite:
            os.replace(partial, full_path)
            return full_path
        while True:
            try:
                os.link(partial, full_path)
                return full_path
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = self.path(name)
