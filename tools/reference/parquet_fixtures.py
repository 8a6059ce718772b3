"""Small Parquet files written by pyarrow, with the rows pyarrow reads back, for the Parquet reader's tests.

    /tmp/refvenv/bin/python tools/reference/parquet_fixtures.py     # Tests/Fixtures/parquet/

Every `NAME.parquet` has a `NAME.json` beside it: the row count of each row group, every
top-level column's kind (string, strings = list of strings, number) and its values as
pyarrow reads them (`null` for a null; numbers as JSON numbers, booleans as 1/0).
"""
import io
import json
import os
import struct

import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "parquet")

WORDS = ["사과", "바나나", "한국어 문장입니다.", "a cat sat", "", "emoji 😀 text", "naïve café", "뉴스 기사의 제목",
         "x" * 40, "두 사람이 공원에서 축구를 하고 있다."]


def table(rows: int) -> pa.Table:
    """A table of every column kind a recipe reads, with nulls, empty strings and empty lists."""
    query, positives, score, label, flag, f32, i32, req, u64, u8 = [], [], [], [], [], [], [], [], [], []
    for i in range(rows):
        query.append(None if i % 7 == 3 else f"{WORDS[i % len(WORDS)]} #{i % 5}")
        if i % 9 == 4:
            positives.append(None)
        elif i % 6 == 5:
            positives.append([])
        else:
            positives.append([WORDS[(i + k) % len(WORDS)] for k in range(1 + i % 3)])
        score.append(None if i % 8 == 2 else (i * 0.37) - 3.5)
        label.append(None if i % 10 == 9 else i * 1000003 - 40)
        flag.append(None if i % 11 == 1 else i % 3 == 0)
        f32.append(None if i % 5 == 0 else i / 3.0)
        i32.append(-i * 7)
        req.append(WORDS[(3 * i) % len(WORDS)])
        u64.append(None if i % 4 == 1 else 2**64 - 1 - i * 2**40)
        u8.append(255 - i % 256)
    schema = pa.schema([
        ("query", pa.string()),
        ("positives", pa.list_(pa.string())),
        ("score", pa.float64()),
        ("label", pa.int64()),
        ("flag", pa.bool_()),
        ("f32", pa.float32()),
        pa.field("i32", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        ("u64", pa.uint64()),
        ("u8", pa.uint8()),
    ])
    return pa.table([query, positives, score, label, flag, f32, i32, req, u64, u8], schema=schema)


def kind(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "strings"
    return "number"


def value(v):
    if isinstance(v, bool):
        return 1 if v else 0
    return v


def write(name: str, t, **options):
    """Writes table `t` with pyarrow (or, given bytes, those bytes), then the rows pyarrow reads."""
    path = os.path.join(OUT, name + ".parquet")
    if isinstance(t, bytes):
        with open(path, "wb") as f:
            f.write(t)
    else:
        pq.write_table(t, path, **options)
    back = pq.ParquetFile(path)
    groups = [back.metadata.row_group(g).num_rows for g in range(back.metadata.num_row_groups)]
    read = back.read()
    expected = {
        "row_groups": groups,
        "columns": [{"name": f.name, "kind": kind(f.type)} for f in read.schema],
        "rows": {f.name: [value(v) for v in read.column(f.name).to_pylist()] for f in read.schema},
    }
    with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


class Thrift:
    """A Thrift compact-protocol writer, enough for a footer and page headers."""

    def __init__(self):
        self.out = bytearray()
        self.last = [0]

    def varint(self, n):
        while True:
            b = n & 0x7F
            n >>= 7
            self.out.append(b | (0x80 if n else 0))
            if not n:
                return

    def field(self, fid, ftype):
        delta = fid - self.last[-1]
        if 0 < delta <= 15:
            self.out.append(delta << 4 | ftype)
        else:
            self.out.append(ftype)
            self.varint((fid << 1) ^ (fid >> 63))
        self.last[-1] = fid

    def i32(self, fid, v):
        self.field(fid, 5)
        self.varint((v << 1) ^ (v >> 63))

    def i64(self, fid, v):
        self.field(fid, 6)
        self.varint((v << 1) ^ (v >> 63))

    def binary(self, fid, data):
        self.field(fid, 8)
        self.varint(len(data))
        self.out += data

    def begin(self, fid=None):
        if fid is not None:
            self.field(fid, 12)
        self.last.append(0)

    def end(self):
        self.out.append(0)
        self.last.pop()

    def list(self, fid, etype, n):
        self.field(fid, 9)
        if n < 15:
            self.out.append(n << 4 | etype)
        else:
            self.out.append(0xF0 | etype)
            self.varint(n)


def rle_levels(levels):
    """Levels as RLE runs of one value each (bit width <= 8)."""
    out = bytearray()
    for v in levels:
        out += bytes([2, v])
    return struct.pack("<I", len(out)) + out


def legacy_lists() -> bytes:
    """A file pyarrow cannot write: a 2-level LIST (`optional group tags (LIST) { repeated binary
    element (UTF8) }`) and a bare `repeated binary words (UTF8)`, one uncompressed PLAIN data page
    v1 each, levels as RLE runs."""
    rows_tags = [["a", "b"], None, [], ["한국어"]]
    rows_words = [["x"], [], ["y", "z"], []]

    def levels(rows, nullable):
        reps, defs, values = [], [], []
        base = 1 if nullable else 0
        for row in rows:
            if row is None:
                reps.append(0); defs.append(0)
            elif not row:
                reps.append(0); defs.append(base)
            else:
                for i, v in enumerate(row):
                    reps.append(0 if i == 0 else 1); defs.append(base + 1); values.append(v)
        return reps, defs, values

    f = io.BytesIO()
    f.write(b"PAR1")
    chunks = []
    for name, path, rows, nullable in [("tags", ["tags", "element"], rows_tags, True), ("words", ["words"], rows_words, False)]:
        reps, defs, values = levels(rows, nullable)
        body = rle_levels(reps) + rle_levels(defs) + b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in values)
        h = Thrift()
        h.begin()
        h.i32(1, 0); h.i32(2, len(body)); h.i32(3, len(body))
        h.begin(5); h.i32(1, len(reps)); h.i32(2, 0); h.i32(3, 3); h.i32(4, 3); h.end()
        h.end()
        offset = f.tell()
        f.write(h.out + body)
        chunks.append((path, offset, len(h.out) + len(body), len(reps)))
    m = Thrift()
    m.begin()
    m.i32(1, 1)
    schema = [("schema", None, None, 2, None), ("tags", None, 1, 1, 3), ("element", 6, 2, None, 0), ("words", 6, 2, None, 0)]
    m.list(2, 12, len(schema))
    for name, ptype, rep, children, converted in schema:
        m.begin()
        if ptype is not None: m.i32(1, ptype)
        if rep is not None: m.i32(3, rep)
        m.binary(4, name.encode())
        if children is not None: m.i32(5, children)
        if converted is not None: m.i32(6, converted)
        m.end()
    m.i64(3, len(rows_tags))
    m.list(4, 12, 1)
    m.begin()
    m.list(1, 12, len(chunks))
    for path, offset, size, count in chunks:
        m.begin()
        m.i64(2, offset)
        m.begin(3)
        m.i32(1, 6)
        m.list(2, 5, 2); m.varint(0); m.varint(6)
        m.list(3, 8, len(path))
        for p in path:
            m.varint(len(p)); m.out += p.encode()
        m.i32(4, 0); m.i64(5, count); m.i64(6, size); m.i64(7, size); m.i64(9, offset)
        m.end()
        m.end()
    m.i64(2, sum(c[2] for c in chunks)); m.i64(3, len(rows_tags))
    m.end()
    m.end()
    f.write(m.out)
    f.write(struct.pack("<I", len(m.out)) + b"PAR1")
    return f.getvalue()


def main():
    os.makedirs(OUT, exist_ok=True)
    t = table(40)
    for codec in ["snappy", "zstd", "gzip", "none"]:
        write(f"{codec}", t, compression=codec, row_group_size=16)
    write("plain", t, compression="snappy", use_dictionary=False, row_group_size=16)
    write("v2", t, compression="snappy", data_page_version="2.0", row_group_size=16)
    write("v2-none-plain", t, compression="none", data_page_version="2.0", use_dictionary=False)
    # many small pages per column chunk, and the dictionary falling back to plain within a chunk
    write("pages", table(150), compression="zstd", data_page_size=200, dictionary_pagesize_limit=64,
          write_batch_size=16, row_group_size=64)
    # a list whose element is null (the reader refuses it, naming the row)
    write("null-element", pa.table({"positives": pa.array([["a"], ["b", None]], pa.list_(pa.string()))}),
          compression="none")
    write("legacy-lists", legacy_lists())
    # what the reader refuses by name: DELTA encodings, LZ4 compression
    small = pa.table({"query": ["a", "bb", None], "label": pa.array([1, 2, 3], pa.int64())})
    write("delta", small, compression="none", use_dictionary=False,
          column_encoding={"query": "DELTA_BYTE_ARRAY", "label": "DELTA_BINARY_PACKED"})
    write("lz4", small, compression="lz4")


if __name__ == "__main__":
    main()
