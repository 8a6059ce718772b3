import Foundation
import TextFiles

/// A Hugging Face `tokenizer.json` (the format of the `tokenizers` library), read and applied
/// by this code: added tokens, normalizer, pre-tokenizer, model (WordPiece, Unigram, BPE) and
/// post-processor. Anything the file uses that is not implemented is refused when loading, with
/// the file and the JSON key path. Its `truncation` and `padding` are ignored: the trainer
/// truncates and pads on its own.
public final class TokenizerJSON: Sendable {
  public let path: String
  /// The JSON text it was read from (for a `vocab.txt` directory, the tokenizer.json made of it,
  /// not the file at `path`).
  public let source: Data
  /// FNV-1a of the file (data sets tokenized with it record this).
  public let fingerprint: String
  let added: AddedTokens
  let normalizer: Normalizer?
  let preTokenizer: PreTokenizer?
  let model: Model
  public let postProcessor: PostProcessor
  /// One more than the largest id of the vocabulary and the added tokens.
  public let vocabularySize: Int
  private let tokenIds: [String: Int32]

  enum Model: Sendable {
    case wordPiece(WordPieceModel)
    case unigram(UnigramModel)
    case bpe(BPEModel)
  }

  public convenience init(path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TokenizationError.badTokenizer(path: path, reason: "file not found or unreadable")
    }
    try self.init(data: data, path: path)
  }

  public init(data: Data, path: String) throws {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: Self.escapingByteOrderMarks(data))
    } catch {
      throw TokenizationError.badTokenizer(path: path, reason: "not JSON: \(error.localizedDescription)")
    }
    let root = JSONNode(value: object, path: "", file: path)
    self.path = path
    source = data
    fingerprint = FNV1a.hex(data)
    added = try AddedTokens(root.optional("added_tokens"))
    normalizer = try root.optional("normalizer").map(Normalizer.init)
    preTokenizer = try root.optional("pre_tokenizer").map(PreTokenizer.init)
    postProcessor = try PostProcessor.parse(root.optional("post_processor"))
    let modelNode = try root.require("model")
    var ids: [String: Int32] = [:]
    var type = try modelNode.optionalString("type")
    if type == nil {
      // Files of older tokenizers carry no model type: WordPiece has no merges, BPE has them.
      type = try modelNode.optional("merges") == nil ? "WordPiece" : "BPE"
    }
    switch type {
    case "WordPiece", "BPE":
      let vocabNode = try modelNode.require("vocab")
      for (token, idNode) in try vocabNode.members() { ids[token] = Int32(try idNode.int()) }
      model = type == "BPE" ? .bpe(try BPEModel(modelNode, vocab: ids)) : .wordPiece(try WordPieceModel(modelNode, vocab: ids))
    case "Unigram":
      let unigram = try UnigramModel(modelNode)
      for (k, entry) in try modelNode.require("vocab").array().enumerated() where ids[try entry.array()[0].string()] == nil {
        ids[try entry.array()[0].string()] = Int32(k)
      }
      model = .unigram(unigram)
    default:
      let t = type ?? ""
      throw try modelNode.require("type").error("\"\(t)\" is not supported (supported: WordPiece, Unigram, BPE)")
    }
    for t in added.all { ids[t.text] = t.id }
    tokenIds = ids
    vocabularySize = Int(max(ids.values.max() ?? -1, added.all.map(\.id).max() ?? -1)) + 1
  }

  /// The file with each U+FEFF inside it written as the escape `\ufeff` (and one at its start
  /// dropped): Foundation's JSONSerialization drops a raw U+FEFF that starts a string, which
  /// would lose vocabulary tokens such as "\u{FEFF}".
  static func escapingByteOrderMarks(_ data: Data) -> Data {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    var bytes = [UInt8](data)
    if bytes.starts(with: bom) { bytes.removeFirst(3) }
    guard bytes.indices.contains(where: { bytes[$0] == 0xEF }) else { return Data(bytes) }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 16)
    var i = 0
    while i < bytes.count {
      if bytes[i] == 0xEF, i + 2 < bytes.count, bytes[i + 1] == 0xBB, bytes[i + 2] == 0xBF {
        out.append(contentsOf: Array("\\ufeff".utf8))
        i += 3
      } else {
        out.append(bytes[i])
        i += 1
      }
    }
    return Data(out)
  }

  /// The id of a token of the vocabulary or of the added tokens.
  public func id(of token: String) -> Int32? { tokenIds[token] }

  /// The unknown token of the model (WordPiece's and BPE's `unk_token`, Unigram's `unk_id`).
  public var unknownId: Int32? {
    switch model {
    case .wordPiece(let m): m.unk
    case .unigram(let m): m.unk
    case .bpe(let m): m.unk
    }
  }

  /// The added tokens marked special, by id.
  public var specialTokens: [(content: String, id: Int32)] { added.all.filter(\.special).map { ($0.text, $0.id) } }

  /// The ids of `text` without the post-processor's special tokens (added tokens in the text
  /// are matched).
  public func encode(_ text: String) -> [Int32] {
    var out: [Int32] = []
    for segment in added.split(NormalizedText(text[...], origin: 0), normalizedTokens: false) {
      switch segment {
      case .token(let id): out.append(id)
      case .text(var t):
        normalizer?.apply(&t)
        for inner in added.hasNormalized ? added.split(t, normalizedTokens: true) : [.text(t)] {
          switch inner {
          case .token(let id): out.append(id)
          case .text(let n):
            guard !n.isEmpty else { continue }
            for piece in preTokenizer?.apply([n]) ?? [n] where !piece.isEmpty {
              switch model {
              case .wordPiece(let m): m.encode(piece, into: &out)
              case .unigram(let m): m.encode(piece, into: &out)
              case .bpe(let m): m.encode(piece, into: &out)
              }
            }
          }
        }
      }
    }
    return out
  }
}
