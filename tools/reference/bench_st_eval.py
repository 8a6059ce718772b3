"""The peer's STS evaluation time: sentence-transformers' EmbeddingSimilarityEvaluator (cosine,
Euclidean, Manhattan, dot) on KorSTS test (1,379 pairs), same model directory, prefix, maximum
length and thread count as `trainer eval --sts`; the evaluator's default batch size (32), timed
around the whole call. Prints the time and the metrics (compare with `trainer eval`).
Usage: bench_st_eval.py [MODEL_DIR] [--tsv FILE] [--prefix "query: "] [--max-length 64] [--threads 2]"""
import argparse, csv, os, time
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("model", nargs="?", default=os.path.join(root, "models/multilingual-e5-small"))
p.add_argument("--tsv", default=os.path.join(root, "data/kornlu/KorSTS/sts-test.tsv"))
p.add_argument("--prefix", default="query: ")
p.add_argument("--max-length", type=int, default=64)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=32)
a = p.parse_args()
torch.set_num_threads(a.threads)
with open(a.tsv, encoding="utf-8") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
m = SentenceTransformer(a.model, device="cpu")
m.max_seq_length = a.max_length
evaluator = EmbeddingSimilarityEvaluator(
    [a.prefix + r["sentence1"] for r in rows], [a.prefix + r["sentence2"] for r in rows], [float(r["score"]) for r in rows],
    similarity_fn_names=["cosine", "euclidean", "manhattan", "dot"], batch_size=a.batch)
t0 = time.perf_counter()
metrics = evaluator(m)
seconds = time.perf_counter() - t0
print(f"sentence-transformers EmbeddingSimilarityEvaluator: {len(rows)} pairs in {seconds:.2f}s "
      f"(batch {a.batch}, {a.threads} threads, torch {torch.__version__})")
for k, v in metrics.items():
    print(f"  {k:20s} {v:.4f}")
