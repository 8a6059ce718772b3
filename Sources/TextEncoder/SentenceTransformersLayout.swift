import Autograd
import Foundation

/// What the sentence-transformers files of a model directory say: pooling mode, whether a
/// Normalize module follows, the maximum sequence length, the named prompts and the prompt
/// sentence-transformers' `encode` applies when given none (`default_prompt_name`), and the
/// leading dimensions its embeddings are cut to (`truncate_dim`).
public struct SentenceTransformersLayout: Sendable, Equatable {
  public var pooling: PoolingMode = .mean
  public var normalize: Bool = false
  public var maxSeqLength: Int? = nil
  public var prompts: [String: String] = [:]
  /// A key of `prompts`; nil: no prompt unless one is asked for.
  public var defaultPromptName: String? = nil
  /// config_sentence_transformers.json's `truncate_dim`: sentence-transformers' `encode` keeps
  /// the first N dimensions of each embedding (after Normalize, not renormalized); nil: all.
  public var truncateDim: Int? = nil

  public init(
    pooling: PoolingMode = .mean, normalize: Bool = false, maxSeqLength: Int? = nil, prompts: [String: String] = [:],
    defaultPromptName: String? = nil, truncateDim: Int? = nil
  ) {
    self.pooling = pooling
    self.normalize = normalize
    self.maxSeqLength = maxSeqLength
    self.prompts = prompts
    self.defaultPromptName = defaultPromptName
    self.truncateDim = truncateDim
  }

  /// The text of the prompt named `name`; an error naming the prompts the directory has.
  public func prompt(named name: String, directory: String) throws -> String {
    guard let p = prompts[name] else {
      let known = prompts.keys.sorted().joined(separator: ", ")
      throw TextEncoderError.badConfig(
        path: URL(fileURLWithPath: directory).appendingPathComponent("config_sentence_transformers.json").path, key: "prompts",
        detail: "no prompt named '\(name)' (it has: \(known.isEmpty ? "none" : known))")
    }
    return p
  }

  static func json(_ url: URL) throws -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
    guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw TextEncoderError.badConfig(path: url.path, key: "(root)", detail: "not a JSON object")
    }
    return obj
  }

  /// Reads the layout; files that are absent leave the defaults (mean pooling, no normalize).
  public static func read(directory dir: URL) throws -> SentenceTransformersLayout {
    var layout = SentenceTransformersLayout()
    var poolingPath = dir.appendingPathComponent("1_Pooling")
    let modulesURL = dir.appendingPathComponent("modules.json")
    if let data = FileManager.default.contents(atPath: modulesURL.path) {
      guard let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
        throw TextEncoderError.badConfig(path: modulesURL.path, key: "(root)", detail: "expected a list of modules")
      }
      for m in modules {
        let type = m["type"] as? String ?? ""
        if type.hasSuffix("Pooling"), let p = m["path"] as? String { poolingPath = dir.appendingPathComponent(p) }
        if type.hasSuffix("Normalize") { layout.normalize = true }
      }
    }
    let poolURL = poolingPath.appendingPathComponent("config.json")
    if let pool = try json(poolURL), let mode = pool["pooling_mode"] {
      // sentence-transformers 6's layout: one mode name (a list of several concatenates them)
      let names = (mode as? String).map { [$0] } ?? (mode as? [String]) ?? []
      let known: [String: PoolingMode] = ["mean": .mean, "cls": .cls, "max": .max]
      guard names.count == 1, let chosen = known[names[0]] else {
        throw TextEncoderError.unsupported(
          path: poolURL.path, key: "pooling_mode", value: names.isEmpty ? "\(mode)" : names.joined(separator: ", "),
          supported: "one of mean, cls, max")
      }
      layout.pooling = chosen
    } else if let pool = try json(poolURL) {
      let modes: [(key: String, mode: PoolingMode)] = [
        ("pooling_mode_mean_tokens", .mean), ("pooling_mode_cls_token", .cls), ("pooling_mode_max_tokens", .max),
      ]
      let others = ["pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"]
        .filter { pool[$0] as? Bool ?? false }
      if let other = others.first {
        throw TextEncoderError.unsupported(
          path: poolURL.path, key: "pooling mode", value: other, supported: modes.map(\.key).joined(separator: ", "))
      }
      let chosen = modes.filter { pool[$0.key] as? Bool ?? false }
      guard chosen.count == 1 else {
        throw TextEncoderError.badConfig(path: poolURL.path, key: "pooling_mode_mean_tokens",
          detail: "exactly one of \(modes.map(\.key).joined(separator: ", ")) must be true")
      }
      layout.pooling = chosen[0].mode
    }
    if let sb = try json(dir.appendingPathComponent("sentence_bert_config.json")), let n = sb["max_seq_length"] as? Int {
      layout.maxSeqLength = n
    }
    let stURL = dir.appendingPathComponent("config_sentence_transformers.json")
    if let st = try json(stURL) {
      if let prompts = st["prompts"] as? [String: String] { layout.prompts = prompts }
      if let name = st["default_prompt_name"] as? String {
        guard layout.prompts[name] != nil else {
          throw TextEncoderError.badConfig(
            path: stURL.path, key: "default_prompt_name", detail: "'\(name)' is not one of the prompts (\(layout.prompts.keys.sorted().joined(separator: ", ")))")
        }
        layout.defaultPromptName = name
      }
      if let value = st["truncate_dim"], !(value is NSNull) {
        // JSONSerialization gives booleans ("c") and fractions ("d") as NSNumber too; only an integer is a dimension
        guard let n = value as? NSNumber, !["c", "d", "f"].contains(String(cString: n.objCType)), let d = value as? Int, d >= 1 else {
          throw TextEncoderError.badConfig(path: stURL.path, key: "truncate_dim", detail: "expected a positive integer or null, got \(value)")
        }
        layout.truncateDim = d
      }
    }
    return layout
  }
}
