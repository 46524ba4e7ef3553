"""Annotation files: what vasr writes for people and tools, and reads back for evaluation."""

from vasr.annotations.result_dir import AnnotationSet, read_annotation_set, write_annotation_set

__all__ = ["AnnotationSet", "read_annotation_set", "write_annotation_set"]
