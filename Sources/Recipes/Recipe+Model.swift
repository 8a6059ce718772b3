/// Reading the `model` section.
extension Recipe {
  static func parseModel(_ r: RecipeReader) throws -> Model {
    try r.map { mm in
      let base = try existing(try mm.required("base"), directory: true)
      let pooling = try mm.optional("pooling")?.oneOf(Pooling.self, Pooling.allCases)
      // a text needs room for <s> and </s>; a cross-encoder's pair for <s> a </s></s> b </s>
      let lengthReader = mm.optional("max_length")
      let maxLength = try lengthReader?.int(atLeast: 2, "<s> and </s>") ?? 512
      let queryPrefix = try mm.optional("query_prefix")?.string() ?? ""
      let passagePrefix = try mm.optional("passage_prefix")?.string() ?? ""
      let instructionTemplate = try mm.optional("instruction_template").map { r -> InstructionTemplate in
        guard let t = InstructionTemplate(try r.string()) else {
          throw r.fail("the instruction template must end with {text} (once), e.g. \"Instruct: {task}\\nQuery: {text}\"")
        }
        return t
      } ?? .standard
      let crossEncoder = try mm.optional("cross_encoder")?.bool() ?? false
      if crossEncoder, let lengthReader, maxLength < 4 {
        throw lengthReader.fail("a cross-encoder's pair needs at least 4 tokens (<s> a </s></s> b </s>), got \(maxLength)")
      }
      let truncateReader = mm.optional("truncate_dim")
      if crossEncoder, let truncateReader { throw truncateReader.fail("a cross-encoder has no embeddings to truncate") }
      return Model(
        base: base, pooling: pooling, maxLength: maxLength, queryPrefix: queryPrefix, passagePrefix: passagePrefix,
        instructionTemplate: instructionTemplate, crossEncoder: crossEncoder, truncateDim: try truncateReader?.int(atLeast: 1),
        truncateDimKey: truncateReader?.key)
    }
  }
}
