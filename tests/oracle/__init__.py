"""The test oracle: a tiny CLIP trained on procedurally generated scenes.

`scenes` generates images with known content (shapes, colours, sizes, positions,
backgrounds), their captions and sketch renderings; `train` trains a tiny open_clip model on
them and exports it to the project's ONNX model folder format; `evaluate` measures its
held-out retrieval figures. See README.md in this folder.
"""
