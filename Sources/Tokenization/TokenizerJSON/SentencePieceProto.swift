import Foundation

/// The parts of a SentencePiece model file (a `ModelProto` protocol buffer) that a
/// tokenizer.json needs: the pieces with their scores and types, and the normalizer's
/// precompiled charsmap. Every length is checked against the bytes that remain.
struct SentencePieceProto {
  struct Piece {
    let piece: String
    let score: Float
    /// 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    let type: Int
  }
  var pieces: [Piece] = []
  var charsmap = Data()

  init(data: Data, path: String) throws {
    let bytes = [UInt8](data)
    func bad(_ what: String) -> TokenizationError { .badTokenizer(path: path, reason: "not a SentencePiece model: \(what)") }
    try Self.fields(bytes[...], bad) { field, wire, value, _, _ in
      if field == 1, case .bytes(let p) = value {
        var piece = "", score: Float = 0, type = 1
        try Self.fields(p, bad) { f, _, v, _, _ in
          switch (f, v) {
          case (1, .bytes(let s)): piece = String(decoding: s, as: UTF8.self)
          case (2, .fixed32(let bits)): score = Float(bitPattern: bits)
          case (3, .varint(let t)): type = Int(truncatingIfNeeded: t)
          default: break
          }
        }
        pieces.append(Piece(piece: piece, score: score, type: type))
      } else if field == 3, case .bytes(let spec) = value {
        try Self.fields(spec, bad) { f, _, v, _, _ in
          if f == 2, case .bytes(let m) = v { charsmap = Data(m) }
        }
      }
    }
    guard pieces.count > 3 else { throw bad("\(pieces.count) pieces") }
  }

  enum Value {
    case varint(UInt64)
    case fixed32(UInt32)
    case fixed64
    case bytes(ArraySlice<UInt8>)
  }

  /// Calls `visit` with each field of a message: its number, wire type and value, and the byte
  /// ranges of the whole field (key included) and of its payload. Every length is checked
  /// against the bytes that remain.
  static func fields(
    _ b: ArraySlice<UInt8>, _ bad: (String) -> TokenizationError,
    _ visit: (_ field: Int, _ wire: Int, _ value: Value, _ whole: Range<Int>, _ payload: Range<Int>) throws -> Void
  ) throws {
    var i = b.startIndex
    func varint() throws -> UInt64 {
      var v: UInt64 = 0, shift: UInt64 = 0
      while true {
        guard i < b.endIndex, shift < 64 else { throw bad("truncated varint at byte \(i)") }
        let byte = b[i]
        i += 1
        v |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return v }
        shift += 7
      }
    }
    while i < b.endIndex {
      let start = i
      let key = try varint()
      let field = Int(key >> 3), wire = Int(key & 7)
      let payloadStart = i
      switch wire {
      case 0:
        let v = try varint()
        try visit(field, wire, .varint(v), start..<i, payloadStart..<i)
      case 1:
        guard b.endIndex - i >= 8 else { throw bad("truncated field \(field)") }
        i += 8
        try visit(field, wire, .fixed64, start..<i, payloadStart..<i)
      case 2:
        let n = try varint()
        guard n <= UInt64(b.endIndex - i) else { throw bad("field \(field) of \(n) bytes overruns the message") }
        let end = i + Int(n)
        try visit(field, wire, .bytes(b[i..<end]), start..<end, i..<end)
        i = end
      case 5:
        guard b.endIndex - i >= 4 else { throw bad("truncated field \(field)") }
        let v = UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
        i += 4
        try visit(field, wire, .fixed32(v), start..<i, payloadStart..<i)
      default: throw bad("wire type \(wire) of field \(field)")
      }
    }
  }
}
