"""Annotation files: what vasr writes for people and tools, and reads back for evaluation.

`vasr.annotations.visualize` (plots, contact sheets, overlay videos) is not imported here: it pulls in
matplotlib, which the writers do not need."""

from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.exports import EXPORTERS, export
from vasr.annotations.result_dir import AnnotationSet, read_annotation_set, write_annotation_set

__all__ = [
    "EXPORTERS",
    "AnnotationSet",
    "DenseAnnotation",
    "export",
    "read_annotation_set",
    "write_annotation_set",
]
