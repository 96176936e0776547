"""PEP 517 backend of mppoint: maturin's, after a check that the Rust toolchain is there.

A prebuilt wheel (``pip install mppoint``) needs no compiler. Building from source
(``pip install ./python``, or an sdist on a platform without a wheel) compiles the Rust library,
which needs ``cargo``. Without it, maturin's own backend asks pip for ``puccinialight`` to fetch a
Rust toolchain from the network, which fails here with a long traceback that never says what is
missing. This wrapper says it in one line instead. Everything else is maturin's.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import maturin

_MESSAGE = (
    "mppoint: building from source needs the Rust toolchain, and `cargo` is not on PATH. "
    "Install Rust (https://rustup.rs, then open a new shell) and try again, "
    "or install a prebuilt wheel instead: pip install --only-binary=mppoint mppoint"
)


def _require_cargo() -> None:
    cargo = os.environ.get("CARGO") or "cargo"
    if shutil.which(cargo) is None:
        raise SystemExit(_MESSAGE)


def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    _require_cargo()
    return maturin.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_editable(config_settings: Any = None) -> list[str]:
    _require_cargo()
    return maturin.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_sdist(config_settings: Any = None) -> list[str]:
    _require_cargo()
    return maturin.get_requires_for_build_sdist(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Any = None) -> str:
    _require_cargo()
    return maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: str | None = None) -> str:
    _require_cargo()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory: str, config_settings: Any = None, metadata_directory: str | None = None) -> str:
    _require_cargo()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    _require_cargo()
    return maturin.build_sdist(sdist_directory, config_settings)
