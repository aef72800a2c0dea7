import Foundation
import Testing
import Shared
@testable import Coordinator

/// A recipe setting every key to a value other than its default.
private let fullRecipe = """
    model: models/policy
    reference_model: /abs/reference
    tokenizer: tok/tokenizer.json
    dataset_mixer:
      data/b.jsonl: 0.25
      data/a.jsonl: 1
    dataset_format: pku-saferlhf
    use_buffer: yes
    buffer_dataset_mixer:
      ../buffer.jsonl: 0.5
    max_length: 512
    max_prompt_length: 200
    dataset_splits: [train_prefs]
    eval_dataset_mixer:
      data/eval.jsonl: 0.5
    eval_strategy: steps
    eval_steps: 20
    per_device_eval_batch_size: 16
    objective: ipo
    beta: 0.1
    b1: 2.5
    alpha: -0.25
    learning_rate: 5e-7
    lr_scheduler_type: linear
    warmup_ratio: 0.05
    num_train_epochs: 3
    per_device_train_batch_size: 8
    gradient_accumulation_steps: 2
    max_grad_norm: 0.5
    weight_decay: 0.01
    adam_beta1: 0.8
    adam_beta2: 0.99
    adam_epsilon: 1.0e-6
    seed: 7
    use_selective: true
    selected_layers:
      - down_proj
      - h.0.ln_1
    save_steps: 50
    save_total_limit: null
    shards: 8
    max_staleness: 2
    workers_expected: 3
    heartbeat_seconds: 0.5
    lease_seconds: 30
    """

private func parse(_ yaml: String, overrides: [String] = []) throws -> Recipe {
    try Recipe.parse(yaml: yaml, source: "recipe.yaml", baseDirectory: "/work/recipes", overrides: overrides, workingDirectory: "/home/me")
}

/// The error `body` throws, as a `RecipeError`.
private func recipeError(_ body: () throws -> Recipe) -> RecipeError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? RecipeError
    }
}

@Test func fullRecipeParsesToExactValues() throws {
    let recipe = try parse(fullRecipe)
    var expected = Recipe(model: "/work/recipes/models/policy", datasetMixer: [
        .init(path: "/work/recipes/data/b.jsonl", fraction: 0.25), .init(path: "/work/recipes/data/a.jsonl", fraction: 1),
    ])
    expected.referenceModel = "/abs/reference"
    expected.tokenizer = "/work/recipes/tok/tokenizer.json"
    expected.datasetFormat = .pkuSafeRLHF
    expected.useBuffer = true
    expected.bufferDatasetMixer = [.init(path: "/work/buffer.jsonl", fraction: 0.5)]
    expected.maxLength = 512
    expected.maxPromptLength = 200
    expected.datasetSplits = ["train_prefs"]
    expected.evalDatasetMixer = [.init(path: "/work/recipes/data/eval.jsonl", fraction: 0.5)]
    expected.evalStrategy = .steps
    expected.evalSteps = 20
    expected.perDeviceEvalBatchSize = 16
    expected.objective = .ipo
    expected.beta = 0.1
    expected.b1 = 2.5
    expected.alpha = -0.25
    expected.learningRate = 5e-7
    expected.lrSchedulerType = .linear
    expected.warmupRatio = 0.05
    expected.numTrainEpochs = 3
    expected.perDeviceTrainBatchSize = 8
    expected.gradientAccumulationSteps = 2
    expected.maxGradNorm = 0.5
    expected.weightDecay = 0.01
    expected.adamBeta1 = 0.8
    expected.adamBeta2 = 0.99
    expected.adamEpsilon = 1e-6
    expected.seed = 7
    expected.useSelective = true
    expected.selectedLayers = ["down_proj", "h.0.ln_1"]
    expected.saveSteps = 50
    expected.saveTotalLimit = nil
    expected.shards = 8
    expected.maxStaleness = 2
    expected.workersExpected = 3
    expected.heartbeatSeconds = 0.5
    expected.leaseSeconds = 30
    #expect(recipe == expected)
    #expect(recipe.adamW == AdamW.Hyperparameters(beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01))
    #expect(recipe.objectiveParameters == ObjectiveParameters(beta: 0.1, b1: 2.5, alpha: -0.25))
    // The mixer keeps the file's order, which fixes the seeded data order.
    #expect(recipe.mixer.sources.map(\.path) == ["/work/recipes/data/b.jsonl", "/work/recipes/data/a.jsonl"])
    #expect(recipe.mixer.seed == 7)
}

@Test func unsetKeysTakeTheDocumentedDefaults() throws {
    let recipe = try parse("model: m\ndataset_mixer: {d.jsonl: 1.0}\nobjective: bfpo\n")
    #expect(recipe == Recipe(model: "/work/recipes/m", datasetMixer: [.init(path: "/work/recipes/d.jsonl", fraction: 1)]))
    #expect(recipe.referenceModel == "/work/recipes/m")
    #expect(recipe.tokenizer == nil && recipe.datasetFormat == nil && !recipe.useBuffer && recipe.bufferDatasetMixer == nil)
    #expect(recipe.objective == .bfpo && recipe.beta == 0.01 && recipe.b1 == 3 && recipe.alpha == 0.5)
    #expect(recipe.learningRate == 5e-5 && recipe.lrSchedulerType == .cosine && recipe.warmupRatio == 0.1)
    #expect(recipe.numTrainEpochs == 1 && recipe.perDeviceTrainBatchSize == 4 && recipe.gradientAccumulationSteps == 1)
    #expect(recipe.maxLength == 256 && recipe.maxPromptLength == 128)
    #expect(recipe.maxGradNorm == 1 && recipe.weightDecay == 0)
    #expect(recipe.adamBeta1 == 0.9 && recipe.adamBeta2 == 0.999 && recipe.adamEpsilon == 1e-8)
    #expect(recipe.saveSteps == 100 && recipe.saveTotalLimit == 2 && recipe.seed == 42)
    #expect(!recipe.useSelective && recipe.selectedLayers == nil)
    #expect(recipe.shards == 4 && recipe.maxStaleness == 0 && recipe.workersExpected == 1)
    #expect(recipe.heartbeatSeconds == 2 && recipe.leaseSeconds == 60)
    #expect(recipe.optim == .adamwTorch && recipe.saveStrategy == .steps && recipe.doEval == nil && recipe.bufferDatasetSplits == nil)
    #expect(recipe.outputDir == nil && recipe.loggingSteps == nil && recipe.logLevel == nil && recipe.reportTo == nil)
}

@Test func unknownKeysAreAllNamedWithTheirLinesAndSuggestions() {
    let error = recipeError { try parse("model: m\nlearning_rat: 1e-4\ndataset_mixer: {d.jsonl: 1}\nbf17: true\nshard: 2\nzzz_qqq: 1\n",
                                        overrides: ["seeed=3"]) }
    #expect(error == .unknownKeys([
        .init(key: "learning_rat", origin: .file(path: "recipe.yaml", line: 2), suggestion: "learning_rate"),
        .init(key: "bf17", origin: .file(path: "recipe.yaml", line: 4), suggestion: "bf16"),
        .init(key: "shard", origin: .file(path: "recipe.yaml", line: 5), suggestion: "shards"),
        .init(key: "zzz_qqq", origin: .file(path: "recipe.yaml", line: 6), suggestion: nil),
        .init(key: "seeed", origin: .override("seeed=3"), suggestion: "seed"),
    ]))
    #expect(error?.description == """
        recipe.yaml:2: unknown recipe key "learning_rat"; did you mean "learning_rate"?
        recipe.yaml:4: unknown recipe key "bf17"; did you mean "bf16"?
        recipe.yaml:5: unknown recipe key "shard"; did you mean "shards"?
        recipe.yaml:6: unknown recipe key "zzz_qqq"
        override "seeed=3": unknown recipe key "seeed"; did you mean "seed"?
        (docs/recipes.md lists every key a recipe may set)
        """)
}

@Test func wrongTypesAreNamed() {
    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\n"
    #expect(recipeError { try parse(base + "learning_rate: fast\n") }
            == .wrongType(key: "learning_rate", expected: "a number", found: "the string \"fast\"", origin: .file(path: "recipe.yaml", line: 3)))
    #expect(recipeError { try parse(base + "shards: 2.5\n") }
            == .wrongType(key: "shards", expected: "an integer", found: "the number 2.5", origin: .file(path: "recipe.yaml", line: 3)))
    // A quoted number is a string under YAML's rules.
    #expect(recipeError { try parse(base + "per_device_train_batch_size: \"4\"\n") }
            == .wrongType(key: "per_device_train_batch_size", expected: "an integer", found: "the string \"4\"", origin: .file(path: "recipe.yaml", line: 3)))
    #expect(recipeError { try parse(base + "use_buffer: 1\n") }
            == .wrongType(key: "use_buffer", expected: "true or false", found: "the number 1", origin: .file(path: "recipe.yaml", line: 3)))
    #expect(recipeError { try parse(base + "objective: ppo\n") }
            == .wrongType(key: "objective", expected: "one of \"bfpo\", \"dpo\", \"ipo\", \"sft\"", found: "the string \"ppo\"", origin: .file(path: "recipe.yaml", line: 3)))
    #expect(recipeError { try parse("model: m\ndataset_mixer: [d.jsonl]\n") }
            == .wrongType(key: "dataset_mixer", expected: "a mapping of dataset paths to fractions", found: "a list", origin: .file(path: "recipe.yaml", line: 2)))
    #expect(recipeError { try parse("model: m\ndataset_mixer:\n  d.jsonl: half\n") }
            == .wrongType(key: "dataset_mixer: d.jsonl", expected: "a number", found: "the string \"half\"", origin: .file(path: "recipe.yaml", line: 3)))
    // An integral float is accepted where an integer is due.
    #expect((try? parse(base + "objective: bfpo\nnum_train_epochs: 2.0\n"))?.numTrainEpochs == 2)
}

@Test func outOfRangeValuesAreNamed() {
    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\n"
    #expect(recipeError { try parse(base + "learning_rate: -1e-5\n") }
            == .outOfRange(key: "learning_rate", value: "-1e-05", requirement: "a positive number"))
    #expect(recipeError { try parse("model: m\ndataset_mixer: {d.jsonl: 1.5}\n") }
            == .outOfRange(key: "dataset_mixer: /work/recipes/d.jsonl", value: "1.5", requirement: "a fraction in (0, 1]"))
    #expect(recipeError { try parse(base + "shards: 0\n") }
            == .outOfRange(key: "shards", value: "0", requirement: "at least 1"))
    #expect(recipeError { try parse(base + "max_prompt_length: 256\n") }
            == .outOfRange(key: "max_prompt_length", value: "256", requirement: "at least 1 and less than max_length (256)"))
    #expect(recipeError { try parse(base + "b1: 1\n") }.map { "\($0)" }?.hasPrefix("b1 is 1.0 but must be finite and different from 1") == true)
    #expect(recipeError { try parse(base + "use_buffer: true\n") }
            == .outOfRange(key: "buffer_dataset_mixer", value: "missing", requirement: "set when use_buffer is true"))
    #expect(recipeError { try parse(base + "adam_beta2: 1\n") }
            == .outOfRange(key: "adam_beta2", value: "1.0", requirement: "in [0, 1)"))
}

@Test func missingAndDuplicateKeysAreNamed() {
    #expect(recipeError { try parse("dataset_mixer: {d.jsonl: 1}\n") } == .missingKey(key: "model", source: "recipe.yaml"))
    #expect(recipeError { try parse("model: m\n") } == .missingKey(key: "dataset_mixer", source: "recipe.yaml"))
    #expect(recipeError { try parse("model: m\nmodel: n\ndataset_mixer: {d.jsonl: 1}\n") }
            == .duplicateKey(key: "model", origin: .file(path: "recipe.yaml", line: 2)))
    #expect(recipeError { try parse("- model\n") } == .notAMapping(source: "recipe.yaml"))
}

@Test func overridesReplaceValuesBeforeValidation() throws {
    let recipe = try parse("model: m\ndataset_mixer: {d.jsonl: 1}\nshards: 0\ntokenizer: t.json\nobjective: bfpo\n", overrides: [
        "shards=2",                         // fixes the file's invalid value: overrides apply first
        "learning_rate=1e-4",
        "lr_scheduler_type=constant_with_warmup",
        "dataset_mixer={x.jsonl: 0.5, /abs/y.jsonl: 1}",  // relative to the working directory
        "tokenizer=",                       // an empty value is null
        "save_total_limit=null",
    ])
    #expect(recipe.shards == 2)
    #expect(recipe.learningRate == 1e-4)
    #expect(recipe.lrSchedulerType == .constantWithWarmup)
    #expect(recipe.datasetMixer == [.init(path: "/home/me/x.jsonl", fraction: 0.5), .init(path: "/abs/y.jsonl", fraction: 1)])
    #expect(recipe.tokenizer == nil)
    #expect(recipe.saveTotalLimit == nil)

    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\n"
    #expect(recipeError { try parse(base, overrides: ["shard=2"]) }
            == .unknownKeys([.init(key: "shard", origin: .override("shard=2"), suggestion: "shards")]))
    #expect(recipeError { try parse(base, overrides: ["shards"]) }
            == .invalidOverride(text: "shards", reason: "it must have the form key=value"))
    #expect(recipeError { try parse(base, overrides: ["seed=abc"]) }
            == .wrongType(key: "seed", expected: "an integer", found: "the string \"abc\"", origin: .override("seed=abc")))
}

@Test func resolvedYAMLParsesBackToTheSameRecipe() throws {
    var recipe = try parse(fullRecipe)
    // Paths YAML would misread unquoted.
    recipe.tokenizer = "/data/yes"
    recipe.datasetMixer.append(.init(path: "/data/odd: name #1.jsonl", fraction: 0.125))
    // Entries a flow sequence must quote.
    recipe.selectedLayers! += ["odd, [entry]: #1", "true", "5"]
    let text = try recipe.yaml()
    let again = try Recipe.parse(yaml: text, source: "recipe.yaml", baseDirectory: "/elsewhere", workingDirectory: "/nowhere")
    #expect(again == recipe)
    let keys = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != ":" }) }
    // Every key but an alias (the canonical key carries its value), in the table's order.
    #expect(keys == Recipe.fields.filter { $0.write != nil }.map(\.key))
    // Defaults are written too, so the resolved file stands alone.
    let defaults = try parse("model: m\ndataset_mixer: {d.jsonl: 1}\nobjective: bfpo\n")
    #expect(try defaults.yaml().contains("\nlearning_rate: 5.0e-05\n"))
    #expect(try defaults.yaml().contains("\nuse_selective: false\nselected_layers: null\n"))
    #expect(try Recipe.parse(yaml: defaults.yaml(), source: "r", baseDirectory: "/x") == defaults)
}

@Test func recipeFilePathsResolveAgainstItsDirectory() throws {
    let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("bfpo-recipe-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: directory + "/recipes", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try "model: ../runs/m\ndataset_mixer:\n  ./d.jsonl: 1\nobjective: dpo\n".write(toFile: directory + "/recipes/r.yaml", atomically: true, encoding: .utf8)
    let recipe = try Recipe.load(path: "recipes/r.yaml", overrides: ["reference_model=ref"], workingDirectory: directory)
    #expect(recipe.model == directory + "/runs/m")
    #expect(recipe.datasetMixer == [.init(path: directory + "/recipes/d.jsonl", fraction: 1)])
    #expect(recipe.referenceModel == directory + "/ref")
    #expect(recipeError { try Recipe.load(path: directory + "/missing.yaml") }.map { "\($0)" }?.hasPrefix(directory + "/missing.yaml: the recipe cannot be read") == true)
}

/// The example recipe shipped in `recipes/` stays valid.
@Test func bundledTinyRecipeParses() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let recipe = try Recipe.load(path: root + "/recipes/bfpo-tiny.yaml")
    #expect(recipe.model == root + "/runs/demo-model")
    #expect(recipe.datasetMixer == [.init(path: root + "/data/safety-benchmark/train.jsonl", fraction: 0.5)])
    #expect(recipe.objective == .bfpo && recipe.learningRate == 3e-4 && recipe.shards == 2)
}

/// The reference's keys: `selected_layers` is read whenever it is given and used only with `use_selective`,
/// so a recipe may carry a list that an override switches on (the reference's `bfpo.sh` does exactly that).
@Test func selectiveKeysParseAndValidateAsTheReferenceUsesThem() throws {
    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\nobjective: bfpo\n"
    let layout = ParameterLayout(config: GPT2Config(layers: 2, heads: 2, embedding: 8, positions: 16, vocabulary: 13))

    let off = try parse(base + "use_selective: false\nselected_layers:\n- down_proj\n")
    #expect(!off.useSelective && off.selectedLayers == ["down_proj"])
    #expect(try off.parameterSelection(layout: layout) == .all(in: layout))
    #expect(try off.yaml().contains("\nuse_selective: false\nselected_layers: [down_proj]\n"))

    let on = try parse(base + "use_selective: false\nselected_layers:\n- down_proj\n", overrides: ["use_selective=true"])
    #expect(on.useSelective && on.selectedLayers == ["down_proj"])
    let selection = try on.parameterSelection(layout: layout)
    #expect(selection.ranges == [840..<1104, 1712..<1976] && selection.count == 528)
    #expect(selection.tensorNames == ["transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
                                      "transformer.h.1.mlp.c_proj.weight", "transformer.h.1.mlp.c_proj.bias"])

    let overridden = try parse(base, overrides: ["use_selective=yes", "selected_layers=[c_attn, ln_f]"])
    #expect(overridden.selectedLayers == ["c_attn", "ln_f"])
    #expect(try overridden.parameterSelection(layout: layout).ranges == [248..<464, 1120..<1336, 1976..<1992])

    // Entries are checked against the model only once it is known.
    let unknown = try parse(base + "use_selective: true\nselected_layers: [donw_proj]\n")
    #expect(throws: ParameterSelectionError.unmatchedEntry(entry: "donw_proj", layers: 2)) { try unknown.parameterSelection(layout: layout) }
}

@Test func badSelectiveKeysAreNamed() {
    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\n"
    #expect(recipeError { try parse(base + "use_selective: true\n") }
            == .outOfRange(key: "selected_layers", value: "missing", requirement: "set when use_selective is true"))
    #expect(recipeError { try parse(base + "use_selective: true\nselected_layers: null\n") }
            == .outOfRange(key: "selected_layers", value: "missing", requirement: "set when use_selective is true"))
    #expect(recipeError { try parse(base + "selected_layers: []\n") }
            == .outOfRange(key: "selected_layers", value: "an empty list", requirement: "a list of at least one part of a parameter name"))
    #expect(recipeError { try parse(base + "selected_layers: [mlp, \"\"]\n") }
            == .outOfRange(key: "selected_layers[1]", value: "the empty string", requirement: "a part of a parameter name (an empty one selects every parameter)"))
    #expect(recipeError { try parse(base + "use_selective: true\nselected_layers: down_proj\n") }
            == .wrongType(key: "selected_layers", expected: "a list of strings", found: "the string \"down_proj\"", origin: .file(path: "recipe.yaml", line: 4)))
    #expect(recipeError { try parse(base + "selected_layers:\n- mlp\n- ~\n") }
            == .wrongType(key: "selected_layers[1]", expected: "a string", found: "null", origin: .file(path: "recipe.yaml", line: 5)))
    #expect(recipeError { try parse(base + "selected_layers: [{mlp: 1}]\n") }
            == .wrongType(key: "selected_layers[0]", expected: "a string", found: "a mapping", origin: .file(path: "recipe.yaml", line: 3)))
    #expect(recipeError { try parse(base + "use_selective: 1\n") }
            == .wrongType(key: "use_selective", expected: "true or false", found: "the number 1", origin: .file(path: "recipe.yaml", line: 3)))
    #expect(recipeError { try parse(base, overrides: ["selected_layer=[mlp]"]) }
            == .unknownKeys([.init(key: "selected_layer", origin: .override("selected_layer=[mlp]"), suggestion: "selected_layers")]))
}
