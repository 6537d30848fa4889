"""Planted hubs: pictures crafted to turn up in the top results of most text searches.

Hubness correction (core/query/hubness.py) is judged by how far it pushes such pictures
down. Mosaics of gallery pictures looked like hubs but were not: each reached the top 5 of
at most 1 of the 48 gallery queries. So hubs are crafted the way an adversary would
("adversarial hubs"): a 16 x 16 colour grid, optimised by evolution strategies (no
gradients needed) to score above the 5th-best picture for as many of the adversary's own
queries as possible. The adversary knows the model but not the user's pictures or the
model's query bank: its queries are captions of single-shape training scenes of its own
run seed, measured against its own renderings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from photolens.core.embed.base import Embedder, l2_normalize
from tests.oracle import scenes as sc

ATTACKER_RUN = 500  # training-seed run of the adversary's queries and pictures (not the model's 0)
GRID = 16


def _render(theta: np.ndarray, size: int, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """[n, 3, GRID, GRID] colours in 0..1 -> normalised model input [n, 3, size, size] (nearest)."""
    idx = (np.arange(size) * GRID) // size
    up = np.clip(theta, 0, 1)[:, :, idx][:, :, :, idx]
    return ((up - mean) / std).astype(np.float32)


def craft_hubs(embedder: Embedder, count: int, *, steps: int = 300, queries: int = 1000, seed: int = 0) -> list[Image.Image]:
    """`count` hub pictures for this model (about 5 s each for the oracle at 300 steps)."""
    cfg = embedder.config
    size = cfg.image_size
    mean = np.asarray(cfg.mean, np.float32)[:, None, None]
    std = np.asarray(cfg.std, np.float32)[:, None, None]
    bank = l2_normalize(np.concatenate([
        embedder.embed_texts(chunk) for chunk in _chunks(sc.training_captions(queries, ATTACKER_RUN, max_shapes=1), 64)
    ]))
    own = []
    for i in range(96):
        rng = sc.scene_rng(sc.train_seed(ATTACKER_RUN, 100_000 + i))
        own.append(sc.render(sc.random_scene(rng, max_shapes=1), 128, rng))
    pictures = l2_normalize(np.concatenate([embedder.embed_images(own[i : i + 32]) for i in range(0, len(own), 32)]))
    fifth = np.sort(bank @ pictures.T, axis=1)[:, -5]

    def fitness(theta: np.ndarray) -> np.ndarray:  # soft share of queries whose top 5 it enters
        e = embedder.embed_pixels(_render(theta, size, mean, std))
        return (1 / (1 + np.exp(-((e @ bank.T) - fifth) / 0.03))).mean(axis=1)

    rng = np.random.default_rng(seed)
    out = []
    sigma, step, population = 0.08, 0.003, 32
    for _ in range(count):
        theta = rng.uniform(0.2, 0.8, (3, GRID, GRID)).astype(np.float32)
        for _ in range(steps):
            eps = rng.normal(0, 1, (population, 3, GRID, GRID)).astype(np.float32)
            f = fitness(np.concatenate([theta + sigma * eps, theta - sigma * eps]))
            grad = ((f[:population] - f[population:])[:, None, None, None] * eps).mean(axis=0)
            theta = np.clip(theta + step * grad / (np.abs(grad).mean() + 1e-9), 0, 1)
        pixels = (np.clip(theta, 0, 1).transpose(1, 2, 0) * 255).round().astype(np.uint8)
        out.append(Image.fromarray(pixels).resize((size * 2, size * 2), Image.NEAREST))
    return out


def plant_hubs(folder: Path, embedder: Embedder, count: int, *, steps: int = 300) -> list[Path]:
    """Craft `count` hubs and save them as folder/hub_NN.png."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(craft_hubs(embedder, count, steps=steps)):
        path = folder / f"hub_{i:02d}.png"
        image.save(path)
        paths.append(path)
    return paths


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
