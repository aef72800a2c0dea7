import Testing
@testable import Coordinator

/// Hugging Face's `--key=value` overrides, as the reference's launch scripts write them.
struct RecipeCommandLineTests {
    @Test func hfStyleArgumentsBecomeOverrides() throws {
        #expect(try Recipe.overrides(fromArguments: [
            "--learning_rate=1e-4", "--use_selective=True", "--selected_layers=[mlp, c_attn]", "--max-length", "128",
            "--model_name_or_path=./m", "--tokenizer=", "--dataset_mixer={a.jsonl: 0.5}",
        ]) == [
            "learning_rate=1e-4", "use_selective=True", "selected_layers=[mlp, c_attn]", "max_length=128",
            "model_name_or_path=./m", "tokenizer=", "dataset_mixer={a.jsonl: 0.5}",
        ])
        // Inapplicable keys are accepted too (and warned about when the recipe is read).
        #expect(try Recipe.overrides(fromArguments: ["--remove_unused_columns=False"]) == ["remove_unused_columns=False"])
        #expect(try Recipe.overrides(fromArguments: []) == [])
    }

    @Test func overridesFromArgumentsApplyLikeSet() throws {
        let recipe = try Recipe.parse(yaml: "model: m\ndataset_mixer: {d.jsonl: 1}\nbeta: 0.1\n", source: "r.yaml", baseDirectory: "/w",
                                      overrides: Recipe.overrides(fromArguments: ["--learning_rate=1e-4", "--use_selective=True", "--selected_layers=[mlp]"]),
                                      workingDirectory: "/home/me")
        #expect(recipe.learningRate == 1e-4 && recipe.useSelective && recipe.selectedLayers == ["mlp"] && recipe.objective == .bfpo)
    }

    @Test func badArgumentsAreNamedInRecipeTerms() {
        #expect(throws: RecipeError.invalidOverride(text: "--learning_rat=1e-4",
                                                    reason: "neither an option of this command nor a recipe key; did you mean --learning_rate?")) {
            try Recipe.overrides(fromArguments: ["--learning_rat=1e-4"])
        }
        #expect(throws: RecipeError.invalidOverride(text: "--use_selective", reason: "the recipe key has no value; write --use_selective=VALUE")) {
            try Recipe.overrides(fromArguments: ["--use_selective", "--beta=0.1"])
        }
        #expect(throws: RecipeError.invalidOverride(text: "recipe.yaml", reason: "an unexpected argument; recipe keys are given as --key=value")) {
            try Recipe.overrides(fromArguments: ["recipe.yaml"])
        }
    }
}
