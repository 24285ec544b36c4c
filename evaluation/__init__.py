"""Relevance evaluation: judged sets, metrics by name, paired comparisons, experiments.

Imports ``catalog`` (and may import ranking, indexer, ingestion); only ``api`` imports it.
"""

from evaluation.converters import convert_homedepot, convert_scifact, split_half, write_split
from evaluation.judged import (
    JudgedSet,
    JudgedSetError,
    iter_catalog_records,
    load_judged_dir,
    load_judged_set,
)
from evaluation.metrics import (
    DEFAULT_METRICS,
    METRICS,
    EvalResult,
    UnknownMetric,
    evaluate,
    required_depth,
)
from evaluation.runner import Experiment, compare, run_queries
from evaluation.stats import PairedResult, paired_compare, permutation_test

__all__ = [
    "DEFAULT_METRICS", "METRICS", "EvalResult", "Experiment", "JudgedSet", "JudgedSetError",
    "PairedResult", "UnknownMetric", "compare", "convert_homedepot", "convert_scifact",
    "evaluate", "iter_catalog_records", "load_judged_dir", "load_judged_set", "paired_compare",
    "permutation_test", "required_depth", "run_queries", "split_half", "write_split",
]
