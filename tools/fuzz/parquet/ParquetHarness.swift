import Parquet

/// The Parquet reader as a recipe's data source uses it: open the file, then read every
/// supported column of every row group.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = FuzzInput.write(data, size, name: "data.parquet")
  guard let file = try? ParquetFile(path: path) else { return 0 }
  for g in 0..<file.rowGroupCount {
    for column in file.columns where column.kind != .unsupported {
      _ = try? file.read(rowGroup: g, column: column.name)
    }
  }
  return 0
}
