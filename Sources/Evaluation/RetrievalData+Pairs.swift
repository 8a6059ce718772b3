/// Retrieval sets made from labelled pairs, so that an STS or NLI file can be evaluated as
/// retrieval without BEIR files: every distinct text gets an id (`q1`, `d1`, … in file order).
extension RetrievalData {
  /// Which side of an entailment pair is the query.
  public enum EntailmentDirection: String, Sendable, CaseIterable {
    /// A premise finds the hypotheses it entails among every hypothesis of the file.
    case premiseToHypothesis = "premise_to_hypothesis"
    /// An entailed hypothesis finds its premise among every premise of the file.
    case hypothesisToPremise = "hypothesis_to_premise"
  }

  /// Entailment retrieval: queries are the distinct premises (or entailed hypotheses) of the
  /// entailment pairs; the corpus is every distinct hypothesis (or premise) of the file, with
  /// the neutral and contradicting hypotheses of a premise among the candidates.
  public static func entailments(_ pairs: [NLIPair], direction: EntailmentDirection, path: String) throws -> RetrievalData {
    let entailed = pairs.filter { $0.label == "entailment" }
    let (queries, documents, links): ([String], [String], [(String, String)]) =
      switch direction {
      case .premiseToHypothesis: (entailed.map(\.premise), pairs.map(\.hypothesis), entailed.map { ($0.premise, $0.hypothesis) })
      case .hypothesisToPremise: (entailed.map(\.hypothesis), pairs.map(\.premise), entailed.map { ($0.hypothesis, $0.premise) })
      }
    return try make(queries: queries, documents: documents, links: links, path: path, what: "entailment pair")
  }

  /// Paraphrase retrieval: each distinct first sentence of a pair scoring at least `minScore`
  /// is a query whose relevant documents are the second sentences of those pairs; the corpus is
  /// every distinct sentence of the file that is not a query.
  public static func paraphrases(_ pairs: [ScoredPair], minScore: Float, path: String) throws -> RetrievalData {
    let close = pairs.filter { $0.score >= minScore && $0.first != $0.second }
    let queries = Set(close.map(\.first))
    let documents = pairs.flatMap { [$0.first, $0.second] }.filter { !queries.contains($0) }
    return try make(
      queries: close.map(\.first), documents: documents, links: close.map { ($0.first, $0.second) }, path: path,
      what: "pair scoring at least \(minScore)")
  }

  /// Queries and documents (duplicates dropped, first occurrence kept) with `links` (query
  /// text, relevant document text); a link to a text outside the corpus is left out, and so is
  /// a query left with no relevant document.
  static func make(queries: [String], documents: [String], links: [(String, String)], path: String, what: String) throws -> RetrievalData {
    var docIDs: [String: String] = [:], corpusIDs: [String] = [], corpusTexts: [String] = []
    for text in documents where docIDs[text] == nil {
      docIDs[text] = "d\(corpusIDs.count + 1)"
      corpusIDs.append(docIDs[text]!)
      corpusTexts.append(text)
    }
    var queryIndex: [String: Int] = [:], queryTexts: [String] = [], relevant: [Set<String>] = []
    for text in queries where queryIndex[text] == nil {
      queryIndex[text] = queryTexts.count
      queryTexts.append(text)
      relevant.append([])
    }
    for (query, document) in links {
      guard let q = queryIndex[query], let d = docIDs[document] else { continue }
      relevant[q].insert(d)
    }
    let kept = queryTexts.indices.filter { !relevant[$0].isEmpty }
    guard !kept.isEmpty, !corpusIDs.isEmpty else {
      throw EvaluationError.tooSmall(path: path, detail: "no \(what) to make a retrieval query of")
    }
    return RetrievalData(
      corpusIDs: corpusIDs, corpusTexts: corpusTexts, queryIDs: kept.map { "q\($0 + 1)" }, queryTexts: kept.map { queryTexts[$0] },
      relevant: kept.map { relevant[$0] })
  }
}
