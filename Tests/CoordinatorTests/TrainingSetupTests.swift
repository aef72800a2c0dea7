import Foundation
import Testing
@testable import Shared
@testable import Coordinator

/// What `TrainingSetup` checks of a recipe once the model is known, said in recipe terms.
struct TrainingSetupTests {
    @Test func maxLengthBeyondTheModelsPositionsIsARecipeError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("setup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = GPT2Config(layers: 1, heads: 2, embedding: 8, positions: 16, vocabulary: 13)
        try ModelDirectory.save(config: config, parameters: ModelInitializer.parameters(for: config, seed: 1), to: directory + "/model")
        try "{\"chosen_ids\":[1,2,3],\"chosen_mask\":[0,1,1],\"rejected_ids\":[1,4],\"rejected_mask\":[0,1],\"is_chosen_safe\":1,\"is_rejected_safe\":0}\n"
            .write(toFile: directory + "/pairs.jsonl", atomically: true, encoding: .utf8)
        let recipe = try Recipe.parse(yaml: "model: model\ndataset_mixer: {pairs.jsonl: 1}\nmax_length: 64\nmax_prompt_length: 8\n", source: "r.yaml", baseDirectory: directory)
        let error = RecipeError.outOfRange(key: "max_length", value: "64", requirement: "at most the model's n_positions (16), e.g. --max_length=16")
        #expect(throws: error) {
            try TrainingSetup(recipe: recipe, runDirectory: directory + "/run", log: Logger(component: "test", threshold: .error))
        }
        #expect(error.description == "max_length is 64 but must be at most the model's n_positions (16), e.g. --max_length=16")
    }
}
