"""Checks what surrounds an exported model (a run's `model/` or `trainer export`'s output):

1. its model card: `huggingface_hub.ModelCard.load(EXPORT/README.md)` parses the YAML metadata,
   which must name the base model, datasets and metrics, with model-index evaluation results;
2. no file of the export holds an absolute path (the export's own, the working directory's,
   or any /tmp, /work, /home, /root, /Users, /mnt, /opt or /var path);
3. with TEXTS and EMB.h5 (`trainer embed EXPORT --input TEXTS --output EMB.h5 --prompt "query: "`,
   the prefix the run's evaluations used): `SentenceTransformer(EXPORT).encode(texts)`, with no
   prompt argument, gives the same embeddings (cosine >= 0.99999), so the default prompt works.

  /tmp/refvenv/bin/python tools/reference/check_export_card.py checkpoints/tiny/model \\
      [examples/sentences.txt /tmp/tiny-model.h5]

Prints what it checked; exits non-zero on the first failure."""
import os
import re
import sys

from huggingface_hub import ModelCard

export = sys.argv[1]
card = ModelCard.load(os.path.join(export, "README.md"))
data = card.data
failures = []
print(f"base_model: {data.base_model}")
print(f"datasets: {data.datasets}")
print(f"language: {data.language}  license: {data.license}  library_name: {data.library_name}  pipeline_tag: {data.pipeline_tag}")
print(f"tags: {data.tags}")
results = data.eval_results or []
for r in results:
    print(f"model-index: {r.task_type} / {r.dataset_name} ({r.dataset_type}): {r.metric_type} = {r.metric_value}")
for key, value in [("base_model", data.base_model), ("datasets", data.datasets), ("metrics", data.metrics), ("model-index", results)]:
    if not value:
        failures.append(f"README.md metadata has no {key}")
if data.library_name != "sentence-transformers":
    failures.append(f"library_name is {data.library_name!r}")

roots = {os.path.realpath(export), os.path.realpath(os.path.dirname(export) or "."), os.getcwd()}
pattern = re.compile(r"(?<![\w.])/(?:tmp|work|home|root|Users|mnt|opt|var)/")
for dirpath, _, names in os.walk(export):
    for name in names:
        path = os.path.join(dirpath, name)
        with open(path, "rb") as f:
            blob = f.read()
        if name.endswith((".safetensors", ".model")):
            continue  # weights and the SentencePiece model: binary, no paths written by the trainer
        text = blob.decode("utf-8", errors="replace")
        for root in roots:
            if root != "/" and root in text:
                failures.append(f"{path} holds the absolute path {root}")
        m = pattern.search(text)
        if m:
            failures.append(f"{path} holds an absolute path near {text[max(0, m.start() - 20):m.end() + 30]!r}")
print(f"checked the files of {export} for absolute paths")

if len(sys.argv) > 3:
    import h5py
    import numpy as np
    from sentence_transformers import SentenceTransformer

    texts = [l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8")]
    model = SentenceTransformer(export, device="cpu")
    print(f"default_prompt_name: {model.default_prompt_name!r}, prompts: {model.prompts}")
    theirs = model.encode(texts, convert_to_numpy=True, batch_size=32)
    ours = h5py.File(sys.argv[3], "r")["embeddings"][:]
    ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)
    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    cos = (ours * theirs).sum(1)
    print(f"{len(texts)} texts, encode() without a prompt against the run's embeddings: min cosine {cos.min():.7f}, mean {cos.mean():.7f}")
    if cos.min() < 0.99999:
        failures.append(f"min cosine {cos.min():.7f} < 0.99999")

for f in failures:
    print("FAIL:", f)
print("ok" if not failures else f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
