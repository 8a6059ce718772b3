/// Reading the `model` section.
extension Recipe {
  static func parseModel(_ r: RecipeReader) throws -> Model {
    try r.map { mm in
      Model(
        base: try existing(try mm.required("base"), directory: true),
        pooling: try mm.optional("pooling")?.oneOf(Pooling.self, Pooling.allCases),
        maxLength: try positive(mm.optional("max_length"), default: 512),
        queryPrefix: try mm.optional("query_prefix")?.string() ?? "",
        passagePrefix: try mm.optional("passage_prefix")?.string() ?? "",
        instructionTemplate: try mm.optional("instruction_template").map { r -> InstructionTemplate in
          guard let t = InstructionTemplate(try r.string()) else {
            throw r.fail("the instruction template must end with {text} (once), e.g. \"Instruct: {task}\\nQuery: {text}\"")
          }
          return t
        } ?? .standard,
        crossEncoder: try mm.optional("cross_encoder")?.bool() ?? false)
    }
  }
}
