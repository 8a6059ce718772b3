"""Fixtures for the table-like training data readers (Tests/Fixtures/formats).

- tricky.csv / tricky.tsv: rows with quotes, doubled quotes, the delimiter and line breaks inside
  fields, CRLF line ends, written by Python's csv module (a byte order mark before the header of
  the CSV); tricky.json: those rows as csv.DictReader reads them back.
- same.*: the same training examples (queries with one positive and hard negatives) as
  FlagEmbedding JSON lines, sentence-transformers-style JSON lines, a JSON array, CSV and TSV,
  each written by Python's json / csv writers, and as Parquet written by pyarrow (snappy, zstd
  without dictionary and with data pages v2, gzip; row groups of 5 rows; same.lists.parquet with
  list columns pos and neg); same-examples.json: the examples themselves.
- distill.jsonl: FlagEmbedding JSON lines with pos_scores and neg_scores.
- several.jsonl: FlagEmbedding JSON lines with several positives per query (and a negative
  equal to a positive, which the reader drops).
- tevatron.jsonl: tevatron's layout; tevatron-texts.json: its passages formatted as tevatron's
  format_passage does (prefix '' then strip).

Run: /tmp/refvenv/bin/python tools/reference/table_formats.py
"""
import csv
import io
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "formats")
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


tricky = [
    {"query": 'she said "hi"', "positive": "a, b and c", "negative": "line one\nline two"},
    {"query": "tab\tinside", "positive": "", "negative": '"quoted"'},
    {"query": "한국어 문장", "positive": "crlf\r\nin a field", "negative": "plain"},
]
for name, delimiter, bom in [("tricky.csv", ",", True), ("tricky.tsv", "\t", False)]:
    with open(path(name), "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["query", "positive", "negative"], delimiter=delimiter, lineterminator="\r\n")
        w.writeheader()
        w.writerows(tricky)
    with open(path(name), newline="", encoding="utf-8-sig") as f:
        back = list(csv.DictReader(f, delimiter=delimiter))
    with open(path(name.replace(".", "-") + ".json"), "w", encoding="utf-8") as f:
        json.dump(back, f, ensure_ascii=False, indent=1)

# the same examples in every format
examples = []
for i in range(12):
    examples.append({
        "query": f"질문 {i}: what is item {i}?",
        "pos": [f"item {i} is a \"thing\", number {i}"],
        "neg": [f"item {(i + 1) % 12} is something else", f"unrelated text {i}\nwith a line break"],
    })
with open(path("same-examples.json"), "w", encoding="utf-8") as f:
    json.dump(examples, f, ensure_ascii=False, indent=1)
with open(path("same.flag.jsonl"), "w", encoding="utf-8") as f:
    for e in examples:
        f.write(json.dumps({"query": e["query"], "pos": e["pos"], "neg": e["neg"], "prompt": "", "type": "normal"},
                           ensure_ascii=False) + "\n")
st_rows = [{"anchor": e["query"], "positive": e["pos"][0], "negative_1": e["neg"][0], "negative_2": e["neg"][1]}
           for e in examples]
with open(path("same.st.jsonl"), "w", encoding="utf-8") as f:
    for r in st_rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
with open(path("same.st.json"), "w", encoding="utf-8") as f:
    json.dump(st_rows, f, ensure_ascii=False, indent=2)
for name, delimiter in [("same.st.csv", ","), ("same.st.tsv", "\t")]:
    with open(path(name), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(st_rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(st_rows)
# the same rows as Parquet, as pyarrow (and `datasets`) write it: three compressions, dictionary
# on and off, data pages v1 and v2, row groups of 5 rows; and one file with list columns
import pyarrow as pa
import pyarrow.parquet as pq
table = pa.Table.from_pylist(st_rows)
for name, kw in [("same.st.snappy.parquet", {"compression": "snappy"}),
                 ("same.st.zstd.parquet", {"compression": "zstd", "use_dictionary": False, "data_page_version": "2.0"}),
                 ("same.st.gzip.parquet", {"compression": "gzip"})]:
    pq.write_table(table, path(name), row_group_size=5, **kw)
pq.write_table(pa.Table.from_pylist([{"query": e["query"], "pos": e["pos"], "neg": e["neg"]} for e in examples]),
               path("same.lists.parquet"), row_group_size=5)

with open(path("distill.jsonl"), "w", encoding="utf-8") as f:
    for i, e in enumerate(examples):
        f.write(json.dumps({"query": e["query"], "pos": e["pos"], "neg": e["neg"],
                            "pos_scores": [0.9 - 0.01 * i], "neg_scores": [0.5, 0.1 + 0.02 * i]}, ensure_ascii=False) + "\n")

with open(path("several.jsonl"), "w", encoding="utf-8") as f:
    for i in range(6):
        pos = [f"answer {i} a", f"answer {i} b", f"answer {i} c"][: 1 + i % 3]
        neg = [f"wrong {i}", pos[-1]]
        f.write(json.dumps({"query": f"question {i}", "pos": pos, "neg": neg}) + "\n")

tev = [
    {"query_id": "1", "query": "q one",
     "positive_passages": [{"docid": "d1", "title": " Title A ", "text": "text a "}],
     "negative_passages": [{"docid": "d2", "title": "", "text": " text b"}, {"docid": "d3", "title": "T", "text": "c"}]},
    {"query_id": "2", "query": "q two",
     "positive_passages": [{"docid": "d4", "title": "X", "text": "y"}, {"docid": "d5", "title": "", "text": "z"}],
     "negative_passages": []},
]


def format_passage(text, title="", prefix=""):  # tevatron's, with the prefix the recipe adds elsewhere
    return f"{prefix} {title.strip()} {text.strip()}".strip()


with open(path("tevatron.jsonl"), "w", encoding="utf-8") as f:
    for r in tev:
        f.write(json.dumps(r) + "\n")
with open(path("tevatron-texts.json"), "w", encoding="utf-8") as f:
    json.dump([{"query": r["query"], "pos": [format_passage(p["text"], p["title"]) for p in r["positive_passages"]],
                "neg": [format_passage(p["text"], p["title"]) for p in r["negative_passages"]]} for r in tev], f, indent=1)
print("wrote", sorted(os.listdir(OUT)))
