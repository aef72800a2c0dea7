/// Element-wise math for the model's non-matrix work, written so the compiler vectorises it.
///
/// glibc's `expf` and `tanhf` are opaque calls, one element at a time: in the small benchmark config
/// `tanhf` alone took a quarter of the step (BENCHMARKS.md). `exp` here is plain arithmetic the loop
/// vectoriser can widen, and the reductions keep eight independent partial sums in a SIMD register,
/// which strict floating point forbids the compiler to do by itself. Reductions are in a fixed order
/// that depends only on the count, so results never depend on threads or on the caller.
enum VectorMath {
    /// eˣ to within 2 ulp over the float range (Cephes `expf`): x = n·ln2 + r with |r| ≤ ln2/2, a
    /// degree-7 polynomial for eʳ, and 2ⁿ built in the exponent bits.
    ///
    /// Inputs are clamped to [−87.3, 88]: below, the result is e^−87.3 ≈ 1.18e-38, just above the
    /// smallest normal float (callers only add or scale it, never divide by it); above, e⁸⁸ ≈ 1.65e38.
    /// NaN gives NaN. The rounding to the nearest integer uses the 1.5·2²³ trick, whose sum also carries
    /// n in its low mantissa bits, so no float-to-integer conversion (which would trap on NaN) is needed.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = x < -87.33654 ? -87.33654 : (x > 88 ? 88 : x)
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let exponent = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
        return x.isNaN ? x : p * Float(bitPattern: exponent)
    }

    /// Σ values[0..<count].
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += load(values + i)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += values[i]
            i += 1
        }
        return total
    }

    /// Σ a[i]·b[i] over 0..<count.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += load(a + i) * load(b + i)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// Σ (values[i] − shift)² over 0..<count (LayerNorm's variance about its mean).
    static func squaredDeviations(_ values: UnsafePointer<Float>, count: Int, from shift: Float) -> Float {
        var lanes = SIMD8<Float>()
        let center = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= count {
            let d = load(values + i) - center
            lanes += d * d
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            let d = values[i] - shift
            total += d * d
            i += 1
        }
        return total
    }

    /// Σ a[i]·b[i]·(x[i] − shift) over 0..<count (LayerNorm's backward projection onto x̂).
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, deviations x: UnsafePointer<Float>, count: Int, from shift: Float) -> Float {
        var lanes = SIMD8<Float>()
        let center = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= count {
            lanes += load(a + i) * load(b + i) * (load(x + i) - center)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += a[i] * b[i] * (x[i] - shift)
            i += 1
        }
        return total
    }

    /// max(values[0..<count]); −∞ for an empty range.
    static func max(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            // A select, not `pointwiseMax`, which the compiler leaves as an out-of-line generic call.
            let next = load(values + i)
            lanes.replace(with: next, where: next .> lanes)
            i += 8
        }
        var peak = lanes.max()
        while i < count {
            peak = Swift.max(peak, values[i])
            i += 1
        }
        return peak
    }

    /// Replaces values[i] by e^(values[i] − shift) and returns their sum.
    static func exponentiate(_ values: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        for i in 0..<count { values[i] = exp(values[i] - shift) }
        return sum(values, count: count)
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
}
