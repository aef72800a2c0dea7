import Foundation

/// A seeded, deterministic pseudo-random generator: xoshiro256** (Blackman and Vigna), its 256-bit
/// state filled from the seed by SplitMix64.
///
/// A value type whose whole state is its stored properties, so copying it forks the stream and
/// encoding it (`Codable`) saves a run's exact position for a checkpoint. The same seed gives the same
/// sequence of integers on every platform; `nextNormal()` also calls `log`, `sin` and `cos`, so its
/// values are bit-identical wherever the C math library is the same.
public struct RandomGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `nextNormal()`.
    private var spareNormal: Double?

    /// A generator whose stream is determined by `seed` alone.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // SplitMix64 never yields four zero words in a row, so the xoshiro state is never all zero.
        s0 = nextSplitMix()
        s1 = nextSplitMix()
        s2 = nextSplitMix()
        s3 = nextSplitMix()
        spareNormal = nil
    }

    /// The next 64 uniformly distributed bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// A uniform `Float` in [0, 1): the top 24 bits of `next()`, so every value is a multiple of 2⁻²⁴.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform `Double` in [0, 1): the top 53 bits of `next()`, so every value is a multiple of 2⁻⁵³.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal sample (mean 0, standard deviation 1) by the Box–Muller transform.
    ///
    /// Each transform turns two uniforms into two independent normals; the first is returned now and
    /// the second by the following call, so a sequence of calls consumes one `next()` per sample.
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // u1 is in (0, 1] so that log(u1) is finite.
        let u1 = 1 - nextDouble()
        let u2 = nextDouble()
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// A normal sample with the given mean and standard deviation, computed in `Double` and rounded once.
    public mutating func nextNormal(mean: Float, standardDeviation: Float) -> Float {
        Float(Double(mean) + Double(standardDeviation) * nextNormal())
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
