"""The peer's embedding speed: sentence-transformers `encode` on every sentence of KorSTS test
(2,758 texts), same model directory, batch size and thread count as `trainer bench embed`.
--bf16 encodes with model.bfloat16() (weights and activations in bf16).
Usage: bench_st_encode.py [MODEL_DIR] [--batch 32] [--threads 2] [--repeats 3] [--bf16]"""
import argparse, csv, os, time
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
from sentence_transformers import SentenceTransformer

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("model", nargs="?", default=os.path.join(root, "models/multilingual-e5-small"))
p.add_argument("--tsv", default=os.path.join(root, "data/kornlu/KorSTS/sts-test.tsv"))
p.add_argument("--batch", type=int, default=32)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--prefix", default="")
p.add_argument("--bf16", action="store_true", help="model.bfloat16(): weights and activations in bf16")
a = p.parse_args()
torch.set_num_threads(a.threads)
with open(a.tsv, encoding="utf-8") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
texts = [a.prefix + r["sentence1"] for r in rows] + [a.prefix + r["sentence2"] for r in rows]
m = SentenceTransformer(a.model, device="cpu")
if a.bf16:
    m = m.bfloat16()
m.encode(texts[: a.batch * 2], batch_size=a.batch)
best = float("inf")
for _ in range(a.repeats):
    t0 = time.perf_counter()
    m.encode(texts, batch_size=a.batch)
    best = min(best, time.perf_counter() - t0)
print(f"sentence-transformers encode: {len(texts)} sentences in {best:.3f}s: {len(texts) / best:.1f} sentences/s "
      f"(batch {a.batch}, {a.threads} threads, {'bf16' if a.bf16 else 'fp32'}, torch {torch.__version__})")
