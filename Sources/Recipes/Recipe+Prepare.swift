import Foundation

/// `FORMAT:PATH` data specs and reading the `prepare` section.
extension Recipe {
  /// `FORMAT:PATH` (as `trainer data build` takes them; a `*` in the file name expands).
  /// `--columns ROLE=COLUMN,...` of `trainer data build`: a `columns:` mapping written on one
  /// line (query or anchor, positive(s), negative(s), score, prompt; a role given twice, as
  /// negative=a,negative=b, takes several columns).
  public static func columnsSpec(_ spec: String) throws -> ColumnMapping {
    var pairs: [(key: String, value: YAMLTree)] = []
    for part in spec.split(separator: ",") {
      let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
        throw RecipeError(file: "", line: 0, path: spec, message: "expected ROLE=COLUMN,..., e.g. query=premise,positive=hypothesis")
      }
      if let i = pairs.firstIndex(where: { $0.key == kv[0] }) {
        let items: [YAMLTree] = switch pairs[i].value {
        case .list(let l, _): l
        case let one: [one]
        }
        pairs[i].value = .list(items + [.scalar(kv[1], line: 0)], line: 0)
      } else {
        pairs.append((kv[0], .scalar(kv[1], line: 0)))
      }
    }
    return try parseMapping(RecipeReader(file: "--columns", tree: .map(pairs, line: 0), path: "columns"))
  }

  public static func dataSpec(_ spec: String) throws -> DataSource {
    guard let colon = spec.firstIndex(of: ":"), colon != spec.startIndex else {
      throw RecipeError(file: "", line: 0, path: spec, message: "expected FORMAT:PATH, e.g. nli_tsv:data/kornlu/KorNLI/xnli.dev.ko.tsv")
    }
    let format = String(spec[..<colon]), path = String(spec[spec.index(after: colon)...])
    guard let f = DataFormat(rawValue: format), f != .hdf5 else {
      let known = DataFormat.allCases.filter { $0 != .hdf5 }.map(\.rawValue).joined(separator: ", ")
      throw RecipeError(file: "", line: 0, path: spec, message: "unknown format '\(format)'; expected one of \(known)")
    }
    return DataSource(format: f, paths: try expand(path: path, spec: spec))
  }

  /// `path`, or the sorted files its file name's `*`/`?` pattern matches; errors name `spec`.
  public static func expand(path: String, spec: String) throws -> [String] {
    guard let matches = glob(path) else {
      guard FileManager.default.fileExists(atPath: path) else { throw RecipeError(file: "", line: 0, path: spec, message: "file '\(path)' not found") }
      return [path]
    }
    guard !matches.isEmpty else { throw RecipeError(file: "", line: 0, path: spec, message: "no file matches '\(path)'") }
    return matches
  }

  static func parsePrepare(_ r: RecipeReader) throws -> PrepareStep {
    try r.map { m in
      if let t = m.optional("teacher") { return .teacher(recipe: try existing(t, directory: false)) }
      if let b = m.optional("build") {
        return try b.map { bm in
          func specs(_ key: String) throws -> [DataSource] {
            // "FORMAT:PATH", or a mapping with a data source's keys (columns, on_bad_row, ...)
            try (bm.optional(key)?.list() ?? []).map { s in
              if case .map = s.tree { return try parseSource(s, kind: .finetune, built: []) }
              do { return try dataSpec(try s.string()) } catch let e as RecipeError { throw s.fail(e.message) }
            }
          }
          let examples = try specs("examples")
          guard !examples.isEmpty else { throw bm.reader.fail("a build step needs examples: [FORMAT:PATH, ...]", path: bm.reader.path + ".examples") }
          return .build(output: try bm.required("output").string(), examples: examples, corpus: try specs("corpus"))
        }
      }
      if let n = m.optional("mine") {
        return try n.map { nm in
          let windowReader = try nm.required("rank_window")
          let bounds = try windowReader.list().map { try $0.int() }
          guard bounds.count == 2, bounds[0] >= 1, bounds[0] <= bounds[1] else {
            throw windowReader.fail("expected [first, last] ranks with 1 <= first <= last, e.g. [10, 100]")
          }
          let seed = try nm.optional("seed").map { r -> Int in
            let v = try r.int()
            guard v >= 0 else { throw r.fail("seed must not be negative, got \(v)") }
            return v
          } ?? 0
          return .mine(
            data: try nm.required("data").string(), k: try positive(nm.optional("k"), default: 4), window: bounds[0]...bounds[1],
            // checked as the Floats mining compares scores with; kept as written
            margin: try nm.optional("margin").map { r in _ = try r.float(.nonNegative); return try r.double() },
            relativeMargin: try nm.optional("relative_margin").map { r in _ = try r.float(.belowOne); return try r.double() },
            seed: UInt64(seed))
        }
      }
      if let s = m.optional("score") {
        return try s.map { sm in
          .score(data: try sm.required("data").string(), teacher: try sm.required("teacher").string())
        }
      }
      throw m.reader.fail("a prepare step is one of teacher, build, mine, score")
    }
  }
}
