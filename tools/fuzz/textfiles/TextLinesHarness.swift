import TextFiles

/// The UTF-8 line and TSV readers every text input goes through (TextLines.read, readTSV with
/// the columns trainer asks for).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = FuzzInput.write(data, size, name: "input.tsv")
  guard let lines = try? TextLines.read(path: path) else { return 0 }
  for required in [["sentence1", "sentence2", "score"], ["sentence1", "sentence2", "gold_label"], ["query-id", "corpus-id"], []] {
    _ = try? TextLines.parseTSV(lines: lines, path: path, required: required)
  }
  _ = try? TextLines.readTSV(path: path, required: ["sentence1", "sentence2"])
  return 0
}
