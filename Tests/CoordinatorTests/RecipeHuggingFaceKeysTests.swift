import Testing
import Shared
@testable import Coordinator

/// Keys of Hugging Face `TrainingArguments` and alignment-handbook recipes: mapped where they mean
/// something here, warned about once where they cannot apply, refused where ignoring them would train
/// something else.
struct RecipeHuggingFaceKeysTests {
    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\nobjective: bfpo\n"

    func parse(_ yaml: String, overrides: [String] = []) throws -> (recipe: Recipe, warnings: [RecipeWarning]) {
        var warnings: [RecipeWarning] = []
        let recipe = try Recipe.parse(yaml: yaml, source: "recipe.yaml", baseDirectory: "/work/recipes", overrides: overrides,
                                      workingDirectory: "/home/me") { warnings.append($0) }
        return (recipe, warnings)
    }

    func error(_ yaml: String, overrides: [String] = []) -> RecipeError? {
        do {
            _ = try parse(yaml, overrides: overrides)
            return nil
        } catch {
            return error as? RecipeError
        }
    }

    @Test func mappedKeysParseWriteBackAndReadAgain() throws {
        let (recipe, warnings) = try parse(base + """
            output_dir: out/run
            logging_steps: 10
            log_level: warning
            report_to: tensorboard
            optim: adamw_torch_fused
            save_strategy: epoch

            """)
        #expect(warnings.isEmpty)
        #expect(recipe.outputDir == "/work/recipes/out/run" && recipe.loggingSteps == 10 && recipe.logLevel == "warning")
        #expect(recipe.loggerLevel == .warning && recipe.reportTo == ["tensorboard"] && recipe.reportsToTensorBoard)
        #expect(recipe.optim == .adamwTorchFused && recipe.saveStrategy == .epoch)
        let text = try recipe.yaml()
        #expect(text.contains("\noptim: adamw_torch_fused\n") && text.contains("\nreport_to: [tensorboard]\n") && text.contains("\nsave_strategy: epoch\n"))
        #expect(try parse(text).recipe == recipe)
    }

    @Test func aliasesReadAsTheirKeysAndALaterLayerReplacesEither() throws {
        let (recipe, _) = try parse("model_name_or_path: m\ndataset_mixer: {d.jsonl: 1}\nmax_seq_length: 512\n")
        #expect(recipe.model == "/work/recipes/m" && recipe.maxLength == 512 && recipe.objective == .sft)
        #expect(try recipe.yaml().contains("\nmodel: /work/recipes/m\n"))
        #expect(try parse(base, overrides: ["model_name_or_path=other"]).recipe.model == "/home/me/other")
        #expect(error("model_name_or_path: m\nmodel: n\ndataset_mixer: {d.jsonl: 1}\n")
                == .duplicateKey(key: "model (as its alias model_name_or_path)", origin: .file(path: "recipe.yaml", line: 2)))
    }

    @Test func optimAcceptsTheAdamWVariantsOnly() throws {
        for name in ["adamw_torch", "adamw_torch_fused", "adamw_hf"] {
            #expect(try parse(base + "optim: \(name)\n").recipe.adamW == AdamW.Hyperparameters(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0))
        }
        #expect(error(base + "optim: rmsprop\n")
                == .wrongType(key: "optim", expected: "one of \"adamw_torch\", \"adamw_torch_fused\", \"adamw_hf\"", found: "the string \"rmsprop\"",
                              origin: .file(path: "recipe.yaml", line: 4)))
    }

    @Test func saveStrategyGivesTheCheckpointInterval() throws {
        #expect(try parse(base + "save_steps: 7\n").recipe.checkpointInterval(stepsPerEpoch: 10, totalSteps: 30) == 7)
        #expect(try parse(base + "save_strategy: epoch\n").recipe.checkpointInterval(stepsPerEpoch: 10, totalSteps: 30) == 10)
        // An unquoted `no` is YAML 1.1's false, read as `no`.
        let no = try parse(base + "save_strategy: no\n").recipe
        #expect(no.saveStrategy == .no && no.checkpointInterval(stepsPerEpoch: 10, totalSteps: 30) == 30)
        #expect(error(base + "save_strategy: best\n")
                == .wrongType(key: "save_strategy", expected: "one of \"steps\", \"epoch\", \"no\"", found: "the string \"best\"",
                              origin: .file(path: "recipe.yaml", line: 4)))
    }

    @Test func reportToIsStoredAsAListAndWarnsOnceForUnavailableIntegrations() throws {
        let (recipe, warnings) = try parse(base + "report_to: [tensorboard, wandb, mlflow]\n")
        #expect(recipe.reportTo == ["tensorboard", "wandb", "mlflow"] && recipe.reportsToTensorBoard)
        #expect(warnings.map(\.description) == [
            "recipe.yaml:4: report_to: wandb, mlflow not available here; every metric is in metrics.jsonl "
                + "(and in TensorBoard event files with report_to: tensorboard)",
        ])
        #expect(try parse(base + "report_to: none\n").recipe.reportsToTensorBoard == false)
        #expect(try parse(base).recipe.reportsToTensorBoard)
        #expect(error(base + "report_to: [tensorbord]\n")?.description.hasPrefix("report_to is \"tensorbord\" but must be tensorboard, none, or one of") == true)
        #expect(error(base + "log_level: loud\n")
                == .outOfRange(key: "log_level", value: "\"loud\"", requirement: "one of critical, debug, error, info, passive, warning"))
    }

    @Test func doEvalTurnsEvaluationOffOrRequiresAnEvalSet() throws {
        let evalSet = base + "eval_dataset_mixer: {e.jsonl: 1}\n"
        #expect(try parse(evalSet + "do_eval: false\n").recipe.effectiveEvalStrategy == .no)
        #expect(try parse(evalSet + "do_eval: false\neval_strategy: epoch\n").recipe.effectiveEvalStrategy == .epoch)
        #expect(try parse(evalSet + "do_eval: true\n").recipe.effectiveEvalStrategy == .epoch)
        #expect(error(base + "do_eval: true\n") == .outOfRange(
            key: "do_eval", value: "true", requirement: "false unless an eval set is given (eval_dataset_mixer, or a test split in dataset_splits)"))
    }

    @Test func inapplicableKeysWarnOnceEachUnlessTheyAskForNothing() throws {
        let (_, warnings) = try parse(base + """
            hub_private_repo: true
            ddp_timeout: 5400
            push_to_hub: false
            torch_dtype: float32
            model_revision: main
            max_steps: -1
            attn_implementation: sdpa
            lora_r: 16

            """)
        #expect(warnings.map(\.key) == ["hub_private_repo", "ddp_timeout", "attn_implementation", "lora_r"])
        #expect(warnings[1].description == "recipe.yaml:5: ddp_timeout: not used here; distribution is this project's own: workers, shards and max_staleness")
    }

    @Test func keysThatWouldChangeTheRunAreRefused() {
        #expect(error(base + "max_steps: 500\n")
                == .refusedKey(key: "max_steps", origin: .file(path: "recipe.yaml", line: 4), reason: "the run's length is num_train_epochs"))
        #expect(error(base + "use_peft: true\n")?.description
                == "recipe.yaml:4: use_peft cannot be applied here: LoRA adapters are not available; use_selective with selected_layers trains part of the model")
        #expect(error("model: m\ndataset_mixture:\n  datasets: []\n  seed: 0\n")
                == .refusedKey(key: "dataset_mixture", origin: .file(path: "recipe.yaml", line: 2),
                               reason: "Hub datasets are not fetched here; name local files or directories in dataset_mixer (with dataset_splits)"))
    }

    @Test func bufferDatasetSplitsPickTheBuffersTrainFile() throws {
        let fixtures = RecipeReferenceTests().fixtures
        let (recipe, _) = try parse(base + """
            use_buffer: true
            buffer_dataset_mixer: {\(fixtures)/data/ultrachat_200k: 1}
            buffer_dataset_splits: [train_sft, test_sft]

            """)
        #expect(recipe.bufferMixer?.sources.map(\.path) == ["\(fixtures)/data/ultrachat_200k/train_sft.jsonl"])
        #expect(error(base + "use_buffer: true\nbuffer_dataset_mixer: {\(fixtures)/data/ultrachat_200k: 1}\n")
                == .outOfRange(key: "buffer_dataset_mixer: \(fixtures)/data/ultrachat_200k", value: "a directory",
                               requirement: "a dataset file, or a directory holding train.jsonl or train.json"))
    }
}
