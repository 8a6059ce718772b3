import Foundation

/// Reading a recipe: the file, the `--set` overrides, then each section by its reader
/// (`Recipe+Model`, `Recipe+Evaluation`, `Recipe+Prepare`, `Recipe+Stage`).
extension Recipe {
  /// Reads and checks a recipe. `overrides` are `key.path=value` strings (`--set`).
  public static func load(path: String, overrides: [String] = []) throws -> Recipe {
    let text = try RecipeText.read(path: path)
    var tree = try YAMLTree.parse(text, file: path)
    for o in overrides {
      guard let eq = o.firstIndex(of: "=") else {
        throw RecipeError(file: "--set", line: 0, path: o, message: "expected key.path=value")
      }
      tree = try tree.setting(String(o[..<eq]), to: String(o[o.index(after: eq)...]))
    }
    var recipe = try parse(RecipeReader(file: path, tree: tree, path: ""))
    recipe.canonicalText = text + "\n# overrides\n" + overrides.joined(separator: "\n")
    return recipe
  }

  static func parse(_ r: RecipeReader) throws -> Recipe {
    try r.map { m in
      let model = try parseModel(try m.required("model"))
      let seed = try m.optional("seed").map { r -> Int in
        let v = try r.int()
        guard v >= 0 else { throw r.fail("seed must not be negative, got \(v)") }
        return v
      } ?? 0
      let output = try m.required("output").string()
      let evaluation = try parseEvaluation(try m.optional("evaluation")?.list() ?? [], crossEncoder: model.crossEncoder)
      let best = try m.optional("best").map { try parseBest($0, evaluation: evaluation) }
      let prepare = try (m.optional("prepare")?.list() ?? []).map { try parsePrepare($0) }
      let built = Set(prepare.compactMap { step -> String? in if case .build(let output, _, _) = step { output } else { nil } })
      let stageReaders = try m.required("stages").list()
      guard !stageReaders.isEmpty else { throw m.reader.fail("a recipe needs at least one stage", path: "stages") }
      let stages = try stageReaders.enumerated().map { i, s in
        try parseStage(s, index: i, crossEncoder: model.crossEncoder, built: built)
      }
      var recipe = Recipe(
        file: r.file, model: model, seed: UInt64(seed), output: output, evaluation: evaluation, best: best, stages: stages,
        canonicalText: "")
      recipe.prepare = prepare
      recipe.merge = try m.optional("merge").map { try parseMerge($0, best: best, crossEncoder: model.crossEncoder) }
      recipe.evaluateBeforeTraining = try m.optional("evaluate_before_training")?.bool() ?? true
      recipe.precision = try m.optional("precision")?.oneOf(PrecisionChoice.self, PrecisionChoice.allCases) ?? .auto
      return recipe
    }
  }

  static func positive(_ r: RecipeReader?, default d: Int) throws -> Int {
    guard let r else { return d }
    let v = try r.int()
    guard v > 0 else { throw r.fail("expected a positive integer, got \(v)") }
    return v
  }

  static func existing(_ r: RecipeReader, directory: Bool) throws -> String {
    let p = try r.string()
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue == directory else {
      throw r.fail(directory ? "model directory '\(p)' not found" : "file '\(p)' not found")
    }
    return p
  }

  /// A path whose file name may hold `*` patterns; at least one file must match.
  static func expand(_ r: RecipeReader) throws -> [String] {
    let p = try r.string()
    guard let matches = glob(p) else { return [try existing(r, directory: false)] }
    guard !matches.isEmpty else { throw r.fail("no file matches '\(p)'") }
    return matches
  }

  /// The files a path whose file name holds `*` or `?` matches, sorted (empty: none); nil for a
  /// path without a pattern.
  static func glob(_ path: String) -> [String]? {
    let name = URL(fileURLWithPath: path).lastPathComponent
    guard name.contains("*") || name.contains("?") else { return nil }
    let dir = (path as NSString).deletingLastPathComponent
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
    return entries.filter { fnmatch(name, $0, 0) == 0 }.sorted().map { dir.isEmpty ? $0 : dir + "/" + $0 }
  }
}
