import Foundation

/// A SentencePiece model file (`ModelProto`) cut down to some of its pieces: the kept pieces
/// stay in their order with their scores and types, every other field (trainer and normalizer
/// specs, the precompiled charsmap) is copied byte for byte, and the trainer spec's
/// `vocab_size` becomes the new piece count.
public enum SentencePieceTrim {
  /// A piece of the model: its text, score and type (1 normal, 2 unknown, 3 control,
  /// 4 user-defined, 5 unused, 6 byte).
  public struct Piece: Sendable, Equatable {
    public let piece: String
    public let score: Float
    public let type: Int
    public var isNormal: Bool { type == 1 }
  }

  /// The pieces of a model file, by SentencePiece id.
  public static func pieces(of data: Data, path: String) throws -> [Piece] {
    try SentencePieceProto(data: data, path: path).pieces.map { Piece(piece: $0.piece, score: $0.score, type: $0.type) }
  }

  /// The model holding only the pieces `keep` lists (SentencePiece ids, ascending, no repeats):
  /// kept piece `keep[k]` gets id `k`. Ids out of range or out of order are refused.
  public static func trimmed(_ data: Data, path: String, keeping keep: [Int]) throws -> Data {
    let bytes = [UInt8](data)
    func bad(_ what: String) -> TokenizationError { .badTokenizer(path: path, reason: "not a SentencePiece model: \(what)") }
    let fields = try topLevelFields(bytes[...], bad)
    let pieceCount = fields.filter { $0.field == 1 }.count
    for (a, b) in zip(keep, keep.dropFirst()) where b <= a {
      throw TokenizationError.badTokenizer(path: path, reason: "pieces to keep must ascend: \(b) after \(a)")
    }
    if let last = keep.last, last >= pieceCount || keep[0] < 0 {
      throw TokenizationError.badTokenizer(path: path, reason: "no piece \(last < pieceCount ? keep[0] : last) among \(pieceCount)")
    }
    let kept = Set(keep)
    var out: [UInt8] = []
    var piece = 0
    for f in fields {
      switch f.field {
      case 1:
        if kept.contains(piece) { out += bytes[f.whole] }
        piece += 1
      case 2:
        // trainer_spec: every field but vocab_size (4) as it was, then the new vocab_size
        var spec: [UInt8] = []
        for inner in try topLevelFields(bytes[f.payload], bad) where inner.field != 4 { spec += bytes[inner.whole] }
        appendVarint(UInt64(4 << 3 | 0), to: &spec)
        appendVarint(UInt64(keep.count), to: &spec)
        appendVarint(UInt64(2 << 3 | 2), to: &out)
        appendVarint(UInt64(spec.count), to: &out)
        out += spec
      default:
        out += bytes[f.whole]
      }
    }
    return Data(out)
  }

  /// One field of a message: its number, its bytes with the key, and its value's bytes.
  struct Field {
    let field: Int
    let whole: Range<Int>
    let payload: Range<Int>
  }

  /// The fields of a message in order (SentencePieceProto's walker, which checks every length
  /// against the bytes that remain).
  static func topLevelFields(_ b: ArraySlice<UInt8>, _ bad: (String) -> TokenizationError) throws -> [Field] {
    var fields: [Field] = []
    try SentencePieceProto.fields(b, bad) { field, _, _, whole, payload in
      fields.append(Field(field: field, whole: whole, payload: payload))
    }
    return fields
  }

  static func appendVarint(_ v: UInt64, to bytes: inout [UInt8]) {
    var v = v
    while v >= 0x80 {
      bytes.append(UInt8(v & 0x7F) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }
}
