/// The special tokens around a sequence or a pair, with their token type ids: tokenizer.json's
/// `post_processor` (TemplateProcessing, BertProcessing, RobertaProcessing; ByteLevel adds
/// nothing to ids). Without one, a sequence is its ids and a pair their concatenation, the
/// second with type id 1.
public struct PostProcessor: Sendable, Equatable {
  public enum Piece: Sendable, Equatable {
    case special(ids: [Int32], typeId: Int32)
    case sequenceA(typeId: Int32)
    case sequenceB(typeId: Int32)
  }
  public let single: [Piece]
  public let pair: [Piece]

  public init(single: [Piece], pair: [Piece]) {
    self.single = single
    self.pair = pair
  }

  static let none = PostProcessor(single: [.sequenceA(typeId: 0)], pair: [.sequenceA(typeId: 0), .sequenceB(typeId: 1)])

  static let supported = ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence"]

  static func parse(_ node: JSONNode?) throws -> PostProcessor {
    guard let node else { return .none }
    switch try node.type(supported) {
    case "ByteLevel": return .none
    case "Sequence":
      let list = try node.require("processors").array().map(parse)
      let adding = list.filter { $0 != .none }
      guard adding.count <= 1 else { throw node.error("more than one processor that adds special tokens is not supported") }
      return adding.first ?? .none
    case "BertProcessing":
      let cls = try tokenId(node.require("cls")), sep = try tokenId(node.require("sep"))
      return PostProcessor(
        single: [.special(ids: [cls], typeId: 0), .sequenceA(typeId: 0), .special(ids: [sep], typeId: 0)],
        pair: [
          .special(ids: [cls], typeId: 0), .sequenceA(typeId: 0), .special(ids: [sep], typeId: 0), .sequenceB(typeId: 1),
          .special(ids: [sep], typeId: 1),
        ])
    case "RobertaProcessing":
      let cls = try tokenId(node.require("cls")), sep = try tokenId(node.require("sep"))
      return PostProcessor(
        single: [.special(ids: [cls], typeId: 0), .sequenceA(typeId: 0), .special(ids: [sep], typeId: 0)],
        pair: [
          .special(ids: [cls], typeId: 0), .sequenceA(typeId: 0), .special(ids: [sep, sep], typeId: 0), .sequenceB(typeId: 0),
          .special(ids: [sep], typeId: 0),
        ])
    default:
      var specials: [String: [Int32]] = [:]
      for (key, entry) in try node.require("special_tokens").members() {
        specials[key] = try entry.require("ids").array().map { Int32(try $0.int()) }
      }
      func template(_ key: String) throws -> [Piece] {
        try node.require(key).array().map { item in
          if let s = try item.optional("SpecialToken") {
            let idNode = try s.require("id")
            let name = try idNode.string()
            guard let ids = specials[name] else { throw idNode.error("\"\(name)\" is not in special_tokens") }
            return .special(ids: ids, typeId: Int32(try s.require("type_id").int()))
          }
          guard let s = try item.optional("Sequence") else { throw item.error("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}") }
          let idNode = try s.require("id")
          let type = Int32(try s.require("type_id").int())
          switch try idNode.string() {
          case "A": return .sequenceA(typeId: type)
          case "B": return .sequenceB(typeId: type)
          case let other: throw idNode.error("\"\(other)\" is not a sequence (expected A or B)")
          }
        }
      }
      return PostProcessor(single: try template("single"), pair: try template("pair"))
    }
  }

  /// `[token, id]` of BertProcessing and RobertaProcessing.
  private static func tokenId(_ node: JSONNode) throws -> Int32 {
    let pair = try node.array()
    guard pair.count == 2 else { throw node.error("expected [token, id]") }
    return Int32(try pair[1].int())
  }

  /// The number of special ids around one sequence, and around a pair.
  public var singleSpecials: Int { Self.specials(single) }
  public var pairSpecials: Int { Self.specials(pair) }
  private static func specials(_ t: [Piece]) -> Int {
    t.reduce(0) { n, p in if case .special(let ids, _) = p { return n + ids.count } else { return n } }
  }

  /// The ids and type ids of `a` (and `b`) with the specials of the template.
  public func apply(_ a: [Int32], _ b: [Int32]? = nil) -> (ids: [Int32], typeIds: [Int32]) {
    var ids: [Int32] = [], types: [Int32] = []
    for piece in b == nil ? single : pair {
      switch piece {
      case .special(let s, let t):
        ids += s
        types += repeatElement(t, count: s.count)
      case .sequenceA(let t):
        ids += a
        types += repeatElement(t, count: a.count)
      case .sequenceB(let t):
        let seq = b ?? []
        ids += seq
        types += repeatElement(t, count: seq.count)
      }
    }
    return (ids, types)
  }
}
