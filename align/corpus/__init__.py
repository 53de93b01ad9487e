"""Corpus mode: find which files translate which in a folder, align them all, write everything.

Pairing is by content, never required by file name. The stages (``run``):
read the files (``files``, ``manifest``: pairs fixed by hand) -> embed every
sentence once and rank each document's candidates cheaply (``ranking``) ->
pair, with the candidates' alignments as the evidence (``evidence``, ``pairing``) ->
align, check and write every pair (``tasks``, ``outputs``) -> summarise
(``summary``). Tasks run in this process, on a local process pool or on Dask
(``runners``); what a re-run can reuse is kept in ``OUT/align-state``
(``resume``).
"""

from .files import SUFFIXES, discover, output_stem
from .manifest import MANIFEST_OPTIONS, Manifest, ManifestPair, read_manifest
from .outputs import write_merged
from .pairing import Candidate, Evidence, Thresholds, evidence_scorer, orient, pair_documents, quick_params
from .ranking import TOP_K, SentenceVectors, candidate_pairs, document_means, ranked_candidates, sentence_vectors
from .run import CorpusOptions, CorpusResult, run_corpus
from .summary import CorpusSummary

__all__ = ["SUFFIXES", "discover", "output_stem", "MANIFEST_OPTIONS", "Manifest", "ManifestPair", "read_manifest",
           "write_merged", "Candidate", "Evidence", "Thresholds", "evidence_scorer", "orient", "pair_documents", "quick_params", "TOP_K",
           "SentenceVectors", "candidate_pairs", "document_means", "ranked_candidates", "sentence_vectors",
           "CorpusOptions", "CorpusResult", "run_corpus", "CorpusSummary"]
