/// A quick numerical check of `BLAS.sgemm` against a Double-precision reference, run before a process
/// trusts kernels it switched to (`BLASCoreSetup`): a core that loads but computes wrong products (a
/// kernel bug, a mis-detected cache size) must not train a model.
///
/// Twenty products, a few milliseconds: five shapes — odd sizes that exercise the kernels' edge
/// handling, a degenerate 1×1×1, and one square multiple of the register blocks — each under all four
/// transpose combinations, with α ≠ 1 and β ≠ 0 so that scaling and accumulation into C are checked too.
/// The inputs are uniform in [−1, 1) from a fixed seed, so a failure reproduces.
public enum BLASSelfTest {
    /// One product `C = α·op(A)·op(B) + β·C` with op(A) (m, k), op(B) (k, n), all row-major and dense.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var m: Int, n: Int, k: Int
        public var transA: BLAS.Transpose, transB: BLAS.Transpose
        public var alpha: Float, beta: Float

        /// Leading dimensions of A and B as stored (transposed operands are stored transposed).
        public var lda: Int { transA == .none ? k : m }
        public var ldb: Int { transB == .none ? n : k }

        public var description: String {
            "\(m)×\(n)×\(k) (m×n×k) with \(transA == .none ? "A" : "Aᵀ")·\(transB == .none ? "B" : "Bᵀ")"
        }
    }

    /// The worst product of a run, measured against its tolerance.
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        /// The product whose largest error was the largest fraction of its tolerance.
        public var worst: Problem
        /// That product's largest |c − reference| and the tolerance at the same element.
        public var error: Double
        public var tolerance: Double

        public var passed: Bool { error <= tolerance }

        public var description: String {
            let verdict = passed ? "passed" : "failed"
            return "\(verdict); worst \(worst): error \(error) against a tolerance of \(tolerance)"
        }
    }

    /// The products the test runs.
    public static let problems: [Problem] = {
        let shapes = [(1, 1, 1), (7, 13, 5), (33, 65, 17), (129, 3, 257), (64, 64, 64)]
        let transposes: [(BLAS.Transpose, BLAS.Transpose)] = [(.none, .none), (.transpose, .none), (.none, .transpose), (.transpose, .transpose)]
        return shapes.flatMap { m, n, k in
            transposes.map { Problem(m: m, n: n, k: k, transA: $0.0, transB: $0.1, alpha: 0.75, beta: -0.5) }
        }
    }()

    /// Computes `c = α·op(a)·op(b) + β·c` for a problem; the test's subject.
    public typealias Product = (_ problem: Problem, _ a: [Float], _ b: [Float], _ c: inout [Float]) -> Void

    /// The product under test in production: `BLAS.sgemm`.
    public static let blasProduct: Product = { problem, a, b, c in
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(problem.transA, problem.transB, m: problem.m, n: problem.n, k: problem.k,
                               alpha: problem.alpha, a: a.baseAddress!, lda: problem.lda, b: b.baseAddress!, ldb: problem.ldb,
                               beta: problem.beta, c: c.baseAddress!, ldc: problem.n)
                }
            }
        }
    }

    /// Runs every problem through `product` and compares with the reference.
    ///
    /// Tolerance per element: |c − ref| ≤ 1e-5 · (|α|·Σₖ|aᵢₖ·bₖⱼ| + |β|·|c₀ᵢⱼ|) + 1e-6. Float32 products
    /// summed in any order (blocked, FMA or not) stay within a few units of 6e-8 times √k of that sum —
    /// below 1e-6 of it at k = 257 — while a kernel that drops, repeats or misplaces a term errs by a
    /// whole term, at least 1e-3 of the sum here. 1e-5 sits between with a wide margin on both sides;
    /// the absolute 1e-6 covers sums that cancel to nearly zero.
    public static func run(product: Product = blasProduct, seed: UInt64 = 0x5E1F_7E57) -> Outcome {
        var generator = RandomGenerator(seed: seed)
        var worst: (problem: Problem, error: Double, tolerance: Double)?
        for problem in problems {
            let a = (0..<(problem.m * problem.k)).map { _ in generator.nextFloat() * 2 - 1 }
            let b = (0..<(problem.k * problem.n)).map { _ in generator.nextFloat() * 2 - 1 }
            let c0 = (0..<(problem.m * problem.n)).map { _ in generator.nextFloat() * 2 - 1 }
            var c = c0
            product(problem, a, b, &c)
            let (error, tolerance) = largestError(problem: problem, a: a, b: b, c0: c0, c: c)
            if worst.map({ severity(error, tolerance) > severity($0.error, $0.tolerance) }) ?? true {
                worst = (problem, error, tolerance)
            }
        }
        return worst.map { Outcome(worst: $0.problem, error: $0.error, tolerance: $0.tolerance) }!
    }

    /// How far past its tolerance an error is; a NaN error (from a NaN or infinite result) is worse than
    /// any number.
    private static func severity(_ error: Double, _ tolerance: Double) -> Double {
        error.isNaN ? .infinity : error / tolerance
    }

    /// The element of `c` farthest from the Double reference relative to its tolerance: that error and
    /// tolerance. A NaN error (a NaN or infinite result) is returned as it is and fails any comparison.
    static func largestError(problem p: Problem, a: [Float], b: [Float], c0: [Float], c: [Float]) -> (Double, Double) {
        var worst = (error: 0.0, tolerance: 1.0)
        for i in 0..<p.m {
            for j in 0..<p.n {
                var sum = 0.0, magnitude = 0.0
                for l in 0..<p.k {
                    let x = Double(p.transA == .none ? a[i * p.lda + l] : a[l * p.lda + i])
                    let y = Double(p.transB == .none ? b[l * p.ldb + j] : b[j * p.ldb + l])
                    sum += x * y
                    magnitude += abs(x * y)
                }
                let beta = Double(p.beta), alpha = Double(p.alpha), start = Double(c0[i * p.n + j])
                let reference = alpha * sum + beta * start
                let error = abs(Double(c[i * p.n + j]) - reference)
                let tolerance = 1e-5 * (abs(alpha) * magnitude + abs(beta) * abs(start)) + 1e-6
                if error.isNaN { return (error, tolerance) }
                if error / tolerance > worst.error / worst.tolerance { worst = (error, tolerance) }
            }
        }
        return worst
    }
}
