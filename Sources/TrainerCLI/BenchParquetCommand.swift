import ArgumentParser
import Foundation
import Parquet

extension BenchCommand {
  struct ParquetRead: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "parquet",
      abstract: "Parquet reading speed: the chosen string columns of every row group, in turn; rows/s and peak memory.",
      discussion: "Compare with tools/reference/bench_pyarrow_read.py FILE (pyarrow on one thread).")

    @Argument(help: "Parquet file.")
    var file: String
    @Option(help: "Columns to read, comma-separated (default: every string and list-of-strings column).")
    var columns: String?

    /// The names --columns lists, trimmed.
    var columnNames: [String]? {
      columns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func validate() throws {
      if let names = columnNames, names.contains(where: \.isEmpty) {
        throw ValidationError("--columns: a comma-separated list of column names, got '\(columns ?? "")'")
      }
    }

    func run() throws {
      try runReportingErrors {
        let parquet = try ParquetFile(path: file)
        let names: [String]
        if let columnNames {
          names = columnNames
          for name in names {
            guard let column = parquet.column(named: name) else {
              throw ValidationError("\(file): no column '\(name)' (the file has \(parquet.columns.map(\.name).joined(separator: ", ")))")
            }
            guard column.kind == .string || column.kind == .stringList else {
              throw ValidationError("\(file): column '\(name)' is \(column.typeDescription), not strings")
            }
          }
        } else {
          names = parquet.columns.filter { $0.kind == .string || $0.kind == .stringList }.map(\.name)
        }
        guard !names.isEmpty else { throw ValidationError("\(file): no string columns to read") }
        let before = Memory.resetPeak()
        var strings = 0
        var bytes = 0
        var largestGroup = 0
        let t0 = Date()
        for g in 0..<parquet.rowGroupCount {
          largestGroup = max(largestGroup, parquet.rowCount(ofRowGroup: g))
          for values in try parquet.readRowGroup(g, columns: names) {
            switch values {
            case .strings(let v):
              for s in v { if let s { strings += 1; bytes += s.utf8.count } }
            case .stringLists(let v):
              for l in v { for s in l ?? [] { strings += 1; bytes += s.utf8.count } }
            case .numbers: break
            }
          }
        }
        let seconds = Date().timeIntervalSince(t0)
        print(String(
          format: "parquet: %d rows x %d columns (%@) in %d row groups (largest %d rows): %d strings, %.1f MB of text in %.3fs: "
            + "%.0f rows/s; peak RSS %.0f MB (%.0f MB before reading: %.0f MB for a row group)",
          parquet.rowCount, names.count, names.joined(separator: ","), parquet.rowGroupCount, largestGroup, strings, Double(bytes) / 1e6,
          seconds, Double(parquet.rowCount) / seconds, Memory.peak() / 1e6, before / 1e6, (Memory.peak() - before) / 1e6))
      }
    }
  }
}
