"""Photolens desktop GUI (PySide6), a thin layer over photolens.core."""
