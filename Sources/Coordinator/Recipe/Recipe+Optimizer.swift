/// HF `TrainingArguments.optim` names a recipe may give. Every one is the same algorithm as this project's
/// AdamW (decoupled weight decay, bias correction, fp32 state); they differ only in the kernels PyTorch
/// runs, so each trains identically here. Other optimizers (`rmsprop`, `adafactor`, 8-bit and paged
/// variants) are refused rather than silently replaced by AdamW.
enum OptimizerName: String, CaseIterable, Equatable, Sendable {
    case adamwTorch = "adamw_torch"
    case adamwTorchFused = "adamw_torch_fused"
    case adamwHF = "adamw_hf"
}
