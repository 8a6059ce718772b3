import Foundation
import TestSupport
import Testing

@testable import TextEncoder

/// config_sentence_transformers.json's prompts and default_prompt_name: written as given, read
/// back, a default that names no prompt refused with the file and key, an unknown prompt name
/// refused with the prompts there are. (The directory carries e5's SentencePiece model: the
/// writer derives tokenizer.json from it.)
@Suite(.needsRealModel) struct PromptLayoutTests {
  func tinyDirectory(_ layout: SentenceTransformersLayout) throws -> URL {
    let dir = Fixtures.temporaryDirectory()
    let encoder = Encoder(config: EncoderConfig(vocabSize: 8, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 1, intermediateSize: 8, maxPositionEmbeddings: 16))
    try ModelDirectoryWriter(layout: layout).write(encoder: encoder, sentencePieceModel: try Data(contentsOf: URL(fileURLWithPath: Fixtures.e5Model + "/sentencepiece.bpe.model")), to: dir.appendingPathComponent("m").path)
    return dir.appendingPathComponent("m")
  }

  @Test func theDefaultPromptIsWrittenAndReadBack() throws {
    let dir = try tinyDirectory(.init(prompts: ["query": "query: ", "passage": "query: "], defaultPromptName: "query"))
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config_sentence_transformers.json"))) as! [String: Any]
    #expect(json["default_prompt_name"] as? String == "query")
    let layout = try SentenceTransformersLayout.read(directory: dir)
    #expect(layout.defaultPromptName == "query" && layout.prompts == ["query": "query: ", "passage": "query: "])
    let passage = try layout.prompt(named: "passage", directory: dir.path)
    #expect(passage == "query: ")
    #expect { try layout.prompt(named: "nli", directory: dir.path) } throws: {
      "\($0)".contains("no prompt named 'nli'") && "\($0)".contains("passage, query") && "\($0)".contains("config_sentence_transformers.json")
    }
    // without a default: null, as sentence-transformers writes it
    let plain = try tinyDirectory(.init(prompts: ["query": "q: "]))
    let plainJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: plain.appendingPathComponent("config_sentence_transformers.json"))) as! [String: Any]
    let plainLayout = try SentenceTransformersLayout.read(directory: plain)
    #expect(plainJSON["default_prompt_name"] is NSNull && plainLayout.defaultPromptName == nil)
  }

  @Test func aDefaultThatIsNoPromptIsRefused() throws {
    let dir = try tinyDirectory(.init(prompts: ["query": "query: "]))
    let url = dir.appendingPathComponent("config_sentence_transformers.json")
    try #"{"prompts": {"query": "query: "}, "default_prompt_name": "passage"}"#.write(to: url, atomically: true, encoding: .utf8)
    #expect { try SentenceTransformersLayout.read(directory: dir) } throws: {
      "\($0)".contains(url.path) && "\($0)".contains("default_prompt_name") && "\($0)".contains("'passage' is not one of the prompts")
    }
  }
}
