"""The peer's training speed: one sentence-transformers training step (MultipleNegativesRankingLoss,
scale 20, over (premise, entailment, contradiction) triplets; AdamW; clipping 1.0; dropout on)
on the same KorNLI triplets, batch, max length, prefix and thread count as `trainer bench train`.
The peer pads every column of the batch to its longest text.
--bf16 runs forward and loss under torch.autocast("cpu", dtype=torch.bfloat16), as the peer's
trainer does with bf16=True (fp32 master weights and AdamW; backward outside the autocast region).
Usage: bench_st_train.py [MODEL_DIR] [--batch 32] [--steps 5] [--threads 2] [--bf16]"""
import contextlib
import argparse, csv, os, time
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
from sentence_transformers import SentenceTransformer, losses

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("model", nargs="?", default=os.path.join(root, "models/multilingual-e5-small"))
p.add_argument("--tsv", default=os.path.join(root, "data/kornlu/KorNLI/xnli.dev.ko.tsv"))
p.add_argument("--batch", type=int, default=32)
p.add_argument("--max-length", type=int, default=64)
p.add_argument("--prefix", default="query: ")
p.add_argument("--steps", type=int, default=5)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--bf16", action="store_true", help="autocast to bf16, as bf16=True in the training arguments")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

# the triplets NLITriplets.read makes: per premise in file order, each entailment with a contradiction in turn
order, by_premise = [], {}
with open(a.tsv, encoding="utf-8") as f:
    for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
        prem = row["sentence1"]
        if prem not in by_premise:
            order.append(prem)
            by_premise[prem] = ([], [])
        if row["gold_label"] == "entailment":
            by_premise[prem][0].append(row["sentence2"])
        elif row["gold_label"] == "contradiction":
            by_premise[prem][1].append(row["sentence2"])
triplets = []
for prem in order:
    pos, neg = by_premise[prem]
    if neg:
        triplets += [(prem, q, neg[i % len(neg)]) for i, q in enumerate(pos)]

model = SentenceTransformer(a.model, device="cpu")
model.max_seq_length = a.max_length
model.train()
loss = losses.MultipleNegativesRankingLoss(model, scale=20.0)
opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
total = 0.0
for s in range(a.steps + 1):
    chunk = triplets[s * a.batch:(s + 1) * a.batch]
    t0 = time.perf_counter()
    features = [model.tokenize([a.prefix + t[c] for t in chunk]) for c in range(3)]
    with torch.autocast("cpu", dtype=torch.bfloat16) if a.bf16 else contextlib.nullcontext():
        value = loss(features, torch.empty(0))
    value.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad()
    if s > 0:  # the first step warms up
        total += time.perf_counter() - t0
print(f"sentence-transformers train step: {total / a.steps:.3f}s, {a.batch * a.steps / total:.2f} triplets/s "
      f"(batch {a.batch}, max length {a.max_length}, dropout, {a.threads} threads, {'bf16 autocast' if a.bf16 else 'fp32'}, "
      f"torch {torch.__version__})")
