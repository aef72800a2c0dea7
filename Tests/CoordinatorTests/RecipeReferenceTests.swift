import Foundation
import Testing
import Shared
@testable import Coordinator

/// The reference implementation's own recipes (Tests/Fixtures/Recipes, only model and data paths changed)
/// load as they are: the right objective, its keys mapped, one warning per key that cannot apply.
struct RecipeReferenceTests {
    /// Tests/Fixtures/Recipes, outside the test target's folder so SwiftPM does not take the files as sources.
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Recipes").path

    func load(_ name: String, overrides: [String] = []) throws -> (recipe: Recipe, warnings: [RecipeWarning]) {
        var warnings: [RecipeWarning] = []
        let recipe = try Recipe.load(path: "\(fixtures)/\(name)", overrides: overrides, workingDirectory: fixtures) { warnings.append($0) }
        return (recipe, warnings)
    }

    /// The key and line of each warning, in order.
    func keysAndLines(_ warnings: [RecipeWarning]) -> [String] {
        warnings.map { warning in
            guard case .file(_, let line?) = warning.origin else { return "\(warning.key) (\(warning.origin))" }
            return "\(warning.key):\(line)"
        }
    }

    @Test func theBFPORecipeTrainsBFPOWithItsValuesAndOneWarningPerInapplicableKey() throws {
        let (recipe, warnings) = try load("bfpo-selective.yaml")
        #expect(recipe.objective == .bfpo)
        #expect(recipe.model == "\(fixtures)/models/zephyr-7b-sft-full" && recipe.referenceModel == recipe.model)
        #expect(recipe.datasetMixer == [.init(path: "\(fixtures)/data/ultrafeedback_binarized", fraction: 1)])
        #expect(recipe.trainSources == [.init(path: "\(fixtures)/data/ultrafeedback_binarized/train_prefs.jsonl", fraction: 1)])
        #expect(recipe.evalSources == [.init(path: "\(fixtures)/data/ultrafeedback_binarized/test_prefs.jsonl", fraction: 1)])
        #expect(recipe.datasetSplits == ["train_prefs", "test_prefs"] && recipe.bufferDatasetSplits == ["train_prefs", "test_prefs"])
        #expect(!recipe.useBuffer && recipe.bufferMixer == nil)
        #expect(recipe.doEval == true && recipe.evalStrategy == .steps && recipe.evalSteps == 100 && recipe.effectiveEvalStrategy == .steps)
        #expect(recipe.beta == 0.01 && recipe.learningRate == 5e-7 && recipe.lrSchedulerType == .cosine && recipe.warmupRatio == 0.1)
        #expect(recipe.gradientAccumulationSteps == 2 && recipe.perDeviceTrainBatchSize == 8 && recipe.perDeviceEvalBatchSize == 8)
        #expect(recipe.maxLength == 1024 && recipe.maxPromptLength == 512 && recipe.numTrainEpochs == 1 && recipe.seed == 42)
        #expect(recipe.optim == .adamwTorch && recipe.saveStrategy == .steps && recipe.saveSteps == 100 && recipe.saveTotalLimit == 1)
        #expect(recipe.logLevel == "info" && recipe.loggerLevel == .info && recipe.loggingSteps == 10)
        #expect(recipe.outputDir == "\(fixtures)/models")
        #expect(recipe.reportTo == ["wandb"] && recipe.reportsToTensorBoard)  // wandb is not here; TensorBoard stands in
        #expect(!recipe.useSelective && recipe.selectedLayers == ["down_proj"])
        // torch_dtype: null, push_to_hub: False and an empty hub_token ask for nothing and pass silently.
        #expect(keysAndLines(warnings) == [
            "preprocessing_num_workers:11", "bf16:23", "gradient_checkpointing:29", "gradient_checkpointing_kwargs:30",
            "hub_model_id:32", "report_to:51",
        ])
        let bf16 = try #require(warnings.first { $0.key == "bf16" })
        #expect(bf16.description == "\(fixtures)/bfpo-selective.yaml:23: bf16: not used here; CPU runs keep parameters, gradients and "
                + "optimizer state in fp32 (compression: bf16 halves what crosses the wire)")
        #expect(warnings.last?.reason.hasPrefix("wandb not available here") == true)
    }

    @Test func theSFTRecipeTrainsSFTWithItsValuesAndOneWarningPerInapplicableKey() throws {
        let (recipe, warnings) = try load("sft-selective.yaml")
        #expect(recipe.objective == .sft)
        #expect(recipe.model == "\(fixtures)/models/Mistral-7B-v0.1")
        #expect(recipe.trainSources == [.init(path: "\(fixtures)/data/ultrachat_200k/train_sft.jsonl", fraction: 1)])
        #expect(recipe.evalSources == [.init(path: "\(fixtures)/data/ultrachat_200k/test_sft.jsonl", fraction: 1)])
        // max_seq_length is SFT's max_length.
        #expect(recipe.maxLength == 2048 && recipe.maxPromptLength == 128)
        #expect(recipe.doEval == true && recipe.effectiveEvalStrategy == .epoch)
        #expect(recipe.gradientAccumulationSteps == 16 && recipe.perDeviceTrainBatchSize == 4 && recipe.learningRate == 1e-5)
        #expect(recipe.loggingSteps == 5 && recipe.outputDir == "\(fixtures)/models")
        #expect(recipe.reportTo == ["tensorboard", "wandb"] && recipe.reportsToTensorBoard)
        #expect(recipe.useSelective && recipe.selectedLayers == ["down_proj"])
        // model_revision: main, logging_strategy: steps and max_steps: -1 ask for nothing this project does not do.
        #expect(keysAndLines(warnings) == [
            "torch_dtype:4", "use_flash_attention_2:5", "chat_template:8", "preprocessing_num_workers:14", "bf16:17",
            "gradient_checkpointing:21", "gradient_checkpointing_kwargs:22", "hub_model_id:24", "hub_strategy:25",
            "overwrite_output_dir:35", "remove_unused_columns:39", "report_to:40",
        ])
    }

    /// The reference's `bfpo.sh` passes its data settings as `--other_data_config=FILE` and turns on
    /// selective training on the command line.
    @Test func otherDataConfigReplacesTheRecipesDataKeysAsInTheReferenceLaunchScript() throws {
        let (recipe, warnings) = try load("bfpo-selective.yaml", overrides: try Recipe.overrides(fromArguments: [
            "--per_device_train_batch_size=2", "--gradient_accumulation_steps=4", "--output_dir=./models/bfpo-selective",
            "--model_name_or_path=./models/sft-selective", "--other_data_config=balance-bfpo.yaml", "--use_selective=True",
            "--remove_unused_columns=False",
        ]))
        #expect(recipe.objective == .bfpo)
        #expect(recipe.perDeviceTrainBatchSize == 2 && recipe.gradientAccumulationSteps == 4 && recipe.useSelective)
        #expect(recipe.model == "\(fixtures)/models/sft-selective" && recipe.outputDir == "\(fixtures)/models/bfpo-selective")
        #expect(recipe.trainSources == [.init(path: "\(fixtures)/data/PKU-SafeRLHF/train_prefs.jsonl", fraction: 0.2)])
        #expect(recipe.evalSources == [.init(path: "\(fixtures)/data/PKU-SafeRLHF/test_prefs.jsonl", fraction: 1)])
        #expect(recipe.useBuffer)
        #expect(recipe.bufferMixer?.sources.map(\.path) == ["\(fixtures)/data/ultrafeedback_binarized/train_prefs.jsonl"])
        // The data file's preprocessing_num_workers replaces the recipe's, so it is named at its own line.
        #expect(keysAndLines(warnings).first == "preprocessing_num_workers:6")
        #expect(warnings.first?.origin == .file(path: "\(fixtures)/balance-bfpo.yaml", line: 6))
        #expect(warnings.count == 6)
    }
}
