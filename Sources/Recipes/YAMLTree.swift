import Yams

/// A YAML document as a plain tree that remembers the line of every value, so that errors can
/// name it, and that `--set key.path=value` overrides can edit before the recipe is read.
public indirect enum YAMLTree: Sendable {
  case scalar(String, line: Int)
  case map([(key: String, value: YAMLTree)], line: Int)
  case list([YAMLTree], line: Int)

  /// Line 0 marks a value that came from the command line.
  public var line: Int {
    switch self {
    case .scalar(_, let l), .map(_, let l), .list(_, let l): l
    }
  }

  /// Parses YAML text; `file` only names the source in errors.
  public static func parse(_ text: String, file: String) throws -> YAMLTree {
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch YamlError.duplicatedKeysInMapping(let keys, let context) {
      throw duplicateKey(keys.first ?? "?", first: context.mark, in: text, file: file)
    } catch let error as YamlError {
      throw RecipeError(file: file, line: Self.line(of: error), path: "", message: "not valid YAML: \(error)")
    }
    guard let node else { throw RecipeError(file: file, line: 1, path: "", message: "the recipe is empty") }
    return try convert(node, file: file, path: "")
  }

  /// A key given twice in one mapping, named at its second occurrence: the next line after the
  /// first that holds the key at the same indentation, before the mapping ends (a line indented
  /// less). Yams reports only the first; a flow mapping (`{a: 1, a: 2}`) is named at that line.
  static func duplicateKey(_ key: String, first: Mark, in text: String, file: String) -> RecipeError {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let indent = first.column - 1
    var second = first.line
    for n in first.line..<max(first.line, lines.count) {  // lines[n] is line n + 1
      let line = lines[n]
      let content = line.drop { $0 == " " }
      if content.isEmpty || content.hasPrefix("#") { continue }
      let depth = line.count - content.count
      if depth < indent { break }
      if depth == indent, content.hasPrefix(key + ":") || content.hasPrefix("\"\(key)\":") || content.hasPrefix("'\(key)':") {
        second = n + 1
        break
      }
    }
    let message = "key '\(key)' given twice" + (second == first.line ? "" : " (first at line \(first.line))")
    return RecipeError(file: file, line: second, path: "", message: message)
  }

  private static func line(of error: YamlError) -> Int {
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
    default: 0
    }
  }

  private static func convert(_ node: Node, file: String, path: String) throws -> YAMLTree {
    let line = node.mark?.line ?? 0
    switch node {
    case .scalar(let s):
      return .scalar(s.string, line: line)
    case .sequence(let seq):
      return .list(try seq.enumerated().map { try convert($1, file: file, path: join(path, "\($0)")) }, line: line)
    case .mapping(let m):
      var pairs: [(key: String, value: YAMLTree)] = []
      for (k, v) in m {
        guard case .scalar(let ks) = k else {
          throw RecipeError(file: file, line: k.mark?.line ?? line, path: path, message: "a key must be a plain word")
        }
        if pairs.contains(where: { $0.key == ks.string }) {
          throw RecipeError(file: file, line: k.mark?.line ?? line, path: join(path, ks.string), message: "key given twice")
        }
        pairs.append((ks.string, try convert(v, file: file, path: join(path, ks.string))))
      }
      return .map(pairs, line: line)
    case .alias:
      throw RecipeError(file: file, line: line, path: path, message: "YAML aliases are not supported in recipes")
    }
  }

  static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

  /// Sets `path` (dot-separated keys and list indices, e.g. `stages.0.batch_size`) to `value`,
  /// parsed as YAML (so `[1, 2]` is a list). Missing map keys are added; a list index must exist.
  public func setting(_ path: String, to value: String) throws -> YAMLTree {
    let keys = path.split(separator: ".").map(String.init)
    guard !keys.isEmpty else { throw RecipeError(file: "--set", line: 0, path: path, message: "empty key") }
    let parsed: YAMLTree
    do {
      parsed = try YAMLTree.parse(value.isEmpty ? "''" : value, file: "--set \(path)").withLine(0)
    } catch {
      parsed = .scalar(value, line: 0)
    }
    return try replacing(keys[...], with: parsed, fullPath: path)
  }

  private func withLine(_ l: Int) -> YAMLTree {
    switch self {
    case .scalar(let s, _): .scalar(s, line: l)
    case .list(let items, _): .list(items.map { $0.withLine(l) }, line: l)
    case .map(let pairs, _): .map(pairs.map { ($0.key, $0.value.withLine(l)) }, line: l)
    }
  }

  private func replacing(_ keys: ArraySlice<String>, with value: YAMLTree, fullPath: String) throws -> YAMLTree {
    guard let key = keys.first else { return value }
    switch self {
    case .map(var pairs, let line):
      if let i = pairs.firstIndex(where: { $0.key == key }) {
        pairs[i].value = try pairs[i].value.replacing(keys.dropFirst(), with: value, fullPath: fullPath)
      } else {
        let fresh = YAMLTree.map([], line: 0)
        pairs.append((key, try (keys.count == 1 ? value : fresh.replacing(keys.dropFirst(), with: value, fullPath: fullPath))))
      }
      return .map(pairs, line: line)
    case .list(var items, let line):
      guard let i = Int(key), items.indices.contains(i) else {
        throw RecipeError(file: "--set", line: 0, path: fullPath, message: "'\(key)' is not an index of this list of \(items.count)")
      }
      items[i] = try items[i].replacing(keys.dropFirst(), with: value, fullPath: fullPath)
      return .list(items, line: line)
    case .scalar:
      throw RecipeError(file: "--set", line: 0, path: fullPath, message: "'\(key)' goes into a plain value")
    }
  }
}
