extension Recipe {
    /// A key of the reference's recipes, alignment-handbook's or HF `TrainingArguments` that this project
    /// does not read. It is accepted, so those recipes run as they are, with one warning saying what happens
    /// instead; or refused, where running without it would train something other than what the recipe says.
    struct InapplicableKey: Sendable {
        /// The key, or with `isPrefix` every key that starts with it (`hub_`, `ddp_`).
        let name: String
        let isPrefix: Bool
        /// What happens here instead (a warning), or why it cannot run (an error).
        let reason: String
        let isRefused: Bool
        /// Values, as written, that ask for nothing this project does not do; null, false and empty values
        /// always do.
        let inertValues: Set<String>

        init(_ name: String, prefix: Bool = false, _ reason: String, refused: Bool = false, inert: Set<String> = []) {
            self.name = name
            isPrefix = prefix
            self.reason = reason
            isRefused = refused
            inertValues = inert
        }

        func matches(_ key: String) -> Bool { isPrefix ? key.hasPrefix(name) : key == name }
    }

    /// The list, from the keys the reference's recipes and launch scripts and alignment-handbook's recipes
    /// set. docs/recipes.md ("Keys from other tools") lists them for users.
    static let inapplicableKeys: [InapplicableKey] = {
        let fp32 = "CPU runs keep parameters, gradients and optimizer state in fp32 (compression: bf16 halves what crosses the wire)"
        let hub = "nothing is uploaded to the Hugging Face Hub; checkpoints stay in the run directory"
        let local = "models are local directories here"
        let hubData = "Hub datasets are not fetched here; name local files or directories in dataset_mixer (with dataset_splits)"
        let distribution = "distribution is this project's own: workers, shards and max_staleness"
        let attention = "attention runs on this project's CPU kernels"
        let oneSequence = "each response is its own sequence here"
        return [
            // Model loading.
            InapplicableKey("torch_dtype", fp32, inert: ["auto", "float32"]),
            InapplicableKey("bf16", fp32),
            InapplicableKey("fp16", fp32),
            InapplicableKey("tf32", fp32),
            InapplicableKey("load_in_8bit", fp32),
            InapplicableKey("load_in_4bit", fp32),
            InapplicableKey("model_revision", local, inert: ["main"]),
            InapplicableKey("base_model_revision", local),
            InapplicableKey("model_code_revision", local),
            InapplicableKey("trust_remote_code", local),
            InapplicableKey("use_flash_attention_2", attention),
            InapplicableKey("attn_implementation", attention),
            InapplicableKey("use_liger_kernel", attention),
            InapplicableKey("use_peft", "LoRA adapters are not available; use_selective with selected_layers trains part of the model", refused: true),
            InapplicableKey("lora_", prefix: true, "LoRA adapters are not available (use_peft)"),
            // Data.
            InapplicableKey("chat_template", "pairs are rendered with the built-in zephyr template, the reference's own (docs/contracts.md, \"Chat template\")"),
            InapplicableKey("eos_token", "the tokenizer's own end-of-sequence token ends every turn"),
            InapplicableKey("preprocessing_num_workers", "the coordinator tokenizes the data once, itself"),
            InapplicableKey("dataset_num_proc", "the coordinator tokenizes the data once, itself"),
            InapplicableKey("remove_unused_columns", "rows are read by their fields; nothing is removed"),
            InapplicableKey("packing", oneSequence),
            InapplicableKey("padding_free", oneSequence),
            InapplicableKey("packing_strategy", oneSequence),
            InapplicableKey("assistant_only_loss", "SFT's loss counts the response's tokens only"),
            InapplicableKey("average_tokens_across_devices", "a step's gradient is the mean over its pairs"),
            InapplicableKey("dataset_mixture", hubData, refused: true),
            InapplicableKey("dataset_name", hubData, refused: true),
            InapplicableKey("dataset_config", hubData, refused: true),
            InapplicableKey("dataset_train_split", hubData, refused: true),
            InapplicableKey("dataset_test_split", hubData, refused: true),
            InapplicableKey("dataset_kwargs", hubData, refused: true),
            // Training loop.
            InapplicableKey("gradient_checkpointing", "activations are not recomputed; a worker refuses a batch whose activations exceed its memory"),
            InapplicableKey("gradient_checkpointing_kwargs", "activations are not recomputed (gradient_checkpointing)"),
            InapplicableKey("lr_scheduler_kwargs", "the schedules here take no extra arguments"),
            InapplicableKey("max_steps", "the run's length is num_train_epochs", refused: true, inert: ["-1"]),
            InapplicableKey("warmup_steps", "warmup_ratio sets the warmup here", refused: true, inert: ["0"]),
            InapplicableKey("do_train", "bfpo-coordinator train always trains", inert: ["true", "True"]),
            InapplicableKey("overwrite_output_dir", "a run directory holding checkpoints resumes from the newest; give another --run-dir to start over"),
            InapplicableKey("logging_strategy", "progress lines follow logging_steps", inert: ["steps"]),
            InapplicableKey("logging_first_step", "progress lines follow logging_steps"),
            InapplicableKey("run_name", "a run is named by its run directory"),
            // Hub and distribution.
            InapplicableKey("push_to_hub", hub),
            InapplicableKey("hub_", prefix: true, hub),
            InapplicableKey("ddp_", prefix: true, distribution),
            InapplicableKey("fsdp", prefix: true, distribution),
            InapplicableKey("deepspeed", distribution),
        ]
    }()

    /// The entry that covers `key`, if any.
    static func inapplicableKey(_ key: String) -> InapplicableKey? {
        inapplicableKeys.first { $0.matches(key) }
    }
}
