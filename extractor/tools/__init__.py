"""Analyst tools over records: evaluation, the review page, cross-article linking, DataFrames."""
