"""Files written by trainer load in Python: the imported model.safetensors in `safetensors`, and
`trainer embed` output in h5py (shape, dtype, unit norms, attributes). Needs numpy, safetensors
and h5py only; exits non-zero if any check fails."""
import os, subprocess, sys, tempfile
import h5py
import numpy as np
from safetensors import safe_open

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
model = os.path.join(root, "models/multilingual-e5-small")
trainer = os.path.join(root, ".build/release/trainer")
passed = failed = 0

def check(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail else ""))
    passed += ok; failed += not ok

with safe_open(os.path.join(model, "model.safetensors"), "np") as f:
    keys = list(f.keys())
    word = f.get_tensor("embeddings.word_embeddings.weight")
    pos = f.get_tensor("embeddings.position_embeddings.weight")
    check("safetensors: 197 encoder tensors", len(keys) == 5 + 16 * 12, f"{len(keys)} tensors")
    check("safetensors: word embeddings float32 [250037, 384]", word.dtype == np.float32 and word.shape == (250037, 384))
    check("safetensors: position rows 0-1 zero", pos.shape == (514, 384) and not pos[:2].any())

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "in.txt")
    with open(src, "w", encoding="utf-8") as f:
        f.write("한 남자가 음식을 먹고 있다.\nA man is eating food.\n\n")
    out = os.path.join(tmp, "emb.h5")
    subprocess.run([trainer, "embed", model, "--input", src, "--output", out, "--prefix", "query: "], check=True)
    with h5py.File(out, "r") as h:
        e = h["embeddings"][:]
        check("h5py: embeddings float32 [3, 384]", e.dtype == np.float32 and e.shape == (3, 384))
        check("h5py: unit norms", np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5))
        check("h5py: attributes", h.attrs["prefix"] == "query: " and h.attrs["pooling"] == "mean", dict(h.attrs))
        check("h5py: translation pair is close", float(e[0] @ e[1]) > 0.8, f"cos {float(e[0] @ e[1]):.4f}")

print(f"interop checks: {passed} ok, {failed} failing")
sys.exit(1 if failed else 0)
