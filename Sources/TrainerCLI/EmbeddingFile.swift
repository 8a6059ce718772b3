import ArgumentParser
import Foundation
import HDF5Files
import SafeTensors

/// `trainer embed --format`: the file the embeddings go to, by default from the output's extension.
enum EmbeddingFormat: String, CaseIterable, ExpressibleByArgument {
  /// HDF5: dataset `embeddings` float32 [n, dim] and the attributes `model`, `pooling`, `normalized`, `prefix`, `input`, `truncate_dim`.
  case h5
  /// NumPy's `.npy` format 1.0: float32 little-endian, C order, shape (n, dim).
  case npy
  /// One JSON object a line: `{"text": …, "embedding": [...]}`.
  case jsonl
  /// One tensor `embeddings` F32 [n, dim]; the attributes as `__metadata__`.
  case safetensors

  /// The format a file name's extension names (`.h5`/`.hdf5`, `.npy`, `.jsonl`, `.safetensors`), if any.
  static func of(path: String) -> EmbeddingFormat? {
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "h5", "hdf5": .h5
    case "npy": .npy
    case "jsonl": .jsonl
    case "safetensors": .safetensors
    default: nil
    }
  }

  /// A `.npy` file (format 1.0) of `floats`, `rows` × `columns` float32 in C order: the magic
  /// string, version 1.0, the header's length (16-bit little-endian), then the header, a Python
  /// dict literal padded with spaces and a newline so that the data starts at a multiple of 64
  /// bytes, as numpy writes it.
  static func npy(_ floats: [Float], rows: Int, columns: Int) -> Data {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let length = UInt16(header.utf8.count)  // under 128 bytes for any shape of two Ints
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(header.utf8))
    floats.withUnsafeBufferPointer { p in
      for f in p { withUnsafeBytes(of: f.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    }
    return data
  }

  /// JSON Lines: a line per text, `{"text": …, "embedding": [...]}`, each float written as the
  /// shortest decimal that reads back as the same float32 (a value that is not finite as null).
  static func jsonl(texts: [String], _ floats: [Float], columns: Int) throws -> Data {
    var out = Data()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    for (i, text) in texts.enumerated() {
      let row = floats[(i * columns)..<((i + 1) * columns)].map { $0.isFinite ? "\($0)" : "null" }
      out.append(contentsOf: Array("{\"text\": ".utf8))
      out.append(try encoder.encode(text))
      out.append(contentsOf: Array(", \"embedding\": [\(row.joined(separator: ", "))]}\n".utf8))
    }
    return out
  }

  /// Writes `floats` (`texts.count` × `columns`) to `path` in this format with the attributes
  /// (`model`, `pooling`, …) where the format has room for them (HDF5, safetensors). The file is
  /// written under a temporary name and renamed, so a failure never leaves a partial file.
  func write(_ floats: [Float], texts: [String], columns: Int, attributes: KeyValuePairs<String, String>, to path: String) throws {
    switch self {
    case .h5:
      let tmp = path + ".tmp-\(getpid())"
      do {
        let file = try HDF5File.create(path: tmp)
        try file.write("embeddings", shape: [texts.count, columns], floats: floats)
        for (key, value) in attributes { try file.setAttribute(key, value) }
        try file.flush()
      } catch {
        unlink(tmp)
        throw error
      }
      guard rename(tmp, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(tmp)
        throw HDF5Error.failed(path: path, what: "moving the finished file into place (\(reason))")
      }
    case .npy:
      try Self.npy(floats, rows: texts.count, columns: columns).write(to: URL(fileURLWithPath: path), options: .atomic)
    case .jsonl:
      try Self.jsonl(texts: texts, floats, columns: columns).write(to: URL(fileURLWithPath: path), options: .atomic)
    case .safetensors:
      var writer = SafeTensorsWriter(metadata: Dictionary(attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
      try floats.withUnsafeBufferPointer { p in
        writer.add("embeddings", shape: [texts.count, columns], floats: p)
        try writer.write(to: path)
      }
    }
  }
}
