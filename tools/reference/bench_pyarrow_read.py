"""pyarrow's reading speed on one thread, to compare with `trainer bench parquet FILE`:

    /tmp/refvenv/bin/python tools/reference/bench_pyarrow_read.py FILE [--columns a,b]

Reads the chosen string columns (default: every string and list-of-strings column) one row
group at a time (`ParquetFile.read_row_group`, use_threads=False) and converts them to Python
strings (`to_pylist`), as trainer turns them into Swift strings; prints rows/s, and also the
time of the Arrow read alone.
"""
import argparse
import resource
import time

import pyarrow as pa
import pyarrow.parquet as pq


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--columns")
    args = parser.parse_args()
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    pf = pq.ParquetFile(args.file)
    schema = pf.schema_arrow
    if args.columns:
        names = [c.strip() for c in args.columns.split(",")]
    else:
        names = [f.name for f in schema
                 if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                 or ((pa.types.is_list(f.type) or pa.types.is_large_list(f.type)) and pa.types.is_string(f.type.value_type))]
    rows = strings = 0
    arrow_seconds = 0.0
    t0 = time.perf_counter()
    for g in range(pf.num_row_groups):
        a0 = time.perf_counter()
        table = pf.read_row_group(g, columns=names, use_threads=False)
        arrow_seconds += time.perf_counter() - a0
        rows += table.num_rows
        for name in names:
            for v in table.column(name).to_pylist():
                if v is None:
                    continue
                strings += len(v) if isinstance(v, list) else 1
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"pyarrow {pa.__version__}: {rows} rows x {len(names)} columns ({','.join(names)}) in {pf.num_row_groups} row groups: "
          f"{strings} strings in {seconds:.3f}s: {rows / seconds:.0f} rows/s (Arrow read alone {arrow_seconds:.3f}s: "
          f"{rows / arrow_seconds:.0f} rows/s); peak RSS {peak:.0f} MB, one thread")


if __name__ == "__main__":
    main()
