"""A retrieval set made from KorSTS test (queries: the first sentences; corpus: every second
sentence; relevant: the pairs scored 4 or more), written in BEIR layout (corpus.jsonl,
queries.jsonl, qrels.tsv) into OUT_DIR, then evaluated by sentence-transformers'
InformationRetrievalEvaluator (cosine, "query: " / "passage: " prompts, max length 64, 2 threads).
Compare with `trainer eval MODEL --retrieval OUT_DIR/corpus.jsonl OUT_DIR/queries.jsonl
OUT_DIR/qrels.tsv --query-prefix "query: " --passage-prefix "passage: " --max-length 64`.
Usage: bench_st_retrieval.py OUT_DIR [MODEL_DIR]"""
import csv, json, os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1]
model_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "models/multilingual-e5-small")
torch.set_num_threads(2)
with open(os.path.join(root, "data/kornlu/KorSTS/sts-test.tsv"), encoding="utf-8") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
queries, corpus, qrels = {}, {}, {}
qid_of, did_of = {}, {}
for r in rows:
    q, d = r["sentence1"], r["sentence2"]
    if q not in qid_of:
        qid_of[q] = f"q{len(qid_of)}"
        queries[qid_of[q]] = q
    if d not in did_of:
        did_of[d] = f"d{len(did_of)}"
        corpus[did_of[d]] = d
    if float(r["score"]) >= 4:
        qrels.setdefault(qid_of[q], set()).add(did_of[d])
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "corpus.jsonl"), "w", encoding="utf-8") as f:
    for k, v in corpus.items():
        f.write(json.dumps({"_id": k, "text": v}, ensure_ascii=False) + "\n")
with open(os.path.join(out, "queries.jsonl"), "w", encoding="utf-8") as f:
    for k, v in queries.items():
        f.write(json.dumps({"_id": k, "text": v}, ensure_ascii=False) + "\n")
with open(os.path.join(out, "qrels.tsv"), "w", encoding="utf-8") as f:
    f.write("query-id\tcorpus-id\tscore\n")
    for q, ds in qrels.items():
        for d in sorted(ds):
            f.write(f"{q}\t{d}\t1\n")
m = SentenceTransformer(model_dir, device="cpu")
m.max_seq_length = 64
ev = InformationRetrievalEvaluator(queries, corpus, qrels, query_prompt="query: ", corpus_prompt="passage: ")
t0 = time.perf_counter()
metrics = ev(m)
print(f"sentence-transformers InformationRetrievalEvaluator: {len(ev.queries)} queries, {len(corpus)} documents "
      f"in {time.perf_counter() - t0:.2f}s")
for k, v in metrics.items():
    print(f"  {k:22s} {v:.6f}")
