"""Manifests: pairs and languages fixed by hand in a TOML file (``corpora/seeds.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import Document
from ..errors import InputError
from ..languages import base_language


@dataclass
class ManifestPair:
    """A pair fixed by hand: two files, or the two language parts of one bilingual ``file``."""

    source: Path
    target: Path | None
    source_lang: str | None = None
    target_lang: str | None = None


@dataclass
class Manifest:
    path: Path
    folder: Path | None = None  # other files found here are paired by content
    pairs: list[ManifestPair] = field(default_factory=list)
    languages: dict[Path, str] = field(default_factory=dict)  # file -> language (the whole file)
    options: dict = field(default_factory=dict)


MANIFEST_OPTIONS = {"segtype", "srx", "srx_lang", "method", "model",
                    "min_cover", "min_side", "min_lead", "min_gain"}  # the last four: pairing's ``Thresholds``


def read_manifest(path: str | Path) -> Manifest:
    """Read a TOML manifest; paths in it are relative to the manifest's folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such manifest") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the manifest ({err})") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: malformed TOML ({err})") from None
    base = path.parent

    def file(value, where: str) -> Path:
        if not isinstance(value, str) or not value:
            raise InputError(f"{path}: {where} must be a file name")
        p = (base / value) if not Path(value).is_absolute() else Path(value)
        if not p.is_file():
            raise InputError(f"{path}: {where} {value!r}: no such file")
        return p

    def lang(value, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise InputError(f"{path}: {where} must be a language code such as sv or en")
        return base_language(value, f"{path}: {where}")

    unknown = set(data) - {"folder", "pair", "languages", "options"}
    if unknown:
        raise InputError(f"{path}: unknown key {sorted(unknown)[0]!r} (use folder, pair, languages, options)")
    man = Manifest(path)
    if "folder" in data:
        folder = base / str(data["folder"])
        if not folder.is_dir():
            raise InputError(f"{path}: folder {data['folder']!r}: no such folder")
        man.folder = folder
    for k, entry in enumerate(data.get("pair", []), 1):
        where = f"pair {k}"
        if not isinstance(entry, dict) or not ({"file"} <= set(entry) or {"source", "target"} <= set(entry)):
            raise InputError(f"{path}: {where} needs source and target, or file (a bilingual file)")
        extra = set(entry) - {"file", "source", "target", "source_lang", "target_lang"}
        if extra:
            raise InputError(f"{path}: {where}: unknown key {sorted(extra)[0]!r}")
        if "file" in entry:
            man.pairs.append(ManifestPair(file(entry["file"], where), None, lang(entry.get("source_lang"), where),
                                          lang(entry.get("target_lang"), where)))
        else:
            man.pairs.append(ManifestPair(file(entry["source"], where), file(entry["target"], where),
                                          lang(entry.get("source_lang"), where), lang(entry.get("target_lang"), where)))
    for name, code in (data.get("languages") or {}).items():
        man.languages[file(name, "languages")] = lang(code, f"languages.{name}")
    opts = data.get("options") or {}
    bad = set(opts) - MANIFEST_OPTIONS
    if bad:
        raise InputError(f"{path}: unknown option {sorted(bad)[0]!r} (use {', '.join(sorted(MANIFEST_OPTIONS))})")
    man.options = {k: (str(base / v) if k == "srx" else v) for k, v in opts.items()}
    if not man.pairs and man.folder is None:
        raise InputError(f"{path}: the manifest names no pair and no folder")
    return man


def fixed_pair(pair: ManifestPair, loaded: dict[str, list[Document]]) -> tuple[Document, Document] | None:
    """The two documents of a manifest pair (None when one of its files could not be read)."""
    if pair.target is None:
        parts = loaded.get(str(pair.source))
        if parts is None:
            return None
        if len(parts) < 2:
            raise InputError(f"{pair.source}: found only one language ({parts[0].lang}); it is not bilingual")
        pick = {d.lang: d for d in parts}
        if pair.source_lang and pair.target_lang:
            if pair.source_lang not in pick or pair.target_lang not in pick:
                raise InputError(f"{pair.source}: its parts are {', '.join(pick)}, not "
                                 f"{pair.source_lang} and {pair.target_lang}")
            return pick[pair.source_lang], pick[pair.target_lang]
        return parts[0], parts[1]
    a, b = loaded.get(str(pair.source)), loaded.get(str(pair.target))
    return (a[0], b[0]) if a and b else None


