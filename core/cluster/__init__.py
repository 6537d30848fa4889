"""Bulk indexing on a Ray cluster (`photolens index --cluster`), the optional `cluster` extra.

Decode and embed run as Ray Data stages on the cluster; everything else (scan, hashing,
routing of moves and duplicates, commits, analyzers) stays in the indexer on the user's
machine, the catalog's only writer. Only `ray_stage` and `workers` import ray, lazily.
"""
