"""Checks that a directory written by `trainer export` (or a run's final `model/`) loads in
sentence-transformers as is and embeds like `trainer embed`:

  .build/release/trainer export checkpoints/kornli/checkpoints/step-NNNNNNN --output /tmp/exported
  .build/release/trainer embed /tmp/exported --input examples/sentences.txt --output /tmp/exported.h5 --prompt "query: "
  python tools/reference/check_export.py /tmp/exported examples/sentences.txt /tmp/exported.h5 "query: "

Prints the minimum cosine between the two embeddings of each line; fails below 0.99999."""
import sys
import h5py
import numpy as np
from sentence_transformers import SentenceTransformer

model_dir, texts_path, h5_path = sys.argv[1:4]
prefix = sys.argv[4] if len(sys.argv) > 4 else ""
texts = [l.rstrip("\n") for l in open(texts_path, encoding="utf-8")]
model = SentenceTransformer(model_dir, device="cpu")
ours = h5py.File(h5_path, "r")["embeddings"][:]
theirs = model.encode([prefix + t for t in texts], convert_to_numpy=True, batch_size=32)
ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)
theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
cos = (ours * theirs).sum(1)
print(f"{len(texts)} texts: min cosine {cos.min():.7f}, mean {cos.mean():.7f} ({model_dir})")
sys.exit(0 if cos.min() >= 0.99999 else 1)
