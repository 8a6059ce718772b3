import CSentencePiece
import Foundation
import TextFiles

/// A loaded SentencePiece model (libsentencepiece), returning raw SentencePiece ids.
public final class SentencePieceModel: @unchecked Sendable {
  private let handle: OpaquePointer
  public let path: String
  /// FNV-1a of the model file: data sets tokenized with it record this, and are refused by a
  /// model with another.
  public let fingerprint: String

  public init(path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
      throw TokenizationError.badTokenizer(path: path, reason: "file not found")
    }
    var err = [CChar](repeating: 0, count: 512)
    guard let h = csp_load_file(path, &err, err.count) else {
      throw TokenizationError.badTokenizer(path: path, reason: String(cString: err))
    }
    handle = h
    self.path = path
    fingerprint = FNV1a.hex(FileManager.default.contents(atPath: path) ?? Data())
  }

  deinit { csp_free(handle) }

  public var pieceCount: Int { Int(csp_piece_size(handle)) }

  public func piece(_ id: Int) -> String? {
    var buf = [CChar](repeating: 0, count: 1024)
    guard csp_id_to_piece(handle, Int32(id), &buf, buf.count) >= 0 else { return nil }
    return String(cString: buf)
  }

  /// SentencePiece ids of `text` (no special tokens).
  public func encode(_ text: String) -> [Int32] {
    let utf8 = Array(text.utf8)
    var capacity = max(16, utf8.count + 8)
    while true {
      var out = [Int32](repeating: 0, count: capacity)
      var err = [CChar](repeating: 0, count: 256)
      let n = utf8.withUnsafeBufferPointer { u in
        u.withMemoryRebound(to: CChar.self) { Int(csp_encode(handle, $0.baseAddress, $0.count, &out, Int32(capacity), &err, err.count)) }
      }
      // libsentencepiece only fails on an unloaded model, which init rules out
      precondition(n >= 0, "sentencepiece encode failed: \(String(cString: err))")
      if n <= capacity { return Array(out[0..<n]) }
      capacity = n
    }
  }
}
