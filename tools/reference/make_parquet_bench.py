"""A 1-million-row Parquet file for `trainer bench parquet` and bench_pyarrow_read.py:

    /tmp/refvenv/bin/python tools/reference/make_parquet_bench.py [--rows 1000000] [--unique] [--output /tmp/parquet-bench.parquet]

Columns query, positive, negative (strings) and negatives (a list of two strings): KorNLI
premises with their entailed and contradicted hypotheses (data/kornlu/KorNLI xnli dev and test),
repeated until --rows; --unique appends the row number to every text, so that the dictionary
grows past pyarrow's limit and pages fall back to PLAIN as with real data sets. Snappy, pyarrow's
defaults otherwise, row groups of 100,000 rows.
"""
import argparse
import csv
import os

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def triplets():
    out = []
    for name in ["xnli.dev.ko.tsv", "xnli.test.ko.tsv"]:
        by_premise = {}
        with open(os.path.join(ROOT, "data", "kornlu", "KorNLI", name), encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                by_premise.setdefault(row["sentence1"], {})[row["gold_label"]] = row["sentence2"]
        for premise, labels in by_premise.items():
            if "entailment" in labels and "contradiction" in labels:
                out.append((premise, labels["entailment"], labels["contradiction"], labels.get("neutral", labels["contradiction"])))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--unique", action="store_true")
    parser.add_argument("--output", default="/tmp/parquet-bench.parquet")
    args = parser.parse_args()
    base = triplets()
    query, positive, negative, negatives = [], [], [], []
    for i in range(args.rows):
        q, p, n, n2 = base[i % len(base)]
        if args.unique:
            q, p, n, n2 = (f"{t} {i}" for t in (q, p, n, n2))
        query.append(q)
        positive.append(p)
        negative.append(n)
        negatives.append([n, n2])
    table = pa.table({"query": query, "positive": positive, "negative": negative, "negatives": negatives})
    pq.write_table(table, args.output, compression="snappy", row_group_size=100_000)
    meta = pq.ParquetFile(args.output).metadata
    print(f"{args.output}: {meta.num_rows} rows in {meta.num_row_groups} row groups, {os.path.getsize(args.output) / 1e6:.1f} MB "
          f"({len(base)} KorNLI triplets{', unique texts' if args.unique else ''})")


if __name__ == "__main__":
    main()
