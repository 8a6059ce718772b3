import SafeTensors

/// The safetensors reader as trainer uses it on model.safetensors and optimizer.safetensors
/// (Encoder.load, Checkpoint): open the file, list it, read every tensor as floats or int64s.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = FuzzInput.write(data, size, name: "model.safetensors")
  guard let file = try? SafeTensorsFile(path: path) else { return 0 }
  _ = file.metadata
  for name in file.names {
    guard let entry = try? file.entry(name) else { continue }
    _ = try? file.rawBytes(name)
    switch entry.dtype {
    case .i64: _ = try? file.int64s(name)
    case .f32, .f16, .bf16: _ = try? file.floats(name)
    }
  }
  return 0
}
