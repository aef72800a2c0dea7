import Shared

/// This machine's single-thread `cblas_sgemm` throughput: the yardstick the step's GFLOPS are shared
/// against.
///
/// Multiplies a (2048 × 768) by a (768 × 2048) matrix — the shape class of the model's largest products —
/// repeatedly with one OpenBLAS thread, in rounds of at least `roundSeconds`, and keeps the best round.
enum PeakGEMM {
    static let m = 2048, n = 2048, k = 768

    /// GFLOPS (2·m·n·k per product) of the best of `rounds` rounds. Leaves `BLAS.threads` at 1.
    static func measure(rounds: Int = 3, roundSeconds: Double = 1.0) -> Double {
        BLAS.threads = 1
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
        for i in 0..<a.count { a[i] = Float(i % 17) * 0.01 - 0.08 }
        for i in 0..<b.count { b[i] = Float(i % 13) * 0.01 - 0.06 }
        func product() {
            BLAS.sgemm(.none, .none, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n,
                       beta: 0, c: c.pointer, ldc: n)
        }
        product()  // warm-up: page faults, OpenBLAS buffers
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        var best = 0.0
        for _ in 0..<rounds {
            let clock = ContinuousClock()
            let start = clock.now
            var products = 0
            var elapsed = 0.0
            repeat {
                product()
                products += 1
                elapsed = (clock.now - start).seconds
            } while elapsed < roundSeconds
            best = max(best, Double(products) * flops / elapsed / 1e9)
        }
        return best
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
