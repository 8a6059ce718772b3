import Foundation
import Recipes
import Training

/// The recipe reader as `trainer run` uses it (Recipe.loadForTraining: YAML through Yams, the
/// `--set` overrides, every section read strictly, the best metric checked). The input is the
/// recipe text, then optionally a NUL byte and `--set` strings, one a line. It runs in a
/// directory holding the model directory and data files the seed recipes name (only their
/// existence is checked), so that mutations get past the path checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  RecipeHarness.setUp
  let (text, rest) = FuzzInput.split(data, size)
  let path = FuzzInput.write(text, name: "fuzz.recipe")
  let overrides = rest.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
  _ = try? Recipe.loadForTraining(path: path, overrides: overrides)
  return 0
}

enum RecipeHarness {
  /// The files the seed recipes (tools/fuzz/corpus/recipe) name, made in the scratch directory,
  /// which becomes the working directory.
  static let setUp: Void = {
    let dir = FuzzInput.directory
    let fm = FileManager.default
    for d in ["models/multilingual-e5-small", "models/other", "data/kornlu/KorNLI", "data/kornlu/KorSTS", "recipes"] {
      try? fm.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true)
    }
    for f in [
      "data/kornlu/KorNLI/xnli.dev.ko.tsv", "data/kornlu/KorNLI/xnli.test.ko.tsv", "data/kornlu/KorSTS/sts-train.tsv",
      "data/kornlu/KorSTS/sts-dev.tsv", "data/kornlu/KorSTS/sts-test.tsv", "data/kornli-distill.h5", "data/train.jsonl",
      "data/corpus.jsonl", "data/queries.jsonl", "data/qrels.tsv", "recipes/kornli-teacher.recipe",
    ] {
      _ = fm.createFile(atPath: dir + "/" + f, contents: Data())
    }
    _ = fm.changeCurrentDirectoryPath(dir)
  }()
}
