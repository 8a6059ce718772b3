import Foundation

/// What a model card says of the base model: its name on the Hugging Face Hub (never a local
/// path), licence and languages, read from the base directory.
struct BaseModelInfo: Equatable {
  /// A Hub id (`intfloat/multilingual-e5-small`), else the directory's name.
  var name: String
  /// Whether `name` is a Hub id (`owner/name`), so the card may link it and name it as `base_model`.
  var isHubID: Bool
  var license: String?
  var languages: [String]

  /// The name from config.json's `_name_or_path` when it is a Hub id, else the base's README
  /// (its front matter's `model_name`, or the first `owner/name` in backquotes, as the card
  /// `trainer import` writes names the original), else the directory's name; the licence and
  /// languages from the README's front matter.
  static func read(directory: String) -> BaseModelInfo {
    let dir = URL(fileURLWithPath: directory)
    let readme = (try? String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    let front = ModelCardYAML.frontMatter(readme)
    var name: String?
    if let data = FileManager.default.contents(atPath: dir.appendingPathComponent("config.json").path),
      let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
      let n = config["_name_or_path"] as? String, isHubID(n)
    {
      name = n
    }
    if name == nil, let n = front["model_name"]?.first, isHubID(n) { name = n }
    if name == nil { name = firstQuotedHubID(readme) }
    let dirName = dir.standardizedFileURL.lastPathComponent
    return BaseModelInfo(
      name: name ?? dirName, isHubID: name != nil, license: front["license"]?.first, languages: front["language"] ?? [])
  }

  /// `owner/name` as the Hub spells ids: two parts of letters, digits, `-`, `_`, `.`, not a path.
  static func isHubID(_ s: String) -> Bool {
    let parts = s.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2 else { return false }
    return parts.allSatisfy { p in
      !p.isEmpty && p.first != "." && p.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
  }

  /// The first `` `owner/name` `` of a text.
  static func firstQuotedHubID(_ text: String) -> String? {
    let pieces = text.split(separator: "`", omittingEmptySubsequences: false)
    return stride(from: 1, to: pieces.count, by: 2).lazy.map { String(pieces[$0]) }.first(where: isHubID)
  }
}
