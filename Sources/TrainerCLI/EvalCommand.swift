import ArgumentParser
import Evaluation
import Foundation
import TextEncoder
import Tokenization
import Training

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Evaluate a model on STS and retrieval sets, with sentence-transformers' metrics.",
    discussion: """
      --sts: a TSV with a header naming sentence1, sentence2 and score; reports Pearson and Spearman of cosine, \
      Euclidean, Manhattan and dot similarity (EmbeddingSimilarityEvaluator). --retrieval: a corpus and queries \
      (JSONL with _id, text and optional title, put before the text, or TSV with a header naming id or _id and \
      text) and qrels (TSV with a header naming query-id, corpus-id and optional score, or .jsonl with those keys); reports accuracy, precision and recall @1/3/5/10, \
      nDCG@10, MRR@10 and MAP@100 (InformationRetrievalEvaluator). --sts-retrieval: an STS TSV as paraphrase \
      retrieval (each first sentence of a pair scoring at least --min-score finds its second among every sentence of \
      the file that is no query). --nli-retrieval: a KorNLI TSV or KLUE-NLI JSON as entailment retrieval (each \
      premise finds the hypotheses it entails among every hypothesis of the file; --direction \
      hypothesis_to_premise turns it round). --query-prefix goes before STS sentences and \
      retrieval queries, --passage-prefix before retrieval documents; --prompt-name NAME puts the model's prompt \
      NAME (config_sentence_transformers.json) before every text, as sentence-transformers' encode(prompt_name=NAME). \
      --truncate-dim N takes every metric on the embeddings' first N dimensions (the evaluators' truncate_dim); a \
      model whose config_sentence_transformers.json has truncate_dim is evaluated at it unless the flag says otherwise.
      """)

  @Argument(help: "A Hugging Face / sentence-transformers model directory (or a checkpoint).")
  var model: String
  @Option(help: "An STS TSV (sentence1, sentence2, score); repeat for several.")
  var sts: [String] = []
  @Option(parsing: .upToNextOption, help: "CORPUS QUERIES QRELS of a retrieval set; repeat for several.")
  var retrieval: [String] = []
  @Option(help: "An STS TSV as paraphrase retrieval; repeat for several.")
  var stsRetrieval: [String] = []
  @Option(help: "The score from which an --sts-retrieval pair counts as a paraphrase.")
  var minScore: Double = 4.0
  @Option(help: "An NLI file (KorNLI TSV or KLUE-NLI JSON) as entailment retrieval; repeat for several.")
  var nliRetrieval: [String] = []
  @Option(help: "premise_to_hypothesis or hypothesis_to_premise: which side of an --nli-retrieval pair is the query.")
  var direction: String = RetrievalData.EntailmentDirection.premiseToHypothesis.rawValue
  @OptionGroup var encode: EncodeOptions
  @Option(help: "The prompt of this name stored in the model, before every text (instead of the prefixes).")
  var promptName: String?
  @Option(help: "Retrieval similarities, comma-separated.")
  var similarity = RetrievalSimilarities([.cosine])
  @Option(help: "Evaluate the embeddings' first N dimensions (default: the model's truncate_dim, else all).")
  var truncateDim: Int?
  @Option(help: "Texts per forward pass.")
  var batch: Int = 256
  @Option(help: "Also write the results as JSON to this file ('-': standard output, instead of the table).")
  var json: String?
  @OptionGroup var compute: ComputeOptions
  @OptionGroup var matmul: PrecisionOption

  func validate() throws {
    guard !sts.isEmpty || !retrieval.isEmpty || !stsRetrieval.isEmpty || !nliRetrieval.isEmpty else {
      throw ValidationError("give --sts FILE, --retrieval CORPUS QUERIES QRELS, --sts-retrieval FILE or --nli-retrieval FILE")
    }
    guard minScore.isFinite else { throw ValidationError("--min-score must be a finite number") }
    guard RetrievalData.EntailmentDirection(rawValue: direction) != nil else {
      throw ValidationError("--direction must be premise_to_hypothesis or hypothesis_to_premise, got '\(direction)'")
    }
    guard retrieval.count % 3 == 0 else {
      throw ValidationError("--retrieval takes three files: CORPUS QUERIES QRELS (got \(retrieval.count))")
    }
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    if let truncateDim, truncateDim < 1 { throw ValidationError("--truncate-dim must be positive") }
    if promptName != nil && !(encode.queryPrefix.isEmpty && encode.passagePrefix.isEmpty) {
      throw ValidationError("give --prompt-name or --query-prefix/--passage-prefix, not both")
    }
  }

  func run() throws {
    compute.apply()
    try runReportingErrors {
      // read every set first, so a bad file fails before the model loads
      var sets: [(name: String, kind: String, load: EvaluationSetData)] = []
      for path in sts { sets.append((path, "sts", .sts(try STSPairs.readEvaluationSet(path: path)))) }
      for i in stride(from: 0, to: retrieval.count, by: 3) {
        let data = try RetrievalData.read(corpus: retrieval[i], queries: retrieval[i + 1], qrels: retrieval[i + 2])
        sets.append((retrieval[i + 1], "retrieval", .retrieval(data)))
      }
      for path in stsRetrieval {
        let data = try RetrievalData.paraphrases(STSPairs.read(path: path), minScore: Float(minScore), path: path)
        sets.append((path, "sts_retrieval", .retrieval(data)))
      }
      for path in nliRetrieval {
        let data = try RetrievalData.entailments(
          NLIPairs.read(path: path), direction: RetrievalData.EntailmentDirection(rawValue: direction)!, path: path)
        sets.append((path, "nli_retrieval", .retrieval(data)))
      }
      let model = try SentenceEncoder(directory: self.model)
      model.encoder.store.precision = try matmul.resolve()
      let prompt = try promptName.map { try model.prompt(named: $0) }
      let queryPrefix = prompt ?? encode.queryPrefix, passagePrefix = prompt ?? encode.passagePrefix
      var evaluator = Evaluator(
        encoder: model.encoder, tokenizer: model.tokenizer, pooling: model.pooling, normalize: model.normalize,
        maxLength: encode.maxLength, queryPrefix: queryPrefix, passagePrefix: passagePrefix, batchSize: batch)
      let dimension = try TruncateDimOption.dimension(flag: truncateDim, model: model)
      let truncated = dimension < model.config.hiddenSize
      if truncated { evaluator.truncateDim = dimension }
      evaluator.cache = EmbeddingCache()  // sets that share texts embed them once
      var results: [[String: Any]] = []
      let toStdout = json == "-"
      for set in sets {
        let t0 = Date()
        let metrics = try set.load.evaluate(with: evaluator, similarities: similarity.similarities)
        var description: String
        switch set.load {
        case .sts(let pairs): description = "\(pairs.count) pairs"
        case .retrieval(let data): description = "\(data.queryIDs.count) queries, \(data.corpusIDs.count) documents"
        }
        let seconds = Date().timeIntervalSince(t0)
        if truncated { description += ", first \(dimension) dimensions" }
        description += String(format: ", %.2fs", seconds)
        if !toStdout {
          print("\(set.name) (\(set.kind): \(description))")
          let width = metrics.map(\.name.count).max() ?? 0
          for m in metrics {
            print("  " + m.name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "  %.4f", m.value))
          }
        }
        var object: [String: Any] = ["name": set.name, "kind": set.kind, "seconds": seconds]
        object["metrics"] = Dictionary(uniqueKeysWithValues: metrics.map { ($0.name, $0.jsonValue) })
        results.append(object)
      }
      if let json {
        let payload: [String: Any] = [
          "model": self.model, "query_prompt": queryPrefix, "passage_prompt": passagePrefix, "sets": results,
          "truncate_dim": truncated ? dimension as Any : NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: payload, options: [.prettyPrinted, .sortedKeys])
        if toStdout {
          FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
          try data.write(to: URL(fileURLWithPath: json), options: .atomic)
          print("results written to \(json)")
        }
      }
    }
  }
}
