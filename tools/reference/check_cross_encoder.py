"""Checks a cross-encoder written by trainer (a `trainer run` model/ or `trainer export` of a
cross-encoder checkpoint) against transformers: loads MODEL_DIR as
XLMRobertaForSequenceClassification with its XLMRobertaTokenizer, scores the (query, candidate)
pairs of DATA.h5 (a data set scored by `trainer score MODEL_DIR DATA.h5`), and compares with the
/teacher/scores trainer wrote. Prints the largest difference; exits 1 above 1e-4.

  python tools/reference/check_cross_encoder.py MODEL_DIR DATA.h5 [--limit N]"""
import argparse, sys
import h5py, numpy as np, torch
from transformers import XLMRobertaForSequenceClassification, XLMRobertaTokenizer

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("data")
ap.add_argument("--limit", type=int, default=200, help="examples to check")
ap.add_argument("--max-length", type=int, default=128)
a = ap.parse_args()

model = XLMRobertaForSequenceClassification.from_pretrained(a.model).eval()
tok = XLMRobertaTokenizer.from_pretrained(a.model)
f = h5py.File(a.data, "r")
texts = [t.decode() for t in f["corpus/texts"][:]]
query, positive = f["examples/query"][:], f["examples/positive"][:]
candidates = f["teacher"].attrs["candidates"]
negatives = f["mined/negatives"][:] if candidates == "mined" else f["examples/negatives"][:]
scores = f["teacher/scores"][:]
pairs, expected = [], []
for e in range(min(a.limit, len(query))):
    for j, c in enumerate([positive[e]] + [n for n in negatives[e] if n >= 0]):
        pairs.append((texts[query[e]], texts[c]))
        expected.append(scores[e, j])
worst = 0.0
with torch.no_grad():
    for s in range(0, len(pairs), 32):
        part = pairs[s:s + 32]
        enc = tok([p[0] for p in part], [p[1] for p in part], padding=True, truncation="longest_first",
                  max_length=a.max_length, return_tensors="pt")
        logits = model(**enc).logits[:, 0].numpy()
        worst = max(worst, float(np.abs(logits - np.array(expected[s:s + 32])).max()))
print(f"{len(pairs)} pairs of {min(a.limit, len(query))} examples: max |transformers - trainer| = {worst:.3g}")
sys.exit(0 if worst <= 1e-4 else 1)
