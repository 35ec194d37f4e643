"""Train the Rasa model only when its inputs changed, keyed by a content hash.

A model is named after the hash of everything that shapes it (config, domain, training
data, custom components, the Rasa lock). A copy is kept in a per-user cache, so a fresh
clone on the same machine (CI) reuses it instead of training again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

TRAINING_INPUTS = ("config.yml", "nlu/domain.yml", "requirements/rasa.lock")
TRAINING_GLOBS = ("nlu/data/**/*.yml",)
COMPONENTS_DIR = "nlu/components"


class TrainingError(Exception):
    """`rasa train` failed; the message says where to look."""


def _inputs(root: Path) -> Iterable[Path]:
    for name in TRAINING_INPUTS:
        path = root / name
        if path.exists():
            yield path
    for pattern in TRAINING_GLOBS:
        yield from sorted(root.glob(pattern))
    yield from _components_in_config(root)


def _components_in_config(root: Path) -> Iterable[Path]:
    """Custom components the pipeline names (others, e.g. a tracker store, do not shape it)."""
    config = (
        (root / "config.yml").read_text(encoding="utf-8") if (root / "config.yml").exists() else ""
    )
    for path in sorted((root / COMPONENTS_DIR).glob("*.py")):
        if f"components.{path.stem}." in config:
            yield path


def training_fingerprint(root: Path) -> str:
    """Hash of every file that shapes the model (paths and contents)."""
    digest = hashlib.sha256()
    for path in _inputs(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "asystent-naborow" / "models"


def ensure_model(
    root: Path, rasa_bin: Path, *, models_dir: Path | None = None, cache_dir: Path | None = None
) -> tuple[Path, bool]:
    """Return (model path, trained now?) — training only when no model has this fingerprint."""
    models = models_dir or root / "models"
    cache = cache_dir or default_cache_dir()
    name = f"asystent-{training_fingerprint(root)}"
    model = models / f"{name}.tar.gz"
    if model.exists():
        return model, False
    cached = cache / model.name
    models.mkdir(parents=True, exist_ok=True)
    if cached.exists():
        shutil.copy2(cached, model)
        logger.info("model restored from cache %s", cached)
        return model, False
    _train(root, rasa_bin, models, name)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copy2(model, cached)
    except OSError as exc:  # a read-only cache only costs a retrain next time
        logger.warning("could not cache model: %s", exc)
    return model, True


def _train(root: Path, rasa_bin: Path, models: Path, name: str) -> None:
    command = [
        str(rasa_bin), "train",
        "--config", "config.yml",
        "--domain", "nlu/domain.yml",
        "--data", "nlu/data",
        "--out", str(models),
        "--fixed-model-name", name,
    ]  # fmt: skip
    env = dict(
        os.environ,
        ACTION_SERVER_URL=os.environ.get("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook"),
    )
    log = models / f"{name}.train.log"
    logger.info("training the Rasa model (log: %s)", log)
    with log.open("w") as out:
        result = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            command, cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env, check=False
        )
    if result.returncode != 0 or not (models / f"{name}.tar.gz").exists():
        raise TrainingError(f"rasa train failed (exit {result.returncode}); see {log}")
