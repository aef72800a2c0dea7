import CKernels
import Foundation

/// The AdamW optimizer with `torch.optim.AdamW`'s arithmetic (its single-tensor CPU path, the one
/// PyTorch takes for CPU tensors), applied in place to a contiguous run of the flat parameter vector.
///
/// For step t = 1, 2, … (PyTorch increments the step before using it) at learning rate lr:
///
///     p ← p · (1 − lr·wd)                          decoupled weight decay, before the moments
///     m ← fma(1 − β1, g − m, m)                    PyTorch's m.lerp_(g, 1 − β1)
///     v ← fma((1 − β2) · g, g, v · β2)             PyTorch's v.mul_(β2).addcmul_(g, g, value=1 − β2)
///     denom = √v / √(1 − β2^t) + ε
///     p ← p + ((−lr / (1 − β1^t)) · m) / denom     PyTorch's p.addcdiv_(m, denom, value=−step_size)
///
/// Rounding follows PyTorch's: each scalar (`1 − lr·wd`, `1 − β1`, `β2`, `1 − β2`, `√(1 − β2^t)`, `ε`,
/// `−lr/(1 − β1^t)`) is computed in `Double`, as PyTorch's Python code does, and rounded to `Float`
/// once, as ATen does when it hands a Python number to a `float` kernel; each element operation is one
/// fp32 operation in the order written, with the two fused multiply-adds ATen's vectorized CPU kernels
/// use (`lerp` switches to `fma(w − 1, g − m, g)` when w = 1 − β1 ≥ 0.5, as ATen does). Checked by hand
/// against torch 2.13 on 1003-element tensors over five steps: `m` and `v` equal PyTorch's bit for bit;
/// parameters equal bit for bit a replay of PyTorch's code with a correctly rounded square root, and
/// differ from PyTorch itself by a few ulps in a few percent of elements, because PyTorch's CPU `sqrt`
/// (MKL's vector math here) is off by one ulp in about 16% of elements.
///
/// Moments live in caller-owned buffers of the parameters' layout (a shard's `exp_avg`/`exp_avg_sq`),
/// so a step allocates nothing. The element loop runs in `CKernels` where the CPU has AVX2 or AVX-512
/// (`VectorUnit`): in Swift on Linux `Float.squareRoot()` is a call to libc's `sqrtf` and a fused
/// multiply-add one to `fmaf`, which keep the loop from vectorising (6–7 ns an element on the 2-core
/// development machine, 0.35 with its AVX-512; `bfpo-bench publish`). Each operation is correctly
/// rounded per element, so every unit gives the same bits.
public enum AdamW {
    /// The optimizer's constants, under PyTorch's meaning.
    public struct Hyperparameters: Sendable, Equatable, Codable {
        public var beta1: Double
        public var beta2: Double
        public var epsilon: Double
        /// Decoupled weight decay, applied only to the ranges a caller marks (see `WeightDecay`).
        public var weightDecay: Double

        /// PyTorch's `AdamW` defaults, except `weightDecay`, whose default is HF `TrainingArguments`' 0.
        public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    /// One step's scalars, computed once per step and rounded to `Float` where PyTorch rounds them.
    public struct StepScalars: Sendable, Equatable {
        /// `1 − lr·wd`: the factor decayed parameters are multiplied by (1 when wd is 0).
        public var decayFactor: Float
        /// `1 − β1`: `lerp`'s weight.
        public var lerpWeight: Float
        public var beta2: Float
        public var oneMinusBeta2: Float
        /// `√(1 − β2^t)`.
        public var biasCorrection2Root: Float
        public var epsilon: Float
        /// `−lr / (1 − β1^t)`.
        public var negativeStepSize: Float

        /// The scalars of step `step` (from 1: PyTorch's `state["step"]` after its increment).
        public init(step: Int, learningRate: Double, hyperparameters h: Hyperparameters) {
            precondition(step >= 1, "AdamW steps count from 1")
            let t = Double(step)
            let biasCorrection1 = 1 - pow(h.beta1, t)
            let biasCorrection2 = 1 - pow(h.beta2, t)
            decayFactor = h.weightDecay == 0 ? 1 : Float(1 - learningRate * h.weightDecay)
            lerpWeight = Float(1 - h.beta1)
            beta2 = Float(h.beta2)
            oneMinusBeta2 = Float(1 - h.beta2)
            biasCorrection2Root = Float(biasCorrection2.squareRoot())
            epsilon = Float(h.epsilon)
            negativeStepSize = Float(-(learningRate / biasCorrection1))
        }
    }

    /// One AdamW step on `count` consecutive elements (one shard), decaying only `decayRanges`.
    ///
    /// - Parameters:
    ///   - parameters: (count) updated in place.
    ///   - gradients: (count) the gradient before `gradientScale`.
    ///   - gradientScale: multiplies each gradient element first (one fp32 rounding), so a summed
    ///     gradient's 1/pairs and clip factor need no pass of their own; 1 leaves the gradient exact.
    ///   - firstMoment: (count) `exp_avg`, updated in place.
    ///   - secondMoment: (count) `exp_avg_sq`, updated in place.
    ///   - decayRanges: sorted, disjoint ranges within `0..<count` (relative to `parameters`) that take
    ///     weight decay, as `WeightDecay.ranges(in:within:)` gives them.
    ///   - step: this update's step count t, from 1.
    ///   - learningRate: the scheduled learning rate of this step.
    public static func update(
        parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, gradientScale: Float = 1,
        firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>, count: Int,
        decayRanges: [Range<Int>], step: Int, learningRate: Double, hyperparameters: Hyperparameters
    ) {
        update(parameters: parameters, gradients: gradients, gradientScale: gradientScale, firstMoment: firstMoment,
               secondMoment: secondMoment, count: count, decayRanges: decayRanges, step: step, learningRate: learningRate,
               hyperparameters: hyperparameters, unit: .best)
    }

    /// `update` on the given vector unit (tests compare the units).
    static func update(
        parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, gradientScale: Float = 1,
        firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>, count: Int,
        decayRanges: [Range<Int>], step: Int, learningRate: Double, hyperparameters: Hyperparameters, unit: VectorUnit
    ) {
        let s = StepScalars(step: step, learningRate: learningRate, hyperparameters: hyperparameters)
        func run(_ range: Range<Int>, decayFactor: Float) {
            guard !range.isEmpty else { return }
            let o = range.lowerBound
            kernel(parameters + o, gradients + o, firstMoment + o, secondMoment + o, count: range.count,
                   scalars: s, decayFactor: decayFactor, gradientScale: gradientScale, unit: unit)
        }
        var cursor = 0
        for decayed in decayRanges {
            precondition(decayed.lowerBound >= cursor && decayed.upperBound <= count, "decay ranges must be sorted, disjoint and within the shard")
            run(cursor..<decayed.lowerBound, decayFactor: 1)
            run(decayed, decayFactor: s.decayFactor)
            cursor = decayed.upperBound
        }
        run(cursor..<count, decayFactor: 1)
    }

    /// The element loop. Undecayed runs use `decayFactor` 1: p·1 is p bit for bit, like PyTorch's skipping
    /// the multiplication for a parameter group whose `weight_decay` is 0.
    private static func kernel(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, count: Int,
        scalars s: StepScalars, decayFactor: Float, gradientScale: Float, unit: VectorUnit
    ) {
        // ATen's lerp switches formula at |w| = 0.5, so that the factor multiplying (g − m) is the small one.
        let smallWeight = abs(s.lerpWeight) < 0.5
        let lerpFactor = smallWeight ? s.lerpWeight : s.lerpWeight - 1
        var scalars = bfpo_adamw_scalars(
            gradient_scale: gradientScale, decay_factor: decayFactor, lerp_factor: lerpFactor, small_weight: smallWeight ? 1 : 0,
            beta2: s.beta2, one_minus_beta2: s.oneMinusBeta2, bias_correction2_root: s.biasCorrection2Root, epsilon: s.epsilon,
            negative_step_size: s.negativeStepSize)
        switch unit {
        case .avx512: return bfpo_adamw_avx512(p, g, m, v, count, &scalars)
        case .avx2: return bfpo_adamw_avx2(p, g, m, v, count, &scalars)
        case .baseline: break
        }
        for i in 0..<count {
            let grad = g[i] * gradientScale
            let decayed = p[i] * decayFactor
            let m1 = (smallWeight ? m[i] : grad).addingProduct(lerpFactor, grad - m[i])
            let v1 = (v[i] * s.beta2).addingProduct(s.oneMinusBeta2 * grad, grad)
            m[i] = m1
            v[i] = v1
            let denominator = v1.squareRoot() / s.biasCorrection2Root + s.epsilon
            p[i] = decayed + (s.negativeStepSize * m1) / denominator
        }
    }
}
