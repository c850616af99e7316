"""Reading inputs robustly and writing outputs atomically."""

from newsclean.io.decode import decode_bytes
from newsclean.io.errors import InputError, display_path
from newsclean.io.readers import (
    DEFAULT_MAX_BYTES,
    iter_documents,
    iter_input_files,
    read_file,
    read_utf8,
    split_name,
)
from newsclean.io.writers import (
    AtomicWriter,
    JsonlWriter,
    OutputError,
    atomic_write,
    write_text_atomic,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "AtomicWriter",
    "InputError",
    "JsonlWriter",
    "OutputError",
    "atomic_write",
    "decode_bytes",
    "display_path",
    "iter_documents",
    "iter_input_files",
    "read_file",
    "read_utf8",
    "split_name",
    "write_text_atomic",
]
