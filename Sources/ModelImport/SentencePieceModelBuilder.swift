import CSentencePiece
import Foundation

/// Builds the `sentencepiece.bpe.model` of an XLM-R vocabulary: a SentencePiece unigram
/// `ModelProto` holding `<unk>`, `<s>`, `</s>` and then XLM-R pieces 4... with their scores
/// (SentencePiece id = XLM-R id − 1), and an `nmt_nfkc` normalizer whose precompiled charsmap is
/// taken from a model that libsentencepiece's own trainer makes from a tiny corpus.
public enum SentencePieceModelBuilder {
  enum PieceType: Int { case normal = 1, unknown = 2, control = 3 }

  /// - Parameters:
  ///   - pieces: XLM-R pieces by id: `<s>`, `<pad>`, `</s>`, `<unk>`, the vocabulary, then
  ///     optionally `<mask>` (dropped: Hugging Face appends it after the SentencePiece ids).
  public static func build(pieces: [String], scores: [Float]) throws -> [UInt8] {
    precondition(pieces.count == scores.count)
    let last = pieces.last == "<mask>" ? pieces.count - 1 : pieces.count
    var model = ProtoWriter()
    func addPiece(_ piece: String, _ score: Float, _ type: PieceType) {
      var p = ProtoWriter()
      p.string(1, piece)
      p.float(2, score)
      if type != .normal { p.int(3, type.rawValue) }
      model.bytes(1, p.bytes)
    }
    addPiece("<unk>", 0, .unknown)
    addPiece("<s>", 0, .control)
    addPiece("</s>", 0, .control)
    for i in 4..<last { addPiece(pieces[i], scores[i], .normal) }

    var trainer = ProtoWriter()
    trainer.int(3, 1)  // model_type: UNIGRAM
    trainer.int(4, last - 1)  // vocab_size
    model.bytes(2, trainer.bytes)
    model.bytes(3, try nmtNFKCNormalizerSpec())
    return model.bytes
  }

  /// The serialized `NormalizerSpec` (name `nmt_nfkc`, its precompiled charsmap, dummy prefix,
  /// whitespace handling) of a unigram model trained by libsentencepiece on a tiny corpus.
  public static func nmtNFKCNormalizerSpec() throws -> [UInt8] {
    let corpus = (0..<200).map { "sentence \($0) 한국어 문장 \($0 % 7) with some text ＡＢＣ" }
    var ptrs = corpus.map { strdup($0) }
    defer { ptrs.forEach { free($0) } }
    var out: UnsafeMutablePointer<CChar>? = nil
    var length = 0
    var err = [CChar](repeating: 0, count: 512)
    let args = "--model_type=unigram --vocab_size=60 --hard_vocab_limit=false --normalization_rule_name=nmt_nfkc --minloglevel=2"
    let rc = ptrs.withUnsafeMutableBufferPointer { buf in
      buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
        csp_train(args, $0, Int32(buf.count), &out, &length, &err, err.count)
      }
    }
    guard rc == 0, let out else {
      throw ImportError.cannotWrite(path: "sentencepiece.bpe.model", reason: "libsentencepiece trainer failed: \(String(cString: err))")
    }
    defer { csp_free_buffer(out) }
    let proto = [UInt8](UnsafeRawBufferPointer(start: out, count: length))
    guard let spec = ProtoReader.firstBytes(field: 3, in: proto) else {
      throw ImportError.cannotWrite(path: "sentencepiece.bpe.model", reason: "trained model has no normalizer_spec")
    }
    return spec
  }
}
