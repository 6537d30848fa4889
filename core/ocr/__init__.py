"""Text in pictures: OCR with rapidocr's bundled PP-OCR models, stored in SQLite FTS5."""
