"""Reference numbers from sentence-transformers' evaluators on fixed embeddings: the STS metrics of
EmbeddingSimilarityEvaluator (Pearson and Spearman of cosine, dot, Euclidean and Manhattan
similarity) and the retrieval metrics of InformationRetrievalEvaluator (accuracy, precision,
recall @1/3/5/10, MRR@10, nDCG@10, MAP@100, cosine and dot), on cases built to have ties: gold
scores on a coarse grid, repeated embedding pairs, and corpus vectors of +-1/4 entries whose
similarities are exact multiples of 1/16 (so many documents tie, in float32 as in any order of
summation), corpus ids whose string order differs from their numeric order, queries with one to
six relevant documents and one with none (sentence-transformers leaves it out).

The evaluators run unchanged; only their embed_inputs is replaced by a lookup of the fixed
embeddings. Writes Tests/Fixtures/eval/reference.json."""
import json, os
import numpy as np
import torch
import sentence_transformers
from sentence_transformers.sentence_transformer.evaluation import (
    EmbeddingSimilarityEvaluator,
    InformationRetrievalEvaluator,
)
from sentence_transformers.util import cos_sim, dot_score

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rng = np.random.default_rng(0)
DIM = 16


class CardData:
    def set_evaluation_metrics(self, *args, **kwargs):
        pass


class FixedModel:
    """Stands in for a SentenceTransformer: the evaluators only need these attributes."""
    model_card_data = CardData()
    similarity_fn_name = "cosine"


def signs(n):
    return (rng.integers(0, 2, size=(n, DIM)) * 2 - 1).astype(np.float32) * np.float32(0.25)


def continuous(n):
    scale = rng.uniform(0.5, 3.0, size=(n, 1))
    return (rng.standard_normal((n, DIM)) * scale).astype(np.float32)


# --- STS: 80 pairs; pairs 70-79 repeat the embeddings of 0-9 (and 60-69 are zero vectors)
n = 80
e1 = np.concatenate([continuous(50), signs(10), np.zeros((20, DIM), np.float32)])
e2 = np.concatenate([continuous(50), signs(10), np.zeros((20, DIM), np.float32)])
e1[70:] = e1[:10]
e2[70:] = e2[:10]
def rowcos(a, b):
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    return (a * b).sum(1) / np.maximum(na * nb, 1e-12)


# gold: related to the cosine, with noise, on a 0.5 grid (many ties)
gold = np.clip(np.round((rowcos(e1, e2) * 2.5 + 2.5 + rng.normal(0, 0.8, n)) * 2) / 2, 0, 5).astype(np.float64)
texts1 = [f"a{i}" for i in range(n)]
texts2 = [f"b{i}" for i in range(n)]
lookup = {t: v for t, v in zip(texts1 + texts2, list(e1) + list(e2))}


class FixedSTS(EmbeddingSimilarityEvaluator):
    def embed_inputs(self, model, sentences, **kwargs):
        return np.stack([lookup[s] for s in sentences])


sts = FixedSTS(texts1, texts2, gold.tolist(), similarity_fn_names=["cosine", "euclidean", "manhattan", "dot"])
sts_metrics = sts(FixedModel())

# --- retrieval: 150 documents (90 of +-1/4 entries, several repeated; 60 continuous), 14 queries
docs = np.concatenate([signs(90), continuous(60)])
docs[80:90] = docs[0:10]  # repeated documents score identically
doc_ids = [f"d{i}" for i in range(150)]
order = rng.permutation(150)  # the corpus in a shuffled order, ids as strings: "d10" < "d2"
doc_ids = [doc_ids[i] for i in order]
docs = docs[order]
queries = np.concatenate([signs(8), continuous(6)])
query_ids = [f"q{i}" for i in range(14)]
qrels = {}
for i, qid in enumerate(query_ids):
    if i == 13:
        continue  # no relevant documents: left out of the evaluation
    # relevant: some of the query's 12 nearest documents by cosine (ties included), some at random
    cos = (docs / np.linalg.norm(docs, axis=1, keepdims=True)) @ (queries[i] / np.linalg.norm(queries[i]))
    near = [doc_ids[j] for j in np.argsort(-cos, kind="stable")[:12]]
    k = int(rng.integers(1, 7))
    chosen = set(rng.choice(near, size=min(k, 4), replace=False).tolist())
    chosen |= set(rng.choice(doc_ids, size=max(0, k - 4), replace=False).tolist())
    qrels[qid] = chosen
corpus_lookup = {f"text {c}": v for c, v in zip(doc_ids, docs)}
query_lookup = {f"text {q}": v for q, v in zip(query_ids, queries)}


class FixedIR(InformationRetrievalEvaluator):
    def embed_inputs(self, model, sentences, encode_fn_name=None, **kwargs):
        table = query_lookup if encode_fn_name == "query" else corpus_lookup
        return torch.from_numpy(np.stack([table[s] for s in sentences]))


ir = FixedIR(
    queries={q: f"text {q}" for q in query_ids},
    corpus={c: f"text {c}" for c in doc_ids},
    relevant_docs=qrels,
    score_functions={"cosine": cos_sim, "dot": dot_score},
    corpus_chunk_size=40,  # several chunks, so ties cross chunk boundaries
)
ir_metrics = ir(FixedModel())


def floats(a):
    return [[float(x) for x in row] for row in a]


fixture = {
    "sentence_transformers": sentence_transformers.__version__,
    "sts": {
        "embeddings1": floats(e1),
        "embeddings2": floats(e2),
        "scores": gold.tolist(),
        "metrics": {k: float(v) for k, v in sts_metrics.items() if not k.endswith("_max")},
    },
    "retrieval": {
        "corpus_ids": doc_ids,
        "corpus": floats(docs),
        "query_ids": query_ids,
        "queries": floats(queries),
        "qrels": {q: sorted(v) for q, v in qrels.items()},
        "metrics": {k: float(v) for k, v in ir_metrics.items()},
    },
}
os.makedirs(os.path.join(root, "Tests/Fixtures/eval"), exist_ok=True)
with open(os.path.join(root, "Tests/Fixtures/eval/reference.json"), "w") as f:
    json.dump(fixture, f, indent=1)
print(json.dumps({"sts": fixture["sts"]["metrics"], "retrieval": fixture["retrieval"]["metrics"]}, indent=1))
