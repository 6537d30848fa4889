"""People: faces found in pictures and video frames, grouped into people the user can name.

detect.py finds faces (dlib, in the analyzer's worker processes), analyzer.py plugs that
into the indexer, store.py keeps faces and people in the catalog, cluster.py groups
faces, people.py is what the CLI and the GUI call (name, merge, split, hide, correct).
"""
