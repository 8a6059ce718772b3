import Evaluation
import Mining
import SafeTensors
import Testing

@testable import TrainerCLI

/// The commands that embed texts: `embed`, `tokenize`, `eval`, `mine`, `score`. One text before
/// every text is `--prompt`; a query's and a passage's are `--query-prefix` and
/// `--passage-prefix`; `--batch` is texts (or pairs) per forward pass.
@Suite struct EncodeCommandsTests {
  @Test func embedTakesAPromptOrAnInstruction() throws {
    let e = try parse(["embed", "m", "--input", "in.txt", "--output", "out.h5", "--prompt", "query: "], as: EmbedCommand.self)
    #expect(e.model == "m" && e.input == "in.txt" && e.output == "out.h5")
    #expect(e.prompt == "query: " && e.instruction == nil && e.batch == 32 && e.compute.threads == nil)
    let i = try parse(["embed", "m", "--input", "a", "--output", "b.h5", "--instruction", "find", "--batch", "8", "--threads", "2"], as: EmbedCommand.self)
    #expect(i.instruction == "find" && i.prompt == "" && i.batch == 8 && i.compute.threads == 2)

    let base = ["embed", "m", "--input", "a", "--output", "b.h5"]
    #expect(refusal(base + ["--prompt", "q: ", "--instruction", "find"]).contains("give --prompt or --instruction, not both"))
    #expect(refusal(base + ["--instruction", "find", "--instruction-template", "{task}"]).contains("must end with {text}"))
    #expect(refusal(base + ["--batch", "0"]).contains("--batch must be positive"))
    #expect(refusal(base + ["--prefix", "q: "]).contains("Unknown option '--prefix'"))
    #expect(refusal(["embed", "m", "--input", "a"]).contains("Missing expected argument '--output <output>'"))
  }

  @Test func tokenizeTakesAPrompt() throws {
    let t = try parse(["tokenize", "m", "--input", "in.txt", "--prompt", "passage: "], as: TokenizeCommand.self)
    #expect(t.model == "m" && t.input == "in.txt" && t.prompt == "passage: ")
    #expect(try parse(["tokenize", "m", "--input", "in.txt"], as: TokenizeCommand.self).prompt == "")
  }

  @Test func evalTakesQueryAndPassagePrefixesAndSimilarities() throws {
    let e = try parse(
      ["eval", "m", "--sts", "a.tsv", "--retrieval", "c", "q", "r", "--query-prefix", "query: ", "--passage-prefix", "passage: ",
       "--similarity", "cosine,dot", "--max-length", "64", "--json", "-"],
      as: EvalCommand.self)
    #expect(e.sts == ["a.tsv"] && e.retrieval == ["c", "q", "r"] && e.json == "-")
    #expect(e.encode.queryPrefix == "query: " && e.encode.passagePrefix == "passage: " && e.encode.maxLength == 64)
    #expect(e.similarity.similarities == [.cosine, .dot] && e.batch == 256)

    let d = try parse(["eval", "m", "--sts", "a.tsv"], as: EvalCommand.self)
    #expect(d.similarity.similarities == [.cosine] && d.encode.queryPrefix == "" && d.encode.passagePrefix == "")
    #expect(d.encode.maxLength == nil && d.retrieval.isEmpty)

    #expect(refusal(["eval", "m"]).contains("give --sts FILE, --retrieval CORPUS QUERIES QRELS, --sts-retrieval FILE or --nli-retrieval FILE"))
    #expect(refusal(["eval", "m", "--nli-retrieval", "n.json", "--direction", "sideways"]).contains("--direction must be premise_to_hypothesis or hypothesis_to_premise"))
    #expect(refusal(["eval", "m", "--retrieval", "c", "q"]).contains("--retrieval takes three files: CORPUS QUERIES QRELS (got 2)"))
    #expect(refusal(["eval", "m", "--sts", "a", "--batch", "0"]).contains("--batch must be positive"))
    #expect(refusal(["eval", "m", "--sts", "a", "--max-length", "1"]).contains("--max-length must be at least 2"))
    #expect(refusal(["eval", "m", "--sts", "a", "--similarity", "cosine,euclidean"]).contains("invalid for '--similarity <similarity>'. Please provide one of 'cosine' and 'dot'"))
    #expect(refusal(["eval", "m", "--sts", "a", "--query-prompt", "q: "]).contains("Unknown option '--query-prompt'"))
  }

  @Test func mineTakesTheSamePrefixesAndAPrecision() throws {
    let m = try parse(["mine", "d.h5", "--model", "m"], as: MineCommand.self)
    #expect(m.data == "d.h5" && m.model == "m" && m.k == 4 && m.seed == 0)
    #expect(try m.window() == 10...100)
    #expect(m.margin == nil && m.relativeMargin == nil && m.batch == 64 && m.corpusPrecision == .f32 && m.chunkRows == 8192)
    #expect(m.matmul.precision == .auto)
    #expect(m.encode.queryPrefix == "" && m.encode.passagePrefix == "" && m.encode.maxLength == nil)
    let f = try parse(
      ["mine", "d.h5", "--model", "m", "--k", "2", "--rank-window", "3-30", "--relative-margin", "0.02", "--corpus-precision", "f16", "--precision", "fp32",
       "--query-prefix", "query: ", "--passage-prefix", "passage: ", "--max-length", "32"],
      as: MineCommand.self)
    #expect(f.k == 2 && f.relativeMargin == 0.02 && f.corpusPrecision == .f16 && f.matmul.precision == .fp32)
    #expect(try f.window() == 3...30)
    #expect(f.encode.queryPrefix == "query: " && f.encode.passagePrefix == "passage: " && f.encode.maxLength == 32)

    let base = ["mine", "d.h5", "--model", "m"]
    #expect(refusal(base + ["--corpus-precision", "f64"]).contains("invalid for '--corpus-precision <corpus-precision>'. Please provide one of 'f32' and 'f16'"))
    #expect(refusal(base + ["--precision", "f16"]).contains("invalid for '--precision <precision>'. Please provide one of 'auto', 'fp32' or 'bf16'"))
    #expect(refusal(base + ["--rank-window", "30-3"]).contains("expected FIRST-LAST with 1 <= FIRST <= LAST"))
    #expect(refusal(base + ["--rank-window", "10"]).contains("expected FIRST-LAST"))
    #expect(refusal(base + ["--k", "0"]).contains("--k must be positive"))
    #expect(refusal(base + ["--chunk-rows", "0"]).contains("--chunk-rows must be positive"))
  }

  @Test func scoreTakesPairsPerForwardPass() throws {
    let s = try parse(["score", "t", "d.h5"], as: ScoreCommand.self)
    #expect(s.teacher == "t" && s.data == "d.h5" && s.batch == 32 && s.maxLength == nil)
    #expect(try parse(["score", "t", "d.h5", "--batch", "8", "--max-length", "128"], as: ScoreCommand.self).batch == 8)
    #expect(!s.embeddings && s.prompt == nil)
  }

  @Test func scoreEmbedsWithABiEncoderTeacherAndItsPrompt() throws {
    let s = try parse(["score", "t", "d.h5", "--embeddings", "--prompt", "query: "], as: ScoreCommand.self)
    #expect(s.embeddings && s.prompt == "query: ")
    #expect(refusal(["score", "t", "d.h5", "--prompt", "query: "]).contains("--prompt goes with --embeddings"))
  }
}
