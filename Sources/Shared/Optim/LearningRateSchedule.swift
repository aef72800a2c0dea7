import Foundation

/// The learning rate of every optimizer step, as HF `transformers.get_scheduler` computes it.
///
/// HF wraps the optimizer in `LambdaLR`, so the rate of update s (0-based: the rate used for the
/// (s+1)-th optimizer step) is `learningRate × factor(s)` with, for W warmup and N total steps,
///
///     constant               1                        (warmup is ignored, as in HF)
///     constant_with_warmup   s/max(1, W) while s < W, then 1
///     linear                 s/max(1, W) while s < W, then max(0, (N − s)/max(1, N − W))
///     cosine                 s/max(1, W) while s < W, then max(0, ½(1 + cos(π · 0.5 · 2 · p))),
///                            p = (s − W)/max(1, N − W)
///
/// so the first update of a warmup schedule has rate 0, as in HF. Everything is computed in `Double`
/// in HF's order, so values equal Python's bit for bit.
public struct LearningRateSchedule: Sendable, Equatable {
    /// The recipe's `lr_scheduler_type` values; raw values are HF's names.
    public enum Kind: String, CaseIterable, Sendable, Codable {
        case constant
        case constantWithWarmup = "constant_with_warmup"
        case linear
        case cosine
    }

    public let kind: Kind
    /// The peak (base) learning rate.
    public let learningRate: Double
    /// The run's total optimizer steps N.
    public let totalSteps: Int
    public let warmupSteps: Int

    public init(kind: Kind, learningRate: Double, totalSteps: Int, warmupSteps: Int) {
        precondition(totalSteps >= 0 && warmupSteps >= 0, "step counts must be non-negative")
        self.kind = kind
        self.learningRate = learningRate
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
    }

    /// A schedule whose warmup is `warmupSteps(totalSteps:ratio:)`.
    public init(kind: Kind, learningRate: Double, totalSteps: Int, warmupRatio: Double) {
        self.init(kind: kind, learningRate: learningRate, totalSteps: totalSteps,
                  warmupSteps: Self.warmupSteps(totalSteps: totalSteps, ratio: warmupRatio))
    }

    /// HF `TrainingArguments.get_warmup_steps` for a ratio: `ceil(totalSteps × ratio)`, the product
    /// rounded in `Double` first — so 100 steps at ratio 0.07 warm up for 8 steps (100 × 0.07 is
    /// 7.000000000000001), exactly as in HF.
    public static func warmupSteps(totalSteps: Int, ratio: Double) -> Int {
        Int((Double(totalSteps) * ratio).rounded(.up))
    }

    /// The multiplier of `learningRate` at 0-based step `step`.
    public func factor(atStep step: Int) -> Double {
        let s = Double(step), warmup = Double(warmupSteps), total = Double(totalSteps)
        if kind != .constant, step < warmupSteps {
            return s / max(1, warmup)
        }
        switch kind {
        case .constant, .constantWithWarmup:
            return 1
        case .linear:
            return max(0, (total - s) / max(1, total - warmup))
        case .cosine:
            let progress = (s - warmup) / max(1, total - warmup)
            return max(0, 0.5 * (1 + cos(Double.pi * 0.5 * 2 * progress)))
        }
    }

    /// The learning rate of the update at 0-based step `step`.
    public func learningRate(atStep step: Int) -> Double {
        learningRate * factor(atStep: step)
    }
}
