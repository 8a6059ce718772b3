import Autograd
import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// Bad inputs give errors that name the file and the key, tensor or line at fault.
@Suite struct LoadingErrorTests {
  @Test func unsupportedModelTypeAndActivation() throws {
    let p1 = try writeConfig { $0["model_type"] = "gpt2" }
    let e1 = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: p1) }
    #expect("\(e1!)".contains("model_type") && "\(e1!)".contains("gpt2") && "\(e1!)".contains(p1))
    let p2 = try writeConfig { $0["hidden_act"] = "gelu_new" }
    let e2 = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: p2) }
    #expect("\(e2!)".contains("hidden_act") && "\(e2!)".contains("gelu_new"))
  }

  @Test func missingOrMistypedKeys() throws {
    let p1 = try writeConfig { $0["hidden_size"] = nil }
    let e1 = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: p1) }
    #expect("\(e1!)".contains("hidden_size") && "\(e1!)".contains("missing"))
    let p2 = try writeConfig { $0["num_attention_heads"] = "four" }
    let e2 = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: p2) }
    #expect("\(e2!)".contains("num_attention_heads"))
    let p3 = try writeConfig { $0["num_attention_heads"] = 5 }
    let e3 = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: p3) }
    #expect("\(e3!)".contains("does not divide"))
  }

  @Test func wrongShapeAndMissingTensorAreNamed() throws {
    let config = try EncoderConfig.load(path: Fixtures.path("tiny-xlmr/config.json"))
    let source = try SafeTensorsFile(path: Fixtures.path("tiny-xlmr/model.safetensors"))
    let dir = Fixtures.temporaryDirectory()
    func rewrite(skipping skip: String?, reshape: String?) throws -> SafeTensorsFile {
      var w = SafeTensorsWriter()
      var keep: [[Float]] = []
      for name in source.names where name != skip {
        keep.append(try source.floats(name))
        var shape = try source.entry(name).shape
        if name == reshape { shape = [shape.reduce(1, *)] }
        keep.last!.withUnsafeBufferPointer { w.add(name, shape: shape, floats: $0) }
      }
      let path = dir.appendingPathComponent(UUID().uuidString + ".safetensors").path
      try w.write(to: path)
      return try SafeTensorsFile(path: path)
    }
    let q = "encoder.layer.1.attention.self.query.weight"
    let e1 = #expect(throws: TextEncoderError.self) { try Encoder(config: config).load(from: rewrite(skipping: q, reshape: nil)) }
    #expect("\(e1!)".contains("missing tensor '\(q)'"))
    let e2 = #expect(throws: TextEncoderError.self) { try Encoder(config: config).load(from: rewrite(skipping: nil, reshape: q)) }
    #expect("\(e2!)".contains(q) && "\(e2!)".contains("[1024]") && "\(e2!)".contains("[32, 32]"))
  }
}
