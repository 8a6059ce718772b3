import TextFiles

/// The UTF-8 line and TSV readers every text input goes through (TextLines.read, readTSV with
/// the columns trainer asks for), and the table readers of training data: the JSON parser,
/// JSON lines, a JSON array, CSV and TSV (RFC 4180 records), read to the end.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = FuzzInput.write(data, size, name: "input.tsv")
  _ = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size))
  if var rows = try? JSONLinesRows(path: path) { _ = try? rows.all() }
  if var rows = try? JSONArrayRows(path: path) { _ = try? rows.all() }
  for delimiter in [UInt8(ascii: ","), UInt8(ascii: "\t")] {
    if var rows = try? DelimitedRows(path: path, delimiter: delimiter) { _ = try? rows.all() }
  }
  guard let lines = try? TextLines.read(path: path) else { return 0 }
  for required in [["sentence1", "sentence2", "score"], ["sentence1", "sentence2", "gold_label"], ["query-id", "corpus-id"], []] {
    _ = try? TextLines.parseTSV(lines: lines, path: path, required: required)
  }
  _ = try? TextLines.readTSV(path: path, required: ["sentence1", "sentence2"])
  return 0
}
