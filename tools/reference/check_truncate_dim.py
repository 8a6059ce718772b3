"""sentence-transformers' truncate_dim against trainer's, on a tiny random export:

1. a tiny random XLM-R (multilingual-e5-small's vocabulary and tokenizer, 2 layers, width 32)
   is saved by sentence-transformers as Transformer, mean Pooling and Normalize with
   truncate_dim=16 (`SentenceTransformer(modules=..., truncate_dim=16).save`);
2. `trainer export` writes it again (trainer's own writer); its config_sentence_transformers.json
   must still say truncate_dim 16;
3. `SentenceTransformer(EXPORT).encode(texts)` (truncate_dim read from the export) against
   `trainer embed EXPORT` without a flag: shape (n, 16) both, cosine >= 0.99999, and the same
   norms (cut after Normalize and not renormalized, so below 1) to within 1e-5;
4. `SentenceTransformer(EXPORT, truncate_dim=8)` against `trainer embed EXPORT --truncate-dim 8`,
   the same checks;
5. `EmbeddingSimilarityEvaluator(..., truncate_dim=8)` against `trainer eval EXPORT --sts FILE
   --truncate-dim 8 --json -`: each of the eight metrics (Pearson and Spearman of cosine,
   Euclidean, Manhattan and dot, which see the shorter vectors as they are) within 1e-4.

  /tmp/refvenv/bin/python tools/reference/check_truncate_dim.py [TRAINER] [KorSTS TSV] [PAIRS]

TRAINER defaults to .build/release/trainer, the TSV to data/kornlu/KorSTS/sts-dev.tsv (its
first PAIRS pairs, default 200, are used); the e5 model is read from models/multilingual-e5-small.
Prints what it compared; exits non-zero on a failure."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.numpy import load_file
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
from transformers import AutoConfig, AutoTokenizer, XLMRobertaModel

trainer = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/trainer")
sts = sys.argv[2] if len(sys.argv) > 2 else "data/kornlu/KorSTS/sts-dev.tsv"
n_pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 200
e5 = "models/multilingual-e5-small"
work = tempfile.mkdtemp(prefix="truncate-dim-")
failures = []

# 1. the tiny model, saved by sentence-transformers with truncate_dim
torch.manual_seed(0)
config = AutoConfig.from_pretrained(e5)
config.update({"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64})
hf = os.path.join(work, "hf")
XLMRobertaModel(config, add_pooling_layer=False).eval().save_pretrained(hf)
AutoTokenizer.from_pretrained(e5).save_pretrained(hf)
if not os.path.exists(os.path.join(hf, "sentencepiece.bpe.model")):
    shutil.copy(os.path.join(e5, "sentencepiece.bpe.model"), hf)
source = os.path.join(work, "source")
SentenceTransformer(
    modules=[Transformer(hf, max_seq_length=64), Pooling(32, "mean"), Normalize()], truncate_dim=16, device="cpu"
).save(source)
shutil.copy(os.path.join(e5, "sentencepiece.bpe.model"), source)
# sentence-transformers 6 saves Pooling as {"pooling_mode": "mean"}, which trainer does not read
# yet; the legacy keys (which trainer writes and sentence-transformers 6 still reads) say the same
pooling_config = os.path.join(source, "1_Pooling", "config.json")
with open(pooling_config, encoding="utf-8") as f:
    pooling = json.load(f)
if pooling.get("pooling_mode") == "mean":
    with open(pooling_config, "w", encoding="utf-8") as f:
        json.dump({"word_embedding_dimension": 32, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
                   "include_prompt": True}, f)

# 2. trainer's export of it
export = os.path.join(work, "export")
subprocess.run([trainer, "export", source, "-o", export], check=True, stdout=subprocess.DEVNULL)
with open(os.path.join(export, "config_sentence_transformers.json"), encoding="utf-8") as f:
    saved = json.load(f).get("truncate_dim")
print(f"trainer export: config_sentence_transformers.json truncate_dim = {saved!r}")
if saved != 16:
    failures.append(f"the export's truncate_dim is {saved!r}, not 16")

with open(sts, encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:n_pairs]
texts = list(dict.fromkeys(s for r in rows for s in (r["sentence1"], r["sentence2"])))
text_file = os.path.join(work, "texts.txt")
with open(text_file, "w", encoding="utf-8") as f:
    f.write("\n".join(texts) + "\n")


def compare(what, theirs, flags):
    out = os.path.join(work, f"emb-{len(flags)}.safetensors")
    subprocess.run([trainer, "embed", export, "--input", text_file, "-o", out] + flags, check=True, stdout=subprocess.DEVNULL)
    ours = load_file(out)["embeddings"]
    if ours.shape != theirs.shape:
        failures.append(f"{what}: trainer's shape {ours.shape}, sentence-transformers' {theirs.shape}")
        return
    a, b = np.linalg.norm(ours, axis=1), np.linalg.norm(theirs, axis=1)
    cos = (ours * theirs).sum(1) / (a * b)
    print(f"{what}: shape {ours.shape}, min cosine {cos.min():.7f}, norms {b.min():.4f}..{b.max():.4f}, "
          f"max norm difference {np.abs(a - b).max():.2e}")
    if cos.min() < 0.99999:
        failures.append(f"{what}: min cosine {cos.min():.7f} < 0.99999")
    if np.abs(a - b).max() > 1e-5:
        failures.append(f"{what}: norms differ by {np.abs(a - b).max():.2e}")


# 3. the export's own truncate_dim; 4. the flag
model = SentenceTransformer(export, device="cpu")
print(f"SentenceTransformer(export).truncate_dim = {model.truncate_dim}")
compare("truncate_dim from the export", model.encode(texts, convert_to_numpy=True, batch_size=32), [])
model8 = SentenceTransformer(export, device="cpu", truncate_dim=8)
compare("--truncate-dim 8", model8.encode(texts, convert_to_numpy=True, batch_size=32), ["--truncate-dim", "8"])

# 5. the STS evaluator's metrics
subset = os.path.join(work, "sts.tsv")
with open(subset, "w", encoding="utf-8") as f:
    f.write("sentence1\tsentence2\tscore\n" + "".join(f"{r['sentence1']}\t{r['sentence2']}\t{r['score']}\n" for r in rows))
evaluator = EmbeddingSimilarityEvaluator(
    [r["sentence1"] for r in rows], [r["sentence2"] for r in rows], [float(r["score"]) for r in rows],
    similarity_fn_names=["cosine", "euclidean", "manhattan", "dot"], truncate_dim=8, write_csv=False)
theirs = evaluator(SentenceTransformer(export, device="cpu"))
result = subprocess.run([trainer, "eval", export, "--sts", subset, "--truncate-dim", "8", "--json", "-"],
                        check=True, capture_output=True, text=True)
payload = json.loads(result.stdout)
ours = payload["sets"][0]["metrics"]
print(f"trainer eval --truncate-dim 8 on {len(rows)} pairs (json truncate_dim {payload.get('truncate_dim')}):")
for name in sorted(ours):
    diff = abs(ours[name] - theirs[name])
    print(f"  {name:20s} trainer {ours[name]:.6f}  sentence-transformers {theirs[name]:.6f}  |diff| {diff:.1e}")
    if diff > 1e-4:
        failures.append(f"eval {name}: {ours[name]} against {theirs[name]}")

shutil.rmtree(work)
for f in failures:
    print("FAIL:", f)
print("ok" if not failures else f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
